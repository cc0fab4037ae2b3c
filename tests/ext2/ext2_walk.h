// Exercises whatever is mounted at a path through the system calls: walks the tree (bounded),
// stats, reads files and symlinks, then writes (create, write, truncate, mkdir, symlink, link,
// rename, unlink, rmdir). Used on damaged images by the corruption test and the fuzz target:
// every call may fail, none may crash or hang. Only the C API: no gtest.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ext2walk {

struct Budget {
  int entries = 400;  // directory entries visited
  int depth = 8;
  size_t read_bytes = 1 << 20;
};

inline void read_all(const std::string& p, Budget& b) {
  int fd = rump_sys_open(p.c_str(), O_RDONLY | O_NONBLOCK);
  if (fd < 0) return;
  char buf[8192];
  ssize_t n;
  while (b.read_bytes > 0 && (n = rump_sys_read(fd, buf, sizeof buf)) > 0)
    b.read_bytes -= static_cast<size_t>(n) < b.read_bytes ? static_cast<size_t>(n) : b.read_bytes;
  // A read far out: the deep levels of the map.
  rump_sys_pread(fd, buf, sizeof buf, (1LL << 32) + 12345);
  rump_sys_lseek(fd, 0, 3 /* SEEK_DATA */);
  rump_sys_close(fd);
}

inline void walk(const std::string& dir, Budget& b, int depth) {
  if (depth > b.depth) return;
  int fd = rump_sys_open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  std::vector<std::string> names;
  alignas(8) char buf[1024];
  for (;;) {
    ssize_t n = rump_sys_getdents64(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      auto* d = reinterpret_cast<struct dirent64*>(buf + off);
      std::string nm = d->d_name;
      if (nm != "." && nm != ".." && b.entries-- > 0) names.push_back(nm);
      off += d->d_reclen;
    }
    if (b.entries <= 0) break;
  }
  rump_sys_close(fd);
  for (const std::string& nm : names) {
    std::string p = dir + "/" + nm;
    struct stat st;
    if (rump_sys_lstat(p.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      walk(p, b, depth + 1);
    } else if (S_ISREG(st.st_mode)) {
      read_all(p, b);
    } else if (S_ISLNK(st.st_mode)) {
      char t[4096];
      rump_sys_readlink(p.c_str(), t, sizeof t);
    }
  }
}

// Changes: every call may fail (read-only mount, damage, no space).
inline void scribble(const std::string& root) {
  std::string f = root + "/fz-file", d = root + "/fz-dir";
  int fd = rump_sys_open(f.c_str(), O_CREAT | O_RDWR, 0644);
  if (fd >= 0) {
    std::string data(20000, 'z');
    rump_sys_write(fd, data.data(), data.size());
    rump_sys_pwrite(fd, "far", 3, 300000);
    rump_sys_ftruncate(fd, 5000);
    rump_sys_fsync(fd);
    rump_sys_close(fd);
  }
  rump_sys_mkdir(d.c_str(), 0755);
  rump_sys_symlink(std::string(100, 'l').c_str(), (d + "/link").c_str());
  rump_sys_link(f.c_str(), (d + "/hard").c_str());
  rump_sys_rename(f.c_str(), (d + "/moved").c_str());
  // Existing names: whatever the damaged tree has.
  int dfd = rump_sys_open(root.c_str(), O_RDONLY | O_DIRECTORY);
  std::vector<std::string> names;
  if (dfd >= 0) {
    alignas(8) char buf[1024];
    ssize_t n = rump_sys_getdents64(dfd, buf, sizeof buf);
    for (ssize_t off = 0; off < n;) {
      auto* e = reinterpret_cast<struct dirent64*>(buf + off);
      std::string nm = e->d_name;
      if (nm != "." && nm != ".." && nm != "fz-dir") names.push_back(nm);
      off += e->d_reclen;
    }
    rump_sys_close(dfd);
  }
  for (size_t i = 0; i < names.size() && i < 6; ++i) {
    std::string p = root + "/" + names[i];
    switch (i % 3) {
      case 0:
        rump_sys_rename(p.c_str(), (d + "/r" + std::to_string(i)).c_str());
        break;
      case 1:
        rump_sys_unlink(p.c_str());
        break;
      case 2:
        rump_sys_rmdir(p.c_str());
        break;
    }
  }
  rump_sys_unlink((d + "/link").c_str());
  rump_sys_unlink((d + "/hard").c_str());
  rump_sys_unlink((d + "/moved").c_str());
  rump_sys_rmdir(d.c_str());
  rump_sys_sync();
}

}  // namespace ext2walk
