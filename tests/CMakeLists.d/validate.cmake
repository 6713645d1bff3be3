# `skinheal validate`: a case end to end with its JSON report, and an unknown case name refused.
find_program(SKINHEAL_BASH bash REQUIRED)
add_test(NAME cli.validate
         COMMAND ${SKINHEAL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/validate/test_validate_cli.sh
                 $<TARGET_FILE:skinheal> /usr/bin/python3 ${CMAKE_BINARY_DIR}/validate_cli)
set_tests_properties(cli.validate PROPERTIES LABELS validation TIMEOUT 300)

# The 12-month default scenario's day-365 dermal outcomes against a run with steps of at most 6 h
# (itself checked against pinned values of a run converged in the step and the tolerances):
# within 2 %, and the line sweeps at 7-day steps must miss (validate/check_default_tolerance.py).
# About 30 s on 2 threads.
add_test(NAME validation.default_accuracy
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/validate/check_default_tolerance.py
                 $<TARGET_FILE:skinheal> ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR}/default_accuracy)
set_tests_properties(validation.default_accuracy PROPERTIES LABELS validation TIMEOUT 600)
# The pinned values themselves: the converged run (20 min steps, rtol 0.003, tight absolute
# tolerances; about 36 000 steps, 3 to 6 minutes): label `slow` (bash scripts/test.sh --all).
add_test(NAME validation.default_converged_reference
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/validate/check_default_tolerance.py
                 $<TARGET_FILE:skinheal> ${PROJECT_SOURCE_DIR}
                 ${CMAKE_BINARY_DIR}/default_converged --converged)
set_tests_properties(validation.default_converged_reference PROPERTIES LABELS "validation;slow"
                                                                        TIMEOUT 1800)
