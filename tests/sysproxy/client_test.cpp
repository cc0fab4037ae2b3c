// librumpclient against a real rump_allserver: the rump_sys_* API, remotely, with the data of
// each call in its one request and response; threads, fork, exec and the reconnect policy.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpclient.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "spawn_server.h"

namespace rk::test {
namespace {

const char* g_self = nullptr;  // this program, for the exec test

class RumpClient : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server().up());
    setenv("RUMP_SERVER", server().url().c_str(), 1);
    ASSERT_EQ(rumpclient_init(), 0) << strerror(errno);
  }
  // One server for the tests of a run (started by the first).
  static ServerProcess& server() {
    static ServerProcess s;
    return s;
  }
};

// Runs fn in a forked child that has not connected yet; returns its exit status.
template <typename Fn>
int in_child(Fn&& fn) {
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST(RumpClientBeforeInit, CallsFailWithEnxio) {
  errno = 0;
  EXPECT_EQ(rump_sys_getpid(), -1);
  EXPECT_EQ(errno, ENXIO);
}

TEST(RumpClientInit, NeedsAValidRumpServer) {
  EXPECT_EQ(in_child([] {
              unsetenv("RUMP_SERVER");
              return rumpclient_init() == -1 && errno == EINVAL ? 0 : 1;
            }),
            0);
  EXPECT_EQ(in_child([] {
              setenv("RUMP_SERVER", "unix:///nonexistent/sock", 1);
              return rumpclient_init() == -1 && errno == ENOENT ? 0 : 1;
            }),
            0);
}

TEST_F(RumpClient, IsAProcessOfItsOwn) {
  pid_t pid = rump_sys_getpid();
  EXPECT_GT(pid, 1);
  EXPECT_EQ(rump_sys_getppid(), 1);
  struct utsname u;
  ASSERT_EQ(rump_sys_uname(&u), 0);
  EXPECT_STREQ(u.release, "6.1.0-anykernel");
}

TEST_F(RumpClient, FilesThroughTheRemoteKernel) {
  ASSERT_EQ(rump_sys_mkdir("/files", 0755), 0);
  ASSERT_EQ(rump_sys_mount("tmpfs", "/files", "tmpfs", 0, "size=8m"), 0);
  int fd = rump_sys_open("/files/a", O_CREAT | O_RDWR | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(rump_sys_write(fd, "hello, ", 7), 7);
  struct iovec iov[2] = {{const_cast<char*>("remote "), 7}, {const_cast<char*>("world"), 5}};
  EXPECT_EQ(rump_sys_writev(fd, iov, 2), 12);
  char a[8] = {}, b[12] = {};
  struct iovec riov[2] = {{a, 7}, {b, 11}};
  EXPECT_EQ(rump_sys_lseek(fd, 0, SEEK_SET), 0);
  EXPECT_EQ(rump_sys_readv(fd, riov, 2), 18);
  EXPECT_STREQ(a, "hello, ");
  EXPECT_STREQ(b, "remote worl");
  struct stat st;
  ASSERT_EQ(rump_sys_fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 19);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  struct statx stx;
  ASSERT_EQ(rump_sys_statx(AT_FDCWD, "/files/a", 0, STATX_SIZE, &stx), 0);
  EXPECT_EQ(stx.stx_size, 19u);
  struct timespec times[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(rump_sys_utimensat(AT_FDCWD, "/files/a", times, 0), 0);
  ASSERT_EQ(rump_sys_stat("/files/a", &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);

  struct flock fl = {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  ASSERT_EQ(rump_sys_fcntl(fd, F_SETLK, &fl), 0);
  fl.l_type = F_RDLCK;
  ASSERT_EQ(rump_sys_fcntl(fd, F_GETLK, &fl), 0);
  EXPECT_EQ(fl.l_type, F_UNLCK);  // our own lock does not conflict
  EXPECT_EQ(rump_sys_fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
  EXPECT_EQ(rump_sys_fcntl(fd, F_GETFD), FD_CLOEXEC);

  // getdents64 brings the names back.
  int dir = rump_sys_open("/files", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir, 0);
  char buf[4096];
  long n = rump_sys_getdents64(dir, buf, sizeof buf);
  ASSERT_GT(n, 0);
  bool found = false;
  for (long off = 0; off < n;) {
    auto* d = reinterpret_cast<struct dirent64*>(buf + off);
    if (strcmp(d->d_name, "a") == 0) found = true;
    off += d->d_reclen;
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(rump_sys_close(dir), 0);
  EXPECT_EQ(rump_sys_close(fd), 0);
  EXPECT_EQ(rump_sys_close(fd), -1);
  EXPECT_EQ(errno, EBADF);
  EXPECT_EQ(rump_sys_umount2("/files", 0), 0);
}

TEST_F(RumpClient, LargeTransfersAreCutToOneMegabyte) {
  ASSERT_EQ(rump_sys_mkdir("/big", 0755), 0);
  ASSERT_EQ(rump_sys_mount("tmpfs", "/big", "tmpfs", 0, "size=16m"), 0);
  int fd = rump_sys_open("/big/f", O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  std::vector<char> data(3 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = rump_sys_write(fd, data.data() + done, data.size() - done);
    ASSERT_GT(w, 0);
    EXPECT_LE(w, 1 << 20);
    done += static_cast<size_t>(w);
  }
  std::vector<char> back(data.size());
  done = 0;
  while (done < back.size()) {
    ssize_t r = rump_sys_pread(fd, back.data() + done, back.size() - done, done);
    ASSERT_GT(r, 0);
    done += static_cast<size_t>(r);
  }
  EXPECT_EQ(back, data);
  EXPECT_EQ(rump_sys_close(fd), 0);
}

TEST_F(RumpClient, UnsupportedArgumentsAreEnosys) {
  int x;
  EXPECT_EQ(rump_sys_ioctl(0, 0x5401 /* TCGETS */, &x), -1);
  EXPECT_EQ(errno, ENOSYS);
  EXPECT_EQ(rump_syscall(-1, 0, 0, 0, 0, 0, 0), -1);
  EXPECT_EQ(errno, ENOSYS);
}

// A path longer than the protocol carries reaches the kernel cut to PATH_MAX bytes, which it
// refuses; cut to 4095 bytes it was a valid name of another file (found by the remote suite).
TEST_F(RumpClient, OverlongPathsAreEnametoolongNotAnotherFile) {
  std::string dir = "/longpath." + std::to_string(rump_sys_getpid());
  ASSERT_EQ(rump_sys_mkdir(dir.c_str(), 0755), 0);
  std::string at = dir + "/f";
  int fd = rump_sys_open(at.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(rump_sys_close(fd), 0);
  // Slashes up to 4095 bytes, then more: the first 4095 bytes name dir/f.
  std::string fits = dir + std::string(4095 - at.size() + 1, '/') + "f";
  ASSERT_EQ(fits.size(), 4095u);
  EXPECT_EQ(rump_sys_access(fits.c_str(), F_OK), 0);
  for (size_t extra : {1, 2, 900}) {
    std::string longer = fits + std::string(extra, 'x');
    EXPECT_EQ(rump_sys_access(longer.c_str(), F_OK), -1) << extra;
    EXPECT_EQ(errno, ENAMETOOLONG) << extra;
    EXPECT_EQ(rump_sys_open(longer.c_str(), O_RDONLY), -1) << extra;
    EXPECT_EQ(errno, ENAMETOOLONG) << extra;
  }
  std::string link = dir + "/l";
  EXPECT_EQ(rump_sys_symlink(std::string(4096, 't').c_str(), link.c_str()), -1);
  EXPECT_EQ(errno, ENAMETOOLONG);
  EXPECT_EQ(rump_sys_symlink(std::string(4095, 't').c_str(), link.c_str()), 0);
}

// rump_pub_lwproc_*: one program acting as several processes of the remote kernel.
TEST_F(RumpClient, LwprocProcessesAreChildProcessesOfTheServer) {
  pid_t self = rump_sys_getpid();
  int fd = rump_sys_open("/dev/zero", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(rump_pub_lwproc_curlwp(), nullptr);
  EXPECT_EQ(rump_pub_lwproc_rfork(RUMP_RFFDG | RUMP_RFCFDG), EINVAL);

  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);
  struct lwp* copy = rump_pub_lwproc_curlwp();
  ASSERT_NE(copy, nullptr);
  pid_t copy_pid = rump_sys_getpid();
  EXPECT_NE(copy_pid, self);
  EXPECT_EQ(rump_sys_getppid(), self);
  char c = 1;
  EXPECT_EQ(rump_sys_read(fd, &c, 1), 1);  // the copied descriptor
  EXPECT_EQ(rump_sys_setuid(1000), 0);

  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);  // a child of the child, no descriptors
  struct lwp* bare = rump_pub_lwproc_curlwp();
  EXPECT_EQ(rump_sys_getppid(), copy_pid);
  EXPECT_EQ(rump_sys_getuid(), 1000u);  // the credentials are copied
  EXPECT_EQ(rump_sys_read(fd, &c, 1), -1);
  EXPECT_EQ(errno, EBADF);

  // The copy holds a lock; ending it releases the lock before releaselwp returns.
  rump_pub_lwproc_switch(nullptr);
  std::string path = "/lockfile." + std::to_string(self);
  int mine = rump_sys_open(path.c_str(), O_CREAT | O_RDWR, 0666);
  EXPECT_GE(mine, 0);
  EXPECT_EQ(rump_sys_fchmod(mine, 0666), 0);
  rump_pub_lwproc_switch(copy);
  EXPECT_EQ(rump_sys_getpid(), copy_pid);
  int theirs = rump_sys_open(path.c_str(), O_RDWR);
  EXPECT_GE(theirs, 0);
  struct flock fl{};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  EXPECT_EQ(rump_sys_fcntl(theirs, F_SETLK, &fl), 0);
  rump_pub_lwproc_releaselwp();
  EXPECT_EQ(rump_pub_lwproc_curlwp(), nullptr);
  EXPECT_EQ(rump_sys_getpid(), self);
  EXPECT_EQ(rump_sys_fcntl(mine, F_SETLK, &fl), 0);  // at once: no wait, no retry

  rump_pub_lwproc_switch(bare);
  rump_pub_lwproc_releaselwp();
  EXPECT_EQ(rump_sys_getuid(), 0u);
  EXPECT_EQ(rump_sys_close(mine), 0);
  EXPECT_EQ(rump_sys_close(fd), 0);
}

// poll, ppoll, select and pselect6 over the wire: the pollfd array and the fd_sets go in and
// come back, the timeouts come back with the time left.
TEST_F(RumpClient, PollAndSelectTravel) {
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, 0), 0);
  pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  EXPECT_EQ(rump_sys_poll(fds, 2, 0), 1);
  EXPECT_EQ(fds[0].revents, 0);
  EXPECT_EQ(fds[1].revents, POLLOUT);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    EXPECT_EQ(rump_sys_write(p[1], "x", 1), 1);
  });
  timespec ts{10, 0};
  EXPECT_EQ(rump_sys_ppoll(fds, 1, &ts, nullptr, 0), 1);  // waits for the writer
  writer.join();
  EXPECT_EQ(fds[0].revents, POLLIN);
  EXPECT_EQ(ts.tv_sec, 9);
  fd_set rd, wr;
  FD_ZERO(&rd);
  FD_ZERO(&wr);
  FD_SET(p[0], &rd);
  FD_SET(p[1], &wr);
  timeval tv{1, 0};
  EXPECT_EQ(rump_sys_select(std::max(p[0], p[1]) + 1, &rd, &wr, nullptr, &tv), 2);
  EXPECT_TRUE(FD_ISSET(p[0], &rd));
  EXPECT_TRUE(FD_ISSET(p[1], &wr));
  EXPECT_EQ(tv.tv_sec, 0);
  FD_ZERO(&wr);
  FD_SET(p[1], &wr);
  timespec none{0, 0};
  EXPECT_EQ(rump_sys_pselect6(p[1] + 1, nullptr, &wr, nullptr, &none, nullptr), 1);
  EXPECT_EQ(rump_sys_close(p[0]), 0);
  EXPECT_EQ(rump_sys_close(p[1]), 0);
}

// The client's connections live at high descriptors (regression: a hijacked program's
// dup2 onto 3, the first connection's number, replaced it, and calls then failed ENOTCONN).
TEST_F(RumpClient, ConnectionsStayOutOfTheProgramsWay) {
  struct rlimit rl;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur <= 512) GTEST_SKIP() << "RLIMIT_NOFILE of " << rl.rlim_cur << ": no room up high";
  const long min = rl.rlim_cur > 4096 ? 3840 : static_cast<long>(rl.rlim_cur) - 256;
  std::thread other([] { EXPECT_GE(rump_sys_getpid(), 1); });  // a second connection
  EXPECT_GE(rump_sys_getpid(), 1);
  other.join();
  int sockets = 0;
  DIR* d = opendir("/proc/self/fd");
  ASSERT_NE(d, nullptr);
  while (dirent* e = readdir(d)) {
    char link[64] = {};
    std::string path = std::string("/proc/self/fd/") + e->d_name;
    if (readlink(path.c_str(), link, sizeof link - 1) <= 0) continue;
    if (std::string(link).rfind("socket:", 0) != 0) continue;
    ++sockets;
    EXPECT_GE(atol(e->d_name), min) << "a connection at descriptor " << e->d_name;
  }
  closedir(d);
  EXPECT_GE(sockets, 1);
}

TEST_F(RumpClient, ThreadsHaveCallsInFlightAtOnce) {
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, 0), 0);
  std::vector<std::thread> readers;
  std::atomic<int> got{0};
  for (int i = 0; i < 4; ++i)
    readers.emplace_back([&] {
      char c;
      if (rump_sys_read(p[0], &c, 1) == 1) ++got;
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(got.load(), 0);  // all four blocked in the kernel, and we can still call
  EXPECT_EQ(rump_sys_write(p[1], "abcd", 4), 4);
  for (auto& t : readers) t.join();
  EXPECT_EQ(got.load(), 4);
  // Many threads, one process: the same pid everywhere.
  pid_t pid = rump_sys_getpid();
  std::vector<std::thread> many;
  std::atomic<int> bad{0};
  for (int i = 0; i < 32; ++i)
    many.emplace_back([&] {
      for (int j = 0; j < 50; ++j)
        if (rump_sys_getpid() != pid) ++bad;
    });
  for (auto& t : many) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(RumpClient, ForkGivesTheChildACopyOfTheDescriptors) {
  pid_t parent = rump_sys_getpid();
  int fd = rump_sys_open("/dev/zero", O_RDONLY);
  ASSERT_GE(fd, 0);
  pid_t child = rumpclient_fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    char c = 1;
    bool ok = rump_sys_getpid() != parent && rump_sys_getppid() == parent &&
              rump_sys_read(fd, &c, 1) == 1 && c == 0 && rump_sys_close(fd) == 0 &&
              rump_sys_setuid(1000) == 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // The child's close and setuid were its own.
  EXPECT_EQ(rump_sys_close(fd), 0);
  EXPECT_EQ(rump_sys_getuid(), 0u);
}

TEST_F(RumpClient, ExecKeepsTheProcessAndClosesCloexecDescriptors) {
  pid_t pid = rump_sys_getpid();
  int keep = rump_sys_open("/dev/null", O_RDONLY);
  int gone = rump_sys_open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(keep, 0);
  ASSERT_GE(gone, 0);
  pid_t host = fork();
  if (host == 0) {
    std::string check = "SYSPROXY_EXEC_CHECK=" + std::to_string(pid) + "," +
                        std::to_string(keep) + "," + std::to_string(gone);
    std::vector<char*> env;
    for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
    env.push_back(check.data());
    env.push_back(nullptr);
    char* argv[] = {const_cast<char*>(g_self), nullptr};
    // A plain fork: the host child is still the same kernel process as this test, which is
    // what lets the test see the exec's effect on its descriptors.
    rumpclient_exec(g_self, argv, env.data());
    _exit(99);
  }
  int status = 0;
  waitpid(host, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// Runs this program again with `scenario` in its environment (a fresh process: no earlier
// rumpclient_init); returns its exit status.
int run_scenario(const char* scenario) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("SYSPROXY_SCENARIO", scenario, 1);
    execl(g_self, g_self, static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

TEST(RumpClientRetry, LostServerIsEnotconnThenReconnectsAsANewProcess) {
  EXPECT_EQ(run_scenario("retry"), 0);
}

size_t fds_of(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/fd";
  size_t n = 0;
  if (DIR* d = opendir(path.c_str())) {
    while (readdir(d) != nullptr) ++n;
    closedir(d);
  }
  return n;
}

TEST(RumpServerProcess, ClientsKilledMidCallLeaveNoDescriptorsBehind) {
  ServerProcess s;
  ASSERT_TRUE(s.up());
  // Client processes making calls (two threads each, so two connections, one blocked in the
  // kernel) are killed with SIGKILL at arbitrary points, over and over.
  auto spawn_and_kill = [&](int delay_us) {
    pid_t pid = fork();
    if (pid == 0) {  // a fresh program (not this one's connections): see hammer_scenario
      setenv("RUMP_SERVER", s.url().c_str(), 1);
      setenv("SYSPROXY_SCENARIO", "hammer", 1);
      execl(g_self, g_self, static_cast<char*>(nullptr));
      _exit(127);
    }
    usleep(delay_us);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  };
  size_t baseline = fds_of(s.pid());  // listening, no client
  auto settled = [&] {
    for (int i = 0; i < 1000; ++i) {
      if (fds_of(s.pid()) <= baseline) return true;
      usleep(10000);
    }
    return false;
  };
  // Kills land anywhere from before the client connected to deep in its loop of calls.
  for (int i = 0; i < 100; ++i) spawn_and_kill(5000 + (i * 3733) % 60000);
  // A killed client's pipe reader stays blocked in the kernel until the server notices the
  // client is gone and closes its descriptors (which ends the read): then all is released.
  EXPECT_TRUE(settled()) << fds_of(s.pid()) << " descriptors, " << baseline << " before";
  setenv("RUMP_SERVER", s.url().c_str(), 1);
  EXPECT_EQ(run_scenario("getpid"), 0);
}

TEST(RumpServerProcess, SigtermExitsCleanly) {
  ServerProcess s;
  ASSERT_TRUE(s.up());
  EXPECT_EQ(s.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace rk::test

// A client whose server goes away: ENOTCONN by default, then with a retry budget a reconnect,
// as a new process of whatever kernel serves the URL now.
static int retry_scenario() {
  using rk::test::ServerProcess;
  ServerProcess first;
  if (!first.up()) return 1;
  setenv("RUMP_SERVER", first.url().c_str(), 1);
  if (rumpclient_init() != 0) return 2;
  if (rump_sys_mkdir("/only-in-the-first", 0755) != 0) return 3;
  if (first.stop() != 0) return 4;
  errno = 0;
  if (rump_sys_getpid() != -1 || errno != ENOTCONN) return 5;
  if (rumpclient_setconnretry(-4) != -1 || errno != EINVAL) return 6;
  ServerProcess second({}, first.dir());
  if (!second.up()) return 7;
  if (rumpclient_setconnretry(10) != 0) return 8;
  if (rump_sys_getpid() <= 1) return 9;
  struct stat st;
  if (rump_sys_stat("/only-in-the-first", &st) != -1 || errno != ENOENT) return 10;
  return 0;
}

// A client making calls from two threads, one of them blocked in the kernel for good, until
// it is killed.
static int hammer_scenario() {
  if (rumpclient_init() != 0) return 1;
  int p[2];
  if (rump_sys_pipe2(p, 0) != 0) return 2;
  std::thread blocked([&] {
    char c;
    rump_sys_read(p[0], &c, 1);  // never answered: the kill finds it in the kernel
  });
  for (;;) {
    rump_sys_getpid();
    rump_sys_open("/dev/zero", O_RDONLY);
  }
}

// The exec test's new image: it takes the process over and checks what it inherited.
static int exec_check(const char* spec) {
  int pid = 0, keep = -1, gone = -1;
  if (sscanf(spec, "%d,%d,%d", &pid, &keep, &gone) != 3) return 10;
  if (rumpclient_init() != 0) return 11;
  if (rump_sys_getpid() != pid) return 12;
  if (rump_sys_close(gone) != -1 || errno != EBADF) return 13;
  if (rump_sys_close(keep) != 0) return 14;
  return 0;
}

int main(int argc, char** argv) {
  rk::test::g_self = argv[0];
  if (const char* spec = getenv("SYSPROXY_EXEC_CHECK")) return exec_check(spec);
  if (const char* scenario = getenv("SYSPROXY_SCENARIO")) {
    if (std::strcmp(scenario, "retry") == 0) return retry_scenario();
    if (std::strcmp(scenario, "hammer") == 0) return hammer_scenario();
    if (std::strcmp(scenario, "getpid") == 0)
      return rumpclient_init() == 0 && rump_sys_getpid() > 1 ? 0 : 1;
    return 126;
  }
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
