// The kernel life cycle through the public C API: rump_init, rump_kernel_create/switch/destroy,
// bootstrap parameters, many kernels in one process.
#include <gtest/gtest.h>
#include <pthread.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

std::string hostname_of(rump_kernel* k) {
  rump_kernel* prev = rump_kernel_switch(k);
  struct utsname u;
  EXPECT_EQ(rump_sys_uname(&u), 0);
  rump_kernel_switch(prev);
  return u.nodename;
}

// Runs fn in a child process (so environment changes and the default kernel stay there) and
// returns its exit status.
template <typename Fn>
int in_child(Fn fn) {
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(KernelLifecycle, CreateSwitchDestroy) {
  rump_kernel* k = nullptr;
  ASSERT_EQ(rump_kernel_create(nullptr, &k), 0);
  ASSERT_NE(k, nullptr);
  rump_kernel* prev = rump_kernel_switch(k);
  EXPECT_EQ(rump_kernel_current(), k);
  EXPECT_EQ(rump_sys_getpid(), 1);
  rump_kernel_switch(prev);
  EXPECT_EQ(rump_kernel_destroy(k), 0);
  EXPECT_EQ(rump_kernel_destroy(nullptr), EINVAL);
}

TEST(KernelLifecycle, TwoKernelsHaveIndependentHostnames) {
  rump_kernel *a, *b;
  ASSERT_EQ(rump_kernel_create(nullptr, &a), 0);
  ASSERT_EQ(rump_kernel_create("ncpu=1", &b), 0);
  rump_kernel_switch(a);
  ASSERT_EQ(rump_sys_sethostname("alpha", 5), 0);
  rump_kernel_switch(b);
  ASSERT_EQ(rump_sys_sethostname("beta", 4), 0);
  rump_kernel_switch(nullptr);
  EXPECT_EQ(hostname_of(a), "alpha");
  EXPECT_EQ(hostname_of(b), "beta");
  rump_kernel_destroy(a);
  rump_kernel_destroy(b);
}

TEST(KernelLifecycle, SwitchIsPerThread) {
  rump_kernel *a, *b;
  ASSERT_EQ(rump_kernel_create(nullptr, &a), 0);
  ASSERT_EQ(rump_kernel_create(nullptr, &b), 0);
  rump_kernel_switch(a);
  rump_sys_sethostname("a", 1);
  std::thread t([&] {
    EXPECT_NE(rump_kernel_current(), a);  // a new thread starts on the default kernel
    rump_kernel_switch(b);
    rump_sys_sethostname("b", 1);
  });
  t.join();
  EXPECT_EQ(rump_kernel_current(), a);
  rump_kernel_switch(nullptr);
  EXPECT_EQ(hostname_of(a), "a");
  EXPECT_EQ(hostname_of(b), "b");
  rump_kernel_destroy(a);
  rump_kernel_destroy(b);
}

TEST(KernelLifecycle, EightSleepersOnOneCpuFinishTogether) {
  rump_kernel* k;
  ASSERT_EQ(rump_kernel_create("ncpu=1", &k), 0);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([k] {
      rump_kernel_switch(k);
      struct timespec t = {0, 100 * 1000 * 1000};
      EXPECT_EQ(rump_sys_nanosleep(&t, nullptr), 0);
    });
  }
  for (auto& t : threads) t.join();
  auto took = Clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(100));
  // Serialised they would take 800 ms: a sleeping thread must give its virtual CPU back.
  EXPECT_LT(took, std::chrono::milliseconds(400));
  rump_kernel_destroy(k);
}

TEST(KernelLifecycle, AThousandCreateDestroyCyclesLeaveNothing) {
  // Under LeakSanitizer (make test) a leak fails the whole binary at exit.
  for (int i = 0; i < 1000; ++i) {
    rump_kernel* k;
    ASSERT_EQ(rump_kernel_create(i % 2 ? "ncpu=1" : nullptr, &k), 0);
    if (i % 10 == 0) {
      rump_kernel_switch(k);
      EXPECT_EQ(rump_sys_getpid(), 1);
      rump_kernel_switch(nullptr);
    }
    ASSERT_EQ(rump_kernel_destroy(k), 0);
  }
}

