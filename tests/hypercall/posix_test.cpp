// The POSIX host, called through its table the way a kernel calls it.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <rump/rumpuser.h>

// MallocReportsExhaustion asks for more memory than exists; sanitizers would abort the test
// instead of letting malloc fail the way it does in an ordinary build. BioWorksInAForkedChild
// starts threads in the child of a multi-threaded process, which ThreadSanitizer forbids unless
// told otherwise.
extern "C" __attribute__((used)) const char *__asan_default_options() {
  return "allocator_may_return_null=1";
}
extern "C" __attribute__((used)) const char *__tsan_default_options() {
  return "allocator_may_return_null=1:die_after_fork=0";
}

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

const rumpuser_ops &ops() { return *rumpuser_posix_ops(); }
void *host() { return ops().host; }

int64_t mono_ns() {
  int64_t sec = 0;
  long nsec = 0;
  EXPECT_EQ(ops().clock_gettime(host(), RUMPUSER_CLOCK_ABSMONO, &sec, &nsec), 0);
  return sec * 1'000'000'000 + nsec;
}

// Runs fn on another host thread and returns what it returned: lock tests need a second owner.
template <typename Fn>
auto on_other_thread(Fn fn) {
  decltype(fn()) result{};
  std::thread([&] { result = fn(); }).join();
  return result;
}

TEST(PosixHost, TableIsComplete) {
  const rumpuser_ops &o = ops();
  EXPECT_EQ(o.version, static_cast<uint32_t>(RUMPUSER_VERSION));
  EXPECT_EQ(o.host, nullptr);
  EXPECT_EQ(&o, rumpuser_posix_ops());  // one constant table for the process
  EXPECT_TRUE(o.getparam && o.malloc && o.free && o.putstr && o.backtrace && o.exit && o.seterrno);
  EXPECT_TRUE(o.clock_gettime && o.clock_sleep && o.getrandom);
  EXPECT_TRUE(o.thread_create && o.thread_join && o.thread_exit && o.thread_setname);
  EXPECT_TRUE(o.mutex_init && o.mutex_enter && o.mutex_tryenter && o.mutex_exit &&
              o.mutex_destroy);
  EXPECT_TRUE(o.rw_init && o.rw_enter && o.rw_tryenter && o.rw_exit && o.rw_destroy);
  EXPECT_TRUE(o.cv_init && o.cv_wait && o.cv_timedwait && o.cv_signal && o.cv_broadcast &&
              o.cv_destroy);
  EXPECT_TRUE(o.getfileinfo && o.open && o.close && o.iovread && o.iovwrite && o.syncfd &&
              o.bio && o.dl_open);
}

// --- parameters, memory, console ------------------------------------------------------------

TEST(PosixHost, GetParamReadsTheEnvironment) {
  char buf[64];
  ASSERT_EQ(setenv("RK_HYPERCALL_TEST_PARAM", "hello", 1), 0);
  ASSERT_EQ(ops().getparam(host(), "RK_HYPERCALL_TEST_PARAM", buf, sizeof(buf)), 0);
  EXPECT_STREQ(buf, "hello");
  char exact[6];
  EXPECT_EQ(ops().getparam(host(), "RK_HYPERCALL_TEST_PARAM", exact, sizeof(exact)), 0);
  EXPECT_STREQ(exact, "hello");
  char small[5];
  EXPECT_EQ(ops().getparam(host(), "RK_HYPERCALL_TEST_PARAM", small, sizeof(small)), E2BIG);
  ASSERT_EQ(unsetenv("RK_HYPERCALL_TEST_PARAM"), 0);
  EXPECT_EQ(ops().getparam(host(), "RK_HYPERCALL_TEST_PARAM", buf, sizeof(buf)), ENOENT);
}

TEST(PosixHost, GetParamAnswersHostFacts) {
  char buf[300];
  ASSERT_EQ(ops().getparam(host(), "_RUMPUSER_NCPU", buf, sizeof(buf)), 0);
  EXPECT_EQ(std::stol(buf), sysconf(_SC_NPROCESSORS_ONLN));
  ASSERT_EQ(ops().getparam(host(), "_RUMPUSER_PHYSMEM", buf, sizeof(buf)), 0);
  EXPECT_GT(std::stoull(buf), 1ull << 20);
  EXPECT_EQ(std::to_string(std::stoull(buf)), buf);  // plain decimal
  ASSERT_EQ(ops().getparam(host(), "_RUMPUSER_HOSTNAME", buf, sizeof(buf)), 0);
  EXPECT_GT(std::strlen(buf), 0u);
  char tiny[1];
  EXPECT_EQ(ops().getparam(host(), "_RUMPUSER_NCPU", tiny, sizeof(tiny)), E2BIG);
}

