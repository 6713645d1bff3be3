# `skinheal validate`: a case end to end with its JSON report, and an unknown case name refused.
find_program(SKINHEAL_BASH bash REQUIRED)
add_test(NAME cli.validate
         COMMAND ${SKINHEAL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/validate/test_validate_cli.sh
                 $<TARGET_FILE:skinheal> /usr/bin/python3 ${CMAKE_BINARY_DIR}/validate_cli)
set_tests_properties(cli.validate PROPERTIES LABELS validation TIMEOUT 300)

# The 12-month default scenario at its own tolerance (rtol 0.03) against a 10× tighter run, on
# the dermal collagen, elastin and fibroblast outcomes (within 3 %), and a scheme known to be
# biased on this model that must miss (validate/check_default_tolerance.py). About 3 minutes on
# 2 threads: label `slow` (bash scripts/test.sh --all).
add_test(NAME validation.default_tolerance_converged
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/validate/check_default_tolerance.py
                 $<TARGET_FILE:skinheal> ${PROJECT_SOURCE_DIR}
                 ${CMAKE_BINARY_DIR}/default_tolerance)
set_tests_properties(validation.default_tolerance_converged PROPERTIES LABELS "validation;slow"
                                                                       TIMEOUT 1800)