TEST(KernelLifecycle, ManyKernelsAtOnce) {
  std::vector<rump_kernel*> ks(200);
  for (auto& k : ks) ASSERT_EQ(rump_kernel_create("ncpu=1", &k), 0);
  for (size_t i = 0; i < ks.size(); ++i) {
    rump_kernel_switch(ks[i]);
    std::string name = "k" + std::to_string(i);
    ASSERT_EQ(rump_sys_sethostname(name.c_str(), name.size()), 0);
  }
  rump_kernel_switch(nullptr);
  for (size_t i = 0; i < ks.size(); ++i) EXPECT_EQ(hostname_of(ks[i]), "k" + std::to_string(i));
  for (auto k : ks) rump_kernel_destroy(k);
}

TEST(BootParams, StringParametersAreApplied) {
  rump_kernel* k;
  ASSERT_EQ(rump_kernel_create("ncpu=3,memlimit=32m,verbose=0", &k), 0);
  EXPECT_EQ(rump_kernel_memlimit(k), 32u << 20);
  EXPECT_GT(rump_kernel_memused(k), 0u);
  rump_kernel_destroy(k);
}

TEST(BootParams, BadStringFailsWithEinvalAndOneLine) {
  const char* bad[] = {"ncpu=0", "ncpu=x", "memlimit=12q", "bogus=1", "ncpu", "memlimit=0"};
  for (const char* p : bad) {
    rump_kernel* k = reinterpret_cast<rump_kernel*>(0x1);
    testing::internal::CaptureStderr();
    EXPECT_EQ(rump_kernel_create(p, &k), EINVAL) << p;
    std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << p << ": " << err;
    std::string key(p, std::string(p).find('=') == std::string::npos ? strlen(p)
                                                                    : std::string(p).find('='));
    EXPECT_NE(err.find(key), std::string::npos) << err;
    EXPECT_EQ(k, reinterpret_cast<rump_kernel*>(0x1)) << "nothing is returned on failure";
  }
}

TEST(BootParams, MemlimitTooSmallToBootIsEnomem) {
  rump_kernel* k;
  EXPECT_EQ(rump_kernel_create("memlimit=1k", &k), ENOMEM);
}

TEST(BootParams, EnvironmentDrivesRumpInit) {
  EXPECT_EQ(in_child([] {
              setenv("RUMP_NCPU", "1", 1);
              setenv("RUMP_MEMLIMIT", "16m", 1);
              if (rump_init() != 0) return 1;
              if (rump_kernel_memlimit(rump_kernel_current()) != 16u << 20) return 2;
              if (rump_init() != 0) return 3;  // a second call is a no-op
              return rump_sys_getpid() == 1 ? 0 : 4;
            }),
            0);
}

TEST(BootParams, BadEnvironmentNamesTheVariable) {
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  int status = in_child([&] {
    dup2(pipefd[1], 2);
    setenv("RUMP_NCPU", "lots", 1);
    return rump_init() == EINVAL && rump_kernel_current() == nullptr ? 0 : 1;
  });
  close(pipefd[1]);
  char buf[512] = {};
  ssize_t n = read(pipefd[0], buf, sizeof buf - 1);
  close(pipefd[0]);
  EXPECT_EQ(status, 0);
  ASSERT_GT(n, 0);
  std::string line(buf, n);
  EXPECT_NE(line.find("RUMP_NCPU=lots"), std::string::npos) << line;
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
}

TEST(BootParams, VerboseKernelTalksOnTheConsole) {
  rump_kernel* k;
  testing::internal::CaptureStderr();
  ASSERT_EQ(rump_kernel_create("verbose=1", &k), 0);
  rump_kernel_destroy(k);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("booting"), std::string::npos) << err;
  EXPECT_NE(err.find("halted"), std::string::npos) << err;
}

TEST(BootParams, QuietKernelSaysNothing) {
  rump_kernel* k;
  testing::internal::CaptureStderr();
  ASSERT_EQ(rump_kernel_create(nullptr, &k), 0);
  rump_kernel_destroy(k);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(DefaultKernel, CallsBeforeInitFailWithEnxio) {
  EXPECT_EQ(in_child([] {
              errno = 0;
              if (rump_sys_getpid() != -1) return 1;
              return errno == ENXIO ? 0 : 2;
            }),
            0);
}

TEST(DefaultKernel, DestroyingItLetsRumpInitBootAnother) {
  EXPECT_EQ(in_child([] {
              if (rump_init() != 0) return 1;
              rump_sys_sethostname("first", 5);
              if (rump_kernel_destroy(rump_kernel_current()) != 0) return 2;
              if (rump_kernel_current() != nullptr) return 3;
              if (rump_init() != 0) return 4;
              struct utsname u;
              rump_sys_uname(&u);
              return std::string(u.nodename) == "rump" ? 0 : 5;
            }),
            0);
}

}  // namespace
