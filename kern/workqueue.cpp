#include "kern/workqueue.h"

#include "kern/kernel.h"
#include "kern/kthread.h"

namespace rk::kern {

WorkQueue::WorkQueue(Kernel& k, const char* name)
    : kernel_(k), name_(name), lock_(k), changed_(k), idle_(k) {}

WorkQueue::~WorkQueue() { shutdown(); }

Result<void> WorkQueue::enqueue(Work& w) {
  MutexGuard g(lock_);
  if (stopping_) return Errno::kShutdown;
  if (w.queued) return ok();
  if (thread_ == nullptr) thread_ = RK_TRY(kthread_create(kernel_, name_.c_str(), thread_main, this, true));
  w.queued = true;
  queue_.push_back(w);
  changed_.broadcast();
  return ok();
}

bool WorkQueue::cancel(Work& w) {
  MutexGuard g(lock_);
  if (!w.queued) return false;
  queue_.remove(w);
  w.queued = false;
  return true;
}

void WorkQueue::drain() {
  MutexGuard g(lock_);
  while (!queue_.empty() || busy_) idle_.wait(lock_);
}

void WorkQueue::shutdown() {
  KThread* t;
  {
    MutexGuard g(lock_);
    stopping_ = true;
    changed_.broadcast();
    t = thread_;
    thread_ = nullptr;
  }
  if (t != nullptr) kthread_join(t);
}

void WorkQueue::thread_main(void* arg) { static_cast<WorkQueue*>(arg)->run(); }

void WorkQueue::run() {
  lock_.lock();
  for (;;) {
    Work* w = queue_.pop_front();
    if (w == nullptr) {
      idle_.broadcast();
      if (stopping_) break;  // everything queued before shutdown has run
      changed_.wait(lock_);
      continue;
    }
    w->queued = false;
    busy_ = true;
    lock_.unlock();
    w->fn(w);
    lock_.lock();
    busy_ = false;
  }
  lock_.unlock();
}

}  // namespace rk::kern
