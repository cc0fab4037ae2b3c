// A kernel that finds itself broken says so and stops (kern/panic.h): these misuses must end
// the process with a message naming the problem, never carry on silently.
#include <gtest/gtest.h>

#include "kern/callout.h"
#include "kern/kmem.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lock.h"
#include "kern/panic.h"
#include "kernel_fixture.h"

// Clang's thread-safety analysis is off for this file: these tests misuse locks on purpose.
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wthread-safety-analysis"
#endif

namespace rk::kern {
namespace {

using test::boot;
using test::in_kernel;

class PanicDeathTest : public testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(PanicDeathTest, MutexLockedTwice) {
  EXPECT_DEATH(
      {
        auto k = boot(2);
        Mutex m(*k);
        in_kernel(*k, [&](Lwp&) {
          m.lock();
          m.lock();
        });
      },
      "rump kernel panic: mutex .*locked twice");
}

TEST_F(PanicDeathTest, MutexLockedTwiceOnOneCpu) {
  EXPECT_DEATH(
      {
        auto k = boot(1);
        Mutex m(*k);
        in_kernel(*k, [&](Lwp&) {
          m.lock();
          m.lock();
        });
      },
      "locked twice");
}

TEST_F(PanicDeathTest, AssertHeldOfAFreeMutex) {
  EXPECT_DEATH(
      {
        auto k = boot(1);
        Mutex m(*k);
        in_kernel(*k, [&](Lwp&) { m.assert_held(); });
      },
      "not held by the calling lwp");
}

TEST_F(PanicDeathTest, ValueOfAnErrorResult) {
  EXPECT_DEATH(
      {
        auto k = boot(1);
        in_kernel(*k, [&](Lwp&) {
          Result<int> r = Errno::kNoEnt;
          (void)r.value();
        });
      },
      "value\\(\\) of a Result holding ENOENT");
}

TEST_F(PanicDeathTest, RkMustOfAnError) {
  EXPECT_DEATH(
      {
        auto k = boot(1);
        in_kernel(*k, [&](Lwp&) {
          Result<void> r = Errno::kBusy;
          RK_MUST(std::move(r));
        });
      },
      "EBUSY");
}

struct Immortal : RefCounted<Immortal> {
  void release_last() {}
};

TEST_F(PanicDeathTest, ReferenceCountUnderflow) {
  EXPECT_DEATH(
      {
        auto k = boot(1);
        in_kernel(*k, [&](Lwp&) {
          Immortal x;
          x.unref();  // 1 -> 0: release_last
          x.unref();  // below zero
        });
      },
      "reference count dropped below zero");
}

TEST_F(PanicDeathTest, FreeOfMoreThanWasAllocated) {
  EXPECT_DEATH(
      {
        auto k = boot(1);
        in_kernel(*k, [&](Lwp&) {
          void* p = k->kmem().alloc(16);
          k->kmem().free(p, 1u << 30);
        });
      },
      "kmem: freed");
}

void nothing(void*) {}

TEST_F(PanicDeathTest, CalloutDestroyedWhilePending) {
  EXPECT_DEATH(
      {
        auto k = boot(1);
        in_kernel(*k, [&](Lwp&) {
          Callout c(*k, nothing, nullptr);
          (void)c.schedule_ms(100000);
        });
      },
      "destroyed while pending");
}

TEST_F(PanicDeathTest, PanicPrintsTheRecentLog) {
  EXPECT_DEATH(
      {
        auto k = boot(1);
        k->log().log(LogLevel::kInfo, "a clue before the end");
        in_kernel(*k, [&](Lwp&) { panic("the end %d", 7); });
      },
      "a clue before the end(.|\n)*rump kernel panic: the end 7");
}

}  // namespace
}  // namespace rk::kern
