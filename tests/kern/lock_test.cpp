// Kernel locks under contention: Mutex, RwLock and CondVar, on uniprocessor and
// multiprocessor kernels.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "kern/lock.h"
#include "kern/lwp.h"
#include "kern/sched.h"
#include "kernel_fixture.h"

// Clang's thread-safety analysis is off for this file: the tests take and drop locks in ways the analysis cannot follow (try_lock under
// ASSERT, a lock taken in one lambda and released in another).
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wthread-safety-analysis"
#endif

namespace rk::kern {
namespace {

using namespace std::chrono_literals;
using test::boot;
using test::in_kernel;
using test::join_or_die;
using test::wait_until;

// --- Mutex -----------------------------------------------------------------------------------

void mutex_excludes(unsigned ncpu) {
  auto k = boot(ncpu);
  ASSERT_NE(k, nullptr);
  Mutex m(*k);
  uint64_t counter = 0;  // guarded by m; deliberately not atomic
  std::atomic<int> inside{0};
  std::atomic<bool> overlap{false};
  constexpr int kThreads = 8, kBatches = 100, kPerBatch = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int b = 0; b < kBatches; ++b) {
        in_kernel(*k, [&](Lwp&) {
          for (int i = 0; i < kPerBatch; ++i) {
            MutexGuard g(m);
            if (inside.fetch_add(1) != 0) overlap = true;
            counter = counter + 1;
            if (i % 50 == 0) {
              // Block while holding the lock: other threads get the CPU and must wait for m.
              Unscheduled off;
              std::this_thread::yield();
            }
            inside.fetch_sub(1);
          }
        });
      }
    });
  }
  for (auto& t : threads) join_or_die(t, "mutex hammer thread");
  EXPECT_FALSE(overlap.load()) << "two threads were inside the mutex at once";
  in_kernel(*k, [&](Lwp&) {
    MutexGuard g(m);
    EXPECT_EQ(counter, uint64_t{kThreads} * kBatches * kPerBatch);
  });
}

TEST(Mutex, MutualExclusionOneCpu) { mutex_excludes(1); }
TEST(Mutex, MutualExclusionTwoCpus) { mutex_excludes(2); }
TEST(Mutex, MutualExclusionFourCpus) { mutex_excludes(4); }

TEST(Mutex, TryLockAndHeld) {
  for (unsigned ncpu : {1u, 2u}) {
    SCOPED_TRACE(ncpu);
    auto k = boot(ncpu);
    ASSERT_NE(k, nullptr);
    Mutex m(*k);
    EXPECT_EQ(&m.kernel(), k.get());
    in_kernel(*k, [&](Lwp&) {
      EXPECT_FALSE(m.held());
      ASSERT_TRUE(m.try_lock());
      EXPECT_TRUE(m.held());
      m.assert_held();
      EXPECT_FALSE(m.try_lock()) << "try_lock of a held mutex succeeded";
      m.unlock();
      EXPECT_FALSE(m.held());
      m.lock();
      EXPECT_TRUE(m.held());
      m.unlock();
    });
  }
}

TEST(Mutex, HeldIsPerLwpAndTryLockFailsForOthers) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Mutex m(*k);
  std::atomic<int> step{0};
  std::thread holder([&] {
    in_kernel(*k, [&](Lwp&) {
      m.lock();
      step = 1;
      wait_until([&] { return step.load() == 2; });
      m.unlock();
    });
    step = 3;
  });
  ASSERT_TRUE(wait_until([&] { return step.load() == 1; }));
  in_kernel(*k, [&](Lwp&) {
    EXPECT_FALSE(m.held()) << "held() is true for an lwp that does not hold it";
    EXPECT_FALSE(m.try_lock());
  });
  step = 2;
  join_or_die(holder, "mutex holder");
  in_kernel(*k, [&](Lwp&) {
    EXPECT_TRUE(m.try_lock());
    m.unlock();
  });
}

TEST(Mutex, LockWaitsForTheHolder) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Mutex m(*k);
  std::atomic<bool> trying{false}, got{false};
  std::thread waiter;
  in_kernel(*k, [&](Lwp&) {
    m.lock();
    waiter = std::thread([&] {
      in_kernel(*k, [&](Lwp&) {
        trying = true;
        m.lock();
        got = true;
        m.unlock();
      });
    });
    ASSERT_TRUE(wait_until([&] { return trying.load(); }));
    std::this_thread::sleep_for(30ms);
    EXPECT_FALSE(got.load()) << "lock() returned while another thread held the mutex";
    m.unlock();
  });
  join_or_die(waiter, "mutex waiter");
  EXPECT_TRUE(got.load());
}

