// One interface over the two trees a command sees: the host's (POSIX calls) and the kernel's
// (rump_sys_* calls into the calling thread's current kernel). Copies, tar and diff are written
// once against it. Every call returns 0 or an errno value; read/write return a count or -errno.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <vector>

namespace fsu {

struct DirEntry {
  std::string name;
  uint64_t ino = 0;
  unsigned char type = 0;  // DT_*
};

class Fs {
 public:
  virtual ~Fs() = default;
  virtual bool is_host() const = 0;
  virtual int lstat(const std::string& path, struct stat& st) = 0;
  virtual int stat(const std::string& path, struct stat& st) = 0;
  virtual int open(const std::string& path, int flags, mode_t mode, int& fd) = 0;
  virtual ssize_t read(int fd, void* buf, size_t len) = 0;
  virtual ssize_t write(int fd, const void* buf, size_t len) = 0;
  virtual int fstat(int fd, struct stat& st) = 0;
  virtual int close(int fd) = 0;
  // The entries of a directory other than "." and "..", in the order the file system gives.
  virtual int readdir(const std::string& path, std::vector<DirEntry>& out) = 0;
  virtual int readlink(const std::string& path, std::string& out) = 0;
  virtual int mkdir(const std::string& path, mode_t mode) = 0;
  virtual int symlink(const std::string& target, const std::string& path) = 0;
  virtual int link(const std::string& from, const std::string& to) = 0;
  virtual int mknod(const std::string& path, mode_t mode, dev_t dev) = 0;
  virtual int unlink(const std::string& path) = 0;
  virtual int rmdir(const std::string& path) = 0;
  virtual int rename(const std::string& from, const std::string& to) = 0;
  virtual int chmod(const std::string& path, mode_t mode) = 0;
  virtual int lchown(const std::string& path, uid_t uid, gid_t gid) = 0;
  virtual int chown(const std::string& path, uid_t uid, gid_t gid) = 0;
  // times[0] access, times[1] modification; nofollow changes a symbolic link itself.
  virtual int utimens(const std::string& path, const struct timespec times[2], bool nofollow) = 0;
  virtual int truncate(const std::string& path, off_t len) = 0;
  virtual int ftruncate(int fd, off_t len) = 0;
  // lseek: the new offset, or -errno.
  virtual off_t seek(int fd, off_t off, int whence) = 0;
  // A hint that `len` bytes will be written from the start of the new file fd: room is set
  // aside for them where that makes writing cheaper, without changing the file's size.
  virtual void will_write(int fd, off_t len) {}

  // Writes all of buf (retrying short writes): 0 or an errno.
  int write_all(int fd, const void* buf, size_t len);
};

class HostFs final : public Fs {
 public:
  bool is_host() const override { return true; }
  int lstat(const std::string& path, struct stat& st) override;
  int stat(const std::string& path, struct stat& st) override;
  int open(const std::string& path, int flags, mode_t mode, int& fd) override;
  ssize_t read(int fd, void* buf, size_t len) override;
  ssize_t write(int fd, const void* buf, size_t len) override;
  int fstat(int fd, struct stat& st) override;
  int close(int fd) override;
  int readdir(const std::string& path, std::vector<DirEntry>& out) override;
  int readlink(const std::string& path, std::string& out) override;
  int mkdir(const std::string& path, mode_t mode) override;
  int symlink(const std::string& target, const std::string& path) override;
  int link(const std::string& from, const std::string& to) override;
  int mknod(const std::string& path, mode_t mode, dev_t dev) override;
  int unlink(const std::string& path) override;
  int rmdir(const std::string& path) override;
  int rename(const std::string& from, const std::string& to) override;
  int chmod(const std::string& path, mode_t mode) override;
  int lchown(const std::string& path, uid_t uid, gid_t gid) override;
  int chown(const std::string& path, uid_t uid, gid_t gid) override;
  int utimens(const std::string& path, const struct timespec times[2], bool nofollow) override;
  int truncate(const std::string& path, off_t len) override;
  int ftruncate(int fd, off_t len) override;
  off_t seek(int fd, off_t off, int whence) override;
  void will_write(int fd, off_t len) override;
};

class KernelFs final : public Fs {
 public:
  bool is_host() const override { return false; }
  int lstat(const std::string& path, struct stat& st) override;
  int stat(const std::string& path, struct stat& st) override;
  int open(const std::string& path, int flags, mode_t mode, int& fd) override;
  ssize_t read(int fd, void* buf, size_t len) override;
  ssize_t write(int fd, const void* buf, size_t len) override;
  int fstat(int fd, struct stat& st) override;
  int close(int fd) override;
  int readdir(const std::string& path, std::vector<DirEntry>& out) override;
  int readlink(const std::string& path, std::string& out) override;
  int mkdir(const std::string& path, mode_t mode) override;
  int symlink(const std::string& target, const std::string& path) override;
  int link(const std::string& from, const std::string& to) override;
  int mknod(const std::string& path, mode_t mode, dev_t dev) override;
  int unlink(const std::string& path) override;
  int rmdir(const std::string& path) override;
  int rename(const std::string& from, const std::string& to) override;
  int chmod(const std::string& path, mode_t mode) override;
  int lchown(const std::string& path, uid_t uid, gid_t gid) override;
  int chown(const std::string& path, uid_t uid, gid_t gid) override;
  int utimens(const std::string& path, const struct timespec times[2], bool nofollow) override;
  int truncate(const std::string& path, off_t len) override;
  int ftruncate(int fd, off_t len) override;
  off_t seek(int fd, off_t off, int whence) override;
};

// "a" + "b" -> "a/b" (no doubled slash); base name and directory part of a path.
std::string join(const std::string& dir, const std::string& name);
std::string base_name(const std::string& path);
std::string dir_name(const std::string& path);

}  // namespace fsu
