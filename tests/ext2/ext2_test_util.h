// Helpers of the ext2 tests: temporary host directories, running e2fsprogs, building source
// trees for `mke2fs -d`, and a kernel with an image mounted.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace ext2test {

#define ERRNO_OF(call) ((call) == -1 ? errno : 0)

// A host directory removed with everything in it at the end of the test.
class HostDir {
 public:
  HostDir() {
    char tmpl[] = "/tmp/rk-ext2-XXXXXX";
    char* d = mkdtemp(tmpl);
    EXPECT_NE(d, nullptr) << strerror(errno);
    path_ = d != nullptr ? d : "/nonexistent";
  }
  ~HostDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  HostDir(const HostDir&) = delete;
  HostDir& operator=(const HostDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CmdResult {
  int status = -1;  // exit code
  std::string out;  // stdout and stderr
};

inline CmdResult run(const std::string& cmd) {
  CmdResult r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline void write_host(const std::string& path, const std::string& data, off_t at = 0) {
  int fd = ::open(path.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0) << path << ": " << strerror(errno);
  ASSERT_EQ(::pwrite(fd, data.data(), data.size(), at), static_cast<ssize_t>(data.size()));
  ::close(fd);
}

inline std::string pattern(size_t n, unsigned seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(x >> 16);
  }
  return s;
}

// mke2fs an image of `size` ("16M") with `extra` options, populated from src when not empty.
inline void mkfs(const std::string& img, const std::string& type, int bs, const std::string& size,
                 const std::string& src = "", const std::string& extra = "") {
  std::string cmd = "mke2fs -q -F -t " + type + " -b " + std::to_string(bs) + " " + extra;
  if (!src.empty()) cmd += " -d '" + src + "'";
  cmd += " '" + img + "' " + size;
  CmdResult r = run(cmd);
  ASSERT_EQ(r.status, 0) << cmd << "\n" << r.out;
}

// e2fsck -fn: 0 when the image is clean (the output on failure).
inline CmdResult fsck(const std::string& img) { return run("e2fsck -fn '" + img + "'"); }

inline std::string debugfs(const std::string& img, const std::string& req) {
  return run("debugfs -R '" + req + "' '" + img + "'").out;
}

// A kernel of its own with `img` registered as /dev/img and mounted on /mnt.
class Mounted {
 public:
  Mounted() {
    EXPECT_EQ(rump_kernel_create("ncpu=2", &k_), 0);
    prev_ = rump_kernel_switch(k_);
  }
  ~Mounted() {
    if (mounted_) umount();
    rump_kernel_switch(prev_);
    if (k_ != nullptr) rump_kernel_destroy(k_);
  }
  // 0 or the errno of mount(2).
  int mount(const std::string& img, const char* type = "ext2", unsigned long flags = 0,
            const char* data = nullptr) {
    if (!registered_) {
      if (rump_pub_etfs_register("/dev/img", img.c_str(), RUMP_ETFS_BLK) != 0) return -1;
      registered_ = true;
      rump_sys_mkdir("/mnt", 0755);
    }
    if (rump_sys_mount("/dev/img", "/mnt", type, flags, data) != 0) return errno;
    mounted_ = true;
    return 0;
  }
  int umount() {
    mounted_ = false;
    return rump_sys_umount2("/mnt", 0) == 0 ? 0 : errno;
  }
  // The kernel's message log.
  std::string log() {
    std::string s(65536, '\0');
    int n = rump_sys_syslog(3, s.data(), static_cast<int>(s.size()));
    s.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return s;
  }

 private:
  rump_kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
  bool registered_ = false;
  bool mounted_ = false;
};

inline std::string kread(const std::string& path) {
  int fd = rump_sys_open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
  if (fd < 0) return "";
  std::string out;
  std::vector<char> buf(65536 + 17);
  ssize_t n;
  while ((n = rump_sys_read(fd, buf.data(), buf.size())) > 0)
    out.append(buf.data(), static_cast<size_t>(n));
  EXPECT_EQ(n, 0) << path << ": " << strerror(errno);
  rump_sys_close(fd);
  return out;
}

inline std::string host_read(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return out;
  std::vector<char> buf(1 << 16);
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0)
    out.append(buf.data(), static_cast<size_t>(n));
  ::close(fd);
  return out;
}

inline std::vector<std::string> klist(const std::string& path) {
  std::vector<std::string> names;
  int fd = rump_sys_open(path.c_str(), O_RDONLY | O_DIRECTORY);
  EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
  if (fd < 0) return names;
  alignas(8) char buf[700];  // small: many getdents calls, cookies exercised
  for (;;) {
    ssize_t n = rump_sys_getdents64(fd, buf, sizeof buf);
    EXPECT_GE(n, 0) << path << ": " << strerror(errno);
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      std::string nm = d->d_name;
      if (nm != "." && nm != "..") names.push_back(nm);
      off += d->d_reclen;
    }
  }
  rump_sys_close(fd);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace ext2test
