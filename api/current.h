// Which kernel a client thread talks to: the process's default kernel, or the one the thread
// switched to. (The api layer is host code: it may hold process-wide state; kernel code may not.)
#pragma once

#include <atomic>

#include "kern/kernel.h"
#include "kern/lwp.h"

namespace rk::api {

// The process's default kernel (DESIGN.md §3: one of the two process-wide things).
extern std::atomic<kern::Kernel*> g_default;
// The kernel this thread switched to; nullptr: the default.
extern RK_TLS_FAST thread_local kern::Kernel* t_current;

// The calling thread's current kernel, or nullptr (no default kernel and no switch).
inline kern::Kernel* current_kernel() {
  kern::Kernel* k = t_current;
  return k != nullptr ? k : g_default.load(std::memory_order_acquire);
}
// Reports an error the C way: sets the caller's errno through the host and returns -1.
long fail(kern::Kernel* k, int error);

}  // namespace rk::api
