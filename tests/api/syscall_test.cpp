// The system calls of the kernel core through the public C API, checked against Linux's
// semantics (and against the host itself where the host's answer is the same by definition):
// process identity, uname and host names, clocks and sleeping, getrandom, close, syslog,
// reboot, unknown calls, calls without a kernel, and several kernels used from one thread.
#include <linux/reboot.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rump/rump.h"
#include "rump/rump_syscalls.h"

namespace {

// Expects `call` to return -1 with errno `err`.
#define EXPECT_SYSERR(err, call)                                                     \
  do {                                                                               \
    errno = 0;                                                                       \
    auto rv_ = (call);                                                               \
    int errno_ = errno;                                                              \
    EXPECT_EQ(rv_, -1) << #call;                                                     \
    EXPECT_EQ(errno_, (err)) << #call << " failed with " << strerrorname_np(errno_); \
  } while (0)

// syslog(2) actions (SYSLOG_ACTION_* are not in the user headers) and getrandom(2) flags.
constexpr int kSyslogClose = 0, kSyslogOpen = 1, kSyslogReadAll = 3, kSyslogReadClear = 4,
              kSyslogClear = 5, kSyslogConsoleLevel = 8, kSyslogSizeUnread = 9,
              kSyslogSizeBuffer = 10;
constexpr unsigned kGrndNonblock = 0x1, kGrndRandom = 0x2, kGrndInsecure = 0x4;

constexpr int64_t kNsPerSec = 1000000000;
int64_t ns(const timespec& ts) { return int64_t(ts.tv_sec) * kNsPerSec + ts.tv_nsec; }

int64_t host_now_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return ns(ts);
}

int64_t rump_now_ns(clockid_t clock) {
  timespec ts{};
  EXPECT_EQ(rump_sys_clock_gettime(clock, &ts), 0) << "clock " << clock;
  return ns(ts);
}

// A kernel of the test's own, current for this thread while the object lives.
class ScopedKernel {
 public:
  explicit ScopedKernel(const char* params = nullptr) {
    error_ = rump_kernel_create(params, &k_);
    if (error_ == 0) prev_ = rump_kernel_switch(k_);
  }
  ~ScopedKernel() {
    if (error_ != 0) return;
    rump_kernel_switch(prev_);
    EXPECT_EQ(rump_kernel_destroy(k_), 0);
  }
  ScopedKernel(const ScopedKernel&) = delete;
  ScopedKernel& operator=(const ScopedKernel&) = delete;
  rump_kernel* get() const { return k_; }
  int error() const { return error_; }

 private:
  rump_kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
  int error_ = 0;
};

class Syscall : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(kernel_.error(), 0); }
  ScopedKernel kernel_;
};

