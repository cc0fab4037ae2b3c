// rump_sys_*: C entry points into the system call table. The same wrappers serve librump
// (calls into the thread's current kernel, api/syscall_local.cpp) and librumpclient (calls to a
// rump_server, sysproxy/client_call.cpp): each library brings its own invoke_syscall.
#include <cstdarg>
#include <cstdint>
#include <type_traits>

#include "api/syscall_backend.h"
#include "kern/abi/linux.h"
#include "rump/rump_syscalls.h"

namespace rk::api {
namespace {

template <typename T>
uint64_t arg(T v) {
  if constexpr (std::is_pointer_v<T>) return reinterpret_cast<uintptr_t>(v);
  else if constexpr (std::is_signed_v<T>) return static_cast<uint64_t>(static_cast<int64_t>(v));
  else return static_cast<uint64_t>(v);
}

template <typename... A>
long call(unsigned nr, A... a) {
  kern::SyscallArgs args = {{arg(a)...}};
  return invoke_syscall(nr, args);
}

}  // namespace
}  // namespace rk::api

using rk::api::call;
using namespace rk::abi;

extern "C" {

long rump_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  // A negative number is no call's (kern::kSyscallMax and above answer ENOSYS).
  unsigned n = nr < 0 || nr > 0xffff ? 0xffffu : static_cast<unsigned>(nr);
  return call(n, a0, a1, a2, a3, a4, a5);
}

pid_t rump_sys_getpid(void) { return static_cast<pid_t>(call(kSysGetpid)); }
pid_t rump_sys_getppid(void) { return static_cast<pid_t>(call(kSysGetppid)); }
uid_t rump_sys_getuid(void) { return static_cast<uid_t>(call(kSysGetuid)); }
uid_t rump_sys_geteuid(void) { return static_cast<uid_t>(call(kSysGeteuid)); }
gid_t rump_sys_getgid(void) { return static_cast<gid_t>(call(kSysGetgid)); }
gid_t rump_sys_getegid(void) { return static_cast<gid_t>(call(kSysGetegid)); }
int rump_sys_setuid(uid_t uid) { return static_cast<int>(call(kSysSetuid, uid)); }
int rump_sys_setgid(gid_t gid) { return static_cast<int>(call(kSysSetgid, gid)); }
int rump_sys_setreuid(uid_t r, uid_t e) { return static_cast<int>(call(kSysSetreuid, r, e)); }
int rump_sys_setregid(gid_t r, gid_t e) { return static_cast<int>(call(kSysSetregid, r, e)); }
int rump_sys_setresuid(uid_t r, uid_t e, uid_t s) {
  return static_cast<int>(call(kSysSetresuid, r, e, s));
}
int rump_sys_setresgid(gid_t r, gid_t e, gid_t s) {
  return static_cast<int>(call(kSysSetresgid, r, e, s));
}
int rump_sys_getresuid(uid_t* r, uid_t* e, uid_t* s) {
  return static_cast<int>(call(kSysGetresuid, r, e, s));
}
int rump_sys_getresgid(gid_t* r, gid_t* e, gid_t* s) {
  return static_cast<int>(call(kSysGetresgid, r, e, s));
}
int rump_sys_setfsuid(uid_t fsuid) { return static_cast<int>(call(kSysSetfsuid, fsuid)); }
int rump_sys_setfsgid(gid_t fsgid) { return static_cast<int>(call(kSysSetfsgid, fsgid)); }
int rump_sys_getgroups(int size, gid_t list[]) {
  return static_cast<int>(call(kSysGetgroups, size, list));
}
int rump_sys_setgroups(size_t size, const gid_t* list) {
  return static_cast<int>(call(kSysSetgroups, size, list));
}

int rump_sys_uname(struct utsname* buf) { return static_cast<int>(call(kSysUname, buf)); }
int rump_sys_sethostname(const char* name, size_t len) {
  return static_cast<int>(call(kSysSethostname, name, len));
}
int rump_sys_setdomainname(const char* name, size_t len) {
  return static_cast<int>(call(kSysSetdomainname, name, len));
}
int rump_sys_reboot(int magic, int magic2, int cmd, void* arg) {
  return static_cast<int>(call(kSysReboot, magic, magic2, cmd, arg));
}
int rump_sys_syslog(int type, char* buf, int len) {
  return static_cast<int>(call(kSysSyslog, type, buf, len));
}
ssize_t rump_sys_getrandom(void* buf, size_t buflen, unsigned int flags) {
  return static_cast<ssize_t>(call(kSysGetrandom, buf, buflen, flags));
}