TEST(PosixHost, MallocHonoursAlignment) {
  for (size_t align : {size_t{0}, size_t{8}, size_t{16}, size_t{64}, size_t{4096}}) {
    void *p = nullptr;
    ASSERT_EQ(ops().malloc(host(), 10000, align, &p), 0) << align;
    ASSERT_NE(p, nullptr);
    if (align != 0) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % align, 0u) << align;
    }
    std::memset(p, 0xa5, 10000);
    ops().free(host(), p, 10000);
  }
  void *p = nullptr;
  ASSERT_EQ(ops().malloc(host(), 0, 0, &p), 0);  // not mistaken for ENOMEM
  ops().free(host(), p, 0);
  EXPECT_EQ(ops().malloc(host(), 16, 3, &p), EINVAL);
}

TEST(PosixHost, MallocReportsExhaustion) {
  void *p = nullptr;
  EXPECT_EQ(ops().malloc(host(), SIZE_MAX / 2, 0, &p), ENOMEM);
  EXPECT_EQ(ops().malloc(host(), SIZE_MAX / 2, 4096, &p), ENOMEM);
}

// Captures what a call writes to fd 2.
template <typename Fn>
std::string capture_stderr(Fn fn) {
  char path[] = "/tmp/rk_stderr_XXXXXX";
  int file = mkstemp(path);
  EXPECT_GE(file, 0);
  unlink(path);
  int saved = dup(STDERR_FILENO);
  dup2(file, STDERR_FILENO);
  fn();
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::string out(static_cast<size_t>(lseek(file, 0, SEEK_END)), '\0');
  EXPECT_EQ(pread(file, out.data(), out.size(), 0), static_cast<ssize_t>(out.size()));
  close(file);
  return out;
}

TEST(PosixHost, PutstrWritesToStderr) {
  errno = 1234;
  std::string out = capture_stderr([] { ops().putstr(host(), "hello, console\nignored", 15); });
  EXPECT_EQ(out, "hello, console\n");
  EXPECT_EQ(errno, 1234);
}