// While it lives, the thread runs as a new process (a child of the local client) that has
// given up root for uid/gid 1000.
class AsNonRoot {
 public:
  AsNonRoot() {
    ok_ = rump_pub_lwproc_rfork(RUMP_RFCFDG) == 0;
    ok_ = ok_ && rump_sys_setgid(1000) == 0 && rump_sys_setuid(1000) == 0;
  }
  ~AsNonRoot() { rump_pub_lwproc_releaselwp(); }
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

std::string nodename() {
  utsname u{};
  EXPECT_EQ(rump_sys_uname(&u), 0);
  return u.nodename;
}

std::string domainname() {
  utsname u{};
  EXPECT_EQ(rump_sys_uname(&u), 0);
  return u.domainname;
}

// ---- process identity -----------------------------------------------------------------------

TEST_F(Syscall, LocalClientIsPidOneWithParentZero) {
  EXPECT_EQ(rump_sys_getpid(), 1);
  EXPECT_EQ(rump_sys_getppid(), 0);
}

TEST_F(Syscall, LocalClientIsRoot) {
  EXPECT_EQ(rump_sys_getuid(), 0u);
  EXPECT_EQ(rump_sys_geteuid(), 0u);
  EXPECT_EQ(rump_sys_getgid(), 0u);
  EXPECT_EQ(rump_sys_getegid(), 0u);
}

TEST_F(Syscall, RforkedProcessesHaveOwnPidsAndTheLocalClientAsParent) {
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  pid_t first = rump_sys_getpid();
  EXPECT_GT(first, 1);
  EXPECT_EQ(rump_sys_getppid(), 1);
  lwp* first_lwp = rump_pub_lwproc_curlwp();

  // A child of the rforked process inherits its credentials.
  ASSERT_EQ(rump_sys_setuid(1000), 0);
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  EXPECT_NE(rump_sys_getpid(), first);
  EXPECT_EQ(rump_sys_getppid(), first);
  EXPECT_EQ(rump_sys_getuid(), 1000u);
  rump_pub_lwproc_releaselwp();

  rump_pub_lwproc_switch(first_lwp);
  EXPECT_EQ(rump_sys_getpid(), first);
  rump_pub_lwproc_releaselwp();
  EXPECT_EQ(rump_sys_getpid(), 1);
  EXPECT_EQ(rump_sys_getuid(), 0u);  // the local client kept root
}

TEST_F(Syscall, GetresuidFaultsOnNullPointer) {
  uid_t r, e, s;
  EXPECT_SYSERR(EFAULT, rump_sys_getresuid(nullptr, &e, &s));
  EXPECT_SYSERR(EFAULT, rump_sys_getresuid(&r, &e, nullptr));
  EXPECT_SYSERR(EFAULT, rump_sys_getresgid(&r, nullptr, &s));
}

// ---- uname, sethostname, setdomainname ----------------------------------------------------

TEST_F(Syscall, UnameSaysLinuxOnTheHostsMachine) {
  utsname u{}, host{};
  ASSERT_EQ(rump_sys_uname(&u), 0);
  ASSERT_EQ(::uname(&host), 0);
  EXPECT_STREQ(u.sysname, "Linux");
  EXPECT_STREQ(u.nodename, "rump");
  EXPECT_STRNE(u.release, "");
  EXPECT_STRNE(u.version, "");
  EXPECT_STREQ(u.machine, host.machine);
  EXPECT_STREQ(u.domainname, "(none)");  // Linux's default
}

TEST_F(Syscall, UnameFaultsOnNullBuffer) { EXPECT_SYSERR(EFAULT, rump_sys_uname(nullptr)); }

TEST_F(Syscall, SethostnameAcceptsSixtyFourBytesExactly) {
  std::string name(64, 'x');
  for (size_t i = 0; i < name.size(); ++i) name[i] = char('a' + i % 26);
  ASSERT_EQ(rump_sys_sethostname(name.data(), name.size()), 0);
  EXPECT_EQ(nodename(), name);
  // A shorter name replaces it entirely (no tail of the old one is left).
  ASSERT_EQ(rump_sys_sethostname("ab", 2), 0);
  EXPECT_EQ(nodename(), "ab");
}

TEST_F(Syscall, SethostnameTakesLenBytesNotAString) {
  ASSERT_EQ(rump_sys_sethostname("hostname-and-more", 8), 0);
  EXPECT_EQ(nodename(), "hostname");
}

TEST_F(Syscall, SethostnameRejectsBadLengths) {
  char name[128] = "toolong";
  EXPECT_SYSERR(EINVAL, rump_sys_sethostname(name, 65));
  EXPECT_SYSERR(EINVAL, rump_sys_sethostname(name, size_t(-1)));  // int -1 to Linux
  EXPECT_EQ(nodename(), "rump");
}

TEST_F(Syscall, SethostnameNullName) {
  EXPECT_SYSERR(EFAULT, rump_sys_sethostname(nullptr, 5));
  EXPECT_EQ(nodename(), "rump");
  // Linux copies zero bytes from anywhere: the name becomes empty.
  EXPECT_EQ(rump_sys_sethostname(nullptr, 0), 0);
  EXPECT_EQ(nodename(), "");
}

TEST_F(Syscall, SethostnameNeedsRootBeforeAnythingElse) {
  {
    AsNonRoot user;
    ASSERT_TRUE(user.ok());
    EXPECT_SYSERR(EPERM, rump_sys_sethostname("mine", 4));
    EXPECT_SYSERR(EPERM, rump_sys_sethostname("mine", 65));  // Linux checks privilege first
    EXPECT_SYSERR(EPERM, rump_sys_sethostname(nullptr, 4));
  }
  EXPECT_EQ(nodename(), "rump");
}

TEST_F(Syscall, HostnameIsSharedByTheKernelsProcesses) {
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  ASSERT_EQ(rump_sys_sethostname("child", 5), 0);
  rump_pub_lwproc_releaselwp();
  EXPECT_EQ(nodename(), "child");
}

TEST_F(Syscall, SetdomainnameLikeSethostname) {
  std::string name(64, 'd');
  ASSERT_EQ(rump_sys_setdomainname(name.data(), name.size()), 0);
  EXPECT_EQ(domainname(), name);
  EXPECT_EQ(nodename(), "rump");  // the other name is untouched
  EXPECT_SYSERR(EINVAL, rump_sys_setdomainname(name.data(), 65));
  EXPECT_SYSERR(EINVAL, rump_sys_setdomainname(name.data(), size_t(-1)));
  EXPECT_SYSERR(EFAULT, rump_sys_setdomainname(nullptr, 3));
  ASSERT_EQ(rump_sys_setdomainname("example.org", 11), 0);
  EXPECT_EQ(domainname(), "example.org");
  {
    AsNonRoot user;
    ASSERT_TRUE(user.ok());
    EXPECT_SYSERR(EPERM, rump_sys_setdomainname("other", 5));
  }
  EXPECT_EQ(domainname(), "example.org");
}

// ---- clocks ---------------------------------------------------------------------------------

TEST_F(Syscall, RealtimeIsTheHostsWallClock) {
  int64_t host = host_now_ns(CLOCK_REALTIME);
  int64_t rump = rump_now_ns(CLOCK_REALTIME);
  EXPECT_LT(std::abs(rump - host), kNsPerSec);
}

TEST_F(Syscall, MonotonicCountsFromThisKernelsBoot) {
  int64_t up = rump_now_ns(CLOCK_MONOTONIC);
  EXPECT_GE(up, 0);
  EXPECT_LT(up, 10 * kNsPerSec);  // booted a moment ago (generous for sanitizer builds)
  EXPECT_LT(up, host_now_ns(CLOCK_MONOTONIC));
}

TEST_F(Syscall, MonotonicNeverGoesBackwards) {
  int64_t last = rump_now_ns(CLOCK_MONOTONIC);
  for (int i = 0; i < 10000; ++i) {
    int64_t now = rump_now_ns(CLOCK_MONOTONIC);
    ASSERT_GE(now, last) << "read " << i;
    last = now;
  }
}

TEST_F(Syscall, BoottimeIsUptimeToo) {
  int64_t mono = rump_now_ns(CLOCK_MONOTONIC);
  int64_t boot = rump_now_ns(CLOCK_BOOTTIME);
  EXPECT_GE(boot, mono);  // nothing is suspended here: both count the same time
  EXPECT_LT(boot, 10 * kNsPerSec);
}

TEST_F(Syscall, ClockGettimeRejectsCpuClocksAndBogusIds) {
  timespec ts{};
  // No per-process CPU time accounting (DESIGN: host threads run kernel code).
  EXPECT_SYSERR(EINVAL, rump_sys_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts));
  EXPECT_SYSERR(EINVAL, rump_sys_clock_gettime(99, &ts));
}