int rump_sys_clock_gettime(clockid_t clockid, struct timespec* tp) {
  return static_cast<int>(call(kSysClockGettime, clockid, tp));
}
int rump_sys_clock_getres(clockid_t clockid, struct timespec* res) {
  return static_cast<int>(call(kSysClockGetres, clockid, res));
}
int rump_sys_clock_nanosleep(clockid_t clockid, int flags, const struct timespec* request,
                             struct timespec* remain) {
  return static_cast<int>(call(kSysClockNanosleep, clockid, flags, request, remain));
}
int rump_sys_nanosleep(const struct timespec* req, struct timespec* rem) {
  return static_cast<int>(call(kSysNanosleep, req, rem));
}
int rump_sys_gettimeofday(struct timeval* tv, struct timezone* tz) {
  return static_cast<int>(call(kSysGettimeofday, tv, tz));
}
time_t rump_sys_time(time_t* tloc) { return static_cast<time_t>(call(kSysTime, tloc)); }
int rump_sys_sched_yield(void) { return static_cast<int>(call(kSysSchedYield)); }

int rump_sys_close(int fd) { return static_cast<int>(call(kSysClose, fd)); }
int rump_sys_dup(int oldfd) { return static_cast<int>(call(kSysDup, oldfd)); }
int rump_sys_dup2(int oldfd, int newfd) { return static_cast<int>(call(kSysDup2, oldfd, newfd)); }
int rump_sys_dup3(int oldfd, int newfd, int flags) {
  return static_cast<int>(call(kSysDup3, oldfd, newfd, flags));
}
int rump_sys_fcntl(int fd, int cmd, ...) {
  // Every fcntl argument fits a long (an int, or a pointer for the lock commands).
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return static_cast<int>(call(kSysFcntl, fd, cmd, arg));
}
int rump_sys_ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return static_cast<int>(call(kSysIoctl, fd, request, arg));
}
int rump_sys_pipe2(int pipefd[2], int flags) {
  return static_cast<int>(call(kSysPipe2, pipefd, flags));
}
int rump_sys_poll(struct pollfd* fds, unsigned long nfds, int timeout) {
  return static_cast<int>(call(kSysPoll, fds, nfds, timeout));
}
int rump_sys_ppoll(struct pollfd* fds, unsigned long nfds, struct timespec* tmo,
                   const void* sigmask, size_t sigsetsize) {
  return static_cast<int>(call(kSysPpoll, fds, nfds, tmo, sigmask, sigsetsize));
}
int rump_sys_select(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                    struct timeval* timeout) {
  return static_cast<int>(call(kSysSelect, nfds, readfds, writefds, exceptfds, timeout));
}
int rump_sys_pselect6(int nfds, fd_set* readfds, fd_set* writefds, fd_set* exceptfds,
                      struct timespec* timeout, const void* sigmask_arg) {
  return static_cast<int>(
      call(kSysPselect6, nfds, readfds, writefds, exceptfds, timeout, sigmask_arg));
}

