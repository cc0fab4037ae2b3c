// procfs (vfs/procfs/procfs.h) through the public API: Linux's /proc/mounts format with its
// escapes, /proc/filesystems, meminfo, uptime and version, directory listing and stat.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <cerrno>
#include <set>
#include <string>

namespace {

class Procfs : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(rump_kernel_create("memlimit=64m", &k_), 0);
    prev_ = rump_kernel_switch(k_);
    ASSERT_EQ(rump_sys_mkdir("/proc", 0555), 0);
    ASSERT_EQ(rump_sys_mount("proc", "/proc", "proc", 0, nullptr), 0);
  }
  void TearDown() override {
    rump_kernel_switch(prev_);
    EXPECT_EQ(rump_kernel_destroy(k_), 0);
  }

  static std::string slurp(const char* path, size_t chunk = 4096) {
    int fd = rump_sys_open(path, O_RDONLY);
    if (fd < 0) return "<open failed>";
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = rump_sys_read(fd, buf, chunk < sizeof buf ? chunk : sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    rump_sys_close(fd);
    return out;
  }

  rump_kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
};

TEST_F(Procfs, MountsListsEveryMountAsLinuxDoes) {
  ASSERT_EQ(rump_sys_mkdir("/with space", 0755), 0);
  ASSERT_EQ(rump_sys_mount("tmpfs", "/with space", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m"), 0);
  ASSERT_EQ(rump_sys_mkdir("/ro", 0755), 0);
  ASSERT_EQ(rump_sys_mount("none", "/ro", "tmpfs", MS_RDONLY, nullptr), 0);
  std::string m = slurp("/proc/mounts");
  EXPECT_NE(m.find("rumpfs / rumpfs rw 0 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("proc /proc proc rw 0 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("tmpfs /with\\040space tmpfs rw,nosuid,nodev 0 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find("none /ro tmpfs ro 0 0\n"), std::string::npos) << m;
  // Read a few bytes at a time: the same text.
  EXPECT_EQ(slurp("/proc/mounts", 7), m);
  ASSERT_EQ(rump_sys_umount2("/ro", 0), 0);
  EXPECT_EQ(slurp("/proc/mounts").find("/ro "), std::string::npos);
}

TEST_F(Procfs, FilesystemsMeminfoUptimeVersion) {
  std::string fs = slurp("/proc/filesystems");
  EXPECT_NE(fs.find("nodev\tproc\n"), std::string::npos) << fs;
  std::string mi = slurp("/proc/meminfo");
  EXPECT_NE(mi.find("MemTotal:          65536 kB\n"), std::string::npos) << mi;
  EXPECT_NE(mi.find("MemFree:"), std::string::npos) << mi;
  EXPECT_NE(mi.find("Dirty:"), std::string::npos) << mi;
  std::string up = slurp("/proc/uptime");
  double a = -1, b = -1;
  ASSERT_EQ(std::sscanf(up.c_str(), "%lf %lf", &a, &b), 2) << up;
  EXPECT_GE(a, 0.0);
  EXPECT_LT(a, 600.0);
  EXPECT_NE(slurp("/proc/version").find("Anykernel"), std::string::npos);
}

TEST_F(Procfs, ListsAndStats) {
  int fd = rump_sys_open("/proc", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(fd, 0);
  char buf[4096];
  std::set<std::string> names;
  for (;;) {
    long n = rump_sys_getdents64(fd, buf, sizeof buf);
    ASSERT_GE(n, 0);
    if (n == 0) break;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      names.insert(d->d_name);
      off += d->d_reclen;
    }
  }
  rump_sys_close(fd);
  EXPECT_EQ(names, (std::set<std::string>{".", "..", "filesystems", "meminfo", "mounts", "uptime",
                                          "version"}));
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/proc/mounts", &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(st.st_size, 0);  // as on Linux: the size is what a read returns
  errno = 0;
  EXPECT_EQ(rump_sys_stat("/proc/nope", &st), -1);
  EXPECT_EQ(errno, ENOENT);
  errno = 0;
  EXPECT_EQ(rump_sys_mkdir("/proc/x", 0755), -1);
  EXPECT_NE(errno, 0);
  struct statfs sf;
  ASSERT_EQ(rump_sys_statfs("/proc", &sf), 0);
  EXPECT_EQ(sf.f_type, 0x9fa0);  // PROC_SUPER_MAGIC
}

}  // namespace
