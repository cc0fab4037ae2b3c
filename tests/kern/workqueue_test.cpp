// Work queues: order, the queue's own thread, drain, cancel, duplicate enqueue, shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "kern/lock.h"
#include "kern/lwp.h"
#include "kern/workqueue.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

using namespace std::chrono_literals;
using test::boot;
using test::in_kernel;
using test::join_or_die;
using test::wait_until;

struct Log {
  std::mutex lock;
  std::vector<int> order;
  std::vector<const Lwp*> lwps;
  std::atomic<int> runs{0};
  std::atomic<bool> no_cpu{false};
};

struct TestWork : Work {
  TestWork(int i, Log* l) : Work(run), id(i), log(l) {}
  static void run(Work* w) {
    auto* t = static_cast<TestWork*>(w);
    Lwp* l = curlwp();
    if (l == nullptr || l->cpu() == nullptr) t->log->no_cpu = true;
    {
      std::lock_guard<std::mutex> g(t->log->lock);
      t->log->order.push_back(t->id);
      t->log->lwps.push_back(l);
    }
    t->log->runs.fetch_add(1);
  }
  int id;
  Log* log;
};

// A work item that blocks the queue until released.
struct Gate : Work {
  Mutex m;
  CondVar cv;
  bool started = false;  // guarded by m
  bool open = false;     // guarded by m
  explicit Gate(Kernel& k) : Work(run), m(k), cv(k) {}
  static void run(Work* w) {
    auto* g = static_cast<Gate*>(w);
    MutexGuard guard(g->m);
    g->started = true;
    g->cv.broadcast();
    while (!g->open) g->cv.wait(g->m);
  }
  void wait_started() {
    MutexGuard guard(m);
    while (!started) cv.wait(m);
  }
  void release() {
    MutexGuard guard(m);
    open = true;
    cv.broadcast();
  }
};

// WorkQueues are kernel objects: made and destroyed on a virtual CPU.
struct QueueDeleter {
  Kernel* k;
  void operator()(WorkQueue* q) const {
    in_kernel(*k, [&](Lwp&) { delete q; });
  }
};
using QueuePtr = std::unique_ptr<WorkQueue, QueueDeleter>;
QueuePtr make_queue(Kernel& k, const char* name) {
  WorkQueue* q = in_kernel(k, [&](Lwp&) { return new WorkQueue(k, name); });
  return QueuePtr(q, QueueDeleter{&k});
}

TEST(WorkQueue, RunsInOrderOnItsOwnThread) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Log log;
  std::vector<std::unique_ptr<TestWork>> ws;
  for (int i = 0; i < 50; ++i) ws.push_back(std::make_unique<TestWork>(i, &log));
  QueuePtr q = make_queue(*k, "testwq");
  EXPECT_EQ(k->kthreads().load(), 0) << "the thread starts with the first work";
  const Lwp* me = nullptr;
  in_kernel(*k, [&](Lwp& l) {
    me = &l;
    for (auto& w : ws) ASSERT_TRUE(q->enqueue(*w).ok());
    EXPECT_EQ(k->kthreads().load(), 1);
    q->drain();
  });
  ASSERT_EQ(log.runs.load(), 50);
  EXPECT_FALSE(log.no_cpu.load()) << "work ran without a virtual CPU";
  std::lock_guard<std::mutex> g(log.lock);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(log.order[i], i);
  for (const Lwp* l : log.lwps) {
    EXPECT_EQ(l, log.lwps[0]) << "work ran on more than one thread";
    EXPECT_NE(l, me) << "work ran in the caller's context";
  }
  ASSERT_NE(log.lwps[0], nullptr);
  EXPECT_EQ(log.lwps[0]->proc().pid(), 0) << "the queue's thread is a kernel thread of proc0";
  EXPECT_STREQ(log.lwps[0]->name(), "testwq");
}

TEST(WorkQueue, DrainWaitsForQueuedAndRunningWork) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Log log;
  Gate gate(*k);
  TestWork after(1, &log);
  QueuePtr q = make_queue(*k, "drainwq");
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(q->enqueue(gate).ok());
    ASSERT_TRUE(q->enqueue(after).ok());
    gate.wait_started();
  });
  std::atomic<bool> drained{false};
  std::thread drainer([&] {
    in_kernel(*k, [&](Lwp&) { q->drain(); });
    drained = true;
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(drained.load()) << "drain() returned while work was still running";
  EXPECT_EQ(log.runs.load(), 0);
  in_kernel(*k, [&](Lwp&) { gate.release(); });
  join_or_die(drainer, "drain");
  EXPECT_EQ(log.runs.load(), 1) << "drain() returned before the queued work ran";
}

TEST(WorkQueue, DrainOfAnIdleQueueReturns) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  QueuePtr q = make_queue(*k, "idlewq");
  in_kernel(*k, [&](Lwp&) { q->drain(); });
  EXPECT_EQ(k->kthreads().load(), 0);
}