// --- RwLock ----------------------------------------------------------------------------------

TEST(RwLock, TwoReadersInsideAtOnce) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  RwLock l(*k);
  std::atomic<int> inside{0};
  std::atomic<bool> both{true};
  auto reader = [&] {
    in_kernel(*k, [&](Lwp&) {
      ReadGuard g(l);
      EXPECT_FALSE(l.write_held());
      inside.fetch_add(1);
      if (!wait_until([&] { return inside.load() == 2; }, 10s)) both = false;
    });
  };
  std::thread a(reader), b(reader);
  join_or_die(a, "reader a");
  join_or_die(b, "reader b");
  EXPECT_TRUE(both.load()) << "the second reader could not get in while the first was inside";
}

TEST(RwLock, TryLocks) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  RwLock l(*k);
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE(l.try_lock_shared());
    ASSERT_TRUE(l.try_lock_shared());
    EXPECT_FALSE(l.try_lock());
    l.unlock_shared();
    EXPECT_FALSE(l.try_lock());
    l.unlock_shared();
    ASSERT_TRUE(l.try_lock());
    EXPECT_TRUE(l.write_held());
    EXPECT_FALSE(l.try_lock_shared());
    EXPECT_FALSE(l.try_lock());
    l.unlock();
    EXPECT_FALSE(l.write_held());
    {
      WriteGuard g(l);
      EXPECT_TRUE(l.write_held());
    }
    {
      ReadGuard g(l);
      EXPECT_FALSE(l.write_held());
    }
  });
}

TEST(RwLock, WriterHeldIsPerLwp) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  RwLock l(*k);
  std::atomic<int> step{0};
  std::thread writer([&] {
    in_kernel(*k, [&](Lwp&) {
      WriteGuard g(l);
      step = 1;
      wait_until([&] { return step.load() == 2; });
    });
  });
  ASSERT_TRUE(wait_until([&] { return step.load() == 1; }));
  in_kernel(*k, [&](Lwp&) {
    EXPECT_FALSE(l.write_held());
    EXPECT_FALSE(l.try_lock_shared());
  });
  step = 2;
  join_or_die(writer, "writer");
}

void rwlock_exclusion(unsigned ncpu) {
  auto k = boot(ncpu);
  ASSERT_NE(k, nullptr);
  RwLock l(*k);
  std::atomic<int> readers{0}, writers{0};
  std::atomic<bool> bad{false};
  std::atomic<int> max_readers{0};
  uint64_t data[4] = {0, 0, 0, 0};  // written under the write lock, all four always equal
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    bool writer = t < 2;
    threads.emplace_back([&, writer] {
      for (int b = 0; b < 40; ++b) {
        in_kernel(*k, [&](Lwp&) {
          for (int i = 0; i < 50; ++i) {
            if (writer) {
              WriteGuard g(l);
              if (writers.fetch_add(1) != 0 || readers.load() != 0) bad = true;
              for (uint64_t& d : data) d = d + 1;
              if (i % 10 == 0) {
                Unscheduled off;
                std::this_thread::yield();
              }
              writers.fetch_sub(1);
            } else {
              ReadGuard g(l);
              int n = readers.fetch_add(1) + 1;
              int m = max_readers.load();
              while (n > m && !max_readers.compare_exchange_weak(m, n)) {
              }
              if (writers.load() != 0) bad = true;
              if (data[0] != data[1] || data[1] != data[2] || data[2] != data[3]) bad = true;
              if (i % 10 == 0) {
                Unscheduled off;
                std::this_thread::yield();
              }
              readers.fetch_sub(1);
            }
          }
        });
      }
    });
  }
  for (auto& t : threads) join_or_die(t, "rwlock thread");
  EXPECT_FALSE(bad.load()) << "a writer overlapped another writer or a reader";
  in_kernel(*k, [&](Lwp&) {
    ReadGuard g(l);
    EXPECT_EQ(data[0], 2u * 40 * 50);
    EXPECT_EQ(data[3], 2u * 40 * 50);
  });
}

TEST(RwLock, WriterExclusionOneCpu) { rwlock_exclusion(1); }
TEST(RwLock, WriterExclusionTwoCpus) { rwlock_exclusion(2); }

