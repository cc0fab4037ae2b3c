// Which kernel a client thread talks to: the process's default kernel, or the one the thread
// switched to. (The api layer is host code: it may hold process-wide state; kernel code may not.)
#pragma once

#include "kern/kernel.h"

namespace rk::api {

// The calling thread's current kernel, or nullptr (no default kernel and no switch).
kern::Kernel* current_kernel();
// Reports an error the C way: sets the caller's errno through the host and returns -1.
long fail(kern::Kernel* k, int error);

}  // namespace rk::api
