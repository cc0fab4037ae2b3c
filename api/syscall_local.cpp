// librump's backend of rump_sys_*: a call into the calling thread's current kernel.
#include "api/current.h"
#include "api/syscall_backend.h"
#include "kern/entry.h"

namespace rk::api {

long invoke_syscall(unsigned nr, const kern::SyscallArgs& args) {
  kern::Kernel* k = current_kernel();
  if (k == nullptr) return fail(nullptr, to_int(Errno::kNxio));
  int64_t r = kern::syscall_enter(*k, nr, args);
  // Linux's convention: results from -4095 to -1 are negated errnos.
  if (r < 0 && r >= -4095) return fail(k, static_cast<int>(-r));
  return static_cast<long>(r);
}

}  // namespace rk::api
