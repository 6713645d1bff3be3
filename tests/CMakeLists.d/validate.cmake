# `skinheal validate`: a case end to end with its JSON report, and an unknown case name refused.
find_program(SKINHEAL_BASH bash REQUIRED)
add_test(NAME cli.validate
         COMMAND ${SKINHEAL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/validate/test_validate_cli.sh
                 $<TARGET_FILE:skinheal> /usr/bin/python3 ${CMAKE_BINARY_DIR}/validate_cli)
set_tests_properties(cli.validate PROPERTIES LABELS validation TIMEOUT 300)
