// Work queues: deferred work run in order on a kernel thread of their own (soft-interrupt
// style processing, I/O completion, anything that must not run in the caller's context).
// The thread starts when the first work is queued.
#pragma once

#include "kern/lib/annotations.h"
#include "kern/lib/list.h"
#include "kern/lib/result.h"
#include "kern/lib/string.h"
#include "kern/lock.h"

namespace rk::kern {

class Kernel;
class KThread;

struct Work {
  using Fn = void (*)(Work* w);
  explicit Work(Fn f) : fn(f) {}
  Fn fn;
  // Owned by the queue.
  bool queued = false;
  ListNode<Work> node;
};

class WorkQueue {
 public:
  WorkQueue(Kernel& k, const char* name);
  // Shuts down first if needed; destroyed by kernel code (it takes kernel locks).
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues w unless it is already queued. ENOMEM/EAGAIN only if the thread could not start.
  Result<void> enqueue(Work& w) RK_EXCLUDES(lock_);
  // Removes w if it has not started; true if it was queued.
  bool cancel(Work& w) RK_EXCLUDES(lock_);
  // Waits until everything queued so far has run.
  void drain() RK_EXCLUDES(lock_);
  // Runs what is queued, then stops the thread.
  void shutdown() RK_EXCLUDES(lock_);

 private:
  static void thread_main(void* arg);
  void run() RK_EXCLUDES(lock_);

  Kernel& kernel_;
  FixedString<16> name_;
  Mutex lock_;
  CondVar changed_;
  CondVar idle_;
  IntrusiveList<Work, &Work::node> queue_ RK_GUARDED_BY(lock_);
  bool busy_ RK_GUARDED_BY(lock_) = false;
  bool stopping_ RK_GUARDED_BY(lock_) = false;
  KThread* thread_ RK_GUARDED_BY(lock_) = nullptr;
};

}  // namespace rk::kern
