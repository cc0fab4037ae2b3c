// rump_lwproc(3): a local client acting as several processes.
#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <thread>

namespace {

class Lwproc : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(rump_kernel_create(nullptr, &k_), 0);
    prev_ = rump_kernel_switch(k_);
  }
  void TearDown() override {
    rump_pub_lwproc_switch(nullptr);
    rump_kernel_switch(prev_);
    rump_kernel_destroy(k_);
  }
  rump_kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
};

TEST_F(Lwproc, ImplicitContextIsTheLocalClient) {
  EXPECT_EQ(rump_pub_lwproc_curlwp(), nullptr);
  EXPECT_EQ(rump_sys_getpid(), 1);
  EXPECT_EQ(rump_sys_getppid(), 0);
}

TEST_F(Lwproc, RforkMakesAChildProcess) {
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  EXPECT_NE(rump_pub_lwproc_curlwp(), nullptr);
  pid_t child = rump_sys_getpid();
  EXPECT_GT(child, 1);
  EXPECT_EQ(rump_sys_getppid(), 1);
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
  EXPECT_EQ(rump_sys_getppid(), child);
  rump_pub_lwproc_releaselwp();
  EXPECT_EQ(rump_pub_lwproc_curlwp(), nullptr);
  EXPECT_EQ(rump_sys_getpid(), 1);
}

TEST_F(Lwproc, BadFlagsAreEinval) {
  EXPECT_EQ(rump_pub_lwproc_rfork(RUMP_RFFDG | RUMP_RFCFDG), EINVAL);
  EXPECT_EQ(rump_pub_lwproc_rfork(0x40), EINVAL);
}

TEST_F(Lwproc, CredentialsArePerProcess) {
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  struct lwp* user = rump_pub_lwproc_curlwp();
  ASSERT_EQ(rump_sys_setuid(1000), 0);
  EXPECT_EQ(rump_sys_getuid(), 1000u);
  rump_pub_lwproc_switch(nullptr);
  EXPECT_EQ(rump_sys_getuid(), 0u);  // the local client is still root
  rump_pub_lwproc_switch(user);
  EXPECT_EQ(rump_sys_geteuid(), 1000u);
  EXPECT_EQ(rump_sys_setuid(0), -1);
  EXPECT_EQ(errno, EPERM);
  // A child inherits its parent's credentials.
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  EXPECT_EQ(rump_sys_getuid(), 1000u);
  rump_pub_lwproc_releaselwp();
  rump_pub_lwproc_switch(user);
  rump_pub_lwproc_releaselwp();
}

TEST_F(Lwproc, NewlwpJoinsAnExistingProcess) {
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  struct lwp* first = rump_pub_lwproc_curlwp();
  pid_t pid = rump_sys_getpid();
  ASSERT_EQ(rump_pub_lwproc_newlwp(pid), 0);
  struct lwp* second = rump_pub_lwproc_curlwp();
  EXPECT_NE(second, first);
  EXPECT_EQ(rump_sys_getpid(), pid);
  ASSERT_EQ(rump_sys_setuid(42), 0);
  rump_pub_lwproc_switch(first);
  EXPECT_EQ(rump_sys_getuid(), 42u) << "credentials belong to the process, not the lwp";
  // The process lives while it has an lwp.
  rump_pub_lwproc_releaselwp();
  rump_pub_lwproc_switch(second);
  EXPECT_EQ(rump_sys_getpid(), pid);
  rump_pub_lwproc_releaselwp();
  EXPECT_EQ(rump_pub_lwproc_newlwp(pid), ESRCH) << "the process ended with its last lwp";
}

// A process whose client is gone is interrupted: its sleeps end with EINTR, at once and from
// then on; other processes sleep on.
TEST_F(Lwproc, InterruptEndsTheProcessesSleeps) {
  EXPECT_EQ(rump_pub_lwproc_interrupt(), ESRCH);  // the implicit context
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  pid_t pid = rump_sys_getpid();
  struct lwp* self = rump_pub_lwproc_curlwp();
  rump_pub_lwproc_switch(nullptr);
  int result = 0, error = 0;
  auto t0 = std::chrono::steady_clock::now();
  std::thread sleeper([&] {
    rump_kernel_switch(k_);
    rump_pub_lwproc_switch(self);
    timespec hour = {3600, 0};
    result = rump_sys_nanosleep(&hour, nullptr);
    error = errno;
    rump_pub_lwproc_switch(nullptr);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(rump_pub_lwproc_newlwp(pid), 0);
  EXPECT_EQ(rump_pub_lwproc_interrupt(), 0);
  sleeper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
  EXPECT_EQ(result, -1);
  EXPECT_EQ(error, EINTR);
  timespec ms = {0, 1000000};
  EXPECT_EQ(rump_sys_clock_nanosleep(CLOCK_REALTIME, 0, &ms, nullptr), -1);
  EXPECT_EQ(errno, EINTR);
  rump_pub_lwproc_releaselwp();
  rump_pub_lwproc_switch(self);
  rump_pub_lwproc_releaselwp();
  EXPECT_EQ(rump_sys_nanosleep(&ms, nullptr), 0);  // the implicit context was not interrupted
}

TEST_F(Lwproc, NewlwpOfMissingProcessIsEsrch) {
  EXPECT_EQ(rump_pub_lwproc_newlwp(12345), ESRCH);
}

TEST_F(Lwproc, OrphansMoveToPidOne) {
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  struct lwp* parent = rump_pub_lwproc_curlwp();
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  struct lwp* child = rump_pub_lwproc_curlwp();
  rump_pub_lwproc_switch(parent);
  rump_pub_lwproc_releaselwp();
  rump_pub_lwproc_switch(child);
  EXPECT_EQ(rump_sys_getppid(), 1);
  rump_pub_lwproc_releaselwp();
}

TEST_F(Lwproc, BindingsArePerThread) {
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  pid_t mine = rump_sys_getpid();
  std::thread t([this, mine] {
    rump_kernel_switch(k_);
    EXPECT_EQ(rump_sys_getpid(), 1) << "another thread is still in the implicit context";
    ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
    EXPECT_NE(rump_sys_getpid(), mine);
    rump_pub_lwproc_releaselwp();
  });
  t.join();
  EXPECT_EQ(rump_sys_getpid(), mine);
  rump_pub_lwproc_releaselwp();
}

TEST_F(Lwproc, UnreleasedProcessesAreFreedWithTheKernel) {
  for (int i = 0; i < 50; ++i) ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
  rump_pub_lwproc_switch(nullptr);
  // TearDown destroys the kernel; LeakSanitizer checks that all 50 went with it.
}

}  // namespace
