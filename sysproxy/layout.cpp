#include "sysproxy/layout.h"

#include "kern/abi/linux.h"
#include "kern/syscall.h"

namespace rk::sysproxy {
namespace {

using kern::ArgKind;
using namespace rk::abi;

constexpr WireArg kValueArg{static_cast<uint8_t>(ArgKind::kInt), -1, 0, 0};
constexpr WireArg kNoLayout{static_cast<uint8_t>(ArgKind::kNone), -1, 0, 0};
constexpr WireArg fixed(ArgKind k, uint32_t size) { return {static_cast<uint8_t>(k), -1, 0, size}; }
constexpr WireArg kStringArg{static_cast<uint8_t>(ArgKind::kString), -1, 0, 0};

// fcntl commands whose argument is a struct flock (vfs/lockf.h; Linux's values).
constexpr int kFGetlk = 5, kFSetlk = 6, kFSetlkw = 7;
constexpr int kFOfdGetlk = 36, kFOfdSetlk = 37, kFOfdSetlkw = 38;
constexpr uint32_t kFlockSize = 32;  // struct flock on x86-64
// ioctl requests whose argument the protocol knows (asm-generic/ioctls.h).
constexpr uint32_t kFionread = 0x541B, kFionbio = 0x5421, kFioasync = 0x5452;
constexpr uint32_t kFionclex = 0x5450, kFioclex = 0x5451;

}  // namespace

WireArg refine_arg(const WireSyscall& spec, int i, const uint64_t args[6]) {
  switch (spec.nr) {
    case kSysStat:
    case kSysLstat:
    case kSysFstat:
      if (i == 1) return fixed(ArgKind::kOut, sizeof(Stat));
      break;
    case kSysNewfstatat:
      if (i == 2) return fixed(ArgKind::kOut, sizeof(Stat));
      break;
    case kSysStatfs:
    case kSysFstatfs:
      if (i == 1) return fixed(ArgKind::kOut, sizeof(Statfs));
      break;
    case kSysStatx:
      if (i == 4) return fixed(ArgKind::kOut, sizeof(Statx));
      break;
    case kSysUtimensat:
      if (i == 2) return fixed(ArgKind::kIn, 2 * sizeof(Timespec));
      break;
    case kSysMount:
      // Linux file systems take their options as a string (tmpfs "size=64m").
      if (i == 4) return kStringArg;
      break;
    case kSysReboot:
      if (i == 3) return kStringArg;  // LINUX_REBOOT_CMD_RESTART2's command
      break;
    case kSysPoll:
      if (i == 0) return {static_cast<uint8_t>(ArgKind::kInOut), 1, 0, 8};  // struct pollfd
      break;
    case kSysPpoll:
      if (i == 0) return {static_cast<uint8_t>(ArgKind::kInOut), 1, 0, 8};
      if (i == 2) return fixed(ArgKind::kInOut, sizeof(Timespec));  // the time left comes back
      break;
    case kSysSelect:
    case kSysPselect6:
      // fd_sets of nfds bits, in whole longs, as Linux copies them; a negative nfds moves
      // nothing and the kernel says EINVAL.
      if (i >= 1 && i <= 3) {
        int64_t nfds = static_cast<int32_t>(args[0]);
        if (nfds < 0) return kValueArg;
        return fixed(ArgKind::kInOut, static_cast<uint32_t>((nfds + 63) / 64 * 8));
      }
      if (i == 4)
        return fixed(ArgKind::kInOut, spec.nr == kSysSelect ? sizeof(Timeval) : sizeof(Timespec));
      break;
    case kSysFcntl:
      if (i == 2) {
        int cmd = static_cast<int>(args[1]);
        if (cmd == kFGetlk || cmd == kFSetlk || cmd == kFSetlkw || cmd == kFOfdGetlk ||
            cmd == kFOfdSetlk || cmd == kFOfdSetlkw)
          return fixed(ArgKind::kInOut, kFlockSize);
        return kValueArg;  // every other command takes an int
      }
      break;
    case kSysIoctl:
      if (i == 2) {
        switch (static_cast<uint32_t>(args[1])) {
          case kFionread: return fixed(ArgKind::kOut, 4);
          case kFionbio:
          case kFioasync: return fixed(ArgKind::kIn, 4);
          case kFionclex:
          case kFioclex: return kValueArg;
          default: return kNoLayout;
        }
      }
      break;
    default:
      break;
  }
  return kNoLayout;
}

PlanStatus plan_call(const WireSyscall& spec, const uint64_t args[6], ArgPlan plan[6]) {
  PlanStatus status = PlanStatus::kOk;
  for (int i = 0; i < 6; ++i) plan[i] = {};
  for (int i = 0; i < spec.nargs && i < 6; ++i) {
    WireArg a = spec.args[i];
    auto kind = static_cast<ArgKind>(a.kind);
    if (kind == ArgKind::kNone) {
      a = refine_arg(spec, i, args);
      kind = static_cast<ArgKind>(a.kind);
    }
    if (kind == ArgKind::kInt) continue;
    if (args[i] == 0) continue;  // NULL travels as a value; the kernel answers EFAULT itself
    if (kind == ArgKind::kNone) {
      plan[i].pass = Pass::kUnsupported;
      status = PlanStatus::kUnsupported;
      continue;
    }
    if (kind == ArgKind::kString) {
      plan[i].pass = Pass::kString;
      continue;
    }
    uint64_t bytes = a.size;
    if (a.size_arg >= 0) {
      if (a.size_arg >= 6) return PlanStatus::kTooBig;
      uint64_t count = args[a.size_arg];
      // A negative int length reads as a huge count: too big, as it would be for Linux.
      if (a.size != 0 && count > kMaxArgBytes / a.size) return PlanStatus::kTooBig;
      bytes = count * a.size;
    }
    if (bytes > kMaxArgBytes) return PlanStatus::kTooBig;
    plan[i].bytes = static_cast<uint32_t>(bytes);
    plan[i].pass = kind == ArgKind::kIn    ? Pass::kIn
                   : kind == ArgKind::kOut ? Pass::kOut
                                           : Pass::kInOut;
    if (kind != ArgKind::kIn && kind != ArgKind::kOut && kind != ArgKind::kInOut)
      return PlanStatus::kTooBig;  // an ArgKind this protocol version does not know
  }
  return status;
}

void clamp_byte_counts(const WireSyscall& spec, uint64_t args[6]) {
  for (int i = 0; i < spec.nargs && i < 6; ++i) {
    const WireArg& a = spec.args[i];
    auto kind = static_cast<ArgKind>(a.kind);
    bool buffer = kind == ArgKind::kIn || kind == ArgKind::kOut || kind == ArgKind::kInOut;
    if (buffer && a.size == 1 && a.size_arg >= 0 && a.size_arg < 6 &&
        args[a.size_arg] > kMaxArgBytes)
      args[a.size_arg] = kMaxArgBytes;
  }
}

uint32_t result_bytes(const WireSyscall& spec, const ArgPlan& plan, int i, int64_t ret) {
  if (ret < 0) return 0;
  if (plan.pass != Pass::kOut && plan.pass != Pass::kInOut) return 0;
  const WireArg& a = spec.args[i];
  if (a.size_arg < 0 || static_cast<ArgKind>(a.kind) == ArgKind::kNone) return plan.bytes;
  if (static_cast<ArgKind>(a.kind) == ArgKind::kInOut) return plan.bytes;  // poll: whole array
  uint64_t n = static_cast<uint64_t>(ret) * a.size;
  if (a.size != 0 && static_cast<uint64_t>(ret) > plan.bytes / a.size) n = plan.bytes;
  return n < plan.bytes ? static_cast<uint32_t>(n) : plan.bytes;
}

}  // namespace rk::sysproxy
