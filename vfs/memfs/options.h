// Internals of memfs's option parsing, shared with remount.
#pragma once

#include <cstdint>

#include "kern/lib/result.h"
#include "vfs/memfs/memfs.h"

namespace rk::kern {
class Kernel;
}

namespace rk::vfs {

// Which options a string named.
inline constexpr unsigned kSeenSize = 1;
inline constexpr unsigned kSeenInodes = 2;
inline constexpr unsigned kSeenMode = 4;
inline constexpr unsigned kSeenUid = 8;
inline constexpr unsigned kSeenGid = 16;

// Applies the options in `data` to `out` (no defaults); *seen gets the kSeen* bits. EINVAL.
Result<void> memfs_parse_into(kern::Kernel& k, const char* data, MemFsOptions& out,
                              unsigned* seen);

// The memory a percentage or a default size refers to: the kernel's memory limit, or the
// host's memory when it has none (0: unknown).
uint64_t memfs_memory_size(kern::Kernel& k);

}  // namespace rk::vfs
