// A kernel that finds itself misused panics loudly: reason, recent messages, backtrace, abort.
#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include <thread>

namespace {

// Binding an lwp that another thread runs as is a programming error NetBSD's kernel panics on;
// so does ours.
void switch_to_an_lwp_in_use() {
  rump_kernel* k;
  if (rump_kernel_create(nullptr, &k) != 0) return;
  rump_kernel_switch(k);
  struct lwp* taken = nullptr;
  std::thread owner([&] {
    rump_kernel_switch(k);
    rump_pub_lwproc_rfork(RUMP_RFCFDG);
    taken = rump_pub_lwproc_curlwp();
  });
  owner.join();  // the binding stays with the (ended) thread's lwp: still claimed
  rump_pub_lwproc_switch(taken);
}

TEST(PanicDeathTest, SaysWhyShowsTheLogAndABacktrace) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_DEATH(switch_to_an_lwp_in_use(),
               "last kernel messages.*Anykernel.*rump kernel panic: "
               "lwproc_switch: lwp 1 of pid 2 runs on another thread.*backtrace");
}

}  // namespace
