# rump_fuse (docs/FUSE.md): an image mounted on the host through FUSE, its driver in a rump
# kernel inside the program. Built only where libfuse3 is found (Debian: libfuse3-dev).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(FUSE3 IMPORTED_TARGET GLOBAL fuse3)
endif()
if(NOT FUSE3_FOUND)
  message(STATUS "rump_fuse: libfuse3 not found (install libfuse3-dev), not built")
  return()
endif()

set(RUMP_FUSE_COMPONENTS rumpvfs rumpfs_tmpfs)
if(TARGET rumpfs_ext2)
  list(APPEND RUMP_FUSE_COMPONENTS rumpfs_ext2)
endif()

# What both programs share: the command line and session, the node table, the operations.
add_library(rump_fuse_common STATIC rump_fuse/cli.cpp rump_fuse/nodes.cpp rump_fuse/ops.cpp
            rump_fuse/creds_request.cpp)
target_include_directories(rump_fuse_common PUBLIC ${PROJECT_SOURCE_DIR})
target_compile_definitions(rump_fuse_common PUBLIC FUSE_USE_VERSION=312)
# The rump_sys_* calls resolve in the program: librump's (local) or librumpclient's (remote).
target_include_directories(rump_fuse_common PUBLIC ${PROJECT_SOURCE_DIR}/api/include)
target_link_libraries(rump_fuse_common PUBLIC PkgConfig::FUSE3 Threads::Threads)

add_executable(rump_fuse rump_fuse/main.cpp rump_fuse/creds.cpp)
target_include_directories(rump_fuse PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(rump_fuse PRIVATE FUSE_USE_VERSION=312)
# The components register themselves when loaded: link them although nothing names them.
target_link_options(rump_fuse PRIVATE "LINKER:--no-as-needed")
target_link_libraries(rump_fuse PRIVATE rump_fuse_common fsu_lib rump ${RUMP_FUSE_COMPONENTS})
install(TARGETS rump_fuse RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# rump_fuse --server runs rump_fuse_remote, found beside it.
if(TARGET rumpclient)
  add_executable(rump_fuse_remote rump_fuse/main_remote.cpp rump_fuse/creds_remote.cpp)
  target_link_libraries(rump_fuse_remote PRIVATE rump_fuse_common rumpclient)
  add_dependencies(rump_fuse rump_fuse_remote)
  install(TARGETS rump_fuse_remote RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
if(EXISTS ${PROJECT_SOURCE_DIR}/docs/man/rump_fuse.1)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/man/rump_fuse.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
