# Every scenario in scenarios/ is checked (`skinheal check`) and run at reduced size
# (`skinheal run --set ...`) by CTest (STYLE.md practice 7). Reduced settings per scenario live
# in SKINHEAL_REDUCED_<name>; the default shortens the run to one day.
set(SKINHEAL_REDUCED_demo_diffusion "time.end=\"2 d\"" "grid.dx=\"50 um\"")
set(SKINHEAL_REDUCED_roller_1p5mm_collagen_induction "time.end=\"3 d\"" "treatment.sessions=[\"0 d\"]")
set(SKINHEAL_REDUCED_single_needle "time.end=\"6 h\"")
set(SKINHEAL_REDUCED_home_roller_0p25mm "time.end=\"4 d\"" "treatment.sessions=[\"0 d\", \"3 d\"]" "grid.dx=\"40 um\"")
set(SKINHEAL_REDUCED_pen_scar_5_sessions "time.end=\"1 d\"" "treatment.sessions=[\"0 d\"]" "grid.dx=\"40 um\"")
# patch_3d: 100 µm lateral spacing (20 × 20 columns) and 2 h after the session: ~15 s.
set(SKINHEAL_REDUCED_patch_3d "time.end=\"2 h\"" "grid.dx=\"100 um\"")
# unit_cell_rz: 36 × 49 rings, cheap enough for a week after one session.
set(SKINHEAL_REDUCED_unit_cell_rz "time.end=\"7 d\"" "treatment.sessions=[\"0 d\"]")
set(SKINHEAL_REDUCED_serum_delivery "time.end=\"1 h\"" "grid.dx=\"50 um\"")

file(GLOB scenario_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/*.toml)
foreach(scenario ${scenario_files})
  get_filename_component(name ${scenario} NAME_WE)
  add_test(NAME scenario.check.${name} COMMAND $<TARGET_FILE:skinheal> check ${scenario})
  # Shipped scenarios load without a warning (a grid that leaves out a layer or cuts a channel
  # off warns: models/skin_model.hpp grid_depth_warnings).
  set_tests_properties(scenario.check.${name} PROPERTIES LABELS unit FAIL_REGULAR_EXPRESSION
                                                         "warning")
  if(DEFINED SKINHEAL_REDUCED_${name})
    set(reduced ${SKINHEAL_REDUCED_${name}})
  else()
    set(reduced "time.end=\"1 d\"")
  endif()
  set(args run ${scenario} -o ${CMAKE_BINARY_DIR}/scenario_runs/${name}.h5 --force --quiet)
  foreach(o ${reduced})
    list(APPEND args --set ${o})
  endforeach()
  add_test(NAME scenario.run.${name} COMMAND $<TARGET_FILE:skinheal> ${args})
  set_tests_properties(scenario.run.${name} PROPERTIES LABELS unit TIMEOUT 600)
endforeach()
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/scenario_runs)
