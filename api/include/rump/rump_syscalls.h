/*
 * <rump/rump_syscalls.h> — system calls into the calling thread's current rump kernel.
 *
 * Each rump_sys_<name> has the signature and semantics of Linux's system call <name> (not of
 * the libc wrapper where the two differ): it returns the call's result, or -1 with errno set.
 * Types and constants are the host's own (Linux ABI).
 *
 * Before rump_init() (and with no kernel switched to) every call fails with ENXIO; so does a
 * call into a kernel that has been halted by reboot(2). A call the kernel has no component for
 * fails with ENOSYS.
 */
#ifndef RUMP_RUMP_SYSCALLS_H_
#define RUMP_RUMP_SYSCALLS_H_

#include <stddef.h>
#include <stdint.h>
#include <sys/select.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct utsname;
struct timeval;
struct timezone;
struct stat;
struct statx;
struct statfs;
struct iovec;
struct pollfd;

/* Any call by number (x86-64 Linux numbering, on every host), as syscall(2). */
long rump_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* processes and credentials */
pid_t rump_sys_getpid(void);
pid_t rump_sys_getppid(void);
uid_t rump_sys_getuid(void);
uid_t rump_sys_geteuid(void);
gid_t rump_sys_getgid(void);
gid_t rump_sys_getegid(void);
int rump_sys_setuid(uid_t uid);
int rump_sys_setgid(gid_t gid);
int rump_sys_setreuid(uid_t ruid, uid_t euid);
int rump_sys_setregid(gid_t rgid, gid_t egid);
int rump_sys_setresuid(uid_t ruid, uid_t euid, uid_t suid);
int rump_sys_setresgid(gid_t rgid, gid_t egid, gid_t sgid);
int rump_sys_getresuid(uid_t *ruid, uid_t *euid, uid_t *suid);
int rump_sys_getresgid(gid_t *rgid, gid_t *egid, gid_t *sgid);
int rump_sys_setfsuid(uid_t fsuid);
int rump_sys_setfsgid(gid_t fsgid);
int rump_sys_getgroups(int size, gid_t list[]);
int rump_sys_setgroups(size_t size, const gid_t *list);

/* the system */
int rump_sys_uname(struct utsname *buf);
int rump_sys_sethostname(const char *name, size_t len);
int rump_sys_setdomainname(const char *name, size_t len);
int rump_sys_reboot(int magic, int magic2, int cmd, void *arg);
int rump_sys_syslog(int type, char *buf, int len);
ssize_t rump_sys_getrandom(void *buf, size_t buflen, unsigned int flags);

/* time */
int rump_sys_clock_gettime(clockid_t clockid, struct timespec *tp);
int rump_sys_clock_getres(clockid_t clockid, struct timespec *res);
int rump_sys_clock_nanosleep(clockid_t clockid, int flags, const struct timespec *request,
                             struct timespec *remain);
int rump_sys_nanosleep(const struct timespec *req, struct timespec *rem);
int rump_sys_gettimeofday(struct timeval *tv, struct timezone *tz);
time_t rump_sys_time(time_t *tloc);
int rump_sys_sched_yield(void);

/* descriptors */
int rump_sys_close(int fd);
int rump_sys_dup(int oldfd);
int rump_sys_dup2(int oldfd, int newfd);
int rump_sys_dup3(int oldfd, int newfd, int flags);
int rump_sys_fcntl(int fd, int cmd, ...);
int rump_sys_pipe2(int pipefd[2], int flags);
int rump_sys_ioctl(int fd, unsigned long request, ...);

/* waiting for descriptors; as Linux's calls, ppoll, select and pselect6 write the time left
 * back into their timeout; the signal masks are checked for size only (no signals here) */
int rump_sys_poll(struct pollfd *fds, unsigned long nfds, int timeout);
int rump_sys_ppoll(struct pollfd *fds, unsigned long nfds, struct timespec *tmo,
                   const void *sigmask, size_t sigsetsize);
int rump_sys_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                    struct timeval *timeout);
/* sigmask_arg: NULL, or { const sigset_t *ss; size_t ss_len; } as Linux's sixth argument */
int rump_sys_pselect6(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                      struct timespec *timeout, const void *sigmask_arg);

