// Descriptor calls that need no file system: close.
#include "kern/file.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kern/sys.h"

namespace rk::kern {

int64_t sys_close(Lwp& l, const SyscallArgs& a) {
  Result<Ref<File>> f = l.proc().fds().detach(static_cast<int>(a.a[0]));
  if (!f.ok()) return -to_int(f.error());
  // The process's POSIX locks on the file go with any of its descriptors (before the
  // descriptor's reference is dropped, as Linux's filp_close does).
  f.value()->on_close(l.proc());
  return 0;
}

int64_t sys_ioctl(Lwp& l, const SyscallArgs& a) {
  Result<Ref<File>> f = l.proc().fds().get(static_cast<int>(a.a[0]));
  if (!f.ok()) return -to_int(f.error());
  if (f.value()->flags() & 010000000) return -to_int(Errno::kBadF);  // O_PATH
  // The request is an unsigned int in Linux's ioctl, whatever the caller passed.
  return sysret(f.value()->ioctl(l, static_cast<unsigned int>(a.a[1]), a.a[2]));
}

}  // namespace rk::kern
