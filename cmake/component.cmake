# rk_component(<faction> <name> SOURCES ... [DEPENDS lib ...] [NOINSTALL])
#
# A component is a shared library librump<faction>_<name> (librump<faction> for a faction's
# base component, name "") that registers itself with the
# kernel's component catalogue when it is loaded (DESIGN.md §4 "Components"). It is installed,
# gets a pkg-config module of its own and joins rump-all.
set_property(GLOBAL PROPERTY RK_COMPONENTS "")

function(rk_component faction name)
  cmake_parse_arguments(C "NOINSTALL" "" "SOURCES;DEPENDS" ${ARGN})
  if(name STREQUAL "")
    set(lib rump${faction})
  else()
    set(lib rump${faction}_${name})
  endif()
  add_library(${lib} SHARED ${C_SOURCES})
  target_link_libraries(${lib} PUBLIC rump ${C_DEPENDS})
  rk_kernel_code(${lib})
  target_include_directories(${lib} PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>)
  if(NOT C_NOINSTALL)
    install(TARGETS ${lib} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
    set_property(GLOBAL APPEND PROPERTY RK_COMPONENTS ${lib})
  endif()
endfunction()
