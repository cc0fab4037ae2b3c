// Where rump_sys_* send a call: the one function a library that provides the rump_sys_* API
// implements (librump: the thread's current kernel; librumpclient: a rump_server).
#pragma once

#include "kern/syscall.h"

namespace rk::api {

// Makes system call nr. Returns its result, or -1 with errno set (the host's errno).
long invoke_syscall(unsigned nr, const kern::SyscallArgs& args);

}  // namespace rk::api