int rump_sys_open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  unsigned mode = va_arg(ap, unsigned);  // read whether or not it was passed, as libc does
  va_end(ap);
  return static_cast<int>(call(kSysOpen, path, flags, mode));
}
int rump_sys_openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  unsigned mode = va_arg(ap, unsigned);
  va_end(ap);
  return static_cast<int>(call(kSysOpenat, dirfd, path, flags, mode));
}
ssize_t rump_sys_read(int fd, void* buf, size_t count) { return call(kSysRead, fd, buf, count); }
ssize_t rump_sys_write(int fd, const void* buf, size_t count) {
  return call(kSysWrite, fd, buf, count);
}
ssize_t rump_sys_pread(int fd, void* buf, size_t count, off_t offset) {
  return call(kSysPread64, fd, buf, count, offset);
}
ssize_t rump_sys_pwrite(int fd, const void* buf, size_t count, off_t offset) {
  return call(kSysPwrite64, fd, buf, count, offset);
}
ssize_t rump_sys_readv(int fd, const struct iovec* iov, int iovcnt) {
  return call(kSysReadv, fd, iov, iovcnt);
}
ssize_t rump_sys_writev(int fd, const struct iovec* iov, int iovcnt) {
  return call(kSysWritev, fd, iov, iovcnt);
}
off_t rump_sys_lseek(int fd, off_t offset, int whence) {
  return call(kSysLseek, fd, offset, whence);
}
int rump_sys_stat(const char* path, struct stat* st) {
  return static_cast<int>(call(kSysStat, path, st));
}
int rump_sys_lstat(const char* path, struct stat* st) {
  return static_cast<int>(call(kSysLstat, path, st));
}
int rump_sys_fstat(int fd, struct stat* st) { return static_cast<int>(call(kSysFstat, fd, st)); }
int rump_sys_fstatat(int dirfd, const char* path, struct stat* st, int flags) {
  return static_cast<int>(call(kSysNewfstatat, dirfd, path, st, flags));
}
int rump_sys_statx(int dirfd, const char* path, int flags, unsigned int mask, struct statx* stx) {
  return static_cast<int>(call(kSysStatx, dirfd, path, flags, mask, stx));
}
int rump_sys_access(const char* path, int mode) {
  return static_cast<int>(call(kSysAccess, path, mode));
}
int rump_sys_faccessat(int dirfd, const char* path, int mode, int flags) {
  // glibc's faccessat takes flags; the kernel call that does is faccessat2.
  return static_cast<int>(call(kSysFaccessat2, dirfd, path, mode, flags));
}
int rump_sys_mkdir(const char* path, mode_t mode) {
  return static_cast<int>(call(kSysMkdir, path, mode));
}
int rump_sys_mkdirat(int dirfd, const char* path, mode_t mode) {
  return static_cast<int>(call(kSysMkdirat, dirfd, path, mode));
}
int rump_sys_rmdir(const char* path) { return static_cast<int>(call(kSysRmdir, path)); }
int rump_sys_unlink(const char* path) { return static_cast<int>(call(kSysUnlink, path)); }
int rump_sys_unlinkat(int dirfd, const char* path, int flags) {
  return static_cast<int>(call(kSysUnlinkat, dirfd, path, flags));
}
int rump_sys_rename(const char* oldpath, const char* newpath) {
  return static_cast<int>(call(kSysRename, oldpath, newpath));
}
int rump_sys_renameat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath) {
  return static_cast<int>(call(kSysRenameat, olddirfd, oldpath, newdirfd, newpath));
}
int rump_sys_renameat2(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                       unsigned int flags) {
  return static_cast<int>(call(kSysRenameat2, olddirfd, oldpath, newdirfd, newpath, flags));
}
int rump_sys_link(const char* oldpath, const char* newpath) {
  return static_cast<int>(call(kSysLink, oldpath, newpath));
}
int rump_sys_linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath,
                    int flags) {
  return static_cast<int>(call(kSysLinkat, olddirfd, oldpath, newdirfd, newpath, flags));
}
int rump_sys_symlink(const char* target, const char* linkpath) {
  return static_cast<int>(call(kSysSymlink, target, linkpath));
}
int rump_sys_symlinkat(const char* target, int newdirfd, const char* linkpath) {
  return static_cast<int>(call(kSysSymlinkat, target, newdirfd, linkpath));
}
ssize_t rump_sys_readlink(const char* path, char* buf, size_t bufsiz) {
  return call(kSysReadlink, path, buf, bufsiz);
}
ssize_t rump_sys_readlinkat(int dirfd, const char* path, char* buf, size_t bufsiz) {
  return call(kSysReadlinkat, dirfd, path, buf, bufsiz);
}
int rump_sys_chmod(const char* path, mode_t mode) {
  return static_cast<int>(call(kSysChmod, path, mode));
}
int rump_sys_fchmod(int fd, mode_t mode) { return static_cast<int>(call(kSysFchmod, fd, mode)); }
int rump_sys_fchmodat(int dirfd, const char* path, mode_t mode, int flags) {
  // Flags need Linux 6.6's fchmodat2, as glibc does it.
  if (flags != 0) return static_cast<int>(call(kSysFchmodat2, dirfd, path, mode, flags));
  return static_cast<int>(call(kSysFchmodat, dirfd, path, mode));
}
int rump_sys_chown(const char* path, uid_t owner, gid_t group) {
  return static_cast<int>(call(kSysChown, path, owner, group));
}
int rump_sys_lchown(const char* path, uid_t owner, gid_t group) {
  return static_cast<int>(call(kSysLchown, path, owner, group));
}
int rump_sys_fchown(int fd, uid_t owner, gid_t group) {
  return static_cast<int>(call(kSysFchown, fd, owner, group));
}
int rump_sys_fchownat(int dirfd, const char* path, uid_t owner, gid_t group, int flags) {
  return static_cast<int>(call(kSysFchownat, dirfd, path, owner, group, flags));
}
int rump_sys_utimensat(int dirfd, const char* path, const struct timespec times[2], int flags) {
  return static_cast<int>(call(kSysUtimensat, dirfd, path, times, flags));
}
int rump_sys_futimens(int fd, const struct timespec times[2]) {
  return static_cast<int>(call(kSysUtimensat, fd, static_cast<const char*>(nullptr), times, 0));
}
int rump_sys_truncate(const char* path, off_t length) {
  return static_cast<int>(call(kSysTruncate, path, length));
}
int rump_sys_ftruncate(int fd, off_t length) {
  return static_cast<int>(call(kSysFtruncate, fd, length));
}
int rump_sys_fallocate(int fd, int mode, off_t offset, off_t len) {
  return static_cast<int>(call(kSysFallocate, fd, mode, offset, len));
}
int rump_sys_fsync(int fd) { return static_cast<int>(call(kSysFsync, fd)); }
int rump_sys_fdatasync(int fd) { return static_cast<int>(call(kSysFdatasync, fd)); }
void rump_sys_sync(void) { call(kSysSync); }
int rump_sys_setxattr(const char* path, const char* name, const void* value, size_t size,
                      int flags) {
  return static_cast<int>(call(kSysSetxattr, path, name, value, size, flags));
}
int rump_sys_lsetxattr(const char* path, const char* name, const void* value, size_t size,
                       int flags) {
  return static_cast<int>(call(kSysLsetxattr, path, name, value, size, flags));
}
int rump_sys_fsetxattr(int fd, const char* name, const void* value, size_t size, int flags) {
  return static_cast<int>(call(kSysFsetxattr, fd, name, value, size, flags));
}
ssize_t rump_sys_getxattr(const char* path, const char* name, void* value, size_t size) {
  return call(kSysGetxattr, path, name, value, size);
}
ssize_t rump_sys_lgetxattr(const char* path, const char* name, void* value, size_t size) {
  return call(kSysLgetxattr, path, name, value, size);
}
ssize_t rump_sys_fgetxattr(int fd, const char* name, void* value, size_t size) {
  return call(kSysFgetxattr, fd, name, value, size);
}
ssize_t rump_sys_listxattr(const char* path, char* list, size_t size) {
  return call(kSysListxattr, path, list, size);
}
ssize_t rump_sys_llistxattr(const char* path, char* list, size_t size) {
  return call(kSysLlistxattr, path, list, size);
}
ssize_t rump_sys_flistxattr(int fd, char* list, size_t size) {
  return call(kSysFlistxattr, fd, list, size);
}
int rump_sys_removexattr(const char* path, const char* name) {
  return static_cast<int>(call(kSysRemovexattr, path, name));
}
int rump_sys_lremovexattr(const char* path, const char* name) {
  return static_cast<int>(call(kSysLremovexattr, path, name));
}
int rump_sys_fremovexattr(int fd, const char* name) {
  return static_cast<int>(call(kSysFremovexattr, fd, name));
}
int rump_sys_statfs(const char* path, struct statfs* buf) {
  return static_cast<int>(call(kSysStatfs, path, buf));
}
int rump_sys_fstatfs(int fd, struct statfs* buf) {
  return static_cast<int>(call(kSysFstatfs, fd, buf));
}
ssize_t rump_sys_getdents64(int fd, void* dirp, size_t count) {
  return call(kSysGetdents64, fd, dirp, count);
}
int rump_sys_chdir(const char* path) { return static_cast<int>(call(kSysChdir, path)); }
int rump_sys_fchdir(int fd) { return static_cast<int>(call(kSysFchdir, fd)); }
long rump_sys_getcwd(char* buf, size_t size) { return call(kSysGetcwd, buf, size); }
int rump_sys_chroot(const char* path) { return static_cast<int>(call(kSysChroot, path)); }
mode_t rump_sys_umask(mode_t mask) { return static_cast<mode_t>(call(kSysUmask, mask)); }
int rump_sys_mknod(const char* path, mode_t mode, dev_t dev) {
  return static_cast<int>(call(kSysMknod, path, mode, dev));
}
int rump_sys_mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) {
  return static_cast<int>(call(kSysMknodat, dirfd, path, mode, dev));
}
int rump_sys_mount(const char* source, const char* target, const char* fstype,
                   unsigned long flags, const void* data) {
  return static_cast<int>(call(kSysMount, source, target, fstype, flags, data));
}
int rump_sys_umount2(const char* target, int flags) {
  return static_cast<int>(call(kSysUmount2, target, flags));
}

}  // extern "C"
