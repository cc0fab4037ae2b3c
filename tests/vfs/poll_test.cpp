// poll, ppoll, select and pselect6 through the public API. Linux is the oracle: each state of
// a pipe, a named pipe and a regular file is made on the host too, and the host kernel's
// revents must be the rump kernel's. Then what has no host twin: waking a blocked poll from
// another thread, timeouts and the time left written back, an interrupted process's EINTR,
// and the errors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

class Poll : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(rump_kernel_create("ncpu=2", &k_), 0);
    prev_ = rump_kernel_switch(k_);
    char tmpl[] = "/tmp/rk-poll-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    host_dir_ = tmpl;
  }
  void TearDown() override {
    rump_kernel_switch(prev_);
    rump_kernel_destroy(k_);
    (void)std::system(("rm -rf '" + host_dir_ + "'").c_str());
  }

  // revents of one descriptor polled for `events` without waiting, on the host and in the
  // kernel; ready counts must agree with them.
  static short host_revents(int fd, short events) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, 0);
    EXPECT_EQ(n, p.revents != 0 ? 1 : 0);
    return p.revents;
  }
  static short rump_revents(int fd, short events) {
    pollfd p{fd, events, 0};
    int n = rump_sys_poll(&p, 1, 0);
    EXPECT_EQ(n, p.revents != 0 ? 1 : 0) << strerror(errno);
    return p.revents;
  }
  // Both ends of a pipe on both sides, polled for everything a program asks.
  static void expect_same(const int host[2], const int rump[2], const char* state) {
    for (short ev : {short(POLLIN), short(POLLOUT), short(POLLIN | POLLOUT | POLLPRI), short(0)}) {
      for (int end = 0; end < 2; ++end) {
        if (host[end] < 0) continue;
        EXPECT_EQ(rump_revents(rump[end], ev), host_revents(host[end], ev))
            << state << ", end " << end << ", events " << ev;
      }
    }
  }

  rump_kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
  std::string host_dir_;
};

TEST_F(Poll, PipeStatesMatchLinux) {
  int h[2], r[2];
  ASSERT_EQ(::pipe2(h, O_NONBLOCK), 0);
  ASSERT_EQ(rump_sys_pipe2(r, O_NONBLOCK), 0);
  expect_same(h, r, "empty");
  ASSERT_EQ(::write(h[1], "x", 1), 1);
  ASSERT_EQ(rump_sys_write(r[1], "x", 1), 1);
  expect_same(h, r, "one byte");
  // Full: writes until EAGAIN on each side.
  std::vector<char> chunk(4096, 'y');
  while (::write(h[1], chunk.data(), chunk.size()) > 0) {
  }
  while (rump_sys_write(r[1], chunk.data(), chunk.size()) > 0) {
  }
  expect_same(h, r, "full");
  // The writer goes: data left, then drained.
  ::close(h[1]);
  rump_sys_close(r[1]);
  int h1[2] = {h[0], -1}, r1[2] = {r[0], -1};
  expect_same(h1, r1, "writer gone, data left");
  while (::read(h[0], chunk.data(), chunk.size()) > 0) {
  }
  while (rump_sys_read(r[0], chunk.data(), chunk.size()) > 0) {
  }
  expect_same(h1, r1, "writer gone, drained");
  ::close(h[0]);
  rump_sys_close(r[0]);

  // The reader goes: the writer sees POLLERR.
  ASSERT_EQ(::pipe2(h, O_NONBLOCK), 0);
  ASSERT_EQ(rump_sys_pipe2(r, O_NONBLOCK), 0);
  ::close(h[0]);
  rump_sys_close(r[0]);
  int h2[2] = {-1, h[1]}, r2[2] = {-1, r[1]};
  expect_same(h2, r2, "reader gone");
  ::close(h[1]);
  rump_sys_close(r[1]);
}

TEST_F(Poll, NamedPipeAndRegularFileMatchLinux) {
  // A FIFO opened to read without O_NONBLOCK's partner: no POLLHUP until a writer has come.
  std::string hf = host_dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(hf.c_str(), 0600), 0);
  ASSERT_EQ(rump_sys_mknod("/fifo", S_IFIFO | 0600, 0), 0);
  int h[2] = {::open(hf.c_str(), O_RDONLY | O_NONBLOCK), -1};
  int r[2] = {rump_sys_open("/fifo", O_RDONLY | O_NONBLOCK), -1};
  ASSERT_GE(h[0], 0);
  ASSERT_GE(r[0], 0);
  expect_same(h, r, "fifo, no writer yet");
  int hw = ::open(hf.c_str(), O_WRONLY | O_NONBLOCK), rw = rump_sys_open("/fifo", O_WRONLY | O_NONBLOCK);
  ASSERT_GE(hw, 0);
  ASSERT_GE(rw, 0);
  int hb[2] = {h[0], hw}, rb[2] = {r[0], rw};
  expect_same(hb, rb, "fifo, a writer");
  ::close(hw);
  rump_sys_close(rw);
  expect_same(h, r, "fifo, the writer gone");
  ::close(h[0]);
  rump_sys_close(r[0]);

  // Regular files and directories are always ready.
  std::string hp = host_dir_ + "/file";
  int hf2[2] = {::open(hp.c_str(), O_RDWR | O_CREAT, 0644), -1};
  int rf2[2] = {rump_sys_open("/file", O_RDWR | O_CREAT, 0644), -1};
  expect_same(hf2, rf2, "regular file");
  ::close(hf2[0]);
  rump_sys_close(rf2[0]);
  int hd[2] = {::open(host_dir_.c_str(), O_RDONLY | O_DIRECTORY), -1};
  int rd[2] = {rump_sys_open("/", O_RDONLY | O_DIRECTORY), -1};
  expect_same(hd, rd, "directory");
  ::close(hd[0]);
  rump_sys_close(rd[0]);
  // An O_PATH descriptor: POLLNVAL, as Linux's fdget does not see it.
  int hpath[2] = {::open(hp.c_str(), O_PATH), -1};
  int rpath[2] = {rump_sys_open("/file", O_PATH), -1};
  expect_same(hpath, rpath, "O_PATH");
  ::close(hpath[0]);
  rump_sys_close(rpath[0]);
}

