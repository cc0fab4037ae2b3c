// Callouts: timing, stop and halt, rescheduling, ordering, the lazily started thread.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "kern/callout.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

using namespace std::chrono_literals;
using test::boot;
using test::in_kernel;
using test::join_or_die;
using test::wait_until;

constexpr int64_t kMs = 1000 * 1000;

struct Fired {
  Kernel* k = nullptr;
  std::atomic<int> count{0};
  std::atomic<int64_t> at{0};  // kernel uptime of the last run
  std::atomic<bool> on_callout_lwp{true};
  std::atomic<bool> had_cpu{true};
};

void record(void* arg) {
  auto* f = static_cast<Fired*>(arg);
  f->at.store(f->k->uptime_ns());
  Lwp* l = curlwp();
  if (l == nullptr || l->cpu() == nullptr) f->had_cpu = false;
  if (l == nullptr || l->proc().pid() != 0) f->on_callout_lwp = false;
  f->count.fetch_add(1);
}

// Callouts are kernel objects: they are halted and destroyed on a virtual CPU (the destructor
// checks, under the queue's lock, that the callout is not pending).
using CalloutPtr = std::unique_ptr<Callout>;
CalloutPtr make_callout(Kernel& k, Callout::Fn fn, void* arg) {
  return std::make_unique<Callout>(k, fn, arg);
}
void finish(Kernel& k, CalloutPtr& c) {
  in_kernel(k, [&](Lwp&) {
    (void)c->halt();
    c.reset();
  });
}

TEST(Callout, FiresAfterItsDelay) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Fired f;
  f.k = k.get();
  CalloutPtr c = make_callout(*k, record, &f);
  int64_t armed = 0;
  in_kernel(*k, [&](Lwp&) {
    EXPECT_FALSE(c->pending());
    armed = k->uptime_ns();
    ASSERT_TRUE(c->schedule_ms(10).ok());
    // Pending until it runs (a loaded machine may already have run it).
    EXPECT_TRUE(c->pending() || f.count.load() == 1);
  });
  ASSERT_TRUE(wait_until([&] { return f.count.load() == 1; }));
  int64_t delay = f.at.load() - armed;
  EXPECT_GE(delay, 10 * kMs) << "fired early";
  EXPECT_LT(delay, 2000 * kMs) << "a 10 ms callout took over 2 s";
  EXPECT_TRUE(f.had_cpu.load()) << "the handler ran without a virtual CPU";
  EXPECT_TRUE(f.on_callout_lwp.load()) << "the handler did not run as a kernel thread of proc0";
  in_kernel(*k, [&](Lwp&) { EXPECT_FALSE(c->pending()); });
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(f.count.load(), 1) << "a callout runs once per schedule";
  finish(*k, c);
}

TEST(Callout, ZeroAndNegativeDelaysRunSoon) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  Fired f;
  f.k = k.get();
  CalloutPtr a = make_callout(*k, record, &f), b = make_callout(*k, record, &f);
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(a->schedule_ns(0).ok());
    ASSERT_TRUE(b->schedule_ns(-1000).ok());
  });
  EXPECT_TRUE(wait_until([&] { return f.count.load() == 2; }));
  finish(*k, a);
  finish(*k, b);
}

TEST(Callout, StopPreventsAPendingCallout) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Fired f;
  f.k = k.get();
  CalloutPtr c = make_callout(*k, record, &f);
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(c->schedule_ms(20).ok());
    EXPECT_TRUE(c->stop());
    EXPECT_FALSE(c->pending());
    EXPECT_FALSE(c->stop()) << "stop() of a callout that is not pending returns false";
  });
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(f.count.load(), 0) << "a stopped callout ran";
  // It can be armed again after a stop.
  in_kernel(*k, [&](Lwp&) { ASSERT_TRUE(c->schedule_ms(1).ok()); });
  EXPECT_TRUE(wait_until([&] { return f.count.load() == 1; }));
  finish(*k, c);
}