TEST_F(Syscall, ClockGettimeFaultsOnNullPointer) {
  EXPECT_SYSERR(EFAULT, rump_sys_clock_gettime(CLOCK_REALTIME, nullptr));
  EXPECT_SYSERR(EFAULT, rump_sys_clock_gettime(CLOCK_MONOTONIC, nullptr));
}

// The clocks other than the CPU-time ones (deliberately absent) and the alarm clocks (whose
// presence depends on the host's RTC) exist exactly when they exist on Linux.
const clockid_t kComparableClocks[] = {CLOCK_REALTIME,         CLOCK_MONOTONIC,
                                       CLOCK_MONOTONIC_RAW,    CLOCK_REALTIME_COARSE,
                                       CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME,
                                       10 /* unused id */,     CLOCK_TAI,
                                       99};

TEST_F(Syscall, ClockGettimeAndGetresKnowTheClocksLinuxKnows) {
  for (clockid_t c : kComparableClocks) {
    timespec h{}, r{};
    errno = 0;
    long hrv = syscall(SYS_clock_gettime, c, &h);
    int herr = hrv == 0 ? 0 : errno;
    errno = 0;
    int rrv = rump_sys_clock_gettime(c, &r);
    int rerr = rrv == 0 ? 0 : errno;
    EXPECT_EQ(rerr, herr) << "clock_gettime clock " << c;

    errno = 0;
    hrv = syscall(SYS_clock_getres, c, &h);
    herr = hrv == 0 ? 0 : errno;
    errno = 0;
    rrv = rump_sys_clock_getres(c, &r);
    rerr = rrv == 0 ? 0 : errno;
    EXPECT_EQ(rerr, herr) << "clock_getres clock " << c;
  }
}

TEST_F(Syscall, ClockGetres) {
  timespec res{};
  ASSERT_EQ(rump_sys_clock_getres(CLOCK_REALTIME, &res), 0);
  EXPECT_EQ(res.tv_sec, 0);
  EXPECT_GT(res.tv_nsec, 0);
  EXPECT_LE(res.tv_nsec, 1000000);  // at least millisecond timers (DESIGN §6)
  ASSERT_EQ(rump_sys_clock_getres(CLOCK_MONOTONIC, &res), 0);
  EXPECT_EQ(res.tv_sec, 0);
  EXPECT_GT(res.tv_nsec, 0);
  EXPECT_LE(res.tv_nsec, 1000000);
  ASSERT_EQ(rump_sys_clock_getres(CLOCK_MONOTONIC_COARSE, &res), 0);
  EXPECT_GT(ns(res), 0);
  EXPECT_EQ(rump_sys_clock_getres(CLOCK_MONOTONIC, nullptr), 0);  // Linux allows a null res
  EXPECT_SYSERR(EINVAL, rump_sys_clock_getres(99, &res));
  EXPECT_SYSERR(EINVAL, rump_sys_clock_getres(99, nullptr));
}

// ---- sleeping -------------------------------------------------------------------------------

TEST_F(Syscall, NanosleepSleepsAtLeastTheTimeAsked) {
  timespec req = {0, 50 * 1000000};
  int64_t host0 = host_now_ns(CLOCK_MONOTONIC);
  int64_t rump0 = rump_now_ns(CLOCK_MONOTONIC);
  ASSERT_EQ(rump_sys_nanosleep(&req, nullptr), 0);
  EXPECT_GE(host_now_ns(CLOCK_MONOTONIC) - host0, ns(req));
  EXPECT_GE(rump_now_ns(CLOCK_MONOTONIC) - rump0, ns(req));
}