TEST_F(Poll, ArraysNegativeAndClosedDescriptors) {
  int r[2];
  ASSERT_EQ(rump_sys_pipe2(r, 0), 0);
  ASSERT_EQ(rump_sys_write(r[1], "x", 1), 1);
  pollfd p[4] = {{r[0], POLLIN, 77}, {-1, POLLIN, 77}, {999, POLLIN, 77}, {r[1], POLLOUT, 77}};
  EXPECT_EQ(rump_sys_poll(p, 4, 0), 3);
  EXPECT_EQ(p[0].revents, POLLIN);
  EXPECT_EQ(p[1].revents, 0) << "a negative descriptor is skipped";
  EXPECT_EQ(p[2].revents, POLLNVAL);
  EXPECT_EQ(p[3].revents, POLLOUT);
  // None at all: a sleep.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(rump_sys_poll(nullptr, 0, 30), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);
  // Errors.
  errno = 0;
  EXPECT_EQ(rump_sys_poll(nullptr, 1, 0), -1);
  EXPECT_EQ(errno, EFAULT);
  std::vector<pollfd> many(1025, pollfd{-1, 0, 0});
  errno = 0;
  EXPECT_EQ(rump_sys_poll(many.data(), many.size(), 0), -1);
  EXPECT_EQ(errno, EINVAL) << "more than RLIMIT_NOFILE entries";
  rump_sys_close(r[0]);
  rump_sys_close(r[1]);
}

