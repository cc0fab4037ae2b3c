# fs-utils (docs/FSUTILS.md): one program, fsu, that runs as every fsu_* command by the name it
# is called by. The commands live in a static library so that tests call them in-process.
set(FSU_COMMANDS cat chmod chown cp df diff du ecp exec find get ln ls mkdir mkfifo mknod mv put rm
    rmdir stat tar touch write)

add_library(fsu_lib STATIC
  fsu/args.cpp fsu/attr.cpp fsu/cat.cpp fsu/commands.cpp fsu/copy.cpp fsu/cp.cpp fsu/df.cpp
  fsu/diff.cpp fsu/du.cpp fsu/exec.cpp fsu/find.cpp fsu/host_run.cpp fsu/format.cpp fsu/fs_host.cpp fsu/fs_kernel.cpp
  fsu/ln.cpp fsu/ls.cpp fsu/mkdir.cpp fsu/mknod.cpp fsu/mount.cpp fsu/probe.cpp
  fsu/progress.cpp fsu/rm.cpp fsu/stat.cpp fsu/tar.cpp fsu/tar_format.cpp)
target_include_directories(fsu_lib PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(fsu_lib PUBLIC rump Threads::Threads)

# The file system components register themselves when loaded: link them although nothing
# names their symbols.
set(FSU_COMPONENTS rumpvfs rumpfs_tmpfs)
if(TARGET rumpfs_ext2)
  list(APPEND FSU_COMPONENTS rumpfs_ext2)
endif()

add_executable(fsu fsu/main.cpp)
target_link_options(fsu PRIVATE "LINKER:--no-as-needed")
target_link_libraries(fsu PRIVATE fsu_lib ${FSU_COMPONENTS} Threads::Threads)
install(TARGETS fsu RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# fsu_ls, fsu_cat, ...: symbolic links to fsu beside it, in the build tree and when installed.
set(fsu_links "")
foreach(cmd ${FSU_COMMANDS})
  list(APPEND fsu_links ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/fsu_${cmd})
  install(CODE "execute_process(COMMAND \${CMAKE_COMMAND} -E create_symlink fsu
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/fsu_${cmd}\")")
endforeach()
string(JOIN "," fsu_cmds ${FSU_COMMANDS})
add_custom_command(
  OUTPUT ${fsu_links}
  COMMAND ${CMAKE_COMMAND} -DDIR=${CMAKE_RUNTIME_OUTPUT_DIRECTORY} -DCMDS=${fsu_cmds}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/fsu/links.cmake
  DEPENDS fsu ${CMAKE_CURRENT_SOURCE_DIR}/fsu/links.cmake
  COMMENT "Linking the fsu_* commands to fsu"
  VERBATIM)
add_custom_target(fsu_links ALL DEPENDS ${fsu_links})

# One man page a command.
foreach(cmd ${FSU_COMMANDS})
  if(EXISTS ${PROJECT_SOURCE_DIR}/docs/man/fsu_${cmd}.1)
    install(FILES ${PROJECT_SOURCE_DIR}/docs/man/fsu_${cmd}.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  endif()
endforeach()
