# The command line's error paths: one clear line, exit code 2, nothing written.
find_program(SKINHEAL_BASH bash REQUIRED)
add_test(NAME cli.errors COMMAND ${SKINHEAL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_errors.sh
                                 $<TARGET_FILE:skinheal> ${PROJECT_SOURCE_DIR})
set_tests_properties(cli.errors PROPERTIES LABELS unit)

# `skinheal sweep`: CSV rows and values, a failed run recorded, validation before running.
add_test(NAME cli.sweep COMMAND ${SKINHEAL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_sweep.sh
                                $<TARGET_FILE:skinheal> ${PROJECT_SOURCE_DIR})
set_tests_properties(cli.sweep PROPERTIES LABELS unit TIMEOUT 600)
