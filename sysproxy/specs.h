// The system call descriptions both ends work from: the server builds them from its kernel's
// table (kern/syscall.h), the client receives them in the handshake (docs/PROTOCOL.md).
#pragma once

#include <cstdint>
#include <span>

#include "sysproxy/wire.h"

namespace rk::sysproxy {

inline constexpr uint32_t kMaxSyscallNr = 512;  // kern::kSyscallMax

class SyscallSpecs {
 public:
  // The running kernel's table (server side; links librump).
  static SyscallSpecs from_kernel_table();
  // Adds or replaces one entry; false for a number out of range or more than 6 arguments.
  bool add(const WireSyscall& s);
  const WireSyscall* find(uint64_t nr) const {
    return nr < kMaxSyscallNr && present_[nr] ? &entries_[nr] : nullptr;
  }
  uint32_t count() const { return count_; }
  // Calls fn(const WireSyscall&) for each entry in number order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (uint32_t nr = 0; nr < kMaxSyscallNr; ++nr)
      if (present_[nr]) fn(entries_[nr]);
  }

 private:
  WireSyscall entries_[kMaxSyscallNr] = {};
  bool present_[kMaxSyscallNr] = {};
  uint32_t count_ = 0;
};

}  // namespace rk::sysproxy
