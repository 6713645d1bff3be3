# Python tests (label python): every python/tests/test_*.py is one CTest test run by pytest, and
# every python/notebooks/*.ipynb is executed headless (python/tests/run_notebook.py) at reduced
# size (SKINHEAL_NOTEBOOK_SMALL=1). All run against the package in <build>/python.
if(NOT TARGET _core)
  return()
endif()
find_package(Python3 COMPONENTS Interpreter)
set(skinheal_py_env
    "PYTHONPATH=${SKINHEAL_PYTHON_DIR}" "OMP_NUM_THREADS=1" "MPLBACKEND=Agg"
    "SKINHEAL_SCENARIOS=${PROJECT_SOURCE_DIR}/scenarios" "SKINHEAL_CLI=$<TARGET_FILE:skinheal>"
    "SKINHEAL_NOTEBOOK_SMALL=1" "PYTHONDONTWRITEBYTECODE=1")
file(GLOB py_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/python/tests/test_*.py)
foreach(t ${py_tests})
  get_filename_component(name ${t} NAME_WE)
  add_test(NAME python.${name}
           COMMAND ${Python3_EXECUTABLE} -m pytest -q -p no:cacheprovider ${t}
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(python.${name} PROPERTIES LABELS python TIMEOUT 300
                       ENVIRONMENT "${skinheal_py_env}")
endforeach()
file(GLOB notebooks CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/python/notebooks/*.ipynb)
foreach(nb ${notebooks})
  get_filename_component(name ${nb} NAME_WE)
  add_test(NAME python.notebook.${name}
           COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/python/tests/run_notebook.py ${nb}
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(python.notebook.${name} PROPERTIES LABELS python TIMEOUT 120
                       ENVIRONMENT "${skinheal_py_env}")
endforeach()
