// Virtual CPUs. A rump kernel has no scheduler of its own: host threads run kernel code, and at
// most ncpu of them at once, each holding one virtual CPU. A thread gives its CPU back whenever
// it blocks (lock wait, sleep, I/O), so the threads that can run always have CPUs.
//
// Taking a free CPU is one compare-and-swap on the CPU the lwp last ran on; only when every CPU
// is busy does a thread sleep on a host condition variable until one is released.
#pragma once

#include <atomic>
#include <cstdint>

#include "kern/lib/result.h"

struct rumpuser_mtx;
struct rumpuser_cv;

namespace rk::kern {

class Hyp;
class Kmem;
class Lwp;

struct alignas(64) Cpu {
  std::atomic<uint32_t> busy{0};
  uint32_t index = 0;
  // The epoch of the reader section running on this CPU, or 0 (epoch.h).
  std::atomic<uint64_t> epoch{0};
  // The rest belongs to whoever holds the CPU.
  Lwp* curlwp = nullptr;
  Lwp* spare_lwp = nullptr;  // an implicit lwp kept for the next thread that needs one
  uint64_t nswitch = 0;      // times the CPU was taken
};

class Scheduler {
 public:
  Scheduler(Hyp& hyp, Kmem& kmem) : hyp_(hyp), kmem_(kmem) {}
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();

  Result<void> init(unsigned ncpu);  // ENOMEM

  // Takes a virtual CPU for l (the calling thread), waiting while all are busy.
  void schedule(Lwp& l);
  // The two halves of schedule, for a thread that needs a CPU before it has an lwp: take a
  // CPU (trying `hint` first), then make l its current lwp.
  Cpu& acquire(Cpu* hint);
  void attach(Cpu& c, Lwp& l);
  // Gives l's CPU back.
  void unschedule(Lwp& l);
  // Gives a CPU back whose lwp is already gone (a kernel thread that freed itself).
  void release_cpu(Cpu& c);

  unsigned ncpu() const { return ncpu_; }
  bool uniprocessor() const { return ncpu_ == 1; }
  Cpu& cpu(unsigned i) { return cpus_[i]; }

 private:
  Cpu* try_take(Cpu* hint);

  Hyp& hyp_;
  Kmem& kmem_;
  Cpu* cpus_ = nullptr;
  unsigned ncpu_ = 0;
  rumpuser_mtx* mtx_ = nullptr;  // with cv_: where threads wait for a free CPU
  rumpuser_cv* cv_ = nullptr;
  std::atomic<uint32_t> waiters_{0};
};

// Gives the calling thread's virtual CPU back for the lifetime of the object: wrap every
// blocking host call in one. Outside a kernel (no curlwp) it does nothing.
class Unscheduled {
 public:
  Unscheduled();
  ~Unscheduled();
  Unscheduled(const Unscheduled&) = delete;
  Unscheduled& operator=(const Unscheduled&) = delete;

 private:
  Lwp* lwp_;
};

}  // namespace rk::kern
