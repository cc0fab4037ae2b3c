// KernelFs: the kernel's tree through rump_sys_* (Linux semantics, -1 and errno).
#include <fcntl.h>
#include <rump/rump_syscalls.h>

#include <cerrno>
#include <cstring>

#include "tools/fsu/fs.h"

namespace fsu {
namespace {
int ret(int r) { return r < 0 ? errno : 0; }

struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};
}  // namespace

int KernelFs::lstat(const std::string& p, struct stat& st) { return ret(rump_sys_lstat(p.c_str(), &st)); }
int KernelFs::stat(const std::string& p, struct stat& st) { return ret(rump_sys_stat(p.c_str(), &st)); }
int KernelFs::open(const std::string& p, int flags, mode_t mode, int& fd) {
  fd = rump_sys_open(p.c_str(), flags | O_CLOEXEC, mode);
  return fd < 0 ? errno : 0;
}
ssize_t KernelFs::read(int fd, void* buf, size_t len) {
  ssize_t n = rump_sys_read(fd, buf, len);
  return n < 0 ? -errno : n;
}
ssize_t KernelFs::write(int fd, const void* buf, size_t len) {
  ssize_t n = rump_sys_write(fd, buf, len);
  return n < 0 ? -errno : n;
}
int KernelFs::fstat(int fd, struct stat& st) { return ret(rump_sys_fstat(fd, &st)); }
int KernelFs::close(int fd) { return ret(rump_sys_close(fd)); }
int KernelFs::readdir(const std::string& p, std::vector<DirEntry>& out) {
  int fd = rump_sys_open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  alignas(8) char buf[16384];
  int err = 0;
  for (;;) {
    ssize_t n = rump_sys_getdents64(fd, buf, sizeof buf);
    if (n < 0) {
      err = errno;
      break;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      auto* d = reinterpret_cast<LinuxDirent64*>(buf + off);
      std::string name(d->d_name, strnlen(d->d_name, d->d_reclen));
      if (name != "." && name != "..") out.push_back({name, d->d_ino, d->d_type});
      if (d->d_reclen == 0) break;
      off += d->d_reclen;
    }
  }
  rump_sys_close(fd);
  return err;
}
int KernelFs::readlink(const std::string& p, std::string& out) {
  std::string buf(4096, '\0');
  ssize_t n = rump_sys_readlink(p.c_str(), buf.data(), buf.size());
  if (n < 0) return errno;
  out.assign(buf.data(), static_cast<size_t>(n));
  return 0;
}
int KernelFs::mkdir(const std::string& p, mode_t m) { return ret(rump_sys_mkdir(p.c_str(), m)); }
int KernelFs::symlink(const std::string& t, const std::string& p) {
  return ret(rump_sys_symlink(t.c_str(), p.c_str()));
}
int KernelFs::link(const std::string& a, const std::string& b) {
  return ret(rump_sys_link(a.c_str(), b.c_str()));
}
int KernelFs::mknod(const std::string& p, mode_t m, dev_t d) { return ret(rump_sys_mknod(p.c_str(), m, d)); }
int KernelFs::unlink(const std::string& p) { return ret(rump_sys_unlink(p.c_str())); }
int KernelFs::rmdir(const std::string& p) { return ret(rump_sys_rmdir(p.c_str())); }
int KernelFs::rename(const std::string& a, const std::string& b) {
  return ret(rump_sys_rename(a.c_str(), b.c_str()));
}
int KernelFs::chmod(const std::string& p, mode_t m) { return ret(rump_sys_chmod(p.c_str(), m)); }
int KernelFs::lchown(const std::string& p, uid_t u, gid_t g) {
  return ret(rump_sys_lchown(p.c_str(), u, g));
}
int KernelFs::chown(const std::string& p, uid_t u, gid_t g) {
  return ret(rump_sys_chown(p.c_str(), u, g));
}
int KernelFs::utimens(const std::string& p, const struct timespec t[2], bool nofollow) {
  return ret(rump_sys_utimensat(AT_FDCWD, p.c_str(), t, nofollow ? AT_SYMLINK_NOFOLLOW : 0));
}
int KernelFs::truncate(const std::string& p, off_t len) { return ret(rump_sys_truncate(p.c_str(), len)); }
int KernelFs::ftruncate(int fd, off_t len) { return ret(rump_sys_ftruncate(fd, len)); }
off_t KernelFs::seek(int fd, off_t off, int whence) {
  off_t r = rump_sys_lseek(fd, off, whence);
  return r < 0 ? -errno : r;
}

}  // namespace fsu
