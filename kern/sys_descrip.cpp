// Descriptor calls that need no file system: close.
#include "kern/file.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kern/sys.h"

namespace rk::kern {

int64_t sys_close(Lwp& l, const SyscallArgs& a) {
  return sysret(l.proc().fds().close(static_cast<int>(a.a[0])));
}

}  // namespace rk::kern