TEST_F(Syscall, NanosleepRejectsInvalidTimes) {
  timespec big_nsec = {0, 1000000000};
  timespec neg_nsec = {0, -1};
  timespec neg_sec = {-1, 0};
  EXPECT_SYSERR(EINVAL, rump_sys_nanosleep(&big_nsec, nullptr));
  EXPECT_SYSERR(EINVAL, rump_sys_nanosleep(&neg_nsec, nullptr));
  EXPECT_SYSERR(EINVAL, rump_sys_nanosleep(&neg_sec, nullptr));
  EXPECT_SYSERR(EFAULT, rump_sys_nanosleep(nullptr, nullptr));
}

TEST_F(Syscall, NanosleepZeroReturnsAtOnce) {
  timespec zero = {0, 0};
  EXPECT_EQ(rump_sys_nanosleep(&zero, nullptr), 0);
}

TEST_F(Syscall, ClockNanosleepAbsoluteOnMonotonicWakesAfterTheDeadline) {
  timespec deadline{};
  ASSERT_EQ(rump_sys_clock_gettime(CLOCK_MONOTONIC, &deadline), 0);
  deadline.tv_nsec += 30 * 1000000;
  if (deadline.tv_nsec >= kNsPerSec) deadline.tv_sec++, deadline.tv_nsec -= kNsPerSec;
  ASSERT_EQ(rump_sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nullptr), 0);
  EXPECT_GE(rump_now_ns(CLOCK_MONOTONIC), ns(deadline));
}

TEST_F(Syscall, ClockNanosleepAbsoluteInThePastReturnsAtOnce) {
  timespec past = {0, 1};
  int64_t t0 = host_now_ns(CLOCK_MONOTONIC);
  EXPECT_EQ(rump_sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, nullptr), 0);
  EXPECT_EQ(rump_sys_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &past, nullptr), 0);
  EXPECT_LT(host_now_ns(CLOCK_MONOTONIC) - t0, kNsPerSec);
}

TEST_F(Syscall, ClockNanosleepAbsoluteOnRealtime) {
  timespec deadline{};
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_nsec += 30 * 1000000;
  if (deadline.tv_nsec >= kNsPerSec) deadline.tv_sec++, deadline.tv_nsec -= kNsPerSec;
  ASSERT_EQ(rump_sys_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &deadline, nullptr), 0);
  EXPECT_GE(host_now_ns(CLOCK_REALTIME), ns(deadline));
}

TEST_F(Syscall, ClockNanosleepRelative) {
  timespec req = {0, 20 * 1000000};
  int64_t t0 = host_now_ns(CLOCK_MONOTONIC);
  ASSERT_EQ(rump_sys_clock_nanosleep(CLOCK_BOOTTIME, 0, &req, nullptr), 0);
  EXPECT_GE(host_now_ns(CLOCK_MONOTONIC) - t0, ns(req));
}

TEST_F(Syscall, ClockNanosleepRejectsInvalidArguments) {
  timespec ok = {0, 0};
  timespec bad = {0, 1000000000};
  timespec neg = {-1, 0};
  EXPECT_SYSERR(EINVAL, rump_sys_clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, nullptr));
  EXPECT_SYSERR(EINVAL, rump_sys_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &neg, nullptr));
  EXPECT_SYSERR(EINVAL, rump_sys_clock_nanosleep(99, 0, &ok, nullptr));
  EXPECT_SYSERR(EFAULT, rump_sys_clock_nanosleep(CLOCK_MONOTONIC, 0, nullptr, nullptr));
}

// Which clocks one may sleep on, and the error for the others, as the host says. (CPU-time
// clocks are left out: this kernel deliberately has none.)
TEST_F(Syscall, ClockNanosleepErrorsMatchLinux) {
  timespec past = {0, 0};
  for (clockid_t c : kComparableClocks) {
    errno = 0;
    long hrv = syscall(SYS_clock_nanosleep, c, TIMER_ABSTIME, &past, nullptr);
    int herr = hrv == 0 ? 0 : errno;
    errno = 0;
    int rrv = rump_sys_clock_nanosleep(c, TIMER_ABSTIME, &past, nullptr);
    int rerr = rrv == 0 ? 0 : errno;
    EXPECT_EQ(strerrorname_np(rerr) ? std::string(strerrorname_np(rerr)) : std::to_string(rerr),
              strerrorname_np(herr) ? std::string(strerrorname_np(herr)) : std::to_string(herr))
        << "clock_nanosleep on clock " << c << " (0 = success)";
  }
}

TEST_F(Syscall, SchedYield) { EXPECT_EQ(rump_sys_sched_yield(), 0); }

// ---- gettimeofday, time ---------------------------------------------------------------------

TEST_F(Syscall, GettimeofdayAgreesWithTheHost) {
  timeval tv{};
  struct timezone tz{-1, -1};  // `timezone` alone is also a global variable
  ASSERT_EQ(rump_sys_gettimeofday(&tv, &tz), 0);
  int64_t host = host_now_ns(CLOCK_REALTIME);
  int64_t rump = int64_t(tv.tv_sec) * kNsPerSec + int64_t(tv.tv_usec) * 1000;
  EXPECT_LT(std::abs(host - rump), kNsPerSec);
  EXPECT_GE(tv.tv_usec, 0);
  EXPECT_LT(tv.tv_usec, 1000000);
  EXPECT_EQ(tz.tz_minuteswest, 0);  // UTC
  EXPECT_EQ(tz.tz_dsttime, 0);
  EXPECT_EQ(rump_sys_gettimeofday(nullptr, nullptr), 0);
}

