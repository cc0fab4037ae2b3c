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
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct utsname;
struct timeval;
struct timezone;

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

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMP_SYSCALLS_H_ */
