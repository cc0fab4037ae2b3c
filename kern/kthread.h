// Kernel threads: host threads that run kernel code as lwps of proc0 (callouts, work queues,
// I/O completion, protocol timers). Every kernel thread has ended before its kernel is freed.
#pragma once

#include "kern/lib/result.h"

namespace rk::kern {

class Kernel;
class KThread;

using KThreadFn = void (*)(void* arg);

// Starts fn(arg) on a new host thread named `name`, running on a virtual CPU of k. A joinable
// thread must be reaped with kthread_join; the others clean up after themselves. ENOMEM,
// EAGAIN (the host has no more threads).
Result<KThread*> kthread_create(Kernel& k, const char* name, KThreadFn fn, void* arg,
                                bool joinable);
// Waits for a joinable thread to return from fn (giving the CPU back), then frees it.
void kthread_join(KThread* t);

}  // namespace rk::kern
