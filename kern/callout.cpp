#include "kern/callout.h"

#include "kern/kernel.h"
#include "kern/kthread.h"
#include "kern/lib/time.h"
#include "kern/lwp.h"
#include "kern/panic.h"

namespace rk::kern {

Callout::~Callout() {
  if (pending()) panic(kernel_, "callout %p destroyed while pending", this);
}

Result<void> Callout::schedule_ns(int64_t delay_ns) {
  if (delay_ns < 0) delay_ns = 0;
  return kernel_.callouts().arm(*this, add_sat(kernel_.uptime_ns(), delay_ns));
}

bool Callout::stop() { return kernel_.callouts().disarm(*this, false); }
bool Callout::halt() { return kernel_.callouts().disarm(*this, true); }
bool Callout::pending() const { return kernel_.callouts().pending(*this); }

CalloutQueue::CalloutQueue(Kernel& k) : kernel_(k), lock_(k), changed_(k), done_(k) {}

CalloutQueue::~CalloutQueue() RK_NO_THREAD_SAFETY_ANALYSIS {  // single-threaded by now
  if (thread_ != nullptr || !queue_.empty()) __builtin_trap();  // shutdown() was skipped
}

Result<void> CalloutQueue::arm(Callout& c, int64_t deadline) {
  MutexGuard g(lock_);
  if (stopping_) return Errno::kShutdown;
  if (thread_ == nullptr) thread_ = RK_TRY(kthread_create(kernel_, "callout", thread_main, this, true));
  if (c.pending_) queue_.remove(c);
  c.deadline_ = deadline;
  c.pending_ = true;
  // Sorted by deadline; equal deadlines run in the order they were set.
  Callout* pos = queue_.front();
  while (pos != nullptr && pos->deadline_ <= deadline) pos = queue_.next(*pos);
  if (pos != nullptr) queue_.insert_before(*pos, c);
  else queue_.push_back(c);
  if (queue_.front() == &c) changed_.broadcast();  // a new earliest deadline
  return ok();
}

bool CalloutQueue::disarm(Callout& c, bool wait) {
  MutexGuard g(lock_);
  bool was_pending = c.pending_;
  if (was_pending) {
    queue_.remove(c);
    c.pending_ = false;
  }
  // A handler halting its own callout must not wait for itself.
  while (wait && running_ == &c && curlwp() != thread_lwp_) done_.wait(lock_);
  return was_pending;
}

bool CalloutQueue::pending(const Callout& c) const {
  MutexGuard g(lock_);
  return c.pending_;
}

void CalloutQueue::thread_main(void* arg) { static_cast<CalloutQueue*>(arg)->run(); }

void CalloutQueue::run() {
  lock_.lock();
  thread_lwp_ = curlwp();
  while (!stopping_) {
    Callout* c = queue_.front();
    if (c == nullptr) {
      changed_.wait(lock_);
      continue;
    }
    if (c->deadline_ > kernel_.uptime_ns()) {
      (void)changed_.wait_until(lock_, c->deadline_);
      continue;
    }
    queue_.remove(*c);
    c->pending_ = false;
    running_ = c;
    Callout::Fn fn = c->fn_;
    void* arg = c->arg_;
    lock_.unlock();
    fn(arg);
    lock_.lock();
    running_ = nullptr;
    done_.broadcast();
  }
  lock_.unlock();
}

void CalloutQueue::shutdown() {
  KThread* t;
  {
    MutexGuard g(lock_);
    stopping_ = true;
    // Whatever is still armed will never run: its owner is being torn down with the kernel.
    while (Callout* c = queue_.pop_front()) c->pending_ = false;
    changed_.broadcast();
    t = thread_;
    thread_ = nullptr;
  }
  if (t != nullptr) kthread_join(t);
}

}  // namespace rk::kern
