/* librumphijack: calls on descriptors. A descriptor at or above fdoff is the kernel's. */
#include <errno.h>
#include <fcntl.h>
#include <rump/rump_syscalls.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hijack.h"

_Atomic int rk_alias[RK_ALIAS_MAX];

int close(int fd) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(close)(fd);
  int r = rump_sys_close(rk_kfd(fd));
  if (fd < rk_hijack.fdoff) {  /* an alias: its placeholder goes too */
    rk_alias[fd] = 0;
    RK_HOST(close)(fd);
  }
  return r;
}
ssize_t read(int fd, void *buf, size_t n) {
  if (rk_is_rump_fd(fd)) return rump_sys_read(rk_kfd(fd), buf, n);
  return RK_HOST(read)(fd, buf, n);
}
ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen) {
  (void)buflen;
  return read(fd, buf, n);
}
ssize_t write(int fd, const void *buf, size_t n) {
  if (rk_is_rump_fd(fd)) return rump_sys_write(rk_kfd(fd), buf, n);
  return RK_HOST(write)(fd, buf, n);
}
ssize_t pread(int fd, void *buf, size_t n, off_t off) {
  if (rk_is_rump_fd(fd)) return rump_sys_pread(rk_kfd(fd), buf, n, off);
  return RK_HOST(pread)(fd, buf, n, off);
}
ssize_t pread64(int fd, void *buf, size_t n, off64_t off) { return pread(fd, buf, n, off); }
ssize_t __pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen) {
  (void)buflen;
  return pread(fd, buf, n, off);
}
ssize_t __pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen) {
  (void)buflen;
  return pread(fd, buf, n, off);
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  if (rk_is_rump_fd(fd)) return rump_sys_pwrite(rk_kfd(fd), buf, n, off);
  return RK_HOST(pwrite)(fd, buf, n, off);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) { return pwrite(fd, buf, n, off); }
ssize_t readv(int fd, const struct iovec *iov, int cnt) {
  if (rk_is_rump_fd(fd)) return rump_sys_readv(rk_kfd(fd), iov, cnt);
  return RK_HOST(readv)(fd, iov, cnt);
}
ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  if (rk_is_rump_fd(fd)) return rump_sys_writev(rk_kfd(fd), iov, cnt);
  return RK_HOST(writev)(fd, iov, cnt);
}
off_t lseek(int fd, off_t off, int whence) {
  if (rk_is_rump_fd(fd)) return rump_sys_lseek(rk_kfd(fd), off, whence);
  return RK_HOST(lseek)(fd, off, whence);
}
off64_t lseek64(int fd, off64_t off, int whence) { return lseek(fd, off, whence); }

int fstat(int fd, struct stat *st) {
  if (rk_is_rump_fd(fd)) return rump_sys_fstat(rk_kfd(fd), st);
  return RK_HOST(fstat)(fd, st);
}
int fstat64(int fd, struct stat64 *st) { return fstat(fd, (struct stat *)st); }
int fstatfs(int fd, struct statfs *buf) {
  if (rk_is_rump_fd(fd)) return rump_sys_fstatfs(rk_kfd(fd), buf);
  return RK_HOST(fstatfs)(fd, buf);
}
int fstatfs64(int fd, struct statfs64 *buf) { return fstatfs(fd, (struct statfs *)buf); }
int fchmod(int fd, mode_t mode) {
  if (rk_is_rump_fd(fd)) return rump_sys_fchmod(rk_kfd(fd), mode);
  return RK_HOST(fchmod)(fd, mode);
}
int fchown(int fd, uid_t uid, gid_t gid) {
  if (rk_is_rump_fd(fd)) return rump_sys_fchown(rk_kfd(fd), uid, gid);
  return RK_HOST(fchown)(fd, uid, gid);
}
int futimens(int fd, const struct timespec times[2]) {
  if (rk_is_rump_fd(fd)) return rump_sys_futimens(rk_kfd(fd), times);
  return RK_HOST(futimens)(fd, times);
}
int ftruncate(int fd, off_t length) {
  if (rk_is_rump_fd(fd)) return rump_sys_ftruncate(rk_kfd(fd), length);
  return RK_HOST(ftruncate)(fd, length);
}
int ftruncate64(int fd, off64_t length) { return ftruncate(fd, length); }
int fsync(int fd) {
  if (rk_is_rump_fd(fd)) return rump_sys_fsync(rk_kfd(fd));
  return RK_HOST(fsync)(fd);
}
int fdatasync(int fd) {
  if (rk_is_rump_fd(fd)) return rump_sys_fdatasync(rk_kfd(fd));
  return RK_HOST(fdatasync)(fd);
}
int fallocate(int fd, int mode, off_t off, off_t len) {
  if (rk_is_rump_fd(fd)) return rump_sys_fallocate(rk_kfd(fd), mode, off, len);
  return RK_HOST(fallocate)(fd, mode, off, len);
}
int fallocate64(int fd, int mode, off64_t off, off64_t len) { return fallocate(fd, mode, off, len); }
/* Advice may be ignored: the kernel keeps no read-ahead state to advise. */
int posix_fadvise(int fd, off_t off, off_t len, int advice) {
  if (rk_is_rump_fd(fd)) return 0;
  return RK_HOST(posix_fadvise)(fd, off, len, advice);
}
int posix_fadvise64(int fd, off64_t off, off64_t len, int advice) {
  return posix_fadvise(fd, off, len, advice);
}
ssize_t getdents64(int fd, void *buf, size_t n) {
  if (rk_is_rump_fd(fd)) return rump_sys_getdents64(rk_kfd(fd), buf, n);
  return RK_HOST(getdents64)(fd, buf, n);
}