// A handler that blocks until the test lets it go.
struct Blocker {
  Kernel* k;
  Mutex m;
  CondVar cv;
  bool started = false;   // guarded by m
  bool release = false;   // guarded by m
  std::atomic<bool> finished{false};
  explicit Blocker(Kernel& kernel) : k(&kernel), m(kernel), cv(kernel) {}
};

void block_until_released(void* arg) {
  auto* b = static_cast<Blocker*>(arg);
  MutexGuard g(b->m);
  b->started = true;
  b->cv.broadcast();
  while (!b->release) b->cv.wait(b->m);
  b->finished = true;
}

void wait_started(Kernel& k, Blocker& b) {
  in_kernel(k, [&](Lwp&) {
    MutexGuard g(b.m);
    while (!b.started) b.cv.wait(b.m);
  });
}

void release(Kernel& k, Blocker& b) {
  in_kernel(k, [&](Lwp&) {
    MutexGuard g(b.m);
    b.release = true;
    b.cv.broadcast();
  });
}

TEST(Callout, HaltWaitsForARunningHandler) {
  for (unsigned ncpu : {1u, 2u}) {
    SCOPED_TRACE(ncpu);
    auto k = boot(ncpu);
    ASSERT_NE(k, nullptr);
    Blocker b(*k);
    CalloutPtr c = make_callout(*k, block_until_released, &b);
    in_kernel(*k, [&](Lwp&) { ASSERT_TRUE(c->schedule_ms(0).ok()); });
    wait_started(*k, b);
    std::thread releaser([&] {
      std::this_thread::sleep_for(50ms);
      release(*k, b);
    });
    bool was_pending = true;
    in_kernel(*k, [&](Lwp&) { was_pending = c->halt(); });
    EXPECT_TRUE(b.finished.load()) << "halt() returned while the handler was still running";
    EXPECT_FALSE(was_pending) << "a running callout is not pending";
    join_or_die(releaser, "releaser");
  }
}

TEST(Callout, StopDoesNotWaitForARunningHandler) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Blocker b(*k);
  CalloutPtr c = make_callout(*k, block_until_released, &b);
  in_kernel(*k, [&](Lwp&) { ASSERT_TRUE(c->schedule_ms(0).ok()); });
  wait_started(*k, b);
  in_kernel(*k, [&](Lwp&) { EXPECT_FALSE(c->stop()); });
  EXPECT_FALSE(b.finished.load()) << "stop() waited for the handler";
  release(*k, b);
  finish(*k, c);
  EXPECT_TRUE(b.finished.load());
}

TEST(Callout, ReschedulingMovesIt) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Fired f;
  f.k = k.get();
  CalloutPtr c = make_callout(*k, record, &f);
  // Earlier: a 10 s callout moved to 10 ms fires at about 10 ms, once.
  int64_t armed = 0;
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(c->schedule_ms(10000).ok());
    armed = k->uptime_ns();
    ASSERT_TRUE(c->schedule_ms(10).ok());
  });
  ASSERT_TRUE(wait_until([&] { return f.count.load() == 1; }, 5s));
  EXPECT_GE(f.at.load() - armed, 10 * kMs);
  EXPECT_LT(f.at.load() - armed, 2000 * kMs);
  // Later: a 5 ms callout moved to 150 ms has not fired at 50 ms.
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(c->schedule_ms(5).ok());
    armed = k->uptime_ns();
    ASSERT_TRUE(c->schedule_ms(150).ok());
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(f.count.load(), 1) << "the callout fired at its old, earlier deadline";
  ASSERT_TRUE(wait_until([&] { return f.count.load() == 2; }));
  EXPECT_GE(f.at.load() - armed, 150 * kMs);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(f.count.load(), 2);
  finish(*k, c);
}

struct Ordered {
  Kernel* k;
  int index;
  int64_t earliest;  // lower bound of its deadline (uptime before schedule + delay)
  int64_t latest;    // upper bound (uptime after schedule + delay)
  std::vector<int>* order;
  std::mutex* order_lock;
  std::atomic<int64_t> at{0};
};