/* files */
int rump_sys_open(const char *path, int flags, ...);
int rump_sys_openat(int dirfd, const char *path, int flags, ...);
ssize_t rump_sys_read(int fd, void *buf, size_t count);
ssize_t rump_sys_write(int fd, const void *buf, size_t count);
ssize_t rump_sys_pread(int fd, void *buf, size_t count, off_t offset);
ssize_t rump_sys_pwrite(int fd, const void *buf, size_t count, off_t offset);
ssize_t rump_sys_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t rump_sys_writev(int fd, const struct iovec *iov, int iovcnt);
off_t rump_sys_lseek(int fd, off_t offset, int whence);
int rump_sys_stat(const char *path, struct stat *st);
int rump_sys_lstat(const char *path, struct stat *st);
int rump_sys_fstat(int fd, struct stat *st);
int rump_sys_fstatat(int dirfd, const char *path, struct stat *st, int flags);
int rump_sys_statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx);
int rump_sys_access(const char *path, int mode);
int rump_sys_faccessat(int dirfd, const char *path, int mode, int flags);
int rump_sys_mkdir(const char *path, mode_t mode);
int rump_sys_mkdirat(int dirfd, const char *path, mode_t mode);
int rump_sys_rmdir(const char *path);
int rump_sys_unlink(const char *path);
int rump_sys_unlinkat(int dirfd, const char *path, int flags);
int rump_sys_rename(const char *oldpath, const char *newpath);
int rump_sys_renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);
int rump_sys_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                       unsigned int flags);
int rump_sys_link(const char *oldpath, const char *newpath);
int rump_sys_linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
                    int flags);
int rump_sys_symlink(const char *target, const char *linkpath);
int rump_sys_symlinkat(const char *target, int newdirfd, const char *linkpath);
ssize_t rump_sys_readlink(const char *path, char *buf, size_t bufsiz);
ssize_t rump_sys_readlinkat(int dirfd, const char *path, char *buf, size_t bufsiz);
int rump_sys_chmod(const char *path, mode_t mode);
int rump_sys_fchmod(int fd, mode_t mode);
int rump_sys_fchmodat(int dirfd, const char *path, mode_t mode, int flags);
int rump_sys_chown(const char *path, uid_t owner, gid_t group);
int rump_sys_lchown(const char *path, uid_t owner, gid_t group);
int rump_sys_fchown(int fd, uid_t owner, gid_t group);
int rump_sys_fchownat(int dirfd, const char *path, uid_t owner, gid_t group, int flags);
int rump_sys_utimensat(int dirfd, const char *path, const struct timespec times[2], int flags);
int rump_sys_futimens(int fd, const struct timespec times[2]);
int rump_sys_truncate(const char *path, off_t length);
int rump_sys_ftruncate(int fd, off_t length);
int rump_sys_fallocate(int fd, int mode, off_t offset, off_t len);
int rump_sys_fsync(int fd);
int rump_sys_fdatasync(int fd);
void rump_sys_sync(void);
/* Extended attributes (Linux's: user., trusted., security. names; flags XATTR_CREATE = 1,
 * XATTR_REPLACE = 2). */
int rump_sys_setxattr(const char *path, const char *name, const void *value, size_t size,
                      int flags);
int rump_sys_lsetxattr(const char *path, const char *name, const void *value, size_t size,
                       int flags);
int rump_sys_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags);
ssize_t rump_sys_getxattr(const char *path, const char *name, void *value, size_t size);
ssize_t rump_sys_lgetxattr(const char *path, const char *name, void *value, size_t size);
ssize_t rump_sys_fgetxattr(int fd, const char *name, void *value, size_t size);
ssize_t rump_sys_listxattr(const char *path, char *list, size_t size);
ssize_t rump_sys_llistxattr(const char *path, char *list, size_t size);
ssize_t rump_sys_flistxattr(int fd, char *list, size_t size);
int rump_sys_removexattr(const char *path, const char *name);
int rump_sys_lremovexattr(const char *path, const char *name);
int rump_sys_fremovexattr(int fd, const char *name);
int rump_sys_statfs(const char *path, struct statfs *buf);
int rump_sys_fstatfs(int fd, struct statfs *buf);
ssize_t rump_sys_getdents64(int fd, void *dirp, size_t count);
int rump_sys_chdir(const char *path);
int rump_sys_fchdir(int fd);
long rump_sys_getcwd(char *buf, size_t size); /* Linux's call: the length including the NUL */
int rump_sys_chroot(const char *path);
mode_t rump_sys_umask(mode_t mask);
int rump_sys_mknod(const char *path, mode_t mode, dev_t dev);
int rump_sys_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev);
int rump_sys_mount(const char *source, const char *target, const char *fstype,
                   unsigned long flags, const void *data);
int rump_sys_umount2(const char *target, int flags);

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMP_SYSCALLS_H_ */
