// Callouts: functions run once after a delay, on the kernel's callout thread (which holds a
// virtual CPU while a handler runs). Nanosecond deadlines on the kernel's monotonic clock, so
// millisecond protocol timers are exact to the host's sleep resolution.
//
// The callout thread starts on first use: a kernel that never sets a timer costs no thread.
#pragma once

#include <cstdint>

#include "kern/lib/annotations.h"
#include "kern/lib/result.h"
#include "kern/lib/time.h"
#include "kern/lib/list.h"
#include "kern/lock.h"

namespace rk::kern {

class Kernel;
class KThread;
class Lwp;

class Callout {
 public:
  using Fn = void (*)(void* arg);

  Callout(Kernel& k, Fn fn, void* arg) : kernel_(k), fn_(fn), arg_(arg) {}
  // It must be neither pending nor running: halt() it first. Like every kernel object that
  // takes kernel locks, it is destroyed by kernel code (inside a KernelEntry or a kernel thread).
  ~Callout();
  Callout(const Callout&) = delete;
  Callout& operator=(const Callout&) = delete;

  // (Re)arms the callout to run after delay_ns. ENOMEM/EAGAIN only if the callout thread
  // could not be started.
  Result<void> schedule_ns(int64_t delay_ns);
  Result<void> schedule_ms(int64_t delay_ms) { return schedule_ns(mul_sat(delay_ms, kNsPerMs)); }
  // Disarms it; true if it was pending. A handler already running goes on.
  bool stop();
  // Disarms it and waits until a running handler has returned; true if it was pending.
  bool halt();
  bool pending() const;

 private:
  friend class CalloutQueue;
  Kernel& kernel_;
  const Fn fn_;
  void* const arg_;
  // Owned by the CalloutQueue, under its lock.
  int64_t deadline_ = 0;
  bool pending_ = false;
  ListNode<Callout> node_;
};

// The per-kernel queue of armed callouts, sorted by deadline, and its thread.
class CalloutQueue {
 public:
  explicit CalloutQueue(Kernel& k);
  ~CalloutQueue();
  CalloutQueue(const CalloutQueue&) = delete;
  CalloutQueue& operator=(const CalloutQueue&) = delete;

  // Stops the thread; every callout must have been halted. Called at kernel shutdown.
  void shutdown() RK_EXCLUDES(lock_);

 private:
  friend class Callout;
  Result<void> arm(Callout& c, int64_t deadline) RK_EXCLUDES(lock_);
  bool disarm(Callout& c, bool wait) RK_EXCLUDES(lock_);
  bool pending(const Callout& c) const RK_EXCLUDES(lock_);
  static void thread_main(void* arg);
  void run() RK_EXCLUDES(lock_);

  Kernel& kernel_;
  mutable Mutex lock_;
  CondVar changed_;  // the queue changed or shutdown began: the thread re-reads it
  CondVar done_;     // a handler returned
  IntrusiveList<Callout, &Callout::node_> queue_ RK_GUARDED_BY(lock_);
  Callout* running_ RK_GUARDED_BY(lock_) = nullptr;
  KThread* thread_ RK_GUARDED_BY(lock_) = nullptr;
  const Lwp* thread_lwp_ RK_GUARDED_BY(lock_) = nullptr;  // the callout thread's lwp
  bool stopping_ RK_GUARDED_BY(lock_) = false;
};

}  // namespace rk::kern
