// Virtual CPUs: at most ncpu threads run kernel code at once; a thread that blocks in the
// kernel gives its CPU back; kernel entry from nested and concurrent contexts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "kern/lock.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kern/sched.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

using namespace std::chrono_literals;
using test::boot;
using test::in_kernel;
using test::join_or_die;
using test::wait_until;

void spin_for(std::chrono::microseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

void at_most_ncpu_inside(unsigned ncpu) {
  auto k = boot(ncpu);
  ASSERT_NE(k, nullptr);
  std::atomic<int> inside{0}, max_inside{0};
  std::atomic<bool> cpu_shared{false};
  std::vector<std::atomic<int>> on_cpu(ncpu);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        in_kernel(*k, [&](Lwp& l) {
          int n = inside.fetch_add(1) + 1;
          int m = max_inside.load();
          while (n > m && !max_inside.compare_exchange_weak(m, n)) {
          }
          Cpu* cpu = l.cpu();
          if (cpu == nullptr || cpu->index >= ncpu) {
            cpu_shared = true;
          } else {
            if (on_cpu[cpu->index].fetch_add(1) != 0) cpu_shared = true;
            if (cpu->curlwp != &l) cpu_shared = true;
            if (curlwp() != &l) cpu_shared = true;
          }
          spin_for(50us);
          if (cpu != nullptr && cpu->index < ncpu) on_cpu[cpu->index].fetch_sub(1);
          inside.fetch_sub(1);
        });
      }
    });
  }
  for (auto& t : threads) join_or_die(t, "entering thread");
  EXPECT_LE(max_inside.load(), static_cast<int>(ncpu)) << "more threads than CPUs in the kernel";
  EXPECT_GE(max_inside.load(), 1);
  EXPECT_FALSE(cpu_shared.load()) << "two lwps on one virtual CPU, or an lwp without one";
  EXPECT_EQ(curlwp(), nullptr);
}

TEST(Sched, AtMostOneThreadInsideOnOneCpu) { at_most_ncpu_inside(1); }
TEST(Sched, AtMostTwoThreadsInsideOnTwoCpus) { at_most_ncpu_inside(2); }
TEST(Sched, AtMostFourThreadsInsideOnFourCpus) { at_most_ncpu_inside(4); }

// Exactly ncpu threads can be inside together, and the next one waits until one leaves.
void ncpu_fit_and_one_more_waits(unsigned ncpu) {
  auto k = boot(ncpu);
  ASSERT_NE(k, nullptr);
  std::atomic<int> inside{0};
  std::atomic<bool> release{false}, all_in{true};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < ncpu; ++t) {
    threads.emplace_back([&] {
      in_kernel(*k, [&](Lwp&) {
        inside.fetch_add(1);
        if (!wait_until([&] { return inside.load() >= static_cast<int>(ncpu); }, 10s))
          all_in = false;
        wait_until([&] { return release.load(); }, 20s);
        inside.fetch_sub(1);
      });
    });
  }
  ASSERT_TRUE(wait_until([&] { return inside.load() == static_cast<int>(ncpu); }));
  std::atomic<bool> extra_in{false};
  std::thread extra([&] { in_kernel(*k, [&](Lwp&) { extra_in = true; }); });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(extra_in.load()) << "thread " << ncpu + 1 << " entered a kernel with " << ncpu
                                << " busy CPUs";
  release = true;
  for (auto& t : threads) join_or_die(t, "CPU holder");
  join_or_die(extra, "waiting entrant");
  EXPECT_TRUE(extra_in.load());
  EXPECT_TRUE(all_in.load());
}

TEST(Sched, OneCpuFullThenWait) { ncpu_fit_and_one_more_waits(1); }
TEST(Sched, TwoCpusFullThenWait) { ncpu_fit_and_one_more_waits(2); }
TEST(Sched, FourCpusFullThenWait) { ncpu_fit_and_one_more_waits(4); }

// On one CPU: A waits on a condition variable (holding no CPU); B enters and signals it.
TEST(Sched, CondVarWaiterGivesItsCpuBack) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  Mutex m(*k);
  CondVar cv(*k);
  bool flag = false;
  std::atomic<bool> waiting{false}, a_done{false};
  std::thread a([&] {
    in_kernel(*k, [&](Lwp&) {
      MutexGuard g(m);
      waiting = true;
      while (!flag) cv.wait(m);
      a_done = true;
    });
  });
  ASSERT_TRUE(wait_until([&] { return waiting.load(); }));
  std::thread b([&] {
    in_kernel(*k, [&](Lwp&) {
      MutexGuard g(m);
      flag = true;
      cv.signal();
    });
  });
  join_or_die(b, "thread B entering while A waits");
  join_or_die(a, "thread A after the signal");
  EXPECT_TRUE(a_done.load());
}

// On one CPU: B holds mutex `m` while it sleeps on a condition variable of another mutex; A
// blocks on `m`. Both sleepers gave the CPU back, so the main thread can still enter and wake
// B, which lets A through.
TEST(Sched, MutexWaiterAndHolderBothGiveTheirCpuBack) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  Mutex m(*k), m2(*k);
  CondVar cv(*k);
  bool wake_b = false;  // guarded by m2
  std::atomic<int> step{0};
  std::thread b([&] {
    in_kernel(*k, [&](Lwp&) {
      MutexGuard g(m);
      MutexGuard g2(m2);
      step = 1;
      while (!wake_b) cv.wait(m2);
      step = 3;
    });
  });
  ASSERT_TRUE(wait_until([&] { return step.load() == 1; }));
  std::atomic<bool> a_trying{false}, a_got{false};
  std::thread a([&] {
    in_kernel(*k, [&](Lwp&) {
      a_trying = true;
      MutexGuard g(m);
      a_got = true;
    });
  });
  ASSERT_TRUE(wait_until([&] { return a_trying.load(); }));
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(a_got.load());
  in_kernel(*k, [&](Lwp&) {
    MutexGuard g(m2);
    wake_b = true;
    cv.signal();
  });
  join_or_die(b, "mutex holder B");
  join_or_die(a, "mutex waiter A");
  EXPECT_TRUE(a_got.load());
}