TEST_F(Syscall, TimeAgreesWithTheHost) {
  time_t stored = 0;
  time_t now = rump_sys_time(&stored);
  EXPECT_LE(std::abs(now - ::time(nullptr)), 1);
  EXPECT_EQ(stored, now);
  EXPECT_LE(std::abs(rump_sys_time(nullptr) - ::time(nullptr)), 1);
}

// ---- getrandom ------------------------------------------------------------------------------

bool all_zero(const unsigned char* p, size_t n) {
  return std::all_of(p, p + n, [](unsigned char c) { return c == 0; });
}

TEST_F(Syscall, GetrandomFillsTheBuffer) {
  unsigned char a[64] = {}, b[64] = {};
  ASSERT_EQ(rump_sys_getrandom(a, sizeof a, 0), ssize_t(sizeof a));
  ASSERT_EQ(rump_sys_getrandom(b, sizeof b, 0), ssize_t(sizeof b));
  EXPECT_FALSE(all_zero(a, sizeof a));
  EXPECT_NE(std::memcmp(a, b, sizeof a), 0);  // 2^-512 chance of a false failure
}

TEST_F(Syscall, GetrandomAcceptsLinuxsFlags) {
  unsigned char a[16];
  EXPECT_EQ(rump_sys_getrandom(a, sizeof a, kGrndNonblock), 16);
  EXPECT_EQ(rump_sys_getrandom(a, sizeof a, kGrndRandom), 16);
  EXPECT_EQ(rump_sys_getrandom(a, sizeof a, kGrndInsecure), 16);
  EXPECT_EQ(rump_sys_getrandom(a, sizeof a, kGrndRandom | kGrndNonblock), 16);
}

TEST_F(Syscall, GetrandomRejectsUnknownAndConflictingFlags) {
  unsigned char a[16];
  EXPECT_SYSERR(EINVAL, rump_sys_getrandom(a, sizeof a, 0x8));
  EXPECT_SYSERR(EINVAL, rump_sys_getrandom(a, sizeof a, kGrndRandom | kGrndInsecure));
  EXPECT_SYSERR(EINVAL, rump_sys_getrandom(nullptr, 0, 0x8));  // flags checked first
}

TEST_F(Syscall, GetrandomOfNothing) {
  unsigned char a[1] = {0};
  EXPECT_EQ(rump_sys_getrandom(a, 0, 0), 0);
  EXPECT_EQ(rump_sys_getrandom(nullptr, 0, 0), 0);
  EXPECT_SYSERR(EFAULT, rump_sys_getrandom(nullptr, 16, 0));
}

TEST_F(Syscall, GetrandomGivesAMebibyteInOneCall) {
  std::vector<unsigned char> buf(1 << 20, 0);
  ASSERT_EQ(rump_sys_getrandom(buf.data(), buf.size(), 0), ssize_t(buf.size()));
  EXPECT_FALSE(all_zero(buf.data(), 4096));
  EXPECT_FALSE(all_zero(buf.data() + buf.size() - 4096, 4096));  // filled to the end
}

// ---- close ----------------------------------------------------------------------------------

TEST_F(Syscall, CloseOfNoDescriptorIsEbadf) {
  EXPECT_SYSERR(EBADF, rump_sys_close(5));
  EXPECT_SYSERR(EBADF, rump_sys_close(0));
  EXPECT_SYSERR(EBADF, rump_sys_close(-1));
}

// ---- syslog ---------------------------------------------------------------------------------

std::string read_all_log() {
  int size = rump_sys_syslog(kSyslogSizeBuffer, nullptr, 0);
  EXPECT_GT(size, 0);
  std::string buf(size_t(std::max(size, 1)), '\0');
  int n = rump_sys_syslog(kSyslogReadAll, buf.data(), int(buf.size()));
  EXPECT_GE(n, 0);
  buf.resize(size_t(std::max(n, 0)));
  return buf;
}

TEST_F(Syscall, SyslogSizeBuffer) { EXPECT_GT(rump_sys_syslog(kSyslogSizeBuffer, nullptr, 0), 0); }

TEST_F(Syscall, SyslogReadAllReturnsTheBootMessages) {
  std::string log = read_all_log();
  EXPECT_NE(log.find("Anykernel"), std::string::npos) << log;
  EXPECT_EQ(log.back(), '\n');
}

TEST_F(Syscall, SyslogReadAllRejectsBadBuffers) {
  char buf[16];
  EXPECT_SYSERR(EINVAL, rump_sys_syslog(kSyslogReadAll, buf, -1));
  EXPECT_SYSERR(EINVAL, rump_sys_syslog(kSyslogReadAll, nullptr, 16));
  EXPECT_EQ(rump_sys_syslog(kSyslogReadAll, buf, 0), 0);
}

