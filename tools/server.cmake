# rump_server, rump_allserver and the rump.* client tools (docs/SERVER.md).

# rump_server: the kernel core and the server; components come with -l.
add_executable(rump_server rump_server.cpp)
target_link_libraries(rump_server PRIVATE rumpsysproxy rump Threads::Threads)
install(TARGETS rump_server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# rump_allserver: the same program with every component built linked in. Components register
# themselves when their library loads and nothing calls them, so the linker must keep them
# (--no-as-needed). The list is read once the whole tree has been configured.
add_executable(rump_allserver rump_server.cpp)
target_link_libraries(rump_allserver PRIVATE rumpsysproxy rump Threads::Threads)
function(rk_allserver_link_components)
  get_property(components GLOBAL PROPERTY RK_COMPONENTS)
  target_link_options(rump_allserver PRIVATE LINKER:--no-as-needed)
  target_link_libraries(rump_allserver PRIVATE rumpvfs ${components})
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL rk_allserver_link_components)
install(TARGETS rump_allserver RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The client tools: each a remote client of $RUMP_SERVER through librumpclient.
foreach(tool halt mount umount dmesg sysctl)
  add_executable(rump.${tool} rump_${tool}.cpp)
  target_link_libraries(rump.${tool} PRIVATE rumpclient)
  target_include_directories(rump.${tool} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  install(TARGETS rump.${tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endforeach()
# rump.halt waits for the server to stop listening: it parses RUMP_SERVER itself.
target_sources(rump.halt PRIVATE ${PROJECT_SOURCE_DIR}/sysproxy/url.cpp)
target_include_directories(rump.halt PRIVATE ${PROJECT_SOURCE_DIR})
