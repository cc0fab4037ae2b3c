// The sysproxy server through the raw protocol: handshake, calls with their data, processes
// per connection, fork and exec, halting.
#include <fcntl.h>
#include <linux/reboot.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <cstring>
#include <utility>
#include <vector>

#include "kern/abi/linux.h"
#include "server_fixture.h"
#include "wire_client.h"

namespace rk::test {
namespace {

using namespace rk::abi;

using SysproxyServer = ServedKernel;

TEST_F(SysproxyServer, WelcomeCarriesVersionPidAndTheSyscallTable) {
  WireClient c(url_);
  ASSERT_GE(c.fd(), 0);
  ASSERT_EQ(c.hello(), 0);
  EXPECT_EQ(c.welcome.version, kProtocolVersion);
  EXPECT_GT(c.welcome.pid, 1);
  EXPECT_GT(c.welcome.nsyscalls, 100u);
  EXPECT_NE(c.specs.find(kSysOpenat), nullptr);
  EXPECT_EQ(c.call(kSysGetpid), c.welcome.pid);
  EXPECT_EQ(c.call(kSysGetppid), 1);  // clients are children of the server's own process
  EXPECT_EQ(c.call(kSysGetuid), 0);
}

TEST_F(SysproxyServer, RefusesAnotherProtocolVersion) {
  WireClient c(url_);
  EXPECT_EQ(c.hello(HelloMode::kNew, 0, nullptr, kProtocolVersion + 1), EPROTONOSUPPORT);
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_TRUE(idle());
}

TEST_F(SysproxyServer, UnixSocketIsMode0600) {
  struct stat st;
  ASSERT_EQ(stat(sock_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SysproxyServer, SocketFileIsRemovedOnStop) {
  server_->stop();
  struct stat st;
  EXPECT_NE(stat(sock_.c_str(), &st), 0);
}

// A free loopback port: bind port 0, read it, close.
uint16_t free_port(int family) {
  int fd = socket(family, SOCK_STREAM, 0);
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *sin;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = in6addr_loopback;
    len = sizeof *sin6;
  }
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (fd >= 0) close(fd);
    return 0;
  }
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  close(fd);
  return ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                 : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

TEST_F(SysproxyServer, ServesTcpOnLoopbackV4AndV6) {
  uint16_t port = free_port(AF_INET);
  ASSERT_NE(port, 0);
  std::string why;
  std::string url4 = "tcp://127.0.0.1:" + std::to_string(port);
  auto s4 = sysproxy::Server::create(k_, url4, {}, &why);
  ASSERT_TRUE(s4.ok()) << why;
  WireClient c4(url4);
  ASSERT_EQ(c4.hello(), 0);
  EXPECT_EQ(c4.call(kSysGetpid), c4.welcome.pid);

  uint16_t port6 = free_port(AF_INET6);
  if (port6 == 0) GTEST_SKIP() << "no IPv6 loopback on this host";
  std::string url6 = "tcp://[::1]:" + std::to_string(port6);
  auto s6 = sysproxy::Server::create(k_, url6, {}, &why);
  ASSERT_TRUE(s6.ok()) << why;
  WireClient c6(url6);
  ASSERT_EQ(c6.hello(), 0);
  EXPECT_EQ(c6.call(kSysGetpid), c6.welcome.pid);
}

TEST_F(SysproxyServer, RefusesBadUrls) {
  std::string why;
  for (const char* url : {"http://x", "tcp://localhost:80", "tcp://127.0.0.1", "tcp://[::1]80",
                          "unix://", "tcp://127.0.0.1:99999"}) {
    auto s = sysproxy::Server::create(k_, url, {}, &why);
    EXPECT_FALSE(s.ok()) << url;
    EXPECT_FALSE(why.empty());
  }
}

TEST_F(SysproxyServer, CallsCarryTheirDataBothWays) {
  WireClient c(url_);
  ASSERT_EQ(c.hello(), 0);
  auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
  ASSERT_EQ(c.call(kSysMkdir, p("/t"), 0755), 0);
  ASSERT_EQ(c.call(kSysMount, p("tmpfs"), p("/t"), p("tmpfs"), 0, p("size=1m")), 0);
  int64_t fd = c.call(kSysOpenat, static_cast<uint64_t>(AT_FDCWD), p("/t/f"),
                      O_CREAT | O_RDWR, 0640);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(c.call(kSysPwrite64, fd, p("hello world"), 11, 0), 11);
  char buf[64] = {};
  EXPECT_EQ(c.call(kSysPread64, fd, p(buf), sizeof buf, 6), 5);
  EXPECT_STREQ(buf, "world");

  Stat st{};
  ASSERT_EQ(c.call(kSysFstat, fd, p(&st)), 0);
  EXPECT_EQ(st.st_size, 11);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  Stat st2{};
  ASSERT_EQ(c.call(kSysStat, p("/t/f"), p(&st2)), 0);
  EXPECT_EQ(st2.st_ino, st.st_ino);

  ASSERT_EQ(c.call(kSysSymlink, p("f"), p("/t/l")), 0);
  char link[16] = {};
  EXPECT_EQ(c.call(kSysReadlink, p("/t/l"), p(link), sizeof link), 1);
  EXPECT_STREQ(link, "f");

  ASSERT_EQ(c.call(kSysChdir, p("/t")), 0);
  char cwd[64] = {};
  EXPECT_GT(c.call(kSysGetcwd, p(cwd), sizeof cwd), 0);
  EXPECT_STREQ(cwd, "/t");

  Utsname u{};
  ASSERT_EQ(c.call(kSysUname, p(&u)), 0);
  EXPECT_STREQ(u.sysname, "Linux");

  int pipefd[2] = {-1, -1};
  ASSERT_EQ(c.call(kSysPipe2, p(pipefd), 0), 0);
  EXPECT_GE(pipefd[0], 0);
  EXPECT_EQ(c.call(kSysWrite, pipefd[1], p("xy"), 2), 2);
  int avail = 0;
  EXPECT_EQ(c.call(kSysIoctl, pipefd[0], 0x541B /* FIONREAD */, p(&avail)), 0);
  EXPECT_EQ(avail, 2);

  // An error carries no data back.
  char untouched[8] = "keep";
  EXPECT_EQ(c.call(kSysReadlink, p("/t/f"), p(untouched), sizeof untouched), -EINVAL);
  EXPECT_STREQ(untouched, "keep");
  EXPECT_EQ(c.call(kSysOpenat, static_cast<uint64_t>(AT_FDCWD), p("/nonexistent"), 0, 0), -ENOENT);
}

// The protocol's promise (docs/PROTOCOL.md): a pwrite of 4 KiB and a stat are one request and
// one answer each, like getpid; the server never asks the client for memory.
TEST_F(SysproxyServer, Pwrite4KiBAndStatAreOneRoundTripEach) {
  WireClient c(url_);
  ASSERT_EQ(c.hello(), 0);
  auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
  int64_t fd = c.call(kSysOpenat, static_cast<uint64_t>(AT_FDCWD), p("/f"), O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  std::vector<char> page(4096, 'x');
  Stat st{};
  auto messages = [&](auto&& call) {
    sysproxy::ServerStats before = server_->stats();
    call();
    sysproxy::ServerStats after = server_->stats();
    return std::pair(after.received - before.received, after.answered - before.answered);
  };
  using Pair = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(messages([&] { EXPECT_EQ(c.call(kSysPwrite64, fd, p(page.data()), 4096, 0), 4096); }),
            Pair(1, 1));
  EXPECT_EQ(messages([&] { EXPECT_EQ(c.call(kSysStat, p("/f"), p(&st)), 0); }), Pair(1, 1));
  EXPECT_EQ(st.st_size, 4096);
  EXPECT_EQ(messages([&] { EXPECT_EQ(c.call(kSysGetpid), c.welcome.pid); }), Pair(1, 1));
}

TEST_F(SysproxyServer, NullPointersReachTheKernelAsNull) {
  WireClient c(url_);
  ASSERT_EQ(c.hello(), 0);
  EXPECT_EQ(c.call(kSysStat, reinterpret_cast<uint64_t>("/"), 0), -EFAULT);
  EXPECT_EQ(c.call(kSysUname, 0), -EFAULT);
}

TEST_F(SysproxyServer, CallsWithoutALayoutAreEnosys) {
  WireClient c(url_);
  ASSERT_EQ(c.hello(), 0);
  EXPECT_EQ(c.call(499), -ENOSYS);  // no such call
  int x = 0;
  // An ioctl request the protocol has no layout for: its pointer cannot travel.
  EXPECT_EQ(c.call(kSysIoctl, 0, 0x5401 /* TCGETS */, reinterpret_cast<uint64_t>(&x)), -ENOSYS);
  EXPECT_EQ(c.call(kSysGetpid), c.welcome.pid);  // and the connection goes on
}

TEST_F(SysproxyServer, EachConnectionIsItsOwnProcess) {
  WireClient a(url_), b(url_);
  ASSERT_EQ(a.hello(), 0);
  ASSERT_EQ(b.hello(), 0);
  EXPECT_NE(a.welcome.pid, b.welcome.pid);
  auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
  int64_t fd = a.call(kSysOpenat, static_cast<uint64_t>(AT_FDCWD), p("/dev/null"), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(b.call(kSysClose, fd), -EBADF);
  ASSERT_EQ(a.call(kSysMkdir, p("/a"), 0777), 0);
  ASSERT_EQ(a.call(kSysChdir, p("/a")), 0);
  char cwd[16] = {};
  EXPECT_GT(b.call(kSysGetcwd, p(cwd), sizeof cwd), 0);
  EXPECT_STREQ(cwd, "/");
  EXPECT_EQ(a.call(kSysUmask, 077), 022);
  EXPECT_EQ(b.call(kSysUmask, 022), 022);
  ASSERT_EQ(a.call(kSysSetuid, 1000), 0);
  EXPECT_EQ(a.call(kSysGetuid), 1000);
  EXPECT_EQ(b.call(kSysGetuid), 0);
}

TEST_F(SysproxyServer, JoinAddsAnLwpToTheSameProcess) {
  WireClient a(url_);
  ASSERT_EQ(a.hello(), 0);
  int64_t fd = a.call(kSysOpenat, static_cast<uint64_t>(AT_FDCWD),
                      reinterpret_cast<uint64_t>("/dev/zero"), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  WireClient b(url_);
  ASSERT_EQ(b.hello(HelloMode::kJoin, a.welcome.pid, a.welcome.cookie, kProtocolVersion, false), 0);
  EXPECT_EQ(b.welcome.pid, a.welcome.pid);
  EXPECT_EQ(b.welcome.nsyscalls, 0u);
  b.specs = SyscallSpecs::from_kernel_table();
  EXPECT_EQ(b.call(kSysGetpid), a.welcome.pid);
  // The first connection going away leaves the process to the second.
  a.close_now();
  EXPECT_TRUE(eventually([&] { return server_->stats().connections == 1; }));
  EXPECT_EQ(b.call(kSysClose, fd), 0);
}

TEST_F(SysproxyServer, JoinNeedsTheCookie) {
  WireClient a(url_);
  ASSERT_EQ(a.hello(), 0);
  uint8_t wrong[kCookieSize];
  std::memcpy(wrong, a.welcome.cookie, kCookieSize);
  wrong[3] ^= 1;
  WireClient b(url_);
  EXPECT_EQ(b.hello(HelloMode::kJoin, a.welcome.pid, wrong), ESRCH);
  WireClient c(url_);
  EXPECT_EQ(c.hello(HelloMode::kJoin, 1, a.welcome.cookie), ESRCH);  // the server's own pid
  WireClient d(url_);
  EXPECT_EQ(d.hello(HelloMode::kChild, a.welcome.pid, a.welcome.cookie), ESRCH);  // no fork
}

TEST_F(SysproxyServer, DisconnectTearsTheProcessDown) {
  {
    WireClient a(url_);
    ASSERT_EQ(a.hello(), 0);
    auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
    ASSERT_EQ(a.call(kSysMkdir, p("/m"), 0755), 0);
    ASSERT_EQ(a.call(kSysMount, p("tmpfs"), p("/m"), p("tmpfs"), 0, 0), 0);
    ASSERT_GE(a.call(kSysOpenat, static_cast<uint64_t>(AT_FDCWD), p("/m/f"), O_CREAT | O_RDWR,
                     0600),
              0);
    ASSERT_EQ(a.call(kSysChdir, p("/m")), 0);
    EXPECT_EQ(rump_sys_umount2("/m", 0), -1);
    EXPECT_EQ(errno, EBUSY);
  }
  EXPECT_TRUE(idle());
  // Its open file and working directory went with it.
  EXPECT_EQ(rump_sys_umount2("/m", 0), 0);
}

TEST_F(SysproxyServer, ServerCanGrantAnotherUid) {
  server_.reset();
  sysproxy::ServerOptions o;
  o.drop_creds = true;
  o.uid = 1000;
  o.gid = 100;
  std::string why;
  auto s = sysproxy::Server::create(k_, url_, o, &why);
  ASSERT_TRUE(s.ok()) << why;
  server_ = std::move(s).value();
  WireClient c(url_);
  ASSERT_EQ(c.hello(), 0);
  EXPECT_EQ(c.call(kSysGetuid), 1000);
  EXPECT_EQ(c.call(kSysGeteuid), 1000);
  EXPECT_EQ(c.call(kSysGetgid), 100);
  EXPECT_EQ(c.call(kSysSetuid, 0), -EPERM);
  EXPECT_EQ(c.call(kSysSethostname, reinterpret_cast<uint64_t>("x"), 1), -EPERM);
}

TEST_F(SysproxyServer, ForkChildGetsACopyOfTheDescriptors) {
  WireClient parent(url_);
  ASSERT_EQ(parent.hello(), 0);
  int64_t fd = parent.call(kSysOpenat, static_cast<uint64_t>(AT_FDCWD),
                           reinterpret_cast<uint64_t>("/dev/null"), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> body = parent.request(MsgType::kFork);
  Forked f{};
  ASSERT_EQ(body.size(), sizeof f);
  std::memcpy(&f, body.data(), sizeof f);
  ASSERT_EQ(f.error, 0);
  EXPECT_NE(f.pid, parent.welcome.pid);
  EXPECT_EQ(server_->stats().processes, 2u);

  WireClient child(url_);
  ASSERT_EQ(child.hello(HelloMode::kChild, f.pid, f.cookie), 0);
  EXPECT_EQ(child.call(kSysGetpid), f.pid);
  EXPECT_EQ(child.call(kSysGetppid), parent.welcome.pid);
  EXPECT_EQ(child.call(kSysClose, fd), 0);  // its copy
  EXPECT_EQ(parent.call(kSysClose, fd), 0); // the parent's is still there
  // A fork cookie is spent once claimed.
  WireClient again(url_);
  EXPECT_EQ(again.hello(HelloMode::kChild, f.pid, f.cookie), ESRCH);
}

TEST_F(SysproxyServer, UnclaimedForkChildIsReleased) {
  server_.reset();
  sysproxy::ServerOptions o;
  o.fork_claim_seconds = 0;
  std::string why;
  auto s = sysproxy::Server::create(k_, url_, o, &why);
  ASSERT_TRUE(s.ok()) << why;
  server_ = std::move(s).value();
  {
    WireClient parent(url_);
    ASSERT_EQ(parent.hello(), 0);
    ASSERT_EQ(parent.request(MsgType::kFork).size(), sizeof(Forked));
  }
  EXPECT_TRUE(idle());
}

TEST_F(SysproxyServer, ExecClosesCloseOnExecDescriptors) {
  WireClient c(url_);
  ASSERT_EQ(c.hello(), 0);
  auto open = [&](int flags) {
    return c.call(kSysOpenat, static_cast<uint64_t>(AT_FDCWD),
                  reinterpret_cast<uint64_t>("/dev/null"), static_cast<uint64_t>(flags), 0);
  };
  int64_t keep = open(O_RDONLY);
  int64_t gone = open(O_RDONLY | O_CLOEXEC);
  ASSERT_GE(keep, 0);
  ASSERT_GE(gone, 0);
  std::vector<uint8_t> body = c.request(MsgType::kExec);
  ASSERT_EQ(body.size(), sizeof(ExecDone));
  EXPECT_EQ(c.call(kSysClose, gone), -EBADF);
  EXPECT_EQ(c.call(kSysClose, keep), 0);
}

TEST_F(SysproxyServer, RebootHaltsAndSignalsTheOwner) {
  WireClient c(url_);
  ASSERT_EQ(c.hello(), 0);
  pollfd pfd{server_->halt_fd(), POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 0), 0);
  EXPECT_EQ(c.call(kSysReboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_HALT, 0),
            0);
  EXPECT_EQ(poll(&pfd, 1, 5000), 1);
  EXPECT_TRUE(server_->halted());
  EXPECT_TRUE(c.closed_by_server());
}

}  // namespace
}  // namespace rk::test
