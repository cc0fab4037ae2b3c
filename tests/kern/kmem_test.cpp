// The kernel allocator: accounting, the memory limit, reclaimers, sleeping allocations, and
// boots that run out of memory.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "kern/kmem.h"
#include "kern/lwp.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

using test::boot;
using test::in_kernel;

constexpr uint64_t kMiB = 1 << 20;

TEST(Kmem, UsedAndPeakReturnToTheBootValue) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  Kmem& km = k->kmem();
  uint64_t boot_used = km.used();
  EXPECT_GT(boot_used, 0u) << "the kernel's own object is charged";
  EXPECT_GE(km.peak(), boot_used);
  EXPECT_EQ(km.limit(), 0u);
  in_kernel(*k, [&](Lwp&) {
    uint64_t base = km.used();
    uint64_t allocs = km.allocations();
    std::vector<std::pair<void*, size_t>> blocks;
    uint64_t sum = 0;
    for (size_t i = 1; i <= 200; ++i) {
      size_t size = i * 37;
      void* p = km.alloc(size);
      ASSERT_NE(p, nullptr);
      blocks.emplace_back(p, size);
      sum += size;
      EXPECT_EQ(km.used(), base + sum);
    }
    EXPECT_EQ(km.allocations(), allocs + 200);
    EXPECT_GE(km.peak(), base + sum);
    uint64_t peak = km.peak();
    for (auto& [p, size] : blocks) km.free(p, size);
    EXPECT_EQ(km.used(), base);
    EXPECT_EQ(km.peak(), peak) << "peak is a high-water mark";
  });
  // Only the entry's lwp, kept as its CPU's spare for the next entry, remains.
  EXPECT_LE(km.used(), boot_used + sizeof(Lwp));
}

TEST(Kmem, ZallocAlignmentAndEdgeCases) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  Kmem& km = k->kmem();
  in_kernel(*k, [&](Lwp&) {
    uint64_t base = km.used();
    auto* z = static_cast<unsigned char*>(km.zalloc(4096));
    ASSERT_NE(z, nullptr);
    for (int i = 0; i < 4096; ++i) ASSERT_EQ(z[i], 0);
    km.free(z, 4096);
    for (size_t align : {8u, 16u, 64u, 256u, 4096u}) {
      void* p = km.alloc(100, KmFlags::kNoSleep, align);
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u) << "align " << align;
      km.free(p, 100);
    }
    // A zero-byte allocation is a valid, freeable pointer.
    void* p0 = km.alloc(0);
    ASSERT_NE(p0, nullptr);
    EXPECT_EQ(km.used(), base + 1);
    km.free(p0, 0);
    km.free(nullptr, 123);  // no-op
    EXPECT_EQ(km.used(), base);

    struct Obj {
      int a;
      double b;
      Obj(int x, double y) : a(x), b(y) {}
    };
    Obj* o = km.create<Obj>(KmFlags::kSleep, 7, 2.5);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->a, 7);
    EXPECT_EQ(o->b, 2.5);
    EXPECT_EQ(km.used(), base + sizeof(Obj));
    km.destroy(o);
    km.destroy<Obj>(nullptr);
    EXPECT_EQ(km.used(), base);
  });
}

TEST(Kmem, NoSleepFailsOverTheLimit) {
  auto k = boot(1, 1 * kMiB);
  ASSERT_NE(k, nullptr);
  Kmem& km = k->kmem();
  EXPECT_EQ(km.limit(), kMiB);
  in_kernel(*k, [&](Lwp&) {
    uint64_t used = km.used();
    ASSERT_LT(used, kMiB) << "boot took the whole megabyte";
    uint64_t failures = km.failures();
    EXPECT_EQ(km.alloc(2 * kMiB), nullptr);
    EXPECT_EQ(km.alloc(kMiB - used + 1), nullptr);
    EXPECT_EQ(km.zalloc(kMiB), nullptr);
    EXPECT_EQ(km.failures(), failures + 3);
    EXPECT_EQ(km.used(), used) << "a failed allocation is not charged";
    // Exactly up to the limit is allowed.
    size_t rest = kMiB - used;
    void* p = km.alloc(rest);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(km.used(), kMiB);
    EXPECT_EQ(km.alloc(1), nullptr);
    km.free(p, rest);
    EXPECT_EQ(km.used(), used);
    void* q = km.alloc(kMiB / 2);
    EXPECT_NE(q, nullptr);
    km.free(q, kMiB / 2);
  });
}

