#include "kern/sched.h"

#include <new>

#include "kern/hyp.h"
#include "kern/kernel.h"
#include "kern/kmem.h"
#include "kern/lwp.h"

namespace rk::kern {

Result<void> Scheduler::init(unsigned ncpu) {
  void* mem = kmem_.alloc(sizeof(Cpu) * ncpu, KmFlags::kNoSleep, alignof(Cpu));
  if (mem == nullptr) return Errno::kNoMem;
  cpus_ = static_cast<Cpu*>(mem);
  for (unsigned i = 0; i < ncpu; ++i) new (&cpus_[i]) Cpu{}, cpus_[i].index = i;
  ncpu_ = ncpu;
  if (hyp_.ops().mutex_init(hyp_.host(), RUMPUSER_MTX_SPIN, &mtx_) != 0) return Errno::kNoMem;
  if (hyp_.ops().cv_init(hyp_.host(), &cv_) != 0) return Errno::kNoMem;
  return ok();
}

Scheduler::~Scheduler() {
  if (cv_ != nullptr) hyp_.ops().cv_destroy(cv_);
  if (mtx_ != nullptr) hyp_.ops().mutex_destroy(mtx_);
  if (cpus_ != nullptr) {
    for (unsigned i = 0; i < ncpu_; ++i) cpus_[i].~Cpu();
    kmem_.free(cpus_, sizeof(Cpu) * ncpu_);
  }
}

Cpu* Scheduler::try_take(Cpu* hint) {
  uint32_t expect = 0;
  if (hint != nullptr && hint->busy.load(std::memory_order_relaxed) == 0 &&
      hint->busy.compare_exchange_strong(expect, 1, std::memory_order_acquire))
    return hint;
  for (unsigned i = 0; i < ncpu_; ++i) {
    Cpu* c = &cpus_[i];
    expect = 0;
    if (c != hint && c->busy.load(std::memory_order_relaxed) == 0 &&
        c->busy.compare_exchange_strong(expect, 1, std::memory_order_acquire))
      return c;
  }
  return nullptr;
}

void Scheduler::schedule(Lwp& l) { attach(acquire(l.last_cpu_), l); }

Cpu& Scheduler::acquire(Cpu* hint) {
  // While others wait for a CPU, join them instead of overtaking them.
  Cpu* c = waiters_.load(std::memory_order_relaxed) == 0 ? try_take(hint) : nullptr;
  if (c == nullptr) {
    // Every CPU is busy: sleep until one is given back. waiters_ and busy are both seq_cst,
    // so either unschedule sees us waiting or our scan sees its release.
    const rumpuser_ops& ops = hyp_.ops();
    ops.mutex_enter(mtx_);
    waiters_.fetch_add(1, std::memory_order_seq_cst);
    while ((c = try_take(nullptr)) == nullptr) ops.cv_wait(cv_, mtx_);
    waiters_.fetch_sub(1, std::memory_order_seq_cst);
    ops.mutex_exit(mtx_);
  }
  return *c;
}

void Scheduler::attach(Cpu& c, Lwp& l) {
  c.curlwp = &l;
  c.nswitch++;
  l.cpu_ = &c;
  l.last_cpu_ = &c;
}

void Scheduler::unschedule(Lwp& l) {
  Cpu* c = l.cpu_;
  l.cpu_ = nullptr;
  release_cpu(*c);
}

void Scheduler::release_cpu(Cpu& c) {
  c.curlwp = nullptr;
  c.busy.store(0, std::memory_order_seq_cst);
  if (waiters_.load(std::memory_order_seq_cst) != 0) {
    hyp_.ops().mutex_enter(mtx_);
    hyp_.ops().cv_signal(cv_);
    hyp_.ops().mutex_exit(mtx_);
  }
}

Unscheduled::Unscheduled() : lwp_(curlwp()) {
  if (lwp_ != nullptr && lwp_->cpu() != nullptr) lwp_->kernel().sched().unschedule(*lwp_);
  else lwp_ = nullptr;
}

Unscheduled::~Unscheduled() {
  if (lwp_ != nullptr) lwp_->kernel().sched().schedule(*lwp_);
}

}  // namespace rk::kern