TEST(RwLock, WaitingWriterKeepsNewReadersOut) {
  auto k = boot(4);
  ASSERT_NE(k, nullptr);
  RwLock l(*k);
  std::atomic<int> step{0};
  std::atomic<bool> writer_in{false};
  std::thread reader([&] {
    in_kernel(*k, [&](Lwp&) {
      l.lock_shared();
      step = 1;
      wait_until([&] { return step.load() == 2; });
      l.unlock_shared();
    });
  });
  ASSERT_TRUE(wait_until([&] { return step.load() == 1; }));
  std::thread writer([&] {
    in_kernel(*k, [&](Lwp&) {
      l.lock();
      writer_in = true;
      l.unlock();
    });
  });
  // Once the writer waits, try_lock_shared must fail (waiting writers go first).
  bool kept_out = in_kernel(*k, [&](Lwp&) {
    return wait_until(
        [&] {
          if (!l.try_lock_shared()) return true;
          l.unlock_shared();
          return false;
        },
        10s);
  });
  EXPECT_TRUE(kept_out) << "new readers still got in while a writer waited";
  EXPECT_FALSE(writer_in.load());
  step = 2;
  join_or_die(reader, "first reader");
  join_or_die(writer, "waiting writer");
  EXPECT_TRUE(writer_in.load());
}

// A continuous stream of overlapping readers must not keep a writer out for long. With
// `reenter`, each read is a kernel entry of its own (readers also compete for the CPUs);
// otherwise each reader stays on its CPU and ncpu must leave one for the writer.
void writer_not_starved(unsigned ncpu, int nreaders, bool reenter) {
  auto k = boot(ncpu);
  ASSERT_NE(k, nullptr);
  RwLock l(*k);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0};
  auto read_once = [&] {
    ReadGuard g(l);
    reads.fetch_add(1);
    auto until = std::chrono::steady_clock::now() + 20us;
    while (std::chrono::steady_clock::now() < until) {
    }
  };
  std::vector<std::thread> readers;
  for (int r = 0; r < nreaders; ++r) {
    readers.emplace_back([&] {
      if (reenter) {
        while (!stop.load()) in_kernel(*k, [&](Lwp&) { read_once(); });
      } else {
        in_kernel(*k, [&](Lwp&) {
          while (!stop.load()) read_once();
        });
      }
    });
  }
  ASSERT_TRUE(wait_until([&] { return reads.load() > 1000; }));
  std::atomic<bool> writer_done{false};
  auto start = std::chrono::steady_clock::now();
  std::thread writer([&] {
    in_kernel(*k, [&](Lwp&) {
      l.lock();
      writer_done = true;
      l.unlock();
    });
  });
  bool in_time = wait_until([&] { return writer_done.load(); }, 5s);
  auto waited = std::chrono::steady_clock::now() - start;
  stop = true;
  for (auto& t : readers) join_or_die(t, "reader stream");
  join_or_die(writer, "writer");
  EXPECT_TRUE(in_time) << "the writer waited "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                       << " ms behind a stream of readers (still waiting when they stopped)";
}

TEST(RwLock, WriterIsNotStarvedByResidentReaders) { writer_not_starved(4, 3, false); }
TEST(RwLock, WriterIsNotStarvedByReadersThatReenter) { writer_not_starved(2, 2, true); }

// --- CondVar ---------------------------------------------------------------------------------

TEST(CondVar, SignalWakesAWaiter) {
  for (unsigned ncpu : {1u, 2u}) {
    SCOPED_TRACE(ncpu);
    auto k = boot(ncpu);
    ASSERT_NE(k, nullptr);
    Mutex m(*k);
    CondVar cv(*k);
    bool flag = false;  // guarded by m
    std::atomic<bool> waiting{false}, woke{false};
    std::thread waiter([&] {
      in_kernel(*k, [&](Lwp&) {
        MutexGuard g(m);
        waiting = true;
        while (!flag) cv.wait(m);
        EXPECT_TRUE(m.held());
        woke = true;
      });
    });
    ASSERT_TRUE(wait_until([&] { return waiting.load(); }));
    in_kernel(*k, [&](Lwp&) {
      MutexGuard g(m);
      flag = true;
      cv.signal();
    });
    join_or_die(waiter, "condvar waiter");
    EXPECT_TRUE(woke.load());
  }
}

TEST(CondVar, BroadcastWakesAll) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Mutex m(*k);
  CondVar cv(*k);
  int generation = 0;  // guarded by m
  std::atomic<int> waiting{0}, woke{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 5; ++i) {
    threads.emplace_back([&] {
      in_kernel(*k, [&](Lwp&) {
        MutexGuard g(m);
        waiting.fetch_add(1);
        while (generation == 0) cv.wait(m);
        woke.fetch_add(1);
      });
    });
  }
  ASSERT_TRUE(wait_until([&] { return waiting.load() == 5; }));
  in_kernel(*k, [&](Lwp&) {
    MutexGuard g(m);
    generation = 1;
    cv.broadcast();
  });
  for (auto& t : threads) join_or_die(t, "broadcast waiter");
  EXPECT_EQ(woke.load(), 5);
}