TEST(WorkQueue, CancelRemovesQueuedWork) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Log log;
  Gate gate(*k);
  TestWork a(1, &log), b(2, &log), c(3, &log);
  QueuePtr q = make_queue(*k, "cancelwq");
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(q->enqueue(gate).ok());
    gate.wait_started();
    ASSERT_TRUE(q->enqueue(a).ok());
    ASSERT_TRUE(q->enqueue(b).ok());
    ASSERT_TRUE(q->enqueue(c).ok());
    EXPECT_TRUE(b.queued);
    EXPECT_TRUE(q->cancel(b));
    EXPECT_FALSE(b.queued);
    EXPECT_FALSE(q->cancel(b)) << "cancel of work that is no longer queued";
    EXPECT_FALSE(q->cancel(gate)) << "cancel of running work";
    gate.release();
    q->drain();
  });
  std::lock_guard<std::mutex> g(log.lock);
  EXPECT_EQ(log.order, (std::vector<int>{1, 3}));
  in_kernel(*k, [&](Lwp&) { EXPECT_FALSE(q->cancel(a)) << "cancel of work that already ran"; });
}

TEST(WorkQueue, EnqueueOfQueuedWorkIsANoOp) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Log log;
  Gate gate(*k);
  TestWork a(1, &log), b(2, &log);
  QueuePtr q = make_queue(*k, "dupwq");
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(q->enqueue(gate).ok());
    gate.wait_started();
    ASSERT_TRUE(q->enqueue(a).ok());
    ASSERT_TRUE(q->enqueue(b).ok());
    ASSERT_TRUE(q->enqueue(a).ok());  // still queued: stays where it is, runs once
    ASSERT_TRUE(q->enqueue(a).ok());
    gate.release();
    q->drain();
  });
  {
    std::lock_guard<std::mutex> g(log.lock);
    EXPECT_EQ(log.order, (std::vector<int>{1, 2}));
  }
  // Once it has run it can be queued again.
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(q->enqueue(a).ok());
    q->drain();
  });
  EXPECT_EQ(log.runs.load(), 3);
}

struct Requeue : Work {
  std::atomic<int> runs{0};
  WorkQueue* q = nullptr;
  Requeue() : Work(run) {}
  static void run(Work* w) {
    auto* r = static_cast<Requeue*>(w);
    if (r->runs.fetch_add(1) + 1 < 10) (void)r->q->enqueue(*r);
  }
};

TEST(WorkQueue, WorkCanRequeueItself) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  Requeue r;
  QueuePtr q = make_queue(*k, "requeue");
  r.q = q.get();
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(q->enqueue(r).ok());
    q->drain();
  });
  EXPECT_EQ(r.runs.load(), 10);
}

TEST(WorkQueue, ShutdownRunsWhatIsQueuedThenRefuses) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Log log;
  Gate gate(*k);
  TestWork a(1, &log), b(2, &log);
  QueuePtr q = make_queue(*k, "shutwq");
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(q->enqueue(gate).ok());
    gate.wait_started();
    ASSERT_TRUE(q->enqueue(a).ok());
    ASSERT_TRUE(q->enqueue(b).ok());
  });
  std::thread opener([&] {
    std::this_thread::sleep_for(20ms);
    in_kernel(*k, [&](Lwp&) { gate.release(); });
  });
  in_kernel(*k, [&](Lwp&) {
    q->shutdown();
    EXPECT_EQ(log.runs.load(), 2) << "shutdown() dropped queued work";
    TestWork c(3, &log);
    Result<void> r = q->enqueue(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Errno::kShutdown);
    EXPECT_FALSE(c.queued);
  });
  join_or_die(opener, "gate opener");
  EXPECT_EQ(k->kthreads().load(), 0) << "the queue's thread outlived shutdown";
}

TEST(WorkQueue, KernelQueueWorksAndManyThreadsEnqueue) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Log log;
  constexpr int kThreads = 4, kEach = 100;
  std::vector<std::unique_ptr<TestWork>> ws;
  for (int i = 0; i < kThreads * kEach; ++i) ws.push_back(std::make_unique<TestWork>(i, &log));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        in_kernel(*k, [&](Lwp&) { ASSERT_TRUE(k->workqueue().enqueue(*ws[t * kEach + i]).ok()); });
      }
    });
  }
  for (auto& t : threads) join_or_die(t, "enqueuer");
  in_kernel(*k, [&](Lwp&) { k->workqueue().drain(); });
  EXPECT_EQ(log.runs.load(), kThreads * kEach);
  // Each enqueuer's items ran in the order it queued them.
  std::lock_guard<std::mutex> g(log.lock);
  std::vector<int> last(kThreads, -1);
  for (int id : log.order) {
    int t = id / kEach;
    EXPECT_GT(id, last[t]);
    last[t] = id;
  }
  EXPECT_EQ(k->kthreads().load(), 1);
}

}  // namespace
}  // namespace rk::kern
