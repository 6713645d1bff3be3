# Malformed scenarios (tests/bad_inputs/*.toml, each with the message it must produce): `check`
# and `run` must exit 2 with one clear line naming the file, and leave no output behind.
find_program(SKINHEAL_BASH bash REQUIRED)
add_test(NAME cli.bad_inputs
         COMMAND ${SKINHEAL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/bad_inputs/run_bad_inputs.sh
                 $<TARGET_FILE:skinheal> ${CMAKE_CURRENT_SOURCE_DIR}/bad_inputs)
set_tests_properties(cli.bad_inputs PROPERTIES LABELS unit TIMEOUT 900)
