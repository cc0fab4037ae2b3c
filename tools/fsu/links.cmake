# Makes DIR/fsu_<cmd> a symbolic link to fsu for each cmd in CMDS, a comma-separated list
# (run by tools/fsu.cmake).
string(REPLACE "," ";" CMDS "${CMDS}")
foreach(cmd ${CMDS})
  file(CREATE_LINK fsu ${DIR}/fsu_${cmd} SYMBOLIC)
endforeach()