// Linux returns the newest messages that fit, whole: the text starts at a message.
TEST_F(Syscall, SyslogReadAllWithSmallBufferReturnsTheNewestWholeMessages) {
  std::string all = read_all_log();
  size_t second_line = all.find('\n') + 1;
  ASSERT_LT(second_line, all.size()) << "needs two messages: " << all;
  // Room for the last message and half of the one before it.
  size_t want = all.size() - second_line + (second_line / 2);
  std::string buf(want, '\0');
  int n = rump_sys_syslog(kSyslogReadAll, buf.data(), int(buf.size()));
  ASSERT_GT(n, 0);
  buf.resize(size_t(n));
  EXPECT_EQ(all.substr(all.size() - buf.size()), buf);  // the newest bytes
  EXPECT_EQ(buf, all.substr(second_line)) << "Linux does not cut a message in half";
}

// syslog(2) (unlike /dev/kmsg readers' text) puts each message's priority in front: "<6>[...".
TEST_F(Syscall, SyslogReadAllLinesCarryTheirPriority) {
  std::string log = read_all_log();
  ASSERT_FALSE(log.empty());
  size_t pos = 0;
  while (pos < log.size()) {
    size_t end = log.find('\n', pos);
    std::string line = log.substr(pos, end - pos);
    EXPECT_TRUE(line.size() >= 3 && line[0] == '<' && isdigit(line[1]) && line[2] == '>')
        << "line without <priority>: " << line;
    if (end == std::string::npos) break;
    pos = end + 1;
  }
}

TEST_F(Syscall, SyslogClearEmptiesTheLog) {
  ASSERT_FALSE(read_all_log().empty());
  EXPECT_EQ(rump_sys_syslog(kSyslogClear, nullptr, 0), 0);
  EXPECT_EQ(rump_sys_syslog(kSyslogSizeUnread, nullptr, 0), 0);
  EXPECT_TRUE(read_all_log().empty());
}

// This kernel has no dmesg_restrict switch and lets everyone read the log, as Linux does with
// dmesg_restrict=0: then READ_ALL and SIZE_BUFFER are open to all, and every other action —
// even OPEN, CLOSE, SIZE_UNREAD and unknown ones — needs CAP_SYSLOG (kernel/printk/printk.c,
// check_syslog_permissions runs before the switch on the action).
TEST_F(Syscall, SyslogAsNonRootMayOnlyReadAllAndAskTheSize) {
  AsNonRoot user;
  ASSERT_TRUE(user.ok());
  char buf[64];
  EXPECT_GT(rump_sys_syslog(kSyslogReadAll, buf, sizeof buf), 0);
  EXPECT_GT(rump_sys_syslog(kSyslogSizeBuffer, nullptr, 0), 0);
  EXPECT_SYSERR(EPERM, rump_sys_syslog(kSyslogClear, nullptr, 0));
  EXPECT_SYSERR(EPERM, rump_sys_syslog(kSyslogReadClear, buf, sizeof buf));
  EXPECT_SYSERR(EPERM, rump_sys_syslog(kSyslogConsoleLevel, nullptr, 4));
  EXPECT_SYSERR(EPERM, rump_sys_syslog(kSyslogOpen, nullptr, 0));
  EXPECT_SYSERR(EPERM, rump_sys_syslog(kSyslogClose, nullptr, 0));
  EXPECT_SYSERR(EPERM, rump_sys_syslog(kSyslogSizeUnread, nullptr, 0));
  EXPECT_SYSERR(EPERM, rump_sys_syslog(99, nullptr, 0));
}

TEST_F(Syscall, SyslogUnknownActionIsEinval) {
  EXPECT_SYSERR(EINVAL, rump_sys_syslog(99, nullptr, 0));
  EXPECT_SYSERR(EINVAL, rump_sys_syslog(-1, nullptr, 0));
}

// ---- reboot ---------------------------------------------------------------------------------

int reboot_cmd(unsigned cmd, void* arg = nullptr) {
  return rump_sys_reboot(int(LINUX_REBOOT_MAGIC1), LINUX_REBOOT_MAGIC2, int(cmd), arg);
}

TEST_F(Syscall, RebootNeedsRoot) {
  AsNonRoot user;
  ASSERT_TRUE(user.ok());
  EXPECT_SYSERR(EPERM, reboot_cmd(LINUX_REBOOT_CMD_CAD_OFF));
  EXPECT_SYSERR(EPERM, reboot_cmd(LINUX_REBOOT_CMD_HALT));
  EXPECT_SYSERR(EPERM, rump_sys_reboot(1, 2, 3, nullptr));  // privilege before magic
  EXPECT_GT(rump_sys_getpid(), 1);                           // still running
}

TEST_F(Syscall, RebootChecksItsMagic) {
  EXPECT_SYSERR(EINVAL,
                rump_sys_reboot(0x12345678, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_HALT, nullptr));
  EXPECT_SYSERR(EINVAL, rump_sys_reboot(int(LINUX_REBOOT_MAGIC1), 0x12345678,
                                        LINUX_REBOOT_CMD_HALT, nullptr));
  // Every magic2 Linux accepts (the dates of Linus's daughters' births).
  for (int magic2 : {LINUX_REBOOT_MAGIC2, LINUX_REBOOT_MAGIC2A, LINUX_REBOOT_MAGIC2B,
                     LINUX_REBOOT_MAGIC2C}) {
    EXPECT_EQ(rump_sys_reboot(int(LINUX_REBOOT_MAGIC1), magic2, LINUX_REBOOT_CMD_CAD_OFF,
                              nullptr),
              0)
        << magic2;
  }
  EXPECT_EQ(rump_sys_getpid(), 1);  // not halted by any of this
}

