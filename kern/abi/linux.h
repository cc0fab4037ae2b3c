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
  kSysSelect = 23,
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
  kSysSetxattr = 188,
  kSysLsetxattr = 189,
  kSysFsetxattr = 190,
  kSysGetxattr = 191,
  kSysLgetxattr = 192,
  kSysFgetxattr = 193,
  kSysListxattr = 194,
  kSysLlistxattr = 195,
  kSysFlistxattr = 196,
  kSysRemovexattr = 197,
  kSysLremovexattr = 198,
  kSysFremovexattr = 199,
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
  kSysPselect6 = 270,
  kSysPpoll = 271,
  kSysUtimensat = 280,
  kSysFallocate = 285,
  kSysDup3 = 292,
  kSysPipe2 = 293,
  kSysRenameat2 = 316,
  kSysGetrandom = 318,
  kSysStatx = 332,
  kSysFaccessat2 = 439,
  kSysFchmodat2 = 452,
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

namespace rk::abi {

// struct stat as x86-64 Linux lays it out (the layout the wire protocol carries everywhere).
struct Stat {
  uint64_t st_dev;
  uint64_t st_ino;
  uint64_t st_nlink;
  uint32_t st_mode;
  uint32_t st_uid;
  uint32_t st_gid;
  int32_t pad0;
  uint64_t st_rdev;
  int64_t st_size;
  int64_t st_blksize;
  int64_t st_blocks;
  Timespec st_atim;
  Timespec st_mtim;
  Timespec st_ctim;
  int64_t unused[3];
};
static_assert(sizeof(Stat) == 144);

struct StatxTimestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};

struct Statx {
  uint32_t stx_mask;
  uint32_t stx_blksize;
  uint64_t stx_attributes;
  uint32_t stx_nlink;
  uint32_t stx_uid;
  uint32_t stx_gid;
  uint16_t stx_mode;
  uint16_t spare0;
  uint64_t stx_ino;
  uint64_t stx_size;
  uint64_t stx_blocks;
  uint64_t stx_attributes_mask;
  StatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
  uint32_t stx_rdev_major;
  uint32_t stx_rdev_minor;
  uint32_t stx_dev_major;
  uint32_t stx_dev_minor;
  uint64_t stx_mnt_id;
  uint32_t stx_dio_mem_align;
  uint32_t stx_dio_offset_align;
  uint64_t spare3[12];
};
static_assert(sizeof(Statx) == 256);

inline constexpr uint32_t kStatxType = 0x1, kStatxMode = 0x2, kStatxNlink = 0x4,
                          kStatxUid = 0x8, kStatxGid = 0x10, kStatxAtime = 0x20,
                          kStatxMtime = 0x40, kStatxCtime = 0x80, kStatxIno = 0x100,
                          kStatxSize = 0x200, kStatxBlocks = 0x400, kStatxBasicStats = 0x7ff,
                          kStatxBtime = 0x800, kStatxMntId = 0x1000;

struct Statfs {
  int64_t f_type;
  int64_t f_bsize;
  uint64_t f_blocks;
  uint64_t f_bfree;
  uint64_t f_bavail;
  uint64_t f_files;
  uint64_t f_ffree;
  int32_t f_fsid[2];
  int64_t f_namelen;
  int64_t f_frsize;
  int64_t f_flags;
  int64_t f_spare[4];
};
static_assert(sizeof(Statfs) == 120);

// *at() flags.
inline constexpr int kAtFdcwd = -100;
inline constexpr int kAtSymlinkNofollow = 0x100;
inline constexpr int kAtRemovedir = 0x200;
inline constexpr int kAtSymlinkFollow = 0x400;
inline constexpr int kAtNoAutomount = 0x800;
inline constexpr int kAtEaccess = 0x200;
inline constexpr int kAtEmptyPath = 0x1000;
inline constexpr int kAtStatxSyncTypeMask = 0x6000;

// renameat2 flags.
inline constexpr unsigned kRenameNoreplace = 1;
inline constexpr unsigned kRenameExchange = 2;
inline constexpr unsigned kRenameWhiteout = 4;

// utimensat special nanoseconds.
inline constexpr int64_t kUtimeNow = (1l << 30) - 1;
inline constexpr int64_t kUtimeOmit = (1l << 30) - 2;

}  // namespace rk::abi
