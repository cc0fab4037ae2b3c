// The system's identity and life: uname, sethostname, setdomainname, reboot, syslog,
// getrandom.
#include "kern/abi/linux.h"
#include "kern/kernel.h"
#include "kern/lib/string.h"
#include "kern/lwp.h"
#include "kern/random.h"
#include "kern/sched.h"
#include "kern/sys.h"
#include "kern/uio.h"

namespace rk::kern {
namespace {

// What uname reports. The kernel speaks Linux's ABI, so it calls itself Linux (programs and
// libraries compare these strings), with a release that says what it really is.
constexpr const char* kSysname = "Linux";
constexpr const char* kRelease = "6.1.0-anykernel";
constexpr const char* kVersion = "#1 SMP Anykernel 0.1.0";
#if defined(__x86_64__)
constexpr const char* kMachine = "x86_64";
#elif defined(__aarch64__)
constexpr const char* kMachine = "aarch64";
#elif defined(__i386__)
constexpr const char* kMachine = "i686";
#elif defined(__wasm__)
constexpr const char* kMachine = "wasm32";
#else
constexpr const char* kMachine = "unknown";
#endif

int64_t set_name(Lwp& l, const SyscallArgs& a, Result<void> (Kernel::*set)(std::string_view)) {
  if (!l.proc().cred().privileged()) return -to_int(Errno::kPerm);  // CAP_SYS_ADMIN
  auto len = static_cast<int64_t>(static_cast<int>(a.a[1]));
  if (len < 0 || len > static_cast<int64_t>(kHostNameMax)) return -to_int(Errno::kInval);
  char buf[kHostNameMax + 1];
  Result<void> rv = copyin(l, buf, reinterpret_cast<const void*>(a.a[0]), static_cast<size_t>(len));
  if (!rv.ok()) return sysret(rv);
  return sysret((l.kernel().*set)({buf, static_cast<size_t>(len)}));
}

}  // namespace

int64_t sys_uname(Lwp& l, const SyscallArgs& a) {
  abi::Utsname u;
  mem_set(&u, 0, sizeof u);
  str_copy(u.sysname, kSysname, sizeof u.sysname);
  l.kernel().hostname(u.nodename, sizeof u.nodename);
  str_copy(u.release, kRelease, sizeof u.release);
  str_copy(u.version, kVersion, sizeof u.version);
  str_copy(u.machine, kMachine, sizeof u.machine);
  l.kernel().domainname(u.domainname, sizeof u.domainname);
  return sysret(copyout(l, reinterpret_cast<void*>(a.a[0]), &u, sizeof u));
}

int64_t sys_sethostname(Lwp& l, const SyscallArgs& a) { return set_name(l, a, &Kernel::set_hostname); }

int64_t sys_setdomainname(Lwp& l, const SyscallArgs& a) {
  return set_name(l, a, &Kernel::set_domainname);
}

int64_t sys_reboot(Lwp& l, const SyscallArgs& a) {
  auto magic1 = static_cast<uint32_t>(a.a[0]);
  auto magic2 = static_cast<uint32_t>(a.a[1]);
  auto cmd = static_cast<uint32_t>(a.a[2]);
  // Linux checks the capability first, then the magic numbers.
  if (!l.proc().cred().privileged()) return -to_int(Errno::kPerm);  // CAP_SYS_BOOT
  if (magic1 != abi::kRebootMagic1 ||
      (magic2 != abi::kRebootMagic2 && magic2 != abi::kRebootMagic2A &&
       magic2 != abi::kRebootMagic2B && magic2 != abi::kRebootMagic2C))
    return -to_int(Errno::kInval);
  Kernel& k = l.kernel();
  switch (cmd) {
    case abi::kRebootCmdCadOn: k.set_ctrl_alt_del(true); return 0;
    case abi::kRebootCmdCadOff: k.set_ctrl_alt_del(false); return 0;
    case abi::kRebootCmdHalt: k.halt(HaltHow::kHalt); return 0;
    case abi::kRebootCmdPowerOff: k.halt(HaltHow::kPowerOff); return 0;
    case abi::kRebootCmdRestart: k.halt(HaltHow::kRestart); return 0;
    case abi::kRebootCmdRestart2: {
      // Linux reads the command string before acting, up to 255 bytes.
      char cmdline[256];
      const auto* arg = reinterpret_cast<const char*>(a.a[3]);
      Result<size_t> n = copyinstr(l, cmdline, arg, sizeof cmdline);
      if (!n.ok() && n.error() != Errno::kNameTooLong) return -to_int(n.error());
      k.halt(HaltHow::kRestart);
      return 0;
    }
    default:
      // Includes KEXEC and SW_SUSPEND: Linux built without them answers EINVAL too.
      return -to_int(Errno::kInval);
  }
}

int64_t sys_syslog(Lwp& l, const SyscallArgs& a) {
  auto type = static_cast<int>(a.a[0]);
  auto* buf = reinterpret_cast<char*>(a.a[1]);
  auto len = static_cast<int>(a.a[2]);
  MsgLog& log = l.kernel().log();
  // As Linux with dmesg_restrict=0: anyone may read the whole log and ask its size; every other
  // action needs privilege (CAP_SYSLOG), and is refused before it is even looked at.
  if (type != abi::kSyslogActionReadAll && type != abi::kSyslogActionSizeBuffer &&
      !l.proc().cred().privileged())
    return -to_int(Errno::kPerm);
  switch (type) {
    case abi::kSyslogActionClose:
    case abi::kSyslogActionOpen:
      return 0;
    case abi::kSyslogActionReadAll:
    case abi::kSyslogActionReadClear: {
      if (buf == nullptr || len < 0) return -to_int(Errno::kInval);
      if (len == 0) return 0;
      Kmem& kmem = l.kernel().kmem();
      size_t cap = MsgLog::kSize;
      char* tmp = static_cast<char*>(kmem.alloc(cap, KmFlags::kNoSleep));
      if (tmp == nullptr) return -to_int(Errno::kNoMem);
      size_t got = log.read(tmp, cap);
      // The newest whole records that fit, as Linux returns.
      size_t start = 0;
      while (got - start > static_cast<size_t>(len)) {
        while (start < got && tmp[start] != '\n') ++start;
        if (start < got) ++start;
      }
      Result<void> rv = copyout(l, buf, tmp + start, got - start);
      kmem.free(tmp, cap);
      if (!rv.ok()) return sysret(rv);
      if (type == abi::kSyslogActionReadClear) log.clear();
      return static_cast<int64_t>(got - start);
    }
    case abi::kSyslogActionClear:
      log.clear();
      return 0;
    case abi::kSyslogActionConsoleOff:
    case abi::kSyslogActionConsoleOn:
      return 0;
    case abi::kSyslogActionConsoleLevel:
      return len < 1 || len > 8 ? -to_int(Errno::kInval) : 0;
    case abi::kSyslogActionSizeUnread:
      return static_cast<int64_t>(log.size());
    case abi::kSyslogActionSizeBuffer:
      return static_cast<int64_t>(MsgLog::kSize);
    case abi::kSyslogActionRead:
      // The destructive, blocking read needs a reader position the log does not keep yet.
      return -to_int(Errno::kNoSys);
    default:
      return -to_int(Errno::kInval);
  }
}

int64_t sys_getrandom(Lwp& l, const SyscallArgs& a) {
  auto* buf = reinterpret_cast<char*>(a.a[0]);
  size_t len = a.a[1];
  auto flags = static_cast<unsigned>(a.a[2]);
  if (flags & ~(abi::kGrndNonblock | abi::kGrndRandom | abi::kGrndInsecure))
    return -to_int(Errno::kInval);
  if ((flags & abi::kGrndInsecure) && (flags & abi::kGrndRandom)) return -to_int(Errno::kInval);
  if (len > 0x7ffff000) len = 0x7ffff000;  // Linux's MAX_RW_COUNT
  if (len > 0 && buf == nullptr) return -to_int(Errno::kFault);
  IoVec iov{buf, len};
  Uio uio(l, UioDir::kRead, {&iov, 1}, 0);
  Result<void> r = random_read(l, uio);
  size_t done = len - uio.resid();
  if (!r.ok() && done == 0) return -to_int(r.error());  // a partial read counts, as on Linux
  return static_cast<int64_t>(done);
}

}  // namespace rk::kern