TEST_F(Syscall, RebootCtrlAltDelSwitchesAndUnknownCommands) {
  EXPECT_EQ(reboot_cmd(LINUX_REBOOT_CMD_CAD_OFF), 0);
  EXPECT_EQ(reboot_cmd(LINUX_REBOOT_CMD_CAD_ON), 0);
  EXPECT_SYSERR(EINVAL, reboot_cmd(0x12345));
  EXPECT_SYSERR(EINVAL, reboot_cmd(LINUX_REBOOT_CMD_KEXEC));  // nothing loaded to exec
  EXPECT_EQ(rump_sys_getpid(), 1);
}

// Halting a kernel leaves it to be destroyed: every later call into it fails with ENXIO.
class RebootHalts : public ::testing::TestWithParam<unsigned> {};

TEST_P(RebootHalts, LaterCallsFailWithEnxioAndTheKernelCanBeDestroyed) {
  rump_kernel* k = nullptr;
  ASSERT_EQ(rump_kernel_create(nullptr, &k), 0);
  rump_kernel* prev = rump_kernel_switch(k);
  char restart_arg[] = "now";
  EXPECT_EQ(reboot_cmd(GetParam(), restart_arg), 0);
  EXPECT_SYSERR(ENXIO, rump_sys_getpid());
  utsname u{};
  EXPECT_SYSERR(ENXIO, rump_sys_uname(&u));
  EXPECT_SYSERR(ENXIO, reboot_cmd(LINUX_REBOOT_CMD_HALT));
  rump_kernel_switch(prev);
  EXPECT_EQ(rump_kernel_destroy(k), 0);
}

INSTANTIATE_TEST_SUITE_P(Commands, RebootHalts,
                         ::testing::Values(LINUX_REBOOT_CMD_HALT, LINUX_REBOOT_CMD_POWER_OFF,
                                           LINUX_REBOOT_CMD_RESTART, LINUX_REBOOT_CMD_RESTART2),
                         [](const auto& info) {
                           switch (info.param) {
                             case LINUX_REBOOT_CMD_HALT: return std::string("Halt");
                             case LINUX_REBOOT_CMD_POWER_OFF: return std::string("PowerOff");
                             case LINUX_REBOOT_CMD_RESTART: return std::string("Restart");
                             default: return std::string("Restart2");
                           }
                         });

// Linux copies RESTART2's command string first, and fails with EFAULT when it cannot.
TEST_F(Syscall, RebootRestart2WithoutItsStringIsEfault) {
  EXPECT_SYSERR(EFAULT, reboot_cmd(LINUX_REBOOT_CMD_RESTART2, nullptr));
  EXPECT_EQ(rump_sys_getpid(), 1) << "the kernel was halted";
}

// ---- calls the kernel does not have ---------------------------------------------------------

TEST_F(Syscall, UnknownSystemCallNumbersAreEnosys) {
  EXPECT_SYSERR(ENOSYS, rump_syscall(9999, 0, 0, 0, 0, 0, 0));
  EXPECT_SYSERR(ENOSYS, rump_syscall(512, 0, 0, 0, 0, 0, 0));
  EXPECT_SYSERR(ENOSYS, rump_syscall(511, 0, 0, 0, 0, 0, 0));
  EXPECT_SYSERR(ENOSYS, rump_syscall(-1, 0, 0, 0, 0, 0, 0));
  EXPECT_SYSERR(ENOSYS, rump_syscall(SYS_fork, 0, 0, 0, 0, 0, 0));  // a Linux call it lacks
}

TEST_F(Syscall, CallsOfAbsentComponentsAreEnosys) {
  // No file system component is linked into this test: the kernel has only its core.
  EXPECT_SYSERR(ENOSYS,
                rump_syscall(SYS_open, reinterpret_cast<long>("/"), 0 /* O_RDONLY */, 0, 0, 0, 0));
  EXPECT_SYSERR(ENOSYS, rump_syscall(SYS_socket, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0, 0, 0, 0));
}

TEST_F(Syscall, RumpSyscallReachesTheCallByNumber) {
  EXPECT_EQ(rump_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0), 1);
  utsname u{};
  EXPECT_EQ(rump_syscall(SYS_uname, reinterpret_cast<long>(&u), 0, 0, 0, 0, 0), 0);
  EXPECT_STREQ(u.sysname, "Linux");
  EXPECT_SYSERR(EBADF, rump_syscall(SYS_close, 7, 0, 0, 0, 0, 0));
}

// ---- no kernel, the default kernel ----------------------------------------------------------

