#include "kern/epoch.h"

#include "kern/kernel.h"
#include "kern/lib/relax.h"
#include "kern/lwp.h"
#include "kern/sched.h"

namespace rk::kern {

namespace {
constexpr uint32_t kBatch = 64;  // records retired between collections
}  // namespace

void Epoch::enter(Lwp& l) {
  Cpu& c = *l.cpu();
  // A full barrier (an exchange, rather than a fence, which ThreadSanitizer cannot follow): the
  // slot is visible before the section reads anything, and the writers' scan comes after their
  // own read-modify-write of global_: a writer either sees us, or we see its unlink.
  c.epoch.exchange(global_.load(std::memory_order_relaxed), std::memory_order_seq_cst);
}

void Epoch::exit(Lwp& l) { l.cpu()->epoch.store(0, std::memory_order_release); }

uint64_t Epoch::oldest_reader() const {
  uint64_t oldest = UINT64_MAX;
  Scheduler& s = kernel_.sched();
  for (unsigned i = 0; i < s.ncpu(); ++i) {
    uint64_t e = s.cpu(i).epoch.load(std::memory_order_seq_cst);
    if (e != 0 && e < oldest) oldest = e;
  }
  return oldest;
}

void Epoch::run(Record& r) {
  if (r.fn != nullptr) r.fn(r.arg);
  else kernel_.kmem().free(r.arg, r.size);
}

void Epoch::retire(RetireFn fn, void* arg) { add(nullptr, fn, arg, 0); }

void Epoch::retire_free(void* p, size_t size) { add(nullptr, nullptr, p, size); }

void Epoch::add(Record* r, RetireFn fn, void* arg, size_t size) {
  Record now{nullptr, fn, arg, size, 0};
  if (halted_.load(std::memory_order_acquire)) {
    run(now);
    return;
  }
  r = static_cast<Record*>(kernel_.kmem().alloc(sizeof(Record), KmFlags::kNoSleep));
  if (r == nullptr) {
    // No record: wait out the readers that are in now (a new epoch, then nobody older).
    const uint64_t e = global_.fetch_add(1, std::memory_order_seq_cst);
    while (oldest_reader() <= e) cpu_relax();
    run(now);
    return;
  }
  bool collect_now;
  {
    MutexGuard g(lock_);
    *r = {pending_, fn, arg, size, global_.load(std::memory_order_acquire)};
    pending_ = r;
    collect_now = ++npending_ >= kBatch;
  }
  if (collect_now) (void)collect();
}

void Epoch::init() {
  reclaimer_.reclaim = [](void* arg, size_t) -> size_t {
    auto& e = *static_cast<Epoch*>(arg);
    const uint64_t now = e.global_.fetch_add(1, std::memory_order_seq_cst);
    while (e.oldest_reader() <= now) cpu_relax();
    return e.collect();
  };
  reclaimer_.arg = this;
  kernel_.kmem().register_reclaimer(reclaimer_);
}

size_t Epoch::collect() {
  // Readers that enter from now on see the new epoch: what was retired before it is safe once
  // the readers already in have left.
  global_.fetch_add(1, std::memory_order_seq_cst);
  const uint64_t oldest = oldest_reader();
  Record* ready = nullptr;
  {
    MutexGuard g(lock_);
    for (Record** p = &pending_; *p != nullptr;) {
      Record* r = *p;
      if (r->epoch < oldest) {
        *p = r->next;
        r->next = ready;
        ready = r;
        --npending_;
      } else {
        p = &r->next;
      }
    }
  }
  size_t freed = 0;
  while (ready != nullptr) {
    Record* r = ready;
    ready = r->next;
    freed += r->fn == nullptr ? r->size : 0;
    run(*r);  // may retire more: they wait for the next batch
    kernel_.kmem().free(r, sizeof(Record));
    freed += sizeof(Record);
  }
  return freed;
}

void Epoch::synchronize() {
  const uint64_t e = global_.fetch_add(1, std::memory_order_seq_cst);
  while (oldest_reader() <= e) cpu_relax();  // sections are short and never block
  (void)collect();
}

void Epoch::drain() {
  if (!halted_.exchange(true, std::memory_order_acq_rel) && reclaimer_.reclaim != nullptr)
    kernel_.kmem().unregister_reclaimer(reclaimer_);
  for (;;) {
    Record* all;
    {
      MutexGuard g(lock_);
      all = pending_;
      pending_ = nullptr;
      npending_ = 0;
    }
    if (all == nullptr) return;
    while (all != nullptr) {
      Record* r = all;
      all = r->next;
      run(*r);
      kernel_.kmem().free(r, sizeof(Record));
    }
  }
}

}  // namespace rk::kern
