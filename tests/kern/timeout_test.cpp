// Extreme timeouts and delays: "wait forever" written as the largest value must not overflow
// the deadline arithmetic (signed overflow is undefined; wrapped, a far deadline becomes a past
// one). Its own binary, so that an UndefinedBehaviorSanitizer abort here stops nothing else.
#include <gtest/gtest.h>

#include <atomic>
#include <climits>
#include <thread>

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

void signalled_wait(int64_t value, bool absolute) {
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
      bool in_time = true;
      while (!flag && in_time) in_time = absolute ? cv.wait_until(m, value) : cv.wait_for(m, value);
      result = in_time ? 1 : 0;
    });
  });
  ASSERT_TRUE(wait_until([&] { return waiting.load(); }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(result.load(), -1) << "a wait without a reachable deadline returned early";
  in_kernel(*k, [&](Lwp&) {
    MutexGuard g(m);
    flag = true;
    cv.signal();
  });
  join_or_die(waiter, "waiter with a huge timeout");
  EXPECT_EQ(result.load(), 1) << "the wait reported a timeout";
}

TEST(HugeTimeouts, CondVarWaitForInt64Max) { signalled_wait(INT64_MAX, false); }
TEST(HugeTimeouts, CondVarWaitUntilInt64Max) { signalled_wait(INT64_MAX, true); }

void nothing_fired(void* arg) { static_cast<std::atomic<int>*>(arg)->fetch_add(1); }

void far_callout(bool ms, int64_t delay) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  std::atomic<int> fired{0};
  auto c = std::make_unique<Callout>(*k, nothing_fired, &fired);
  in_kernel(*k, [&](Lwp&) {
    ASSERT_TRUE((ms ? c->schedule_ms(delay) : c->schedule_ns(delay)).ok());
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(fired.load(), 0) << "a callout set for the far future ran at once";
  in_kernel(*k, [&](Lwp&) {
    EXPECT_TRUE(c->pending());
    (void)c->halt();
    c.reset();
  });
}

TEST(HugeTimeouts, CalloutScheduleNsInt64Max) { far_callout(false, INT64_MAX); }
TEST(HugeTimeouts, CalloutScheduleMsInt64Max) { far_callout(true, INT64_MAX); }
TEST(HugeTimeouts, CalloutScheduleMsHundredYears) {
  far_callout(true, int64_t{100} * 365 * 24 * 3600 * 1000);  // fits in ns, no overflow
}

}  // namespace
}  // namespace rk::kern
