// rump_server (in the background, with -d) and the rump.* tools, run as a script would.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpclient.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "spawn_server.h"

namespace rk::test {
namespace {

struct Shell {
  int status;
  std::string out;  // stdout and stderr
};

// Runs a shell command line with the build's tool directory first in PATH.
Shell sh(const std::string& cmd) {
  std::string full = "PATH=" RK_TOOLDIR ":$PATH; " + cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  Shell r{-1, {}};
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

class RumpTools : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sysproxy_tools.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    env_ = "RUMP_SERVER=unix://" + dir_ + "/ctrl ";
  }
  void TearDown() override {
    sh(env_ + "rump.halt");
    sh("rm -rf '" + dir_ + "'");
  }
  // Runs `body` in a forked client of the server at dir_/ctrl; its exit status (-1 if killed):
  // what body returns, or 100 when the client cannot connect.
  template <typename Body>
  int in_client(Body body) {
    pid_t pid = fork();
    if (pid == 0) {
      setenv("RUMP_SERVER", ("unix://" + dir_ + "/ctrl").c_str(), 1);
      _exit(rumpclient_init() == 0 ? body() : 100);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Halts the server, then reads n bytes at off of the host file path.
  std::string halt_and_read(const std::string& path, std::streamoff off, size_t n) {
    Shell r = sh(env_ + "rump.halt");
    EXPECT_EQ(r.status, 0) << r.out;
    std::ifstream f(path, std::ios::binary);
    f.seekg(off);
    std::string got(n, '\0');
    f.read(got.data(), static_cast<std::streamsize>(n));
    return got;
  }

  std::string dir_, env_;
};

TEST_F(RumpTools, EveryToolHasHelp) {
  for (const char* tool : {"rump_server", "rump_allserver", "rump.halt", "rump.mount",
                           "rump.umount", "rump.dmesg", "rump.sysctl"}) {
    Shell r = sh(std::string(tool) + " --help");
    EXPECT_EQ(r.status, 0) << tool;
    EXPECT_EQ(r.out.rfind("Usage: ", 0), 0u) << tool << ": " << r.out;
  }
}

TEST_F(RumpTools, ErrorsAreOneLineAndNonZero) {
  Shell r = sh("unset RUMP_SERVER; rump.sysctl");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "rump.sysctl: RUMP_SERVER: not set\n");
  r = sh("RUMP_SERVER=unix://" + dir_ + "/none rump.dmesg");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "rump.dmesg: unix://" + dir_ + "/none: No such file or directory\n");
  r = sh("rump_allserver ftp://x");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("rump_allserver: ftp://x: "), std::string::npos) << r.out;
  r = sh("rump_allserver -d key=/x unix://" + dir_ + "/s");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(count_lines(r.out), 1) << r.out;
  r = sh("rump.mount tmpfs /x");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("missing -t"), std::string::npos);
  r = sh("rump.sysctl kernel.nosuch");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "rump.sysctl: kernel.nosuch: unknown name (see --help)\n");
}

TEST_F(RumpTools, ServerInTheBackgroundIsReadyWhenItReturns) {
  Shell r = sh("rump_allserver unix://" + dir_ + "/ctrl");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "");
  // No wait: the socket is there the moment rump_server returned.
  r = sh(env_ + "rump.sysctl -n kernel.hostname");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "rump\n");
  r = sh(env_ + "rump.sysctl -w kernel.hostname=beta");
  EXPECT_EQ(r.out, "kernel.hostname = beta\n");
  r = sh(env_ + "rump.sysctl");
  EXPECT_NE(r.out.find("kernel.ostype = Linux\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kernel.uptime = "), std::string::npos) << r.out;
  r = sh(env_ + "rump.dmesg");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("booting"), std::string::npos) << r.out;
  r = sh(env_ + "rump.halt");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_FALSE(unix_socket_up(dir_ + "/ctrl"));
}