struct Cache {
  Kmem* km;
  std::vector<std::pair<void*, size_t>> blocks;
  int calls = 0;
  size_t last_want = 0;
};

size_t reclaim_cache(void* arg, size_t want) {
  auto* c = static_cast<Cache*>(arg);
  ++c->calls;
  c->last_want = want;
  size_t freed = 0;
  while (freed < want && !c->blocks.empty()) {
    auto [p, size] = c->blocks.back();
    c->blocks.pop_back();
    c->km->free(p, size);
    freed += size;
  }
  return freed;
}

TEST(Kmem, ReclaimerMakesRoom) {
  auto k = boot(1, 1 * kMiB);
  ASSERT_NE(k, nullptr);
  Kmem& km = k->kmem();
  in_kernel(*k, [&](Lwp&) {
    Cache cache{&km, {}};
    // Fill the kernel with cache blocks of 64 KiB.
    for (;;) {
      void* p = km.alloc(64 * 1024);
      if (p == nullptr) break;
      cache.blocks.emplace_back(p, 64 * 1024);
    }
    ASSERT_GE(cache.blocks.size(), 4u);
    size_t cached = cache.blocks.size();
    EXPECT_EQ(km.alloc(200 * 1024), nullptr) << "full, and no reclaimer yet";

    Reclaimer r;
    r.reclaim = reclaim_cache;
    r.arg = &cache;
    km.register_reclaimer(r);
    void* big = km.alloc(200 * 1024);
    ASSERT_NE(big, nullptr) << "the reclaimer's memory should have made room";
    EXPECT_GE(cache.calls, 1);
    EXPECT_GT(cache.last_want, 0u);
    EXPECT_LT(cache.blocks.size(), cached);
    EXPECT_GE(cached - cache.blocks.size(), 3u) << "200 KiB needs at least 3 blocks freed";
    EXPECT_LE(km.used(), km.limit());

    // An empty cache frees nothing: the allocation then fails instead of looping.
    while (!cache.blocks.empty()) reclaim_cache(&cache, SIZE_MAX);
    void* huge = km.alloc(4 * kMiB);
    EXPECT_EQ(huge, nullptr);

    km.unregister_reclaimer(r);
    km.free(big, 200 * 1024);
  });
}

TEST(Kmem, TwoReclaimersAreAskedInTurn) {
  auto k = boot(1, 1 * kMiB);
  ASSERT_NE(k, nullptr);
  Kmem& km = k->kmem();
  in_kernel(*k, [&](Lwp&) {
    Cache a{&km, {}}, b{&km, {}};
    for (int i = 0;; ++i) {
      void* p = km.alloc(32 * 1024);
      if (p == nullptr) break;
      (i % 2 == 0 ? a : b).blocks.emplace_back(p, 32 * 1024);
    }
    Reclaimer ra, rb;
    ra.reclaim = reclaim_cache;
    ra.arg = &a;
    rb.reclaim = reclaim_cache;
    rb.arg = &b;
    km.register_reclaimer(ra);
    km.register_reclaimer(rb);
    // Empty the first cache: the second must then be asked.
    while (!a.blocks.empty()) reclaim_cache(&a, SIZE_MAX);
    a.calls = 0;
    size_t free_now = km.limit() - km.used();
    size_t want = free_now + 40 * 1024;
    void* p = km.alloc(want);
    ASSERT_NE(p, nullptr);
    EXPECT_GE(a.calls, 1);
    EXPECT_GE(b.calls, 1);
    km.free(p, want);
    km.unregister_reclaimer(ra);
    km.unregister_reclaimer(rb);
    while (!b.blocks.empty()) reclaim_cache(&b, SIZE_MAX);
  });
}

