#include "kern/lwp.h"

#include "kern/proc.h"

namespace rk::kern {
namespace {
// The one piece of per-thread state (DESIGN.md §3): which lwp this host thread runs as.
thread_local Lwp* t_curlwp = nullptr;
}  // namespace

Lwp* curlwp() { return t_curlwp; }

Lwp* set_curlwp(Lwp* l) {
  Lwp* prev = t_curlwp;
  t_curlwp = l;
  return prev;
}

Lwp::Lwp(Proc& proc, int lid, bool implicit) : proc_(proc), lid_(lid), implicit_(implicit) {}

Lwp::~Lwp() = default;

Kernel& Lwp::kernel() const { return proc_->kernel(); }

}  // namespace rk::kern