int dup(int fd) {
  if (rk_is_rump_fd(fd)) return rk_pfd(rump_sys_dup(rk_kfd(fd)));
  return RK_HOST(dup)(fd);
}

/* newfd (< RK_ALIAS_MAX) becomes an alias of kernel descriptor kfd's duplicate. */
static int make_alias(int kfd, int newfd, int flags) {
  int k = rump_sys_fcntl(kfd, (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
  if (k < 0) return -1;
  int placeholder = RK_HOST(open)("/", O_PATH);
  if (placeholder < 0 || (placeholder != newfd && RK_HOST(dup2)(placeholder, newfd) < 0)) {
    int e = errno;
    if (placeholder >= 0) RK_HOST(close)(placeholder);
    rump_sys_close(k);
    errno = e;
    return -1;
  }
  if (placeholder != newfd) RK_HOST(close)(placeholder);
  int old = rk_alias[newfd];
  rk_alias[newfd] = k + 1;
  if (old != 0) rump_sys_close(old - 1);
  return newfd;
}

/* A kernel descriptor onto a kernel number, or onto a small host number (an alias); a host
 * descriptor onto a host number (ending an alias there). Anything else cannot be done. */
int dup3(int oldfd, int newfd, int flags) {
  bool old_rump = rk_is_rump_fd(oldfd);
  if (old_rump && newfd >= rk_hijack.fdoff)
    return rk_pfd(rump_sys_dup3(rk_kfd(oldfd), rk_kfd(newfd), flags));
  if (old_rump && newfd >= 0 && newfd < RK_ALIAS_MAX) {
    if (oldfd == newfd) {
      errno = EINVAL;
      return -1;
    }
    return make_alias(rk_kfd(oldfd), newfd, flags);
  }
  if (old_rump || newfd >= rk_hijack.fdoff)
    return rk_unsupported("dup2 between a host and a kernel descriptor", ENOSYS);
  int r = RK_HOST(dup3)(oldfd, newfd, flags);
  if (r >= 0 && newfd >= 0 && newfd < RK_ALIAS_MAX && rk_alias[newfd] != 0) {
    rump_sys_close(rk_alias[newfd] - 1);
    rk_alias[newfd] = 0;
  }
  return r;
}
int dup2(int oldfd, int newfd) {
  if (oldfd == newfd) return rk_is_rump_fd(oldfd) ? (fcntl(oldfd, F_GETFD) < 0 ? -1 : newfd)
                                                  : RK_HOST(dup2)(oldfd, newfd);
  return dup3(oldfd, newfd, 0);
}
int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  if (!rk_is_rump_fd(fd)) return RK_HOST(fcntl)(fd, cmd, arg);
  if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
    long from = arg >= rk_hijack.fdoff ? arg - rk_hijack.fdoff : 0;
    return rk_pfd(rump_sys_fcntl(rk_kfd(fd), cmd, from));
  }
  return rump_sys_fcntl(rk_kfd(fd), cmd, arg);
}
int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return fcntl(fd, cmd, arg);
}
int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (rk_is_rump_fd(fd)) return rump_sys_ioctl(rk_kfd(fd), request, arg);
  return RK_HOST(ioctl)(fd, request, arg);
}