void record_order(void* arg) {
  auto* o = static_cast<Ordered*>(arg);
  o->at.store(o->k->uptime_ns());
  std::lock_guard<std::mutex> g(*o->order_lock);
  o->order->push_back(o->index);
}

TEST(Callout, HundredRandomDelaysFireInDeadlineOrder) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  constexpr int kN = 100;
  std::vector<int> order;
  std::mutex order_lock;
  std::vector<std::unique_ptr<Ordered>> os;
  std::vector<CalloutPtr> cs;
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int64_t> delay_us(0, 40000);
  // Hold the callout thread in a handler while everything is armed, so that the whole queue
  // is sorted before the first of them runs.
  Blocker b(*k);
  CalloutPtr blocker = make_callout(*k, block_until_released, &b);
  in_kernel(*k, [&](Lwp&) { ASSERT_TRUE(blocker->schedule_ms(0).ok()); });
  wait_started(*k, b);
  in_kernel(*k, [&](Lwp&) {
    for (int i = 0; i < kN; ++i) {
      int64_t d = delay_us(rng) * 1000;
      auto o = std::make_unique<Ordered>();
      o->k = k.get();
      o->index = i;
      o->order = &order;
      o->order_lock = &order_lock;
      cs.push_back(std::make_unique<Callout>(*k, record_order, o.get()));
      o->earliest = k->uptime_ns() + d;
      ASSERT_TRUE(cs.back()->schedule_ns(d).ok());
      o->latest = k->uptime_ns() + d;
      os.push_back(std::move(o));
    }
  });
  std::this_thread::sleep_for(10ms);
  release(*k, b);
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard<std::mutex> g(order_lock);
    return order.size() == kN;
  }));
  std::lock_guard<std::mutex> g(order_lock);
  std::vector<int> sorted(order);
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < kN; ++i) ASSERT_EQ(sorted[i], i) << "a callout ran twice or not at all";
  for (int i = 0; i < kN; ++i) {
    const Ordered& o = *os[order[i]];
    EXPECT_GE(o.at.load(), o.earliest) << "callout " << o.index << " fired before its deadline";
    if (i > 0) {
      const Ordered& prev = *os[order[i - 1]];
      EXPECT_LE(prev.earliest, o.latest)
          << "callout " << prev.index << " (deadline >= " << prev.earliest
          << ") ran before callout " << o.index << " (deadline <= " << o.latest << ")";
    }
  }
  for (auto& c : cs) finish(*k, c);
  finish(*k, blocker);
}

TEST(Callout, EqualDeadlinesRunInTheOrderTheyWereSet) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  std::vector<int> order;
  std::mutex order_lock;
  Blocker b(*k);
  CalloutPtr blocker = make_callout(*k, block_until_released, &b);
  in_kernel(*k, [&](Lwp&) { ASSERT_TRUE(blocker->schedule_ms(0).ok()); });
  wait_started(*k, b);
  std::vector<std::unique_ptr<Ordered>> os;
  std::vector<CalloutPtr> cs;
  for (int i = 0; i < 10; ++i) {
    auto o = std::make_unique<Ordered>();
    o->k = k.get();
    o->index = i;
    o->order = &order;
    o->order_lock = &order_lock;
    cs.push_back(std::make_unique<Callout>(*k, record_order, o.get()));
    os.push_back(std::move(o));
  }
  // Past deadlines collapse to "now", so all ten have the deadline of their schedule call;
  // arming them with delay 0 in order gives non-decreasing deadlines.
  in_kernel(*k, [&](Lwp&) {
    for (auto& c : cs) ASSERT_TRUE(c->schedule_ns(0).ok());
  });
  release(*k, b);
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard<std::mutex> g(order_lock);
    return order.size() == 10;
  }));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(order[i], i);
  for (auto& c : cs) finish(*k, c);
  finish(*k, blocker);
}

struct Periodic {
  Kernel* k;
  Callout* self;
  std::atomic<int> runs{0};
  int limit;
};

void rearm(void* arg) {
  auto* p = static_cast<Periodic*>(arg);
  if (p->runs.fetch_add(1) + 1 < p->limit) (void)p->self->schedule_ms(1);
}

