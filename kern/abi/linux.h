// The Linux user ABI the kernel speaks (DESIGN.md §4 "ABI"): system call numbers (x86-64
// numbering, used on every host and on the wire), constants and structure layouts. Kernel
// code cannot include the host's headers, so the values are spelled out here; a test checks
// each one against the host's <sys/syscall.h> and friends.
#pragma once

#include <cstdint>

namespace rk::abi {

// System call numbers.
enum Sys : unsigned {
  kSysRead = 0,
  kSysWrite = 1,
  kSysOpen = 2,
  kSysClose = 3,
  kSysStat = 4,
  kSysFstat = 5,
  kSysLstat = 6,
  kSysPoll = 7,
  kSysLseek = 8,
  kSysIoctl = 16,
  kSysPread64 = 17,
  kSysPwrite64 = 18,
  kSysReadv = 19,
  kSysWritev = 20,
  kSysAccess = 21,
  kSysPipe = 22,
  kSysSchedYield = 24,
  kSysDup = 32,
  kSysDup2 = 33,
  kSysNanosleep = 35,
  kSysGetpid = 39,
  kSysSocket = 41,
  kSysConnect = 42,
  kSysAccept = 43,
  kSysSendto = 44,
  kSysRecvfrom = 45,
  kSysSendmsg = 46,
  kSysRecvmsg = 47,
  kSysShutdown = 48,
  kSysBind = 49,
  kSysListen = 50,
  kSysGetsockname = 51,
  kSysGetpeername = 52,
  kSysSocketpair = 53,
  kSysSetsockopt = 54,
  kSysGetsockopt = 55,
  kSysUname = 63,
  kSysFcntl = 72,
  kSysFlock = 73,
  kSysFsync = 74,
  kSysFdatasync = 75,
  kSysTruncate = 76,
  kSysFtruncate = 77,
  kSysGetcwd = 79,
  kSysChdir = 80,
  kSysFchdir = 81,
  kSysRename = 82,
  kSysMkdir = 83,
  kSysRmdir = 84,
  kSysLink = 86,
  kSysUnlink = 87,
  kSysSymlink = 88,
  kSysReadlink = 89,
  kSysChmod = 90,
  kSysFchmod = 91,
  kSysChown = 92,
  kSysFchown = 93,
  kSysLchown = 94,
  kSysUmask = 95,
  kSysGettimeofday = 96,
  kSysGetuid = 102,
  kSysSyslog = 103,
  kSysGetgid = 104,
  kSysSetuid = 105,
  kSysSetgid = 106,
  kSysGeteuid = 107,
  kSysGetegid = 108,
  kSysGetppid = 110,
  kSysSetreuid = 113,
  kSysSetregid = 114,
  kSysGetgroups = 115,
  kSysSetgroups = 116,
  kSysSetresuid = 117,
  kSysGetresuid = 118,
  kSysSetresgid = 119,
  kSysGetresgid = 120,
  kSysSetfsuid = 122,
  kSysSetfsgid = 123,
  kSysMknod = 133,
  kSysStatfs = 137,
  kSysFstatfs = 138,
  kSysChroot = 161,
  kSysSync = 162,
  kSysMount = 165,
  kSysUmount2 = 166,
  kSysReboot = 169,
  kSysSethostname = 170,
  kSysSetdomainname = 171,
  kSysGettid = 186,
  kSysTime = 201,
  kSysGetdents64 = 217,
  kSysClockGettime = 228,
  kSysClockGetres = 229,
  kSysClockNanosleep = 230,
  kSysOpenat = 257,
  kSysMkdirat = 258,
  kSysMknodat = 259,
  kSysFchownat = 260,
  kSysNewfstatat = 262,
  kSysUnlinkat = 263,
  kSysRenameat = 264,
  kSysLinkat = 265,
  kSysSymlinkat = 266,
  kSysReadlinkat = 267,
  kSysFchmodat = 268,
  kSysFaccessat = 269,
  kSysUtimensat = 280,
  kSysFallocate = 285,
  kSysDup3 = 292,
  kSysPipe2 = 293,
  kSysRenameat2 = 316,
  kSysGetrandom = 318,
  kSysStatx = 332,
  kSysFaccessat2 = 439,
};

// Clocks.
inline constexpr int kClockRealtime = 0;
inline constexpr int kClockMonotonic = 1;
inline constexpr int kClockProcessCputimeId = 2;
inline constexpr int kClockThreadCputimeId = 3;
inline constexpr int kClockMonotonicRaw = 4;
inline constexpr int kClockRealtimeCoarse = 5;
inline constexpr int kClockMonotonicCoarse = 6;
inline constexpr int kClockBoottime = 7;
inline constexpr int kClockTai = 11;
inline constexpr int kTimerAbstime = 1;

struct Timespec {
  int64_t tv_sec;
  int64_t tv_nsec;
};

struct Timeval {
  int64_t tv_sec;
  int64_t tv_usec;
};

// struct new_utsname.
inline constexpr int kUtsLen = 65;
struct Utsname {
  char sysname[kUtsLen];
  char nodename[kUtsLen];
  char release[kUtsLen];
  char version[kUtsLen];
  char machine[kUtsLen];
  char domainname[kUtsLen];
};

// getrandom(2) flags.
inline constexpr unsigned kGrndNonblock = 0x1;
inline constexpr unsigned kGrndRandom = 0x2;
inline constexpr unsigned kGrndInsecure = 0x4;

// reboot(2).
inline constexpr uint32_t kRebootMagic1 = 0xfee1dead;
inline constexpr uint32_t kRebootMagic2 = 672274793;
inline constexpr uint32_t kRebootMagic2A = 85072278;
inline constexpr uint32_t kRebootMagic2B = 369367448;
inline constexpr uint32_t kRebootMagic2C = 537993216;
inline constexpr uint32_t kRebootCmdRestart = 0x01234567;
inline constexpr uint32_t kRebootCmdHalt = 0xCDEF0123;
inline constexpr uint32_t kRebootCmdCadOn = 0x89ABCDEF;
inline constexpr uint32_t kRebootCmdCadOff = 0x00000000;
inline constexpr uint32_t kRebootCmdPowerOff = 0x4321FEDC;
inline constexpr uint32_t kRebootCmdRestart2 = 0xA1B2C3D4;
inline constexpr uint32_t kRebootCmdSwSuspend = 0xD000FCE2;
inline constexpr uint32_t kRebootCmdKexec = 0x45584543;

// syslog(2) actions.
inline constexpr int kSyslogActionClose = 0;
inline constexpr int kSyslogActionOpen = 1;
inline constexpr int kSyslogActionRead = 2;
inline constexpr int kSyslogActionReadAll = 3;
inline constexpr int kSyslogActionReadClear = 4;
inline constexpr int kSyslogActionClear = 5;
inline constexpr int kSyslogActionConsoleOff = 6;
inline constexpr int kSyslogActionConsoleOn = 7;
inline constexpr int kSyslogActionConsoleLevel = 8;
inline constexpr int kSyslogActionSizeUnread = 9;
inline constexpr int kSyslogActionSizeBuffer = 10;

}  // namespace rk::abi
