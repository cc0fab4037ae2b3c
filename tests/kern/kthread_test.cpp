// Kernel threads: joinable and detached, and the kernel's count of them.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "kern/kthread.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

using namespace std::chrono_literals;
using test::boot;
using test::in_kernel;
using test::wait_until;

struct ThreadRecord {
  Kernel* k = nullptr;
  std::atomic<int> ran{0};
  std::atomic<bool> bad_context{false};
  std::atomic<int> pid{-1};
  std::atomic<bool> name_taken{false};
  char name[16] = {};  // written by the first thread to run
  Mutex* m = nullptr;
  int* counter = nullptr;  // guarded by *m
};

void body(void* arg) {
  auto* r = static_cast<ThreadRecord*>(arg);
  Lwp* l = curlwp();
  if (l == nullptr || l->cpu() == nullptr || &l->kernel() != r->k || l->implicit())
    r->bad_context = true;
  if (l != nullptr) {
    r->pid = l->proc().pid();
    if (!r->name_taken.exchange(true))
      for (int i = 0; i < 15 && l->name()[i] != '\0'; ++i) r->name[i] = l->name()[i];
  }
  if (r->m != nullptr) {
    for (int i = 0; i < 1000; ++i) {
      MutexGuard g(*r->m);
      ++*r->counter;
    }
  }
  r->ran.fetch_add(1);
}

TEST(KThread, CreateAndJoin) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  ThreadRecord r;
  r.k = k.get();
  in_kernel(*k, [&](Lwp&) {
    Result<KThread*> t = kthread_create(*k, "joinme", body, &r, true);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(k->kthreads().load(), 1);
    kthread_join(t.value());
  });
  EXPECT_EQ(r.ran.load(), 1) << "kthread_join returned before the thread ran";
  EXPECT_FALSE(r.bad_context.load()) << "a kernel thread ran without its lwp or CPU";
  EXPECT_EQ(r.pid.load(), 0) << "kernel threads belong to proc0";
  EXPECT_STREQ(r.name, "joinme");
  EXPECT_EQ(k->kthreads().load(), 0);
}

TEST(KThread, JoinOnOneCpuGivesTheCpuToTheThread) {
  // The joiner holds the only CPU until it blocks in kthread_join; the thread needs it to run.
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  ThreadRecord r;
  r.k = k.get();
  in_kernel(*k, [&](Lwp&) {
    std::vector<KThread*> ts;
    for (int i = 0; i < 8; ++i) {
      Result<KThread*> t = kthread_create(*k, "one-cpu", body, &r, true);
      ASSERT_TRUE(t.ok());
      ts.push_back(t.value());
    }
    for (KThread* t : ts) kthread_join(t);
  });
  EXPECT_EQ(r.ran.load(), 8);
  EXPECT_EQ(k->kthreads().load(), 0);
}

TEST(KThread, DetachedThreadsCleanUpAfterThemselves) {
  for (unsigned ncpu : {1u, 2u}) {
    SCOPED_TRACE(ncpu);
    auto k = boot(ncpu);
    ASSERT_NE(k, nullptr);
    uint64_t used = k->kmem().used();
    Mutex m(*k);
    int counter = 0;
    ThreadRecord r;
    r.k = k.get();
    r.m = &m;
    r.counter = &counter;
    in_kernel(*k, [&](Lwp&) {
      for (int i = 0; i < 10; ++i) ASSERT_TRUE(kthread_create(*k, "detached", body, &r, false).ok());
    });
    ASSERT_TRUE(wait_until([&] { return k->kthreads().load() == 0; }))
        << k->kthreads().load() << " detached threads never ended";
    EXPECT_EQ(r.ran.load(), 10);
    EXPECT_FALSE(r.bad_context.load());
    in_kernel(*k, [&](Lwp&) {
      MutexGuard g(m);
      EXPECT_EQ(counter, 10 * 1000);
    });
    // Their lwps and thread records were freed (a spare lwp of our entry may remain).
    EXPECT_LE(k->kmem().used(), used + ncpu * sizeof(Lwp));
  }
}

struct Sleeper {
  Kernel* k;
  Mutex m;
  CondVar cv;
  std::atomic<bool> done{false};
  explicit Sleeper(Kernel& kernel) : k(&kernel), m(kernel), cv(kernel) {}
};

void sleep_a_while(void* arg) {
  auto* s = static_cast<Sleeper*>(arg);
  MutexGuard g(s->m);
  (void)s->cv.wait_for(s->m, 50 * 1000 * 1000);
  s->done = true;
}

TEST(KThread, DestroyWaitsForADetachedThread) {
  Sleeper* s = nullptr;
  {
    auto k = boot(1);
    ASSERT_NE(k, nullptr);
    s = new Sleeper(*k);
    in_kernel(*k, [&](Lwp&) { ASSERT_TRUE(kthread_create(*k, "sleeper", sleep_a_while, s, false).ok()); });
    // k is destroyed here, while the thread still sleeps: halt waits for it.
  }
  EXPECT_TRUE(s->done.load()) << "the kernel was freed under a running kernel thread";
  delete s;
}

TEST(KThread, ManyJoinableThreadsAtOnce) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Mutex m(*k);
  int counter = 0;
  ThreadRecord r;
  r.k = k.get();
  r.m = &m;
  r.counter = &counter;
  in_kernel(*k, [&](Lwp&) {
    std::vector<KThread*> ts;
    for (int i = 0; i < 16; ++i) {
      Result<KThread*> t = kthread_create(*k, "many", body, &r, true);
      ASSERT_TRUE(t.ok());
      ts.push_back(t.value());
    }
    EXPECT_LE(k->kthreads().load(), 16);
    for (KThread* t : ts) kthread_join(t);
    MutexGuard g(m);
    EXPECT_EQ(counter, 16 * 1000);
  });
  EXPECT_EQ(r.ran.load(), 16);
  EXPECT_EQ(k->kthreads().load(), 0);
}

}  // namespace
}  // namespace rk::kern
