// rump_sys_*: C entry points into the system call table of the thread's current kernel.
#include <cstdint>
#include <type_traits>

#include "api/current.h"
#include "kern/abi/linux.h"
#include "kern/entry.h"
#include "rump/rump_syscalls.h"

namespace rk::api {
namespace {

template <typename T>
uint64_t arg(T v) {
  if constexpr (std::is_pointer_v<T>) return reinterpret_cast<uintptr_t>(v);
  else if constexpr (std::is_signed_v<T>) return static_cast<uint64_t>(static_cast<int64_t>(v));
  else return static_cast<uint64_t>(v);
}

// Linux's convention: results from -4095 to -1 are negated errnos.
template <typename... A>
long call(unsigned nr, A... a) {
  kern::Kernel* k = current_kernel();
  if (k == nullptr) return fail(nullptr, to_int(Errno::kNxio));
  kern::SyscallArgs args = {{arg(a)...}};
  int64_t r = kern::syscall_enter(*k, nr, args);
  if (r < 0 && r >= -4095) return fail(k, static_cast<int>(-r));
  return static_cast<long>(r);
}

}  // namespace
}  // namespace rk::api

using rk::api::call;
using namespace rk::abi;

extern "C" {

long rump_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
  if (nr < 0) return rk::api::fail(rk::api::current_kernel(), rk::to_int(rk::Errno::kNoSys));
  return call(static_cast<unsigned>(nr), a0, a1, a2, a3, a4, a5);
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

}  // extern "C"
