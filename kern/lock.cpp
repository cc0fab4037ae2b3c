#include "kern/lock.h"

#include "kern/kernel.h"
#include "kern/lib/relax.h"
#include "kern/lib/time.h"
#include "kern/lwp.h"
#include "kern/panic.h"
#include "kern/sched.h"
#include "kern/sleepq.h"

namespace rk::kern {
namespace {

// Tries before a contended lock puts its thread to sleep: the holder is usually on another
// virtual CPU and about to let go.
constexpr int kSpins = 64;

// Sleeps on `word` while it equals `expected`, without the virtual CPU.
bool park(Kernel& k, const std::atomic<uint32_t>& word, uint32_t expected, int64_t deadline) {
  Unscheduled off;
  return k.sleepq().park(word, expected, deadline);
}

}  // namespace

// --- Mutex -----------------------------------------------------------------------------------

void Mutex::lock() {
  const Lwp* self = curlwp();
  if (kernel_->uniprocessor()) {
    // Only one thread runs kernel code: no other CPU can race us for the word.
    if (state_.load(std::memory_order_relaxed) == 0) {
      state_.store(1, std::memory_order_relaxed);
      owner_.store(self, std::memory_order_relaxed);
      return;
    }
  } else {
    uint32_t expect = 0;
    if (state_.compare_exchange_strong(expect, 1, std::memory_order_acquire)) {
      owner_.store(self, std::memory_order_relaxed);
      return;
    }
  }
  lock_slow();
}

void Mutex::lock_slow() {
  const Lwp* self = curlwp();
  if (self != nullptr && owner_.load(std::memory_order_relaxed) == self) panic(*kernel_, "mutex %p: locked twice by lwp %d", this, self->lid());
  if (!kernel_->uniprocessor()) {
    for (int i = 0; i < kSpins; ++i) {
      uint32_t expect = 0;
      if (state_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(expect, 1, std::memory_order_acquire)) {
        owner_.store(self, std::memory_order_relaxed);
        return;
      }
      cpu_relax();
    }
  }
  // Mark the lock contended (2) and sleep while it stays so; whoever unlocks it wakes us.
  // Taking it from 0 to 2 may cause one needless wakeup later, never a lost one.
  while (state_.exchange(2, std::memory_order_acquire) != 0) park(*kernel_, state_, 2, -1);
  owner_.store(self, std::memory_order_relaxed);
}

bool Mutex::try_lock() {
  uint32_t expect = 0;
  if (!state_.compare_exchange_strong(expect, 1, std::memory_order_acquire)) return false;
  owner_.store(curlwp(), std::memory_order_relaxed);
  return true;
}

void Mutex::unlock() {
  owner_.store(nullptr, std::memory_order_relaxed);
  if (state_.exchange(0, std::memory_order_seq_cst) == 2) kernel_->sleepq().wake_all(&state_);
}

bool Mutex::held() const {
  return state_.load(std::memory_order_relaxed) != 0 && owner_.load(std::memory_order_relaxed) == curlwp();
}

void Mutex::assert_held() const {
  if (!held()) panic(*kernel_, "mutex %p: not held by the calling lwp", this);
}

// --- RwLock ----------------------------------------------------------------------------------

void RwLock::wait_for_change(uint32_t seen) {
  // Announce a sleeper, then sleep while nothing changes.
  uint32_t want = seen | kWaiters;
  if (seen != want && !state_.compare_exchange_strong(seen, want, std::memory_order_relaxed))
    return;  // it changed under us: look again
  park(*kernel_, state_, want, -1);
}

void RwLock::wake_if_waiters(uint32_t old) {
  if (old & kWaiters) kernel_->sleepq().wake_all(&state_);
}

void RwLock::lock() {
  for (int spins = 0;; ++spins) {
    uint32_t s = state_.load(std::memory_order_relaxed);
    if ((s & (kWriter | kReaders)) == 0) {
      // Free: take it, clearing the writer-wanted mark we or others set.
      if (state_.compare_exchange_weak(s, kWriter | (s & kWaiters), std::memory_order_acquire)) {
        writer_.store(curlwp(), std::memory_order_relaxed);
        return;
      }
      continue;
    }
    if (spins < kSpins && !kernel_->uniprocessor()) {
      cpu_relax();
      continue;
    }
    // Keep new readers out so that a stream of them cannot starve us.
    if (!(s & kWriterWanted)) {
      state_.compare_exchange_strong(s, s | kWriterWanted, std::memory_order_relaxed);
      continue;
    }
    wait_for_change(s);
  }
}

bool RwLock::try_lock() {
  uint32_t s = state_.load(std::memory_order_relaxed);
  if ((s & (kWriter | kReaders)) != 0) return false;
  if (!state_.compare_exchange_strong(s, kWriter | (s & kWaiters), std::memory_order_acquire))
    return false;
  writer_.store(curlwp(), std::memory_order_relaxed);
  return true;
}

void RwLock::unlock() {
  writer_.store(nullptr, std::memory_order_relaxed);
  // Waiters re-mark themselves when they sleep again, so clearing every mark is safe.
  wake_if_waiters(state_.exchange(0, std::memory_order_seq_cst));
}

void RwLock::lock_shared() {
  for (int spins = 0;; ++spins) {
    uint32_t s = state_.load(std::memory_order_relaxed);
    if ((s & (kWriter | kWriterWanted)) == 0) {
      if ((s & kReaders) == kReaders) panic(*kernel_, "rwlock %p: too many readers", this);
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acquire)) return;
      continue;
    }
    if (spins < kSpins && !kernel_->uniprocessor()) {
      cpu_relax();
      continue;
    }
    wait_for_change(s);
  }
}