TEST_F(RumpTools, MountAndUmount) {
  ASSERT_EQ(sh("rump_allserver unix://" + dir_ + "/ctrl").status, 0);
  Shell r = sh(env_ + "rump.mount -t tmpfs -o size=1m,nosuid tmpfs /dev");
  EXPECT_EQ(r.status, 0) << r.out;
  r = sh(env_ + "rump.mount -t tmpfs tmpfs /nonexistent");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "rump.mount: /nonexistent: No such file or directory\n");
  r = sh(env_ + "rump.umount /dev");
  EXPECT_EQ(r.status, 0) << r.out;
  r = sh(env_ + "rump.umount /dev");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(count_lines(r.out), 1);
}

TEST_F(RumpTools, SysctlReadsMemoryAndMountsFromProc) {
  ASSERT_EQ(sh("rump_allserver unix://" + dir_ + "/ctrl").status, 0);
  Shell r = sh(env_ + "rump.sysctl vm.memtotal");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "rump.sysctl: vm.memtotal: no /proc in the kernel (rump.mount -t proc proc /proc)\n");
  // A client makes the mount point.
  ASSERT_EQ(in_client([] { return rump_sys_mkdir("/proc", 0555) == 0 ? 0 : 1; }), 0);
  ASSERT_EQ(sh(env_ + "rump.mount -t proc proc /proc").status, 0);
  r = sh(env_ + "rump.sysctl -n vm.memtotal");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_GT(std::stoull(r.out), 0u) << r.out;
  r = sh(env_ + "rump.sysctl fs.mounts");
  EXPECT_EQ(r.out, "fs.mounts = rumpfs / rumpfs rw 0 0\nfs.mounts = proc /proc proc rw 0 0\n");
  r = sh(env_ + "rump.sysctl");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("vm.memfree = "), std::string::npos) << r.out;
}

TEST_F(RumpTools, HaltSyncsWhatClientsWroteToHostFiles) {
  std::string img = dir_ + "/img";
  Shell r = sh("rump_allserver -d key=/data/img,hostpath=" + img + ",size=64k,type=reg unix://" +
             dir_ + "/ctrl");
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream sized(img, std::ios::binary | std::ios::ate);
  EXPECT_EQ(sized.tellg(), 65536);  // size=64k made the host file
  ASSERT_EQ(in_client([] {
              int fd = rump_sys_open("/data/img", O_WRONLY);
              return fd >= 0 && rump_sys_write(fd, "persisted", 9) == 9 && rump_sys_close(fd) == 0
                         ? 0
                         : 2;
            }),
            0);
  EXPECT_EQ(halt_and_read(img, 0, 9), "persisted");
}

// -d cache=host: the disk's writes still reach the host file (a client writes the device, the
// server halts, the host reads the bytes); a bad value or a non-disk is a one-line error.
TEST_F(RumpTools, DriveCacheHost) {
  std::string img = dir_ + "/disk";
  Shell r = sh("rump_allserver -d key=/dev/sdq,hostpath=" + img + ",size=1m,cache=host unix://" +
               dir_ + "/ctrl");
  ASSERT_EQ(r.status, 0) << r.out;
  ASSERT_EQ(in_client([] {
              int fd = rump_sys_open("/dev/sdq", O_WRONLY);
              return fd >= 0 && rump_sys_pwrite(fd, "cached", 6, 4096) == 6 &&
                             rump_sys_fsync(fd) == 0 && rump_sys_close(fd) == 0
                         ? 0
                         : 2;
            }),
            0);
  EXPECT_EQ(halt_and_read(img, 4096, 6), "cached");

  r = sh("rump_allserver -d key=/dev/sdq,hostpath=" + img + ",size=1m,cache=fast unix://" + dir_ +
         "/ctrl2");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("cache must be durable or host, not fast"), std::string::npos) << r.out;
  r = sh("rump_allserver -d key=/f,hostpath=" + img + ",size=host,type=reg,cache=host unix://" +
         dir_ + "/ctrl2");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("cache= is for block devices"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace rk::test
