// The server's system call descriptions, from the kernel's own table (links librump).
#include "kern/syscall.h"
#include "sysproxy/specs.h"

namespace rk::sysproxy {

static_assert(kMaxSyscallNr == kern::kSyscallMax);

SyscallSpecs SyscallSpecs::from_kernel_table() {
  SyscallSpecs specs;
  for (const kern::SyscallInfo& e : kern::syscall_table()) {
    WireSyscall w{};
    w.nr = static_cast<uint16_t>(e.nr);
    w.nargs = e.nargs;
    for (int i = 0; i < 6; ++i)
      w.args[i] = {static_cast<uint8_t>(e.args[i].kind), e.args[i].size_arg, 0, e.args[i].size};
    specs.add(w);
  }
  return specs;
}

}  // namespace rk::sysproxy
