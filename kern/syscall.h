// The system call table: one table, Linux's numbers and semantics (DESIGN.md §4 "ABI").
//
// The same table serves local clients (rump_sys_*), the remote protocol and the hijack
// library: besides the handler, each entry describes its arguments, so that a remote call can
// carry the memory a call reads and writes inside its request and response.
#pragma once

#include <cstdint>
#include <span>

namespace rk::kern {

class Kernel;
class Lwp;

struct SyscallArgs {
  uint64_t a[6];
};

// Returns the result (>= 0) or a negated errno, as Linux's system calls do.
using SyscallFn = int64_t (*)(Lwp& l, const SyscallArgs& args);

// What an argument is, for marshalling.
enum class ArgKind : uint8_t {
  kNone,
  kInt,     // a number, passed as is
  kIn,      // pointer to memory the call reads: size bytes, or size * arg[size_arg]
  kOut,     // pointer to memory the call writes: likewise
  kInOut,   // both
  kString,  // pointer to a NUL-terminated string the call reads (at most 4096 bytes)
};

struct ArgSpec {
  ArgKind kind = ArgKind::kNone;
  int8_t size_arg = -1;  // index of the argument giving the length, or -1
  uint32_t size = 0;     // fixed size in bytes, or the element size when size_arg >= 0
};

struct SyscallInfo {
  unsigned nr;
  const char* name;
  SyscallFn fn;  // nullptr: provided by a component (ENOSYS until one attaches)
  uint8_t nargs;
  ArgSpec args[6];
};

inline constexpr unsigned kSyscallMax = 512;

// The whole table, and the entry for one number (nullptr: unknown to this kernel).
std::span<const SyscallInfo> syscall_table();
const SyscallInfo* syscall_info(unsigned nr);

// kern's own handlers, indexed by number (kSyscallMax entries).
const SyscallFn* base_syscall_handlers();

// Runs system call nr as l, which must be on a CPU of its kernel.
int64_t syscall_dispatch(Lwp& l, unsigned nr, const SyscallArgs& args);

}  // namespace rk::kern