TEST(CondVar, WaitForTimesOut) {
  for (unsigned ncpu : {1u, 2u}) {
    SCOPED_TRACE(ncpu);
    auto k = boot(ncpu);
    ASSERT_NE(k, nullptr);
    Mutex m(*k);
    CondVar cv(*k);
    in_kernel(*k, [&](Lwp&) {
      MutexGuard g(m);
      constexpr int64_t kTimeout = 20 * 1000 * 1000;
      int64_t host0 = test::now_ns();
      int64_t up0 = k->uptime_ns();
      bool signalled = cv.wait_for(m, kTimeout);
      int64_t host_waited = test::now_ns() - host0;
      int64_t up_waited = k->uptime_ns() - up0;
      EXPECT_FALSE(signalled);
      EXPECT_TRUE(m.held());
      EXPECT_GE(host_waited, kTimeout);
      EXPECT_GE(up_waited, kTimeout);
      EXPECT_LT(host_waited, 2'000'000'000) << "a 20 ms wait took over 2 s";
      // A deadline in the past, and a zero or negative timeout, return at once.
      int64_t t0 = test::now_ns();
      EXPECT_FALSE(cv.wait_until(m, k->uptime_ns() - 1000));
      EXPECT_FALSE(cv.wait_for(m, 0));
      EXPECT_FALSE(cv.wait_for(m, -5));
      EXPECT_LT(test::now_ns() - t0, 1'000'000'000);
    });
  }
}

TEST(CondVar, WaitForReturnsTrueWhenSignalled) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Mutex m(*k);
  CondVar cv(*k);
  bool flag = false;
  std::atomic<bool> waiting{false};
  std::atomic<int> result{-1};
  std::thread waiter([&] {
    in_kernel(*k, [&](Lwp&) {
      MutexGuard g(m);
      waiting = true;
      bool any = false;
      int64_t deadline = k->uptime_ns() + 20'000'000'000;  // 20 s
      while (!flag) {
        any = cv.wait_until(m, deadline);
        if (!any) break;
      }
      result = flag && any ? 1 : 0;
    });
  });
  ASSERT_TRUE(wait_until([&] { return waiting.load(); }));
  std::this_thread::sleep_for(5ms);
  in_kernel(*k, [&](Lwp&) {
    MutexGuard g(m);
    flag = true;
    cv.signal();
  });
  join_or_die(waiter, "timed waiter");
  EXPECT_EQ(result.load(), 1);
}

void producer_consumer(unsigned ncpu) {
  auto k = boot(ncpu);
  ASSERT_NE(k, nullptr);
  Mutex m(*k);
  CondVar not_full(*k), not_empty(*k);
  constexpr int kCap = 8, kProducers = 3, kConsumers = 3, kItems = 2000;
  int ring[kCap];
  int head = 0, count = 0;  // guarded by m
  int producers_left = kProducers;
  std::atomic<int64_t> sum{0};
  std::atomic<int> consumed{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      in_kernel(*k, [&](Lwp&) {
        for (int i = 1; i <= kItems; ++i) {
          MutexGuard g(m);
          while (count == kCap) not_full.wait(m);
          ring[(head + count) % kCap] = p * kItems + i;
          ++count;
          not_empty.signal();
        }
        MutexGuard g(m);
        --producers_left;
        not_empty.broadcast();
      });
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      in_kernel(*k, [&](Lwp&) {
        for (;;) {
          MutexGuard g(m);
          while (count == 0 && producers_left > 0) not_empty.wait(m);
          if (count == 0) break;
          int v = ring[head];
          head = (head + 1) % kCap;
          --count;
          not_full.signal();
          sum.fetch_add(v);
          consumed.fetch_add(1);
        }
      });
    });
  }
  for (auto& t : threads) join_or_die(t, "producer/consumer");
  int64_t n = int64_t{kProducers} * kItems;
  EXPECT_EQ(consumed.load(), n);
  EXPECT_EQ(sum.load(), n * (n + 1) / 2);
}

TEST(CondVar, ProducerConsumerOneCpu) { producer_consumer(1); }
TEST(CondVar, ProducerConsumerTwoCpus) { producer_consumer(2); }
TEST(CondVar, ProducerConsumerFourCpus) { producer_consumer(4); }

}  // namespace
}  // namespace rk::kern