TEST(Callout, HandlerCanRearmItself) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  Periodic p{k.get(), nullptr, {}, 5};
  CalloutPtr c = make_callout(*k, rearm, &p);
  p.self = c.get();
  in_kernel(*k, [&](Lwp&) { ASSERT_TRUE(c->schedule_ms(1).ok()); });
  ASSERT_TRUE(wait_until([&] { return p.runs.load() == 5; }));
  std::this_thread::sleep_for(10ms);
  EXPECT_EQ(p.runs.load(), 5);
  finish(*k, c);
}

struct SelfHalt {
  Callout* self;
  std::atomic<bool> done{false};
};

void halt_self(void* arg) {
  auto* s = static_cast<SelfHalt*>(arg);
  (void)s->self->halt();  // must not wait for itself
  s->done = true;
}

TEST(Callout, HandlerCanHaltItsOwnCallout) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  SelfHalt s{nullptr};
  CalloutPtr c = make_callout(*k, halt_self, &s);
  s.self = c.get();
  in_kernel(*k, [&](Lwp&) { ASSERT_TRUE(c->schedule_ms(0).ok()); });
  EXPECT_TRUE(wait_until([&] { return s.done.load(); }, 10s)) << "halt() from its own handler hung";
  finish(*k, c);
}

TEST(Callout, NoCalloutNoThread) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->kthreads().load(), 0) << "a fresh kernel started a kernel thread";
  for (int i = 0; i < 10; ++i) in_kernel(*k, [](Lwp&) {});
  EXPECT_EQ(k->kthreads().load(), 0);
  // The first armed callout starts the thread, and only one.
  Fired f;
  f.k = k.get();
  CalloutPtr a = make_callout(*k, record, &f), b = make_callout(*k, record, &f);
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(a->schedule_ms(1).ok());
    ASSERT_TRUE(b->schedule_ms(2).ok());
  });
  EXPECT_EQ(k->kthreads().load(), 1);
  ASSERT_TRUE(wait_until([&] { return f.count.load() == 2; }));
  EXPECT_EQ(k->kthreads().load(), 1);
  finish(*k, a);
  finish(*k, b);
}

TEST(Callout, ScheduleAfterHaltFails) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  Fired f;
  f.k = k.get();
  CalloutPtr c = make_callout(*k, record, &f);
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(c->schedule_ms(10000).ok());
    k->halt(HaltHow::kHalt);
    EXPECT_TRUE(k->halted());
    EXPECT_FALSE(c->pending()) << "halt leaves callouts armed";
    Result<void> r = c->schedule_ms(1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Errno::kShutdown);
  });
  EXPECT_EQ(k->kthreads().load(), 0) << "the callout thread outlived halt";
  EXPECT_EQ(f.count.load(), 0);
  finish(*k, c);
}

TEST(Callout, ManyCalloutsOnManyThreads) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Fired f;
  f.k = k.get();
  constexpr int kThreads = 4, kEach = 50;
  std::vector<CalloutPtr> cs;
  for (int i = 0; i < kThreads * kEach; ++i) cs.push_back(std::make_unique<Callout>(*k, record, &f));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        in_kernel(*k, [&](Lwp&) {
          Callout& c = *cs[t * kEach + i];
          if (i % 3 == 0) {
            ASSERT_TRUE(c.schedule_ms(10000).ok());
            ASSERT_TRUE(c.schedule_ms(i % 7).ok());  // moved before it can run
          } else {
            ASSERT_TRUE(c.schedule_ms(i % 5).ok());
          }
        });
      }
    });
  }
  for (auto& t : threads) join_or_die(t, "arming thread");
  ASSERT_TRUE(wait_until([&] { return f.count.load() == kThreads * kEach; }));
  std::this_thread::sleep_for(10ms);
  EXPECT_EQ(f.count.load(), kThreads * kEach);
  for (auto& c : cs) finish(*k, c);
}

}  // namespace
}  // namespace rk::kern