TEST_F(Poll, BlockedPollWakesWhenDataComes) {
  int r[2];
  ASSERT_EQ(rump_sys_pipe2(r, 0), 0);
  std::atomic<int> got{-2};
  short revents = 0;
  std::thread t([&] {
    rump_kernel_switch(k_);
    pollfd p{r[0], POLLIN, 0};
    got = rump_sys_poll(&p, 1, -1);
    revents = p.revents;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(got.load(), -2) << "poll should be waiting";
  ASSERT_EQ(rump_sys_write(r[1], "x", 1), 1);
  t.join();
  EXPECT_EQ(got.load(), 1);
  EXPECT_EQ(revents, POLLIN);
  // The last writer going wakes it too (POLLHUP).
  char c;
  ASSERT_EQ(rump_sys_read(r[0], &c, 1), 1);
  got = -2;
  std::thread t2([&] {
    rump_kernel_switch(k_);
    pollfd p{r[0], POLLIN, 0};
    got = rump_sys_poll(&p, 1, 10000);
    revents = p.revents;
  });
  std::this_thread::sleep_for(50ms);
  rump_sys_close(r[1]);
  t2.join();
  EXPECT_EQ(got.load(), 1);
  EXPECT_EQ(revents, POLLHUP);
  rump_sys_close(r[0]);
}

TEST_F(Poll, TimeoutsAndTimeLeft) {
  int r[2];
  ASSERT_EQ(rump_sys_pipe2(r, 0), 0);
  pollfd p{r[0], POLLIN, 0};
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(rump_sys_poll(&p, 1, 40), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 35ms);
  // ppoll writes the time left back; a ready descriptor leaves most of it.
  timespec ts{5, 0};
  ASSERT_EQ(rump_sys_write(r[1], "x", 1), 1);
  EXPECT_EQ(rump_sys_ppoll(&p, 1, &ts, nullptr, 0), 1);
  EXPECT_EQ(ts.tv_sec, 4);
  timespec zero{0, 20000000};
  char c;
  ASSERT_EQ(rump_sys_read(r[0], &c, 1), 1);
  EXPECT_EQ(rump_sys_ppoll(&p, 1, &zero, nullptr, 0), 0);
  EXPECT_EQ(zero.tv_sec, 0);
  EXPECT_EQ(zero.tv_nsec, 0);
  // Errors: a bad timespec, a signal mask of the wrong size (the right one is accepted).
  timespec bad{0, 1000000000};
  errno = 0;
  EXPECT_EQ(rump_sys_ppoll(&p, 1, &bad, nullptr, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  uint64_t mask = 0;
  timespec none{0, 0};
  errno = 0;
  EXPECT_EQ(rump_sys_ppoll(&p, 1, &none, &mask, 4), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(rump_sys_ppoll(&p, 1, &none, &mask, 8), 0);
  rump_sys_close(r[0]);
  rump_sys_close(r[1]);
}

TEST_F(Poll, SelectMatchesLinux) {
  int h[2], r[2];
  ASSERT_EQ(::pipe(h), 0);
  ASSERT_EQ(rump_sys_pipe2(r, 0), 0);
  auto both = [&](const char* state) {
    fd_set hr, hw, rr, rw;
    FD_ZERO(&hr);
    FD_ZERO(&hw);
    FD_ZERO(&rr);
    FD_ZERO(&rw);
    FD_SET(h[0], &hr);
    FD_SET(h[1], &hw);
    FD_SET(r[0], &rr);
    FD_SET(r[1], &rw);
    timeval ht{0, 0}, rt{0, 0};
    int hn = ::select(std::max(h[0], h[1]) + 1, &hr, &hw, nullptr, &ht);
    int rn = rump_sys_select(std::max(r[0], r[1]) + 1, &rr, &rw, nullptr, &rt);
    EXPECT_EQ(rn, hn) << state;
    EXPECT_EQ(FD_ISSET(r[0], &rr) != 0, FD_ISSET(h[0], &hr) != 0) << state;
    EXPECT_EQ(FD_ISSET(r[1], &rw) != 0, FD_ISSET(h[1], &hw) != 0) << state;
  };
  both("empty");
  ASSERT_EQ(::write(h[1], "x", 1), 1);
  ASSERT_EQ(rump_sys_write(r[1], "x", 1), 1);
  both("one byte");

  // Waiting, with the time left written back (select and pselect6).
  fd_set rr;
  FD_ZERO(&rr);
  char c;
  ASSERT_EQ(rump_sys_read(r[0], &c, 1), 1);
  FD_SET(r[0], &rr);
  timeval tv{0, 30000};
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(rump_sys_select(r[0] + 1, &rr, nullptr, nullptr, &tv), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);
  EXPECT_EQ(tv.tv_sec, 0);
  EXPECT_EQ(tv.tv_usec, 0);
  EXPECT_FALSE(FD_ISSET(r[0], &rr));
  FD_SET(r[0], &rr);
  ASSERT_EQ(rump_sys_write(r[1], "x", 1), 1);
  timespec ts{3, 0};
  EXPECT_EQ(rump_sys_pselect6(r[0] + 1, &rr, nullptr, nullptr, &ts, nullptr), 1);
  EXPECT_TRUE(FD_ISSET(r[0], &rr));
  EXPECT_EQ(ts.tv_sec, 2);

  // Errors: a descriptor that is not open (EBADF, before any wait), a negative count, a
  // signal mask argument of the wrong size.
  fd_set bad;
  FD_ZERO(&bad);
  FD_SET(200, &bad);
  errno = 0;
  EXPECT_EQ(rump_sys_select(201, &bad, nullptr, nullptr, nullptr), -1);
  EXPECT_EQ(errno, EBADF);
  errno = 0;
  EXPECT_EQ(rump_sys_select(-1, nullptr, nullptr, nullptr, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  uint64_t mask = 0;
  struct {
    const void* ss;
    size_t len;
  } sigarg{&mask, 4};
  timespec none{0, 0};
  errno = 0;
  EXPECT_EQ(rump_sys_pselect6(r[0] + 1, &rr, nullptr, nullptr, &none, &sigarg), -1);
  EXPECT_EQ(errno, EINVAL);
  ::close(h[0]);
  ::close(h[1]);
  rump_sys_close(r[0]);
  rump_sys_close(r[1]);
}

// A poll of a process that is interrupted (a remote client gone) ends with EINTR.
TEST_F(Poll, InterruptEndsAWait) {
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  lwp* self = rump_pub_lwproc_curlwp();
  const pid_t pid = rump_sys_getpid();
  int r[2];
  ASSERT_EQ(rump_sys_pipe2(r, 0), 0);
  rump_pub_lwproc_switch(nullptr);
  std::atomic<int> got{-2};
  int error = 0;
  std::thread t([&] {
    rump_kernel_switch(k_);
    rump_pub_lwproc_switch(self);
    pollfd p{r[0], POLLIN, 0};
    got = rump_sys_poll(&p, 1, -1);
    error = errno;
    rump_pub_lwproc_switch(nullptr);
  });
  std::this_thread::sleep_for(50ms);
  ASSERT_EQ(rump_pub_lwproc_newlwp(pid), 0);
  EXPECT_EQ(rump_pub_lwproc_interrupt(), 0);
  rump_pub_lwproc_releaselwp();
  t.join();
  EXPECT_EQ(got.load(), -1);
  EXPECT_EQ(error, EINTR);
  rump_pub_lwproc_switch(self);
  rump_pub_lwproc_releaselwp();
}

}  // namespace
