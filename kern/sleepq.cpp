#include "kern/sleepq.h"

#include <cstdint>

#include "kern/hyp.h"

namespace rk::kern {

Result<void> SleepTable::init() {
  for (Bucket& b : buckets_) {
    if (hyp_.ops().mutex_init(hyp_.host(), RUMPUSER_MTX_SPIN, &b.mtx) != 0) return Errno::kNoMem;
    if (hyp_.ops().cv_init(hyp_.host(), &b.cv) != 0) return Errno::kNoMem;
  }
  return ok();
}

SleepTable::~SleepTable() {
  for (Bucket& b : buckets_) {
    if (b.cv != nullptr) hyp_.ops().cv_destroy(b.cv);
    if (b.mtx != nullptr) hyp_.ops().mutex_destroy(b.mtx);
  }
}

SleepTable::Bucket& SleepTable::bucket(const void* addr) {
  auto a = reinterpret_cast<uintptr_t>(addr);
  return buckets_[((a >> 4) ^ (a >> 12)) % kBuckets];
}

bool SleepTable::park(const std::atomic<uint32_t>& word, uint32_t expected, int64_t deadline_ns) {
  Bucket& b = bucket(&word);
  const rumpuser_ops& ops = hyp_.ops();
  ops.mutex_enter(b.mtx);
  bool in_time = true;
  // The waker changes the word before it takes the bucket lock, so checking under the lock
  // cannot miss its wakeup.
  if (word.load(std::memory_order_acquire) == expected) {
    if (deadline_ns < 0) {
      ops.cv_wait(b.cv, b.mtx);
    } else {
      int64_t left = deadline_ns - hyp_.monotonic_ns();
      if (left <= 0 ||
          ops.cv_timedwait(b.cv, b.mtx, left / 1000000000, static_cast<long>(left % 1000000000)) != 0) {
        in_time = hyp_.monotonic_ns() < deadline_ns;
      }
    }
  }
  ops.mutex_exit(b.mtx);
  return in_time;
}

void SleepTable::wake_all(const void* addr) {
  Bucket& b = bucket(addr);
  hyp_.ops().mutex_enter(b.mtx);
  hyp_.ops().cv_broadcast(b.cv);
  hyp_.ops().mutex_exit(b.mtx);
}

}  // namespace rk::kern
