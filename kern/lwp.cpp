#include "kern/lwp.h"

#include "kern/proc.h"

namespace rk::kern {
RK_TLS_FAST thread_local Lwp* t_curlwp = nullptr;

Lwp::Lwp(Proc& proc, int lid, bool implicit) : proc_(proc), lid_(lid), implicit_(implicit) {}

Lwp::~Lwp() = default;

Kernel& Lwp::kernel() const { return proc_->kernel(); }

}  // namespace rk::kern