bool RwLock::try_lock_shared() {
  uint32_t s = state_.load(std::memory_order_relaxed);
  if ((s & (kWriter | kWriterWanted)) != 0) return false;
  return state_.compare_exchange_strong(s, s + 1, std::memory_order_acquire);
}

void RwLock::unlock_shared() {
  uint32_t old = state_.fetch_sub(1, std::memory_order_seq_cst);
  if ((old & kReaders) == 1 && (old & kWaiters)) {
    // The last reader leaves and someone sleeps: clear the marks and wake them.
    uint32_t s = old - 1;
    while ((s & kReaders) == 0 && (s & (kWaiters | kWriterWanted)) &&
           !state_.compare_exchange_weak(s, s & ~(kWaiters | kWriterWanted),
                                         std::memory_order_relaxed)) {
    }
    kernel_->sleepq().wake_all(&state_);
  }
}

bool RwLock::write_held() const {
  return (state_.load(std::memory_order_relaxed) & kWriter) && writer_.load(std::memory_order_relaxed) == curlwp();
}

// --- CondVar ---------------------------------------------------------------------------------

void CondVar::wait(Mutex& m) { (void)wait_until(m, -1); }

bool CondVar::wait_until(Mutex& m, int64_t deadline_ns) {
  uint32_t seq = seq_.load(std::memory_order_acquire);
  waiters_.fetch_add(1, std::memory_order_seq_cst);
  m.unlock();
  bool in_time = true;
  {
    Unscheduled off;
    int64_t host_deadline = deadline_ns < 0 ? -1 : add_sat(deadline_ns, kernel_->boot_ns());
    in_time = kernel_->sleepq().park(seq_, seq, host_deadline);
  }
  waiters_.fetch_sub(1, std::memory_order_relaxed);
  m.lock();
  return in_time;
}

bool CondVar::wait_for(Mutex& m, int64_t timeout_ns) {
  return wait_until(m, add_sat(kernel_->uptime_ns(), timeout_ns < 0 ? 0 : timeout_ns));
}

void CondVar::signal() { broadcast(); }

void CondVar::broadcast() {
  seq_.fetch_add(1, std::memory_order_seq_cst);
  if (waiters_.load(std::memory_order_seq_cst) != 0) kernel_->sleepq().wake_all(&seq_);
}

}  // namespace rk::kern
