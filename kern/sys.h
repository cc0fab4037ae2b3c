// The system call handlers kern implements (the table in syscall.cpp lists them all).
#pragma once

#include "kern/lib/result.h"
#include "kern/syscall.h"

namespace rk::kern {

// Converts a Result into a system call return: the value, or the negated errno.
inline int64_t sysret(const Result<void>& r) { return r.ok() ? 0 : -to_int(r.error()); }
inline int64_t sysret(Result<void>&& r) { return r.ok() ? 0 : -to_int(r.error()); }
template <typename T>
int64_t sysret(Result<T>&& r) {
  return r.ok() ? static_cast<int64_t>(std::move(r).value()) : -to_int(r.error());
}

// sys_proc.cpp
int64_t sys_getpid(Lwp& l, const SyscallArgs& a);
int64_t sys_getppid(Lwp& l, const SyscallArgs& a);
int64_t sys_getuid(Lwp& l, const SyscallArgs& a);
int64_t sys_geteuid(Lwp& l, const SyscallArgs& a);
int64_t sys_getgid(Lwp& l, const SyscallArgs& a);
int64_t sys_getegid(Lwp& l, const SyscallArgs& a);
int64_t sys_setuid(Lwp& l, const SyscallArgs& a);
int64_t sys_setgid(Lwp& l, const SyscallArgs& a);
int64_t sys_setreuid(Lwp& l, const SyscallArgs& a);
int64_t sys_setregid(Lwp& l, const SyscallArgs& a);
int64_t sys_setresuid(Lwp& l, const SyscallArgs& a);
int64_t sys_setresgid(Lwp& l, const SyscallArgs& a);
int64_t sys_getresuid(Lwp& l, const SyscallArgs& a);
int64_t sys_getresgid(Lwp& l, const SyscallArgs& a);
int64_t sys_setfsuid(Lwp& l, const SyscallArgs& a);
int64_t sys_setfsgid(Lwp& l, const SyscallArgs& a);
int64_t sys_getgroups(Lwp& l, const SyscallArgs& a);
int64_t sys_setgroups(Lwp& l, const SyscallArgs& a);

// sys_poll.cpp
int64_t sys_poll(Lwp& l, const SyscallArgs& a);
int64_t sys_ppoll(Lwp& l, const SyscallArgs& a);
int64_t sys_select(Lwp& l, const SyscallArgs& a);
int64_t sys_pselect6(Lwp& l, const SyscallArgs& a);

// sys_time.cpp
// A struct timespec duration from the caller, in nanoseconds (INT64_MAX: too long to be told
// from for ever). EFAULT; EINVAL for a negative one or tv_nsec out of range.
Result<int64_t> timespec_in(Lwp& l, const void* uaddr);
int64_t sys_clock_gettime(Lwp& l, const SyscallArgs& a);
int64_t sys_clock_getres(Lwp& l, const SyscallArgs& a);
int64_t sys_clock_nanosleep(Lwp& l, const SyscallArgs& a);
int64_t sys_nanosleep(Lwp& l, const SyscallArgs& a);
int64_t sys_gettimeofday(Lwp& l, const SyscallArgs& a);
int64_t sys_time(Lwp& l, const SyscallArgs& a);
int64_t sys_sched_yield(Lwp& l, const SyscallArgs& a);

// sys_host.cpp
int64_t sys_uname(Lwp& l, const SyscallArgs& a);
int64_t sys_sethostname(Lwp& l, const SyscallArgs& a);
int64_t sys_setdomainname(Lwp& l, const SyscallArgs& a);
int64_t sys_reboot(Lwp& l, const SyscallArgs& a);
int64_t sys_syslog(Lwp& l, const SyscallArgs& a);
int64_t sys_getrandom(Lwp& l, const SyscallArgs& a);

// sys_descrip.cpp
int64_t sys_close(Lwp& l, const SyscallArgs& a);
int64_t sys_ioctl(Lwp& l, const SyscallArgs& a);

}  // namespace rk::kern
