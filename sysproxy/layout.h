// How each argument of a remote system call travels: by value, or as bytes carried in the
// request (kIn, kString), in the response (kOut) or both (kInOut).
//
// The kernel's system call table (kern/syscall.h) describes most arguments; the few it leaves
// to "the component" (ArgKind::kNone inside nargs: struct stat, fcntl's and ioctl's third
// argument, mount's data, ...) are described here by number, once, for both ends. Client and
// server run the same code on the same numbers, so they agree on every byte count without
// trusting each other: the server recomputes every size from the integer arguments.
#pragma once

#include <cstdint>

#include "sysproxy/wire.h"

namespace rk::sysproxy {

enum class Pass : uint8_t {
  kValue,        // an integer, or a pointer argument that is NULL
  kIn,           // `bytes` bytes the call reads
  kOut,          // `bytes` bytes the call may write
  kInOut,        // both
  kString,       // a NUL-terminated string of at most kMaxString bytes
  kUnsupported,  // a pointer whose layout the protocol does not know: the call is ENOSYS
};

struct ArgPlan {
  Pass pass = Pass::kValue;
  uint32_t bytes = 0;  // kIn, kOut, kInOut: the buffer's size
};

enum class PlanStatus { kOk, kTooBig, kUnsupported };

// Plans each of spec.nargs arguments (the rest are kValue). A pointer argument whose value is 0
// is planned as kValue (it travels as NULL). kTooBig: a buffer over kMaxArgBytes (the client
// refuses such a call with EINVAL; a server closes the connection that sent it).
PlanStatus plan_call(const WireSyscall& spec, const uint64_t args[6], ArgPlan plan[6]);

// Client side, before planning: a byte buffer whose length argument exceeds kMaxArgBytes is
// cut to kMaxArgBytes (read and write then return a short count, which Linux allows).
void clamp_byte_counts(const WireSyscall& spec, uint64_t args[6]);

// How many bytes of output argument i the result carries: all of a fixed-size buffer; for a
// buffer sized by another argument, the call's result counts the elements written.
uint32_t result_bytes(const WireSyscall& spec, const ArgPlan& plan, int i, int64_t ret);

// The layout the protocol gives an argument the kernel's table leaves undescribed.
WireArg refine_arg(const WireSyscall& spec, int i, const uint64_t args[6]);

}  // namespace rk::sysproxy
