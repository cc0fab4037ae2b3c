#include "kern/syscall.h"

#include "kern/abi/linux.h"
#include "kern/kernel.h"
#include "kern/lwp.h"
#include "kern/sys.h"

namespace rk::kern {
namespace {

using namespace rk::abi;

constexpr ArgSpec I{ArgKind::kInt, -1, 0};
constexpr ArgSpec S{ArgKind::kString, -1, 0};
constexpr ArgSpec In(uint32_t size) { return {ArgKind::kIn, -1, size}; }
constexpr ArgSpec Out(uint32_t size) { return {ArgKind::kOut, -1, size}; }
constexpr ArgSpec InN(int8_t arg, uint32_t elem) { return {ArgKind::kIn, arg, elem}; }
constexpr ArgSpec OutN(int8_t arg, uint32_t elem) { return {ArgKind::kOut, arg, elem}; }
// An argument whose layout the component that implements the call will describe.
constexpr ArgSpec U{ArgKind::kNone, -1, 0};

constexpr uint32_t kTs = sizeof(Timespec);

// Every call the kernel knows, in number order. fn == nullptr: a component provides it.
constexpr SyscallInfo kTable[] = {
    {kSysRead, "read", nullptr, 3, {I, OutN(2, 1), I}},
    {kSysWrite, "write", nullptr, 3, {I, InN(2, 1), I}},
    {kSysOpen, "open", nullptr, 3, {S, I, I}},
    {kSysClose, "close", sys_close, 1, {I}},
    {kSysStat, "stat", nullptr, 2, {S, U}},
    {kSysFstat, "fstat", nullptr, 2, {I, U}},
    {kSysLstat, "lstat", nullptr, 2, {S, U}},
    {kSysPoll, "poll", sys_poll, 3, {U, I, I}},
    {kSysLseek, "lseek", nullptr, 3, {I, I, I}},
    {kSysIoctl, "ioctl", sys_ioctl, 3, {I, I, U}},
    {kSysPread64, "pread64", nullptr, 4, {I, OutN(2, 1), I, I}},
    {kSysPwrite64, "pwrite64", nullptr, 4, {I, InN(2, 1), I, I}},
    {kSysReadv, "readv", nullptr, 3, {I, U, I}},
    {kSysWritev, "writev", nullptr, 3, {I, U, I}},
    {kSysAccess, "access", nullptr, 2, {S, I}},
    {kSysPipe, "pipe", nullptr, 1, {Out(8)}},
    {kSysSelect, "select", sys_select, 5, {I, U, U, U, U}},
    {kSysSchedYield, "sched_yield", sys_sched_yield, 0, {}},
    {kSysDup, "dup", nullptr, 1, {I}},
    {kSysDup2, "dup2", nullptr, 2, {I, I}},
    {kSysNanosleep, "nanosleep", sys_nanosleep, 2, {In(kTs), Out(kTs)}},
    {kSysGetpid, "getpid", sys_getpid, 0, {}},
    {kSysSocket, "socket", nullptr, 3, {I, I, I}},
    {kSysConnect, "connect", nullptr, 3, {I, InN(2, 1), I}},
    {kSysAccept, "accept", nullptr, 3, {I, U, U}},
    {kSysSendto, "sendto", nullptr, 6, {I, InN(2, 1), I, I, InN(5, 1), I}},
    {kSysRecvfrom, "recvfrom", nullptr, 6, {I, OutN(2, 1), I, I, U, U}},
    {kSysSendmsg, "sendmsg", nullptr, 3, {I, U, I}},
    {kSysRecvmsg, "recvmsg", nullptr, 3, {I, U, I}},
    {kSysShutdown, "shutdown", nullptr, 2, {I, I}},
    {kSysBind, "bind", nullptr, 3, {I, InN(2, 1), I}},
    {kSysListen, "listen", nullptr, 2, {I, I}},
    {kSysGetsockname, "getsockname", nullptr, 3, {I, U, U}},
    {kSysGetpeername, "getpeername", nullptr, 3, {I, U, U}},
    {kSysSocketpair, "socketpair", nullptr, 4, {I, I, I, Out(8)}},
    {kSysSetsockopt, "setsockopt", nullptr, 5, {I, I, I, InN(4, 1), I}},
    {kSysGetsockopt, "getsockopt", nullptr, 5, {I, I, I, U, U}},
    {kSysUname, "uname", sys_uname, 1, {Out(sizeof(Utsname))}},
    {kSysFcntl, "fcntl", nullptr, 3, {I, I, U}},
    {kSysFlock, "flock", nullptr, 2, {I, I}},
    {kSysFsync, "fsync", nullptr, 1, {I}},
    {kSysFdatasync, "fdatasync", nullptr, 1, {I}},
    {kSysTruncate, "truncate", nullptr, 2, {S, I}},
    {kSysFtruncate, "ftruncate", nullptr, 2, {I, I}},
    {kSysGetcwd, "getcwd", nullptr, 2, {OutN(1, 1), I}},
    {kSysChdir, "chdir", nullptr, 1, {S}},
    {kSysFchdir, "fchdir", nullptr, 1, {I}},
    {kSysRename, "rename", nullptr, 2, {S, S}},
    {kSysMkdir, "mkdir", nullptr, 2, {S, I}},
    {kSysRmdir, "rmdir", nullptr, 1, {S}},
    {kSysLink, "link", nullptr, 2, {S, S}},
    {kSysUnlink, "unlink", nullptr, 1, {S}},
    {kSysSymlink, "symlink", nullptr, 2, {S, S}},
    {kSysReadlink, "readlink", nullptr, 3, {S, OutN(2, 1), I}},
    {kSysChmod, "chmod", nullptr, 2, {S, I}},
    {kSysFchmod, "fchmod", nullptr, 2, {I, I}},
    {kSysChown, "chown", nullptr, 3, {S, I, I}},
    {kSysFchown, "fchown", nullptr, 3, {I, I, I}},
    {kSysLchown, "lchown", nullptr, 3, {S, I, I}},
    {kSysUmask, "umask", nullptr, 1, {I}},
    {kSysGettimeofday, "gettimeofday", sys_gettimeofday, 2, {Out(sizeof(Timeval)), Out(8)}},
    {kSysGetuid, "getuid", sys_getuid, 0, {}},
    {kSysSyslog, "syslog", sys_syslog, 3, {I, OutN(2, 1), I}},
    {kSysGetgid, "getgid", sys_getgid, 0, {}},
    {kSysSetuid, "setuid", sys_setuid, 1, {I}},
    {kSysSetgid, "setgid", sys_setgid, 1, {I}},
    {kSysGeteuid, "geteuid", sys_geteuid, 0, {}},
    {kSysGetegid, "getegid", sys_getegid, 0, {}},
    {kSysGetppid, "getppid", sys_getppid, 0, {}},
    {kSysSetreuid, "setreuid", sys_setreuid, 2, {I, I}},
    {kSysSetregid, "setregid", sys_setregid, 2, {I, I}},
    {kSysGetgroups, "getgroups", sys_getgroups, 2, {I, OutN(0, 4)}},
    {kSysSetgroups, "setgroups", sys_setgroups, 2, {I, InN(0, 4)}},
    {kSysSetresuid, "setresuid", sys_setresuid, 3, {I, I, I}},
    {kSysGetresuid, "getresuid", sys_getresuid, 3, {Out(4), Out(4), Out(4)}},
    {kSysSetresgid, "setresgid", sys_setresgid, 3, {I, I, I}},
    {kSysGetresgid, "getresgid", sys_getresgid, 3, {Out(4), Out(4), Out(4)}},
    {kSysSetfsuid, "setfsuid", sys_setfsuid, 1, {I}},
    {kSysSetfsgid, "setfsgid", sys_setfsgid, 1, {I}},
    {kSysMknod, "mknod", nullptr, 3, {S, I, I}},
    {kSysStatfs, "statfs", nullptr, 2, {S, U}},
    {kSysFstatfs, "fstatfs", nullptr, 2, {I, U}},
    {kSysChroot, "chroot", nullptr, 1, {S}},
    {kSysSync, "sync", nullptr, 0, {}},
    {kSysMount, "mount", nullptr, 5, {S, S, S, I, U}},
    {kSysUmount2, "umount2", nullptr, 2, {S, I}},
    {kSysReboot, "reboot", sys_reboot, 4, {I, I, I, U}},
    {kSysSethostname, "sethostname", sys_sethostname, 2, {InN(1, 1), I}},
    {kSysSetdomainname, "setdomainname", sys_setdomainname, 2, {InN(1, 1), I}},
    {kSysSetxattr, "setxattr", nullptr, 5, {S, S, InN(3, 1), I, I}},
    {kSysLsetxattr, "lsetxattr", nullptr, 5, {S, S, InN(3, 1), I, I}},
    {kSysFsetxattr, "fsetxattr", nullptr, 5, {I, S, InN(3, 1), I, I}},
    {kSysGetxattr, "getxattr", nullptr, 4, {S, S, OutN(3, 1), I}},
    {kSysLgetxattr, "lgetxattr", nullptr, 4, {S, S, OutN(3, 1), I}},
    {kSysFgetxattr, "fgetxattr", nullptr, 4, {I, S, OutN(3, 1), I}},
    {kSysListxattr, "listxattr", nullptr, 3, {S, OutN(2, 1), I}},
    {kSysLlistxattr, "llistxattr", nullptr, 3, {S, OutN(2, 1), I}},
    {kSysFlistxattr, "flistxattr", nullptr, 3, {I, OutN(2, 1), I}},
    {kSysRemovexattr, "removexattr", nullptr, 2, {S, S}},
    {kSysLremovexattr, "lremovexattr", nullptr, 2, {S, S}},
    {kSysFremovexattr, "fremovexattr", nullptr, 2, {I, S}},
    {kSysTime, "time", sys_time, 1, {Out(8)}},
    {kSysGetdents64, "getdents64", nullptr, 3, {I, OutN(2, 1), I}},
    {kSysClockGettime, "clock_gettime", sys_clock_gettime, 2, {I, Out(kTs)}},
    {kSysClockGetres, "clock_getres", sys_clock_getres, 2, {I, Out(kTs)}},
    {kSysClockNanosleep, "clock_nanosleep", sys_clock_nanosleep, 4, {I, I, In(kTs), Out(kTs)}},
    {kSysOpenat, "openat", nullptr, 4, {I, S, I, I}},
    {kSysMkdirat, "mkdirat", nullptr, 3, {I, S, I}},
    {kSysMknodat, "mknodat", nullptr, 4, {I, S, I, I}},
    {kSysFchownat, "fchownat", nullptr, 5, {I, S, I, I, I}},
    {kSysNewfstatat, "newfstatat", nullptr, 4, {I, S, U, I}},
    {kSysUnlinkat, "unlinkat", nullptr, 3, {I, S, I}},
    {kSysRenameat, "renameat", nullptr, 4, {I, S, I, S}},
    {kSysLinkat, "linkat", nullptr, 5, {I, S, I, S, I}},
    {kSysSymlinkat, "symlinkat", nullptr, 3, {S, I, S}},
    {kSysReadlinkat, "readlinkat", nullptr, 4, {I, S, OutN(3, 1), I}},
    {kSysFchmodat, "fchmodat", nullptr, 3, {I, S, I}},
    {kSysFaccessat, "faccessat", nullptr, 3, {I, S, I}},
    {kSysPselect6, "pselect6", sys_pselect6, 6, {I, U, U, U, U, In(16)}},
    {kSysPpoll, "ppoll", sys_ppoll, 5, {U, I, U, InN(4, 1), I}},
    {kSysUtimensat, "utimensat", nullptr, 4, {I, S, U, I}},
    {kSysFallocate, "fallocate", nullptr, 4, {I, I, I, I}},
    {kSysDup3, "dup3", nullptr, 3, {I, I, I}},
    {kSysPipe2, "pipe2", nullptr, 2, {Out(8), I}},
    {kSysRenameat2, "renameat2", nullptr, 5, {I, S, I, S, I}},
    {kSysGetrandom, "getrandom", sys_getrandom, 3, {OutN(1, 1), I, I}},
    {kSysStatx, "statx", nullptr, 5, {I, S, I, I, U}},
    {kSysFaccessat2, "faccessat2", nullptr, 4, {I, S, I, I}},
    {kSysFchmodat2, "fchmodat2", nullptr, 4, {I, S, I, I}},
};

// Number -> entry, built at compile time.
struct Index {
  int16_t slot[kSyscallMax];
  constexpr Index() : slot() {
    for (auto& s : slot) s = -1;
    for (size_t i = 0; i < sizeof kTable / sizeof kTable[0]; ++i)
      slot[kTable[i].nr] = static_cast<int16_t>(i);
  }
};
constexpr Index kIndex;

// The handlers kern itself has, by number: the dispatch table of a kernel with no component
// that adds system calls.
struct BaseHandlers {
  SyscallFn fn[kSyscallMax];
  constexpr BaseHandlers() : fn() {
    for (const SyscallInfo& e : kTable) fn[e.nr] = e.fn;
  }
};
constexpr BaseHandlers kBase;

}  // namespace

std::span<const SyscallInfo> syscall_table() { return kTable; }

const SyscallInfo* syscall_info(unsigned nr) {
  if (nr >= kSyscallMax || kIndex.slot[nr] < 0) return nullptr;
  return &kTable[kIndex.slot[nr]];
}

const SyscallFn* base_syscall_handlers() { return kBase.fn; }

int64_t syscall_dispatch(Lwp& l, unsigned nr, const SyscallArgs& args) {
  SyscallFn fn = l.kernel().syscall_handler(nr);
  if (fn == nullptr) return -to_int(Errno::kNoSys);
  return fn(l, args);
}

}  // namespace rk::kern
