// The sleep table: where kernel threads wait for a lock or condition variable word to change.
//
// A waiter calls park(word, expected) after giving its virtual CPU back; it sleeps unless the
// word has already changed. A waker changes the word first, then calls wake_all(&word). The
// table hashes addresses onto a few host mutex/condvar pairs, so kernel locks need no host
// object of their own (futex-style); a wakeup may reach unrelated waiters, who re-check their
// word and sleep again. Wakers change the word with a sequentially consistent operation (a
// bucket's host lock is made on first sleep, and that order is what makes it safe).
#pragma once

#include <atomic>
#include <cstdint>

#include "kern/lib/result.h"

struct rumpuser_mtx;
struct rumpuser_cv;

namespace rk::kern {

class Hyp;

class SleepTable {
 public:
  explicit SleepTable(Hyp& hyp) : hyp_(hyp) {}
  SleepTable(const SleepTable&) = delete;
  SleepTable& operator=(const SleepTable&) = delete;
  ~SleepTable();

  Result<void> init();  // nothing to do yet: buckets get their host locks on first use

  // Called without a virtual CPU. Sleeps once while *word == expected, at most until
  // deadline_ns on the host monotonic clock (< 0: no deadline). False when the deadline passed.
  bool park(const std::atomic<uint32_t>& word, uint32_t expected, int64_t deadline_ns);
  // Wakes every thread parked on `addr` (and possibly others sharing its bucket).
  void wake_all(const void* addr);

 private:
  static constexpr unsigned kBuckets = 8;
  struct HostPair;
  struct Bucket {
    std::atomic<HostPair*> pair{nullptr};  // made on first sleep
  };
  Bucket& bucket(const void* addr);
  HostPair* pair_of(Bucket& b);  // nullptr: the host is out of memory

  Hyp& hyp_;
  Bucket buckets_[kBuckets];
};

}  // namespace rk::kern
