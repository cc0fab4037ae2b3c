#include "kern/random.h"

#include "kern/kernel.h"
#include "kern/lwp.h"
#include "kern/sched.h"
#include "kern/uio.h"

namespace rk::kern {

Result<void> random_read(Lwp& l, Uio& uio) {
  Kernel& k = l.kernel();
  char chunk[256];
  while (uio.resid() > 0) {
    size_t want = uio.resid() < sizeof chunk ? uio.resid() : sizeof chunk;
    size_t got = 0;
    int rv;
    {
      Unscheduled off;
      rv = k.hyp().ops().getrandom(k.hyp().host(), chunk, want, 0, &got);
    }
    if (rv != 0) return static_cast<Errno>(rv);
    RK_TRY(uio.move(chunk, got));
  }
  return ok();
}

}  // namespace rk::kern
