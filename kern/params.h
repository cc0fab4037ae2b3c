// Bootstrap parameters (DESIGN.md §4): RUMP_NCPU, RUMP_VERBOSE, RUMP_MEMLIMIT from the
// environment, or the same keys in a "key=value,key=value" string.
#pragma once

#include <cstdint>

#include "kern/lib/result.h"

namespace rk::kern {

class Hyp;

struct BootParams {
  unsigned ncpu = 2;
  bool verbose = false;
  uint64_t memlimit = 0;  // bytes; 0: no limit
};

inline constexpr unsigned kMaxCpus = 256;

// Parses "ncpu=1,memlimit=32m,verbose=1" (nullptr or "": defaults). On a bad key or value,
// prints one line naming it and what is accepted, and returns EINVAL.
Result<BootParams> parse_params(const Hyp& hyp, const char* params);
// Reads RUMP_NCPU, RUMP_VERBOSE and RUMP_MEMLIMIT through the host; same errors.
Result<BootParams> params_from_host(const Hyp& hyp);

}  // namespace rk::kern