// A kSleep allocation over the limit waits (without its CPU) until memory is freed.
void sleeping_allocation(unsigned ncpu) {
  auto k = boot(ncpu, 1 * kMiB);
  ASSERT_NE(k, nullptr);
  Kmem& km = k->kmem();
  size_t hog_size = 0;
  void* hog = in_kernel(*k, [&](Lwp&) {
    hog_size = static_cast<size_t>(km.limit() - km.used()) - 1024;
    return km.alloc(hog_size);
  });
  ASSERT_NE(hog, nullptr);

  std::atomic<bool> done{false};
  std::atomic<void*> got{nullptr};
  std::thread sleeper([&] {
    in_kernel(*k, [&](Lwp&) {
      void* p = km.alloc(256 * 1024, KmFlags::kSleep);
      got.store(p);
      done.store(true);
    });
  });
  // It must be waiting, not failing; and (on one CPU) not holding the CPU while it waits.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(done.load()) << "a kSleep allocation over the limit returned early";
  bool entered = in_kernel(*k, [&](Lwp&) {
    km.free(hog, hog_size);
    return true;
  });
  EXPECT_TRUE(entered);
  test::join_or_die(sleeper, "kSleep allocation after a free");
  EXPECT_TRUE(done.load());
  ASSERT_NE(got.load(), nullptr);
  in_kernel(*k, [&](Lwp&) { km.free(got.load(), 256 * 1024); });
}

TEST(Kmem, SleepingAllocationWaitsForAFreeOneCpu) { sleeping_allocation(1); }
TEST(Kmem, SleepingAllocationWaitsForAFreeTwoCpus) { sleeping_allocation(2); }

TEST(Kmem, NoSleepOutsideAKernelThreadFailsInsteadOfBlocking) {
  // Without an lwp there is nobody to put to sleep: kSleep degrades to kNoSleep.
  auto k = boot(1, 1 * kMiB);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->kmem().alloc(4 * kMiB, KmFlags::kSleep), nullptr);
}

TEST(Kmem, ChargeAndUncharge) {
  auto k = boot(1, 1 * kMiB);
  ASSERT_NE(k, nullptr);
  Kmem& km = k->kmem();
  in_kernel(*k, [&](Lwp&) {
    uint64_t base = km.used();
    km.charge(2 * kMiB);  // counted even past the limit
    EXPECT_EQ(km.used(), base + 2 * kMiB);
    EXPECT_GE(km.peak(), base + 2 * kMiB);
    EXPECT_EQ(km.alloc(16), nullptr);
    km.uncharge(2 * kMiB);
    EXPECT_EQ(km.used(), base);
    void* p = km.alloc(16);
    EXPECT_NE(p, nullptr);
    km.free(p, 16);
  });
}

// Every limit from far too small to just enough: boot either works or fails with ENOMEM, and
// leaves nothing behind either way (LeakSanitizer checks the host side).
TEST(Kmem, BootAtEveryTinyLimitSucceedsOrFailsCleanly) {
  int failed = 0, booted = 0;
  for (uint64_t limit = 512; limit <= 128 * 1024; limit += limit < 8192 ? 512 : 4096) {
    for (unsigned ncpu : {1u, 4u}) {
      BootParams p;
      p.ncpu = ncpu;
      p.memlimit = limit;
      Result<Kernel*> k = Kernel::create(*rumpuser_posix_ops(), p);
      if (!k.ok()) {
        EXPECT_EQ(k.error(), Errno::kNoMem) << "limit " << limit;
        ++failed;
        continue;
      }
      ++booted;
      EXPECT_LE(k.value()->kmem().used(), limit);
      // A kernel that booted can be entered.
      {
        KernelEntry e(*k.value());
        if (e.lwp_or_null() != nullptr) {
          EXPECT_EQ(curlwp(), &e.lwp());
        }
      }
      Kernel::destroy(k.value());
    }
  }
  EXPECT_GT(failed, 0) << "512 bytes should not be enough to boot";
  EXPECT_GT(booted, 0) << "128 KiB should be enough to boot";
}

TEST(Kmem, ManyThreadsAllocateAndFreeConcurrently) {
  auto k = boot(2, 4 * kMiB);
  ASSERT_NE(k, nullptr);
  Kmem& km = k->kmem();
  uint64_t base = km.used();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        in_kernel(*k, [&](Lwp&) {
          void* ps[16];
          for (int i = 0; i < 16; ++i) {
            ps[i] = km.alloc(1024 + t * 16 + i, KmFlags::kSleep);
            ASSERT_NE(ps[i], nullptr);
          }
          for (int i = 0; i < 16; ++i) km.free(ps[i], 1024 + t * 16 + i);
        });
      }
    });
  }
  for (auto& t : threads) test::join_or_die(t, "allocating thread");
  // Entries may have left a spare lwp per CPU behind; nothing else.
  in_kernel(*k, [&](Lwp&) {});
  EXPECT_LE(km.used(), base + 2 * sizeof(Lwp) + 64);
  EXPECT_LE(km.peak(), 4 * kMiB);
}

}  // namespace
}  // namespace rk::kern
