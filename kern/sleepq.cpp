#include "kern/sleepq.h"

#include <cstdint>

#include "kern/hyp.h"

namespace rk::kern {

// A bucket's host objects are made the first time someone must sleep in it: most kernels never
// contend a lock, and making host locks is most of what booting a kernel costs.
struct SleepTable::HostPair {
  rumpuser_mtx* mtx;
  rumpuser_cv* cv;
};

Result<void> SleepTable::init() { return ok(); }

SleepTable::~SleepTable() {
  for (Bucket& b : buckets_) {
    HostPair* p = b.pair.load(std::memory_order_acquire);
    if (p == nullptr) continue;
    hyp_.ops().cv_destroy(p->cv);
    hyp_.ops().mutex_destroy(p->mtx);
    hyp_.free(p, sizeof *p);
  }
}

SleepTable::Bucket& SleepTable::bucket(const void* addr) {
  auto a = reinterpret_cast<uintptr_t>(addr);
  return buckets_[((a >> 4) ^ (a >> 12)) % kBuckets];
}

SleepTable::HostPair* SleepTable::pair_of(Bucket& b) {
  HostPair* p = b.pair.load(std::memory_order_acquire);
  if (p != nullptr) return p;
  void* mem = nullptr;
  if (hyp_.malloc(sizeof(HostPair), alignof(HostPair), &mem) != 0) return nullptr;
  auto* fresh = static_cast<HostPair*>(mem);
  const rumpuser_ops& ops = hyp_.ops();
  if (ops.mutex_init(hyp_.host(), RUMPUSER_MTX_SPIN, &fresh->mtx) != 0) {
    hyp_.free(fresh, sizeof *fresh);
    return nullptr;
  }
  if (ops.cv_init(hyp_.host(), &fresh->cv) != 0) {
    ops.mutex_destroy(fresh->mtx);
    hyp_.free(fresh, sizeof *fresh);
    return nullptr;
  }
  if (b.pair.compare_exchange_strong(p, fresh, std::memory_order_seq_cst)) return fresh;
  // Another sleeper installed one first: use theirs.
  ops.cv_destroy(fresh->cv);
  ops.mutex_destroy(fresh->mtx);
  hyp_.free(fresh, sizeof *fresh);
  return p;
}

bool SleepTable::park(const std::atomic<uint32_t>& word, uint32_t expected, int64_t deadline_ns) {
  HostPair* p = pair_of(bucket(&word));
  const rumpuser_ops& ops = hyp_.ops();
  if (p == nullptr) {
    // The host has no memory for a lock: nap briefly instead; the caller re-checks its word.
    ops.clock_sleep(hyp_.host(), RUMPUSER_CLOCK_RELWALL, 0, 1000000);
    return deadline_ns < 0 || hyp_.monotonic_ns() < deadline_ns;
  }
  ops.mutex_enter(p->mtx);
  bool in_time = true;
  // The waker changes the word before it takes the bucket lock, so checking under the lock
  // cannot miss its wakeup.
  // Sequentially consistent, as the waker's change of the word and its look at our bucket
  // are: either it sees the host lock we installed, or we see its change.
  if (word.load(std::memory_order_seq_cst) == expected) {
    if (deadline_ns < 0) {
      ops.cv_wait(p->cv, p->mtx);
    } else {
      int64_t left = deadline_ns - hyp_.monotonic_ns();
      if (left <= 0 ||
          ops.cv_timedwait(p->cv, p->mtx, left / 1000000000, static_cast<long>(left % 1000000000)) != 0) {
        in_time = hyp_.monotonic_ns() < deadline_ns;
      }
    }
  }
  ops.mutex_exit(p->mtx);
  return in_time;
}

void SleepTable::wake_all(const void* addr) {
  // No host objects yet: nobody has ever slept in this bucket.
  HostPair* p = bucket(addr).pair.load(std::memory_order_seq_cst);
  if (p == nullptr) return;
  hyp_.ops().mutex_enter(p->mtx);
  hyp_.ops().cv_broadcast(p->cv);
  hyp_.ops().mutex_exit(p->mtx);
}

}  // namespace rk::kern