/* The kernel cannot map its files into the program, or splice to host descriptors: callers
 * (cp, for one) fall back to read and write. */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  if (!(flags & MAP_ANONYMOUS) && fd >= 0 && rk_is_rump_fd(fd)) {
    rk_unsupported("mmap", ENODEV);
    return MAP_FAILED;
  }
  return RK_HOST(mmap)(addr, len, prot, flags, fd, off);
}
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off) {
  return mmap(addr, len, prot, flags, fd, off);
}
ssize_t copy_file_range(int in, off64_t *inoff, int out, off64_t *outoff, size_t len,
                        unsigned int flags) {
  if (rk_is_rump_fd(in) || rk_is_rump_fd(out)) {
    errno = EXDEV;
    return -1;
  }
  return RK_HOST(copy_file_range)(in, inoff, out, outoff, len, flags);
}
ssize_t sendfile(int out, int in, off_t *off, size_t n) {
  if (rk_is_rump_fd(in) || rk_is_rump_fd(out)) return rk_unsupported("sendfile", EINVAL);
  return RK_HOST(sendfile)(out, in, off, n);
}
ssize_t sendfile64(int out, int in, off64_t *off, size_t n) { return sendfile(out, in, off, n); }

/* Extended attributes: a path under the prefix (or a kernel descriptor) goes to the kernel,
 * whose file systems keep user., trusted. and security. attributes. */
#define RK_XATTR_PATH(host, kernel, ...)               \
  {                                                    \
    char kp[RK_HIJACK_PATH_MAX];                       \
    if (rk_rump_path(path, kp)) return kernel(kp, __VA_ARGS__); \
    return RK_HOST(host)(path, __VA_ARGS__);           \
  }
#define RK_XATTR_FD(host, kernel, ...)                              \
  {                                                                 \
    if (rk_is_rump_fd(fd)) return kernel(rk_kfd(fd), __VA_ARGS__);  \
    return RK_HOST(host)(fd, __VA_ARGS__);                          \
  }
ssize_t getxattr(const char *path, const char *name, void *v, size_t n)
    RK_XATTR_PATH(getxattr, rump_sys_getxattr, name, v, n)
ssize_t lgetxattr(const char *path, const char *name, void *v, size_t n)
    RK_XATTR_PATH(lgetxattr, rump_sys_lgetxattr, name, v, n)
ssize_t fgetxattr(int fd, const char *name, void *v, size_t n)
    RK_XATTR_FD(fgetxattr, rump_sys_fgetxattr, name, v, n)
ssize_t listxattr(const char *path, char *list, size_t n)
    RK_XATTR_PATH(listxattr, rump_sys_listxattr, list, n)
ssize_t llistxattr(const char *path, char *list, size_t n)
    RK_XATTR_PATH(llistxattr, rump_sys_llistxattr, list, n)
ssize_t flistxattr(int fd, char *list, size_t n) RK_XATTR_FD(flistxattr, rump_sys_flistxattr, list, n)
int setxattr(const char *path, const char *name, const void *v, size_t n, int flags)
    RK_XATTR_PATH(setxattr, rump_sys_setxattr, name, v, n, flags)
int lsetxattr(const char *path, const char *name, const void *v, size_t n, int flags)
    RK_XATTR_PATH(lsetxattr, rump_sys_lsetxattr, name, v, n, flags)
int fsetxattr(int fd, const char *name, const void *v, size_t n, int flags)
    RK_XATTR_FD(fsetxattr, rump_sys_fsetxattr, name, v, n, flags)
int removexattr(const char *path, const char *name)
    RK_XATTR_PATH(removexattr, rump_sys_removexattr, name)
int lremovexattr(const char *path, const char *name)
    RK_XATTR_PATH(lremovexattr, rump_sys_lremovexattr, name)
int fremovexattr(int fd, const char *name) RK_XATTR_FD(fremovexattr, rump_sys_fremovexattr, name)
