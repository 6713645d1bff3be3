# Checkpoints and `skinheal run --resume` (issues 4 and 6): bitwise resume after interruptions
# at several points, real SIGINT/SIGTERM, kill -9 (the partial file stays readable), 1 → 2
# threads, the skin model; refusals of other scenarios and corrupt checkpoints; a numerical
# failure (exit 3) keeps the last good checkpoint.
find_program(SKINHEAL_BASH bash REQUIRED)
if(Python3_EXECUTABLE)
  set(SKINHEAL_RESUME_PYTHON ${Python3_EXECUTABLE})
else()
  find_program(SKINHEAL_RESUME_PYTHON python3 REQUIRED)
endif()
foreach(case sigint kill9 refuse threads skin numerical)
  add_test(NAME resume.${case}
           COMMAND ${SKINHEAL_BASH} ${CMAKE_CURRENT_SOURCE_DIR}/resume/test_${case}.sh
                   $<TARGET_FILE:skinheal> ${PROJECT_SOURCE_DIR} ${SKINHEAL_RESUME_PYTHON})
  set_tests_properties(resume.${case} PROPERTIES LABELS unit TIMEOUT 120
                       ENVIRONMENT OMP_NUM_THREADS=1)
endforeach()
