// The kernel's handle on its host: thin inline wrappers over the rumpuser_ops table.
//
// Calls the interface marks BLOCKS are made only through block_on()/the wrappers here that
// give the virtual CPU back first (the vCPU rule, DESIGN.md §1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rump/rumpuser.h"

namespace rk::kern {

class Hyp {
 public:
  explicit Hyp(const rumpuser_ops& ops) : ops_(&ops) {}

  const rumpuser_ops& ops() const { return *ops_; }
  void* host() const { return ops_->host; }

  // Non-blocking calls.
  int malloc(size_t len, size_t align, void** out) const {
    return ops_->malloc(host(), len, align, out);
  }
  void free(void* p, size_t len) const { ops_->free(host(), p, len); }
  void putstr(std::string_view s) const { ops_->putstr(host(), s.data(), s.size()); }
  void backtrace() const { ops_->backtrace(host()); }
  [[noreturn]] void exit(int status) const {
    ops_->exit(host(), status);
    __builtin_trap();  // a host whose exit returned is broken
  }
  int getparam(const char* name, char* buf, size_t len) const {
    return ops_->getparam(host(), name, buf, len);
  }
  // Nanoseconds on the host's monotonic clock, or since the epoch for the wall clock.
  int64_t monotonic_ns() const { return clock_ns(RUMPUSER_CLOCK_ABSMONO); }
  int64_t wall_ns() const { return clock_ns(RUMPUSER_CLOCK_RELWALL); }

 private:
  int64_t clock_ns(int clock) const {
    int64_t sec = 0;
    long nsec = 0;
    ops_->clock_gettime(host(), clock, &sec, &nsec);
    return sec * 1000000000 + nsec;
  }

  const rumpuser_ops* ops_;  // static table owned by the host; outlives every kernel
};

}  // namespace rk::kern