TEST(PosixHost, BacktraceWritesFrames) {
  std::string out = capture_stderr([] { ops().backtrace(host()); });
  EXPECT_GT(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(PosixHost, SeterrnoSetsErrno) {
  errno = 0;
  ops().seterrno(host(), EROFS);
  EXPECT_EQ(errno, EROFS);
}

TEST(PosixHostDeathTest, ExitExitsAndPanicAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(ops().exit(host(), 3), testing::ExitedWithCode(3), "");
  EXPECT_EXIT(ops().exit(host(), RUMPUSER_PANIC), testing::KilledBySignal(SIGABRT), "");
}

// --- time and randomness --------------------------------------------------------------------

TEST(PosixHost, ClocksAdvance) {
  int64_t a = mono_ns();
  int64_t b = mono_ns();
  EXPECT_GE(b, a);
  int64_t sec = 0;
  long nsec = -1;
  ASSERT_EQ(ops().clock_gettime(host(), RUMPUSER_CLOCK_RELWALL, &sec, &nsec), 0);
  EXPECT_NEAR(static_cast<double>(sec), static_cast<double>(time(nullptr)), 2.0);
  EXPECT_GE(nsec, 0);
  EXPECT_LT(nsec, 1'000'000'000);
  EXPECT_EQ(ops().clock_gettime(host(), 7, &sec, &nsec), EINVAL);
}

TEST(PosixHost, ClockSleepRelative) {
  int64_t start = mono_ns();
  ASSERT_EQ(ops().clock_sleep(host(), RUMPUSER_CLOCK_RELWALL, 0, 20'000'000), 0);
  EXPECT_GE(mono_ns() - start, 20'000'000);
  EXPECT_EQ(ops().clock_sleep(host(), RUMPUSER_CLOCK_RELWALL, -1, 0), 0);
  EXPECT_EQ(ops().clock_sleep(host(), RUMPUSER_CLOCK_RELWALL, 0, 1'000'000'000), EINVAL);
  EXPECT_EQ(ops().clock_sleep(host(), 7, 0, 1), EINVAL);
}

TEST(PosixHost, ClockSleepAbsoluteDeadline) {
  int64_t deadline = mono_ns() + 30'000'000;
  ASSERT_EQ(ops().clock_sleep(host(), RUMPUSER_CLOCK_ABSMONO, deadline / 1'000'000'000,
                              deadline % 1'000'000'000),
            0);
  EXPECT_GE(mono_ns(), deadline);
  auto start = steady_clock::now();
  EXPECT_EQ(ops().clock_sleep(host(), RUMPUSER_CLOCK_ABSMONO, 0, 0), 0);  // long past
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(PosixHost, GetRandomFillsBuffers) {
  for (int flags : {0, RUMPUSER_RANDOM_HARD, RUMPUSER_RANDOM_NOWAIT}) {
    unsigned char a[64] = {};
    unsigned char b[64] = {};
    size_t len = 0;
    ASSERT_EQ(ops().getrandom(host(), a, sizeof(a), flags, &len), 0) << flags;
    EXPECT_EQ(len, sizeof(a));
    ASSERT_EQ(ops().getrandom(host(), b, sizeof(b), flags, &len), 0) << flags;
    EXPECT_EQ(len, sizeof(b));
    EXPECT_NE(std::memcmp(a, b, sizeof(a)), 0);
  }
  std::vector<unsigned char> big(1 << 20, 0);
  size_t len = 0;
  ASSERT_EQ(ops().getrandom(host(), big.data(), big.size(), RUMPUSER_RANDOM_HARD, &len), 0);
  EXPECT_EQ(len, big.size());
  EXPECT_GT(std::count(big.begin(), big.end(), 0), 0);
  EXPECT_LT(std::count(big.begin(), big.end(), 0), static_cast<long>(big.size() / 128));
}

// --- threads ---------------------------------------------------------------------------------

struct ThreadProbe {
  char name[32] = {};
  bool sigint_blocked = false;
  bool sigsegv_blocked = true;
  bool rename = false;
  bool exit_early = false;
  bool after_exit = false;
  std::mutex lock;
  std::condition_variable cond;
  bool finished = false;
};

void *probe_thread(void *arg) {
  auto *probe = static_cast<ThreadProbe *>(arg);
  if (probe->rename) ops().thread_setname(host(), "renamed-by-itself-long");
  pthread_getname_np(pthread_self(), probe->name, sizeof(probe->name));
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  probe->sigint_blocked = sigismember(&mask, SIGINT) == 1;
  probe->sigsegv_blocked = sigismember(&mask, SIGSEGV) == 1;
  if (probe->exit_early) {  // joined, so no lock is needed
    probe->finished = true;
    ops().thread_exit(host());
    probe->after_exit = true;
  }
  // Last touch of the probe: a detached thread's probe is gone once the waiter has woken.
  std::lock_guard<std::mutex> guard(probe->lock);
  probe->finished = true;
  probe->cond.notify_all();
  return nullptr;
}

TEST(PosixHost, ThreadCreateJoinAndName) {
  ThreadProbe probe;
  rumpuser_thread *thread = nullptr;
  ASSERT_EQ(ops().thread_create(host(), probe_thread, &probe, "rk-worker", 1, &thread), 0);
  ASSERT_NE(thread, nullptr);
  ASSERT_EQ(ops().thread_join(host(), thread), 0);
  EXPECT_STREQ(probe.name, "rk-worker");
  EXPECT_TRUE(probe.sigint_blocked);    // the application's handlers stay off kernel threads
  EXPECT_FALSE(probe.sigsegv_blocked);  // but a crash is still reported
}

TEST(PosixHost, ThreadNamesAreTruncated) {
  ThreadProbe probe;
  rumpuser_thread *thread = nullptr;
  ASSERT_EQ(ops().thread_create(host(), probe_thread, &probe, "a-very-long-thread-name", 1,
                                &thread),
            0);
  ASSERT_EQ(ops().thread_join(host(), thread), 0);
  EXPECT_STREQ(probe.name, "a-very-long-thr");

  ThreadProbe renamed;
  renamed.rename = true;
  ASSERT_EQ(ops().thread_create(host(), probe_thread, &renamed, "before", 1, &thread), 0);
  ASSERT_EQ(ops().thread_join(host(), thread), 0);
  EXPECT_STREQ(renamed.name, "renamed-by-itse");
}

TEST(PosixHost, DetachedThreadRuns) {
  ThreadProbe probe;
  rumpuser_thread *thread = reinterpret_cast<rumpuser_thread *>(&probe);
  ASSERT_EQ(ops().thread_create(host(), probe_thread, &probe, "rk-detached", 0, &thread), 0);
  EXPECT_EQ(thread, nullptr);
  std::unique_lock<std::mutex> guard(probe.lock);
  ASSERT_TRUE(probe.cond.wait_for(guard, std::chrono::seconds(10), [&] { return probe.finished; }));
  EXPECT_STREQ(probe.name, "rk-detached");
}

TEST(PosixHost, ThreadExitEndsTheThread) {
  ThreadProbe probe;
  probe.exit_early = true;
  rumpuser_thread *thread = nullptr;
  ASSERT_EQ(ops().thread_create(host(), probe_thread, &probe, "rk-exit", 1, &thread), 0);
  ASSERT_EQ(ops().thread_join(host(), thread), 0);
  EXPECT_TRUE(probe.finished);
  EXPECT_FALSE(probe.after_exit);
}

// --- locks -----------------------------------------------------------------------------------

class PosixMutex : public testing::TestWithParam<int> {};

TEST_P(PosixMutex, TryenterIsBusyWhileHeldElsewhere) {
  rumpuser_mtx *mtx = nullptr;
  ASSERT_EQ(ops().mutex_init(host(), GetParam(), &mtx), 0);
  ops().mutex_enter(mtx);
  EXPECT_EQ(on_other_thread([&] { return ops().mutex_tryenter(mtx); }), EBUSY);
  ops().mutex_exit(mtx);
  EXPECT_EQ(on_other_thread([&] {
              int error = ops().mutex_tryenter(mtx);
              if (error == 0) ops().mutex_exit(mtx);
              return error;
            }),
            0);
  ops().mutex_destroy(mtx);
}

TEST_P(PosixMutex, ExcludesConcurrentWriters) {
  rumpuser_mtx *mtx = nullptr;
  ASSERT_EQ(ops().mutex_init(host(), GetParam(), &mtx), 0);
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        ops().mutex_enter(mtx);
        ++counter;
        ops().mutex_exit(mtx);
      }
    });
  for (auto &t : threads) t.join();
  EXPECT_EQ(counter, 40000);
  ops().mutex_destroy(mtx);
}

INSTANTIATE_TEST_SUITE_P(Flags, PosixMutex,
                         testing::Values(0, RUMPUSER_MTX_SPIN, RUMPUSER_MTX_KMUTEX,
                                         RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX));

TEST(PosixHost, RwlockReadersShareWritersExclude) {
  rumpuser_rw *rw = nullptr;
  ASSERT_EQ(ops().rw_init(host(), &rw), 0);

  ops().rw_enter(rw, RUMPUSER_RW_READER);
  EXPECT_EQ(on_other_thread([&] {
              ops().rw_enter(rw, RUMPUSER_RW_READER);  // two readers at once: does not block
              ops().rw_exit(rw);
              return ops().rw_tryenter(rw, RUMPUSER_RW_WRITER);
            }),
            EBUSY);
  ops().rw_exit(rw);

  ops().rw_enter(rw, RUMPUSER_RW_WRITER);
  EXPECT_EQ(on_other_thread([&] { return ops().rw_tryenter(rw, RUMPUSER_RW_READER); }), EBUSY);
  EXPECT_EQ(on_other_thread([&] { return ops().rw_tryenter(rw, RUMPUSER_RW_WRITER); }), EBUSY);
  ops().rw_exit(rw);  // releases a writer as well as a reader

  EXPECT_EQ(on_other_thread([&] {
              int error = ops().rw_tryenter(rw, RUMPUSER_RW_WRITER);
              if (error == 0) ops().rw_exit(rw);
              return error;
            }),
            0);
  ops().rw_destroy(rw);
}

struct CvFixture : testing::Test {
  void SetUp() override {
    ASSERT_EQ(ops().mutex_init(host(), RUMPUSER_MTX_KMUTEX, &mtx), 0);
    ASSERT_EQ(ops().cv_init(host(), &cv), 0);
  }
  void TearDown() override {
    ops().cv_destroy(cv);
    ops().mutex_destroy(mtx);
  }
  // Sets `flag` under the mutex after `delay`, then wakes the waiters.
  std::thread signal_later(milliseconds delay, bool broadcast) {
    return std::thread([=, this] {
      std::this_thread::sleep_for(delay);
      ops().mutex_enter(mtx);
      flag = true;
      broadcast ? ops().cv_broadcast(cv) : ops().cv_signal(cv);
      ops().mutex_exit(mtx);
    });
  }
  rumpuser_mtx *mtx = nullptr;
  rumpuser_cv *cv = nullptr;
  bool flag = false;
};

TEST_F(CvFixture, TimedwaitTimesOut) {
  ops().mutex_enter(mtx);
  int64_t start = mono_ns();
  int error;
  do {
    error = ops().cv_timedwait(cv, mtx, 0, 50'000'000);
  } while (error == 0 && mono_ns() - start < 50'000'000);  // spurious wakeups are allowed
  EXPECT_EQ(error, ETIMEDOUT);
  EXPECT_GE(mono_ns() - start, 50'000'000);
  EXPECT_EQ(ops().cv_timedwait(cv, mtx, 0, 0), ETIMEDOUT);
  EXPECT_EQ(ops().cv_timedwait(cv, mtx, -5, 0), ETIMEDOUT);
  ops().mutex_exit(mtx);
}

TEST_F(CvFixture, TimedwaitIsSignalled) {
  std::thread signaller = signal_later(milliseconds(20), false);
  auto start = steady_clock::now();
  ops().mutex_enter(mtx);
  int error = 0;
  while (!flag && error == 0) error = ops().cv_timedwait(cv, mtx, 10, 0);
  ops().mutex_exit(mtx);
  signaller.join();
  EXPECT_EQ(error, 0);
  EXPECT_TRUE(flag);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(CvFixture, HugeTimeoutDoesNotOverflow) {
  std::thread signaller = signal_later(milliseconds(10), false);
  ops().mutex_enter(mtx);
  int error = 0;
  while (!flag && error == 0) error = ops().cv_timedwait(cv, mtx, INT64_MAX, 999'999'999);
  ops().mutex_exit(mtx);
  signaller.join();
  EXPECT_EQ(error, 0);
}

TEST_F(CvFixture, BroadcastWakesEveryWaiter) {
  std::atomic<int> woken{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < 3; ++i)
    waiters.emplace_back([&] {
      ops().mutex_enter(mtx);
      while (!flag) ops().cv_wait(cv, mtx);
      ops().mutex_exit(mtx);
      ++woken;
    });
  std::thread signaller = signal_later(milliseconds(20), true);
  for (auto &w : waiters) w.join();
  signaller.join();
  EXPECT_EQ(woken.load(), 3);
}

// --- files -----------------------------------------------------------------------------------

class PosixFiles : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rk_hypercall_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const char *name) const { return dir_ + "/" + name; }
  int open_rw(const char *name) {
    int fd = -1;
    EXPECT_EQ(ops().open(host(), path(name).c_str(),
                         RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_BIO, &fd),
              0);
    return fd;
  }
  std::string dir_;
};

TEST_F(PosixFiles, IovWriteReadAndInfo) {
  int fd = open_rw("file");
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);

  char hello[] = "hello, ";
  char world[] = "world";
  rumpuser_iovec out[2] = {{hello, 7}, {world, 5}};
  size_t len = 0;
  ASSERT_EQ(ops().iovwrite(host(), fd, out, 2, 100, &len), 0);
  EXPECT_EQ(len, 12u);

  char a[3] = {};
  char b[20] = {};
  rumpuser_iovec in[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
  ASSERT_EQ(ops().iovread(host(), fd, in, 2, 100, &len), 0);
  EXPECT_EQ(len, 12u);  // stops at end of file
  EXPECT_EQ(std::string(a, 3) + std::string(b, 9), "hello, world");

  uint64_t size = 0;
  int type = -1;
  ASSERT_EQ(ops().getfileinfo(host(), path("file").c_str(), &size, &type), 0);
  EXPECT_EQ(size, 112u);
  EXPECT_EQ(type, RUMPUSER_FT_REG);

  for (int flags : {0, RUMPUSER_SYNCFD_READ, RUMPUSER_SYNCFD_WRITE, RUMPUSER_SYNCFD_BARRIER,
                    RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, RUMPUSER_SYNCFD_START})
    EXPECT_EQ(ops().syncfd(host(), fd, flags), 0) << flags;
  EXPECT_EQ(ops().close(host(), fd), 0);
  EXPECT_EQ(ops().close(host(), fd), EBADF);
  EXPECT_EQ(ops().syncfd(host(), fd, RUMPUSER_SYNCFD_START), EBADF);
}

TEST_F(PosixFiles, ManyIovecsAreBatched) {
  int fd = open_rw("many");
  ASSERT_GE(fd, 0);
  std::vector<unsigned char> bytes(3000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7);
  std::vector<rumpuser_iovec> iov;
  for (auto &byte : bytes) iov.push_back({&byte, 1});
  size_t len = 0;
  ASSERT_EQ(ops().iovwrite(host(), fd, iov.data(), iov.size(), 0, &len), 0);
  EXPECT_EQ(len, bytes.size());

  std::vector<unsigned char> back(bytes.size(), 0);
  iov.clear();
  for (size_t i = 0; i < back.size(); i += 3) iov.push_back({&back[i], 3});
  ASSERT_EQ(ops().iovread(host(), fd, iov.data(), iov.size(), 0, &len), 0);
  EXPECT_EQ(len, bytes.size());
  EXPECT_EQ(back, bytes);
  EXPECT_EQ(ops().close(host(), fd), 0);
}

TEST_F(PosixFiles, OpenFlagsAndErrors) {
  int fd = open_rw("x");
  ASSERT_GE(fd, 0);
  EXPECT_EQ(ops().close(host(), fd), 0);
  int other = -1;
  EXPECT_EQ(ops().open(host(), path("x").c_str(),
                       RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_EXCL, &other),
            EEXIST);
  EXPECT_EQ(ops().open(host(), path("missing").c_str(), RUMPUSER_OPEN_RDONLY, &other), ENOENT);
  EXPECT_EQ(ops().open(host(), path("x").c_str(), RUMPUSER_OPEN_ACCMODE, &other), EINVAL);
  EXPECT_EQ(ops().open(host(), path("x").c_str(), 0x1000, &other), EINVAL);

  ASSERT_EQ(ops().open(host(), path("x").c_str(), RUMPUSER_OPEN_RDONLY, &fd), 0);
  char c = 'x';
  rumpuser_iovec iov{&c, 1};
  size_t len = 99;
  EXPECT_EQ(ops().iovwrite(host(), fd, &iov, 1, 0, &len), EBADF);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(ops().close(host(), fd), 0);
}

TEST_F(PosixFiles, FileInfoTypes) {
  uint64_t size = 1;
  int type = -1;
  ASSERT_EQ(ops().getfileinfo(host(), dir_.c_str(), &size, &type), 0);
  EXPECT_EQ(type, RUMPUSER_FT_DIR);
  ASSERT_EQ(ops().getfileinfo(host(), "/dev/null", &size, &type), 0);
  EXPECT_EQ(type, RUMPUSER_FT_CHR);
  EXPECT_EQ(size, 0u);
  EXPECT_EQ(ops().getfileinfo(host(), path("missing").c_str(), &size, &type), ENOENT);
  ASSERT_EQ(mkfifo(path("fifo").c_str(), 0600), 0);
  ASSERT_EQ(ops().getfileinfo(host(), path("fifo").c_str(), &size, &type), 0);
  EXPECT_EQ(type, RUMPUSER_FT_OTHER);
}

// Counts completions of asynchronous I/O; each must arrive exactly once.
struct BioWaiter {
  static constexpr int kMax = 64;
  struct Slot {
    BioWaiter *waiter;
    size_t done;
    int error;
    int calls;
  };
  std::mutex lock;
  std::condition_variable cond;
  int completed = 0;
  Slot slots[kMax] = {};

  void *arg(int i) {
    slots[i].waiter = this;
    return &slots[i];
  }
  static void done(void *arg, size_t done, int error) {
    auto *slot = static_cast<Slot *>(arg);
    std::lock_guard<std::mutex> guard(slot->waiter->lock);
    slot->done = done;
    slot->error = error;
    ++slot->calls;
    ++slot->waiter->completed;
    slot->waiter->cond.notify_all();
  }
  bool wait_for(int n) {
    std::unique_lock<std::mutex> guard(lock);
    return cond.wait_for(guard, std::chrono::seconds(30), [&] { return completed >= n; });
  }
};

// One transfer of one buffer through bio; a refused submission fails the test.
void bio1(int fd, int op, void *data, size_t len, int64_t off, rumpuser_biodone_fn done,
          void *arg) {
  rumpuser_iovec iov = {data, len};
  ASSERT_EQ(ops().bio(host(), fd, op, &iov, 1, off, done, arg), 0);
}

TEST_F(PosixFiles, BioGathersAndRefusesBadRequests) {
  int fd = open_rw("gather");
  ASSERT_GE(fd, 0);
  char a[3] = {'a', 'b', 'c'};
  char b[5] = {'d', 'e', 'f', 'g', 'h'};
  rumpuser_iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
  BioWaiter w;
  ASSERT_EQ(ops().bio(host(), fd, RUMPUSER_BIO_WRITE, iov, 2, 10, BioWaiter::done, w.arg(0)), 0);
  ASSERT_TRUE(w.wait_for(1));
  char back[8] = {};
  EXPECT_EQ(pread(fd, back, sizeof(back), 10), 8);
  EXPECT_EQ(std::memcmp(back, "abcdefgh", 8), 0);
  // Refused: done is not called, the caller is told at once.
  EXPECT_EQ(ops().bio(host(), fd, RUMPUSER_BIO_READ, iov, 2000, 0, BioWaiter::done, w.arg(1)),
            EINVAL);
  EXPECT_EQ(ops().bio(host(), fd, RUMPUSER_BIO_READ, iov, 2, 0, nullptr, nullptr), EINVAL);
  std::this_thread::sleep_for(milliseconds(20));
  std::lock_guard<std::mutex> g(w.lock);
  EXPECT_EQ(w.slots[1].calls, 0);
  EXPECT_EQ(ops().close(host(), fd), 0);
}

TEST_F(PosixFiles, BioConcurrentWritesThenReads) {
  int fd = open_rw("disk");
  ASSERT_GE(fd, 0);
  constexpr int kBlocks = 16;
  constexpr size_t kBlock = 4096;
  std::vector<unsigned char> data(kBlocks * kBlock);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i / kBlock + i);

  BioWaiter writes;
  for (int i = 0; i < kBlocks; ++i) {
    int op = RUMPUSER_BIO_WRITE | (i % 4 == 0 ? RUMPUSER_BIO_SYNC : 0);
    bio1(fd, op, &data[i * kBlock], kBlock, static_cast<int64_t>(i * kBlock),
              BioWaiter::done, writes.arg(i));
  }
  ASSERT_TRUE(writes.wait_for(kBlocks));
  ASSERT_EQ(ops().syncfd(host(), fd, RUMPUSER_SYNCFD_BARRIER), 0);

  std::vector<unsigned char> back(data.size(), 0);
  BioWaiter reads;
  for (int i = 0; i < kBlocks; ++i)
    bio1(fd, RUMPUSER_BIO_READ, &back[i * kBlock], kBlock,
              static_cast<int64_t>(i * kBlock), BioWaiter::done, reads.arg(i));
  ASSERT_TRUE(reads.wait_for(kBlocks));
  std::this_thread::sleep_for(milliseconds(20));  // room for a second, wrong completion

  std::lock_guard<std::mutex> w(writes.lock);
  std::lock_guard<std::mutex> r(reads.lock);
  for (int i = 0; i < kBlocks; ++i) {
    EXPECT_EQ(writes.slots[i].calls, 1);
    EXPECT_EQ(writes.slots[i].error, 0);
    EXPECT_EQ(writes.slots[i].done, kBlock);
    EXPECT_EQ(reads.slots[i].calls, 1);
    EXPECT_EQ(reads.slots[i].error, 0);
    EXPECT_EQ(reads.slots[i].done, kBlock);
  }
  EXPECT_EQ(back, data);
  EXPECT_EQ(ops().close(host(), fd), 0);
}

TEST_F(PosixFiles, SyncfdWaitsForSubmittedBio) {
  int fd = open_rw("barrier");
  ASSERT_GE(fd, 0);
  constexpr int kBlocks = 32;
  std::vector<unsigned char> data(kBlocks * 512, 0x5a);
  BioWaiter writes;
  for (int i = 0; i < kBlocks; ++i)
    bio1(fd, RUMPUSER_BIO_WRITE, &data[i * 512], 512, i * 512, BioWaiter::done,
              writes.arg(i));
  ASSERT_EQ(ops().syncfd(host(), fd, RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_BARRIER), 0);
  std::vector<unsigned char> back(data.size(), 0);
  EXPECT_EQ(pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
  EXPECT_EQ(back, data);
  ASSERT_TRUE(writes.wait_for(kBlocks));
  EXPECT_EQ(ops().close(host(), fd), 0);
}

TEST_F(PosixFiles, BioReportsErrorsThroughDone) {
  char buf[512] = {};
  BioWaiter waiter;
  bio1(-1, RUMPUSER_BIO_READ, buf, sizeof(buf), 0, BioWaiter::done, waiter.arg(0));
  bio1(-1, RUMPUSER_BIO_WRITE, buf, sizeof(buf), 0, BioWaiter::done, waiter.arg(1));

  int fd = open_rw("short");
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, "abc", 3, 0), 3);
  bio1(fd, RUMPUSER_BIO_READ, buf, sizeof(buf), 0, BioWaiter::done, waiter.arg(2));
  bio1(fd, 0, buf, sizeof(buf), 0, BioWaiter::done, waiter.arg(3));
  ASSERT_TRUE(waiter.wait_for(4));

  std::lock_guard<std::mutex> guard(waiter.lock);
  EXPECT_EQ(waiter.slots[0].error, EBADF);
  EXPECT_EQ(waiter.slots[0].done, 0u);
  EXPECT_EQ(waiter.slots[1].error, EBADF);
  EXPECT_EQ(waiter.slots[2].error, 0);  // end of file is a short transfer, not an error
  EXPECT_EQ(waiter.slots[2].done, 3u);
  EXPECT_EQ(waiter.slots[3].error, EINVAL);
  EXPECT_EQ(ops().close(host(), fd), 0);
}

TEST_F(PosixFiles, BioWorksInAForkedChild) {
  int fd = open_rw("fork");
  ASSERT_GE(fd, 0);
  char data[16] = "before the fork";
  BioWaiter parent;
  bio1(fd, RUMPUSER_BIO_WRITE, data, sizeof(data), 0, BioWaiter::done,
            parent.arg(0));
  ASSERT_TRUE(parent.wait_for(1));  // the parent's workers exist now

  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(10);  // a hang fails the test instead of stalling it
    BioWaiter child;
    char back[16] = {};
    bio1(fd, RUMPUSER_BIO_READ, back, sizeof(back), 0, BioWaiter::done,
              child.arg(0));
    bool ok = child.wait_for(1) && child.slots[0].done == sizeof(back) &&
              std::memcmp(back, data, sizeof(back)) == 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(ops().close(host(), fd), 0);
}

// --- components -------------------------------------------------------------------------------

TEST(PosixHost, DlOpenReportsMissingLibraries) {
  char err[256] = {};
  EXPECT_EQ(ops().dl_open(host(), "librk_no_such_component.so", err, sizeof(err)), ENOENT);
  EXPECT_NE(std::strstr(err, "librk_no_such_component.so"), nullptr) << err;

  std::memset(err, 0, sizeof(err));
  EXPECT_EQ(ops().dl_open(host(), "/nonexistent/librk_x.so", err, sizeof(err)), ENOENT);
  EXPECT_GT(std::strlen(err), 0u);

  char small[8];
  std::memset(small, 'x', sizeof(small));
  EXPECT_EQ(ops().dl_open(host(), "librk_no_such_component.so", small, sizeof(small)), ENOENT);
  EXPECT_EQ(std::strlen(small), 7u);
  EXPECT_EQ(ops().dl_open(host(), "librk_no_such_component.so", nullptr, 0), ENOENT);
}

TEST(PosixHost, DlOpenLoadsHostLibraries) {
  char err[256] = {};
  EXPECT_EQ(ops().dl_open(host(), "libm.so.6", err, sizeof(err)), 0) << err;
}

}  // namespace