// A host call wrapped in Unscheduled lets other threads run on a one-CPU kernel.
TEST(Sched, UnscheduledGivesTheCpuBack) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  std::atomic<bool> other_ran{false};
  in_kernel(*k, [&](Lwp& l) {
    Cpu* cpu = l.cpu();
    ASSERT_NE(cpu, nullptr);
    std::thread other([&] { in_kernel(*k, [&](Lwp&) { other_ran = true; }); });
    {
      Unscheduled off;
      EXPECT_EQ(l.cpu(), nullptr);
      EXPECT_EQ(curlwp(), &l) << "the lwp stays the thread's while it is off the CPU";
      EXPECT_TRUE(wait_until([&] { return other_ran.load(); }));
    }
    EXPECT_NE(l.cpu(), nullptr);
    join_or_die(other, "entrant during Unscheduled");
  });
  EXPECT_TRUE(other_ran.load());
}

TEST(Sched, EntryGivesAnLwpOfTheLocalClient) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(curlwp(), nullptr);
  in_kernel(*k, [&](Lwp& l) {
    EXPECT_EQ(curlwp(), &l);
    EXPECT_EQ(&l.kernel(), k.get());
    EXPECT_EQ(&l.proc(), &k->proc1());
    EXPECT_EQ(l.proc().pid(), 1);
    EXPECT_TRUE(l.implicit());
    ASSERT_NE(l.cpu(), nullptr);
    EXPECT_EQ(l.cpu()->curlwp, &l);
    EXPECT_EQ(l.last_cpu(), l.cpu());
  });
  EXPECT_EQ(curlwp(), nullptr);
}

// Entering kernel B from inside kernel A, and coming back.
TEST(Sched, NestedEntryIntoAnotherKernel) {
  auto a = boot(1);
  auto b = boot(1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Mutex mb(*b);
  in_kernel(*a, [&](Lwp& la) {
    in_kernel(*b, [&](Lwp& lb) {
      EXPECT_EQ(curlwp(), &lb);
      EXPECT_EQ(&lb.kernel(), b.get());
      MutexGuard g(mb);
      EXPECT_TRUE(mb.held());
    });
    EXPECT_EQ(curlwp(), &la);
    EXPECT_EQ(&la.kernel(), a.get());
    EXPECT_NE(la.cpu(), nullptr);
  });
  EXPECT_EQ(curlwp(), nullptr);
}

// Kernel entries do not leak lwps: a thread's implicit lwp is kept as the CPU's spare.
TEST(Sched, RepeatedEntriesDoNotGrowMemory) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  for (int i = 0; i < 10; ++i) in_kernel(*k, [](Lwp&) {});
  uint64_t used = k->kmem().used();
  for (int i = 0; i < 2000; ++i) in_kernel(*k, [](Lwp&) {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) in_kernel(*k, [](Lwp&) {});
    });
  for (auto& t : threads) join_or_die(t, "entering thread");
  // At most one spare lwp per CPU beyond what was there.
  EXPECT_LE(k->kmem().used(), used + 2 * sizeof(Lwp));
  EXPECT_EQ(k->procs().count(), 2u) << "entries created processes";
}

// Several kernels of different sizes live side by side, each with its own CPUs.
TEST(Sched, KernelsOfVariousNcpuCoexist) {
  std::vector<test::KernelPtr> ks;
  for (unsigned n : {1u, 2u, 3u, 4u, 8u}) {
    ks.push_back(boot(n));
    ASSERT_NE(ks.back(), nullptr);
    EXPECT_EQ(ks.back()->sched().ncpu(), n);
    EXPECT_EQ(ks.back()->uniprocessor(), n == 1);
  }
  std::vector<std::thread> threads;
  std::atomic<bool> bad{false};
  for (auto& kp : ks) {
    Kernel* k = kp.get();
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([k, &bad] {
        Mutex m(*k);
        for (int i = 0; i < 200; ++i) {
          in_kernel(*k, [&](Lwp& l) {
            if (&l.kernel() != k) bad = true;
            MutexGuard g(m);
          });
        }
      });
    }
  }
  for (auto& t : threads) join_or_die(t, "multi-kernel thread");
  EXPECT_FALSE(bad.load());
  // A thread that holds the only CPU of a one-CPU kernel does not keep anyone out of another.
  std::atomic<bool> release{false}, holding{false};
  std::thread holder([&] {
    in_kernel(*ks[0], [&](Lwp&) {
      holding = true;
      wait_until([&] { return release.load(); }, 20s);
    });
  });
  ASSERT_TRUE(wait_until([&] { return holding.load(); }));
  bool entered = in_kernel(*ks[1], [](Lwp&) { return true; });
  EXPECT_TRUE(entered);
  release = true;
  join_or_die(holder, "one-CPU holder");
}

}  // namespace
}  // namespace rk::kern