// Other tests of this process may have booted a default kernel, which a forked child would
// inherit; the child switches away from any kernel and checks that it has none before calling.
TEST(NoKernel, CallsFailWithEnxio) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    rump_kernel_switch(nullptr);
    if (rump_kernel_current() != nullptr) _exit(200);  // a default kernel exists: can't tell
    if (rump_pub_lwproc_rfork(RUMP_RFCFDG) != ENXIO) _exit(201);
    errno = 0;
    if (rump_sys_getpid() != -1) _exit(202);
    _exit(errno);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died, status " << status;
  if (WEXITSTATUS(status) == 200) GTEST_SKIP() << "this process already has a default kernel";
  EXPECT_NE(WEXITSTATUS(status), 201) << "rump_pub_lwproc_rfork without a kernel";
  EXPECT_EQ(WEXITSTATUS(status), ENXIO) << "rump_sys_getpid without a kernel";
}

TEST(DefaultKernel, RumpInitBootsItOnceAndDestroyingItLeavesNone) {
  rump_kernel_switch(nullptr);
  ASSERT_EQ(rump_init(), 0);
  rump_kernel* k = rump_kernel_current();
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(rump_init(), 0);  // already booted: the same kernel
  EXPECT_EQ(rump_kernel_current(), k);
  EXPECT_EQ(rump_sys_getpid(), 1);
  EXPECT_EQ(nodename(), "rump");
  EXPECT_EQ(rump_kernel_destroy(k), 0);
  EXPECT_EQ(rump_kernel_current(), nullptr);
  EXPECT_SYSERR(ENXIO, rump_sys_getpid());
}

// ---- several kernels, one thread ------------------------------------------------------------

TEST(TwoKernels, HaveIndependentHostnames) {
  ScopedKernel a, b;
  ASSERT_EQ(a.error(), 0);
  ASSERT_EQ(b.error(), 0);
  rump_kernel_switch(a.get());
  ASSERT_EQ(rump_sys_sethostname("alpha", 5), 0);
  rump_kernel_switch(b.get());
  EXPECT_EQ(nodename(), "rump");
  ASSERT_EQ(rump_sys_sethostname("beta", 4), 0);
  rump_kernel_switch(a.get());
  EXPECT_EQ(nodename(), "alpha");
  rump_kernel_switch(b.get());
  EXPECT_EQ(nodename(), "beta");
  // ~b then ~a restore the kernel each found current.
}

TEST(TwoKernels, OneThreadSwitchesBetweenThem) {
  ScopedKernel a, b;
  ASSERT_EQ(a.error(), 0);
  ASSERT_EQ(b.error(), 0);
  EXPECT_EQ(rump_kernel_switch(a.get()), b.get());  // b made itself current last
  EXPECT_EQ(rump_kernel_current(), a.get());
  EXPECT_EQ(rump_kernel_switch(b.get()), a.get());
  EXPECT_EQ(rump_kernel_current(), b.get());
  for (int i = 0; i < 100; ++i) {
    rump_kernel* k = i % 2 ? a.get() : b.get();
    rump_kernel_switch(k);
    ASSERT_EQ(rump_sys_getpid(), 1);
    ASSERT_EQ(nodename(), "rump");
  }
}

TEST(TwoKernels, ProcessInOneKernelIsNotSeenInTheOther) {
  ScopedKernel a, b;
  ASSERT_EQ(a.error(), 0);
  ASSERT_EQ(b.error(), 0);
  rump_kernel_switch(a.get());
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  pid_t pid_in_a = rump_sys_getpid();
  ASSERT_EQ(rump_sys_setuid(1000), 0);

  rump_kernel_switch(b.get());
  EXPECT_EQ(rump_sys_getpid(), 1);  // b has its own local client, still root
  EXPECT_EQ(rump_sys_getuid(), 0u);

  rump_kernel_switch(a.get());
  EXPECT_EQ(rump_sys_getpid(), pid_in_a);  // back in a, as the process made there
  EXPECT_EQ(rump_sys_getuid(), 1000u);
  rump_pub_lwproc_releaselwp();
}

// A thread's process in each kernel is its own: taking one on in kernel b must not make the
// thread forget (and silently leave) the one it had in kernel a — there it had given up root.
TEST(TwoKernels, RforkInEachKeepsTheThreadsProcessInBoth) {
  ScopedKernel a, b;
  ASSERT_EQ(a.error(), 0);
  ASSERT_EQ(b.error(), 0);
  rump_kernel_switch(a.get());
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  pid_t pid_in_a = rump_sys_getpid();
  lwp* lwp_in_a = rump_pub_lwproc_curlwp();
  ASSERT_EQ(rump_sys_setuid(1000), 0);

  rump_kernel_switch(b.get());
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  EXPECT_GT(rump_sys_getpid(), 1);

  rump_kernel_switch(a.get());
  EXPECT_EQ(rump_pub_lwproc_curlwp(), lwp_in_a);
  EXPECT_EQ(rump_sys_getpid(), pid_in_a);
  EXPECT_EQ(rump_sys_getuid(), 1000u) << "the thread is root again in kernel a";
  if (rump_pub_lwproc_curlwp() == lwp_in_a) rump_pub_lwproc_releaselwp();

  rump_kernel_switch(b.get());
  if (rump_pub_lwproc_curlwp() != nullptr) rump_pub_lwproc_releaselwp();
}

}  // namespace
