# The command line's error paths: one clear line, exit code 2, nothing written.
find_program(SKINHEAL_BASH bash REQUIRED)
add_test(NAME cli.errors COMMAND ${SKINHEAL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli_errors.sh
                                 $<TARGET_FILE:skinheal> ${PROJECT_SOURCE_DIR})
set_tests_properties(cli.errors PROPERTIES LABELS unit)

# `skinheal sweep`: CSV rows and values, a failed run recorded, validation before running.
add_test(NAME cli.sweep COMMAND ${SKINHEAL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_sweep.sh
                                $<TARGET_FILE:skinheal> ${PROJECT_SOURCE_DIR})
set_tests_properties(cli.sweep PROPERTIES LABELS unit TIMEOUT 600)

# `skinheal check`: the memory line. patch_3d has 13 fields on 50 × 50 × 79 cells: state
# 13 × 197 500 × 8 B = 19.6 MiB; while stepping 3 copies of the state plus 2 fields of
# transport scratch (the guard and the coupled growth factor) = 3 × 19.59 + 2 × 1.51 = 61.8 MiB.
add_test(NAME cli.check_memory
         COMMAND $<TARGET_FILE:skinheal> check ${PROJECT_SOURCE_DIR}/scenarios/patch_3d.toml)
set_tests_properties(cli.check_memory PROPERTIES LABELS unit PASS_REGULAR_EXPRESSION
  "memory: state 19\\.6 MiB; the engine holds about 61\\.8 MiB while stepping \\(3 copies of the state for step doubling, 2 field\\(s\\) of transport scratch\\)")
