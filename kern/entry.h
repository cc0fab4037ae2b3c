// Entering a kernel from a client thread.
//
// A host thread that calls into kernel k runs there as an lwp on a virtual CPU: the lwp it is
// bound to in k (rump_pub_lwproc_*), or an implicit lwp of the local client process lent for
// the call. KernelEntry does both steps and undoes them.
#pragma once

#include "kern/lib/result.h"
#include "kern/proc.h"
#include "kern/syscall.h"

namespace rk::kern {

class Kernel;
class Lwp;

class KernelEntry {
 public:
  explicit KernelEntry(Kernel& k);
  ~KernelEntry();
  KernelEntry(const KernelEntry&) = delete;
  KernelEntry& operator=(const KernelEntry&) = delete;
  Lwp& lwp() const { return *lwp_; }
  // nullptr when no lwp could be had (out of memory): the entry failed.
  Lwp* lwp_or_null() const { return lwp_; }

 private:
  Kernel& kernel_;
  Lwp* lwp_;
  Lwp* prev_;
};

// A client system call: enter, dispatch, leave. ENXIO once the kernel has halted.
int64_t syscall_enter(Kernel& k, unsigned nr, const SyscallArgs& args);

// rump_lwproc(3): the calling thread's bound lwp in k.
Lwp* bound_lwp(Kernel& k);                        // nullptr: implicit context
Result<void> lwproc_rfork(Kernel& k, FdInherit fd);  // new process, thread bound to its lwp
Result<void> lwproc_newlwp(Kernel& k, Pid pid);      // ESRCH
void lwproc_switch(Kernel& k, Lwp* l);               // nullptr: back to implicit
void lwproc_releaselwp(Kernel& k);                   // frees the bound lwp

}  // namespace rk::kern
