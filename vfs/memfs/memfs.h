// memfs: the in-memory file system behind both rumpfs (the root every kernel boots with) and
// tmpfs (mountable any number of times, with limits). One implementation, configured by
// MemFsOptions.
//
// Everything a memfs stores — file pages, nodes, directory entries, symlink targets, its own
// tables — is kernel memory charged against the file system's limits (account.h) and allocated
// without sleeping, so running out of either the file system's limits or the kernel's memory
// limit answers ENOSPC, and removing files makes the space usable again.
#pragma once

#include <cstdint>

#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "vfs/mount.h"

namespace rk::kern {
class Kernel;
}

namespace rk::vfs {

inline constexpr uint64_t kTmpfsMagic = 0x01021994;  // statfs f_type of Linux's tmpfs
inline constexpr uint64_t kRamfsMagic = 0x858458f6;  // and of its ramfs (an initramfs root)

// Defaults make rumpfs: no limits, ramfs's magic. memfs_parse_options makes a tmpfs.
struct MemFsOptions {
  // File data, as size= (account.h: metadata shares it with a small allowance on top);
  // 0: bounded only by the kernel's memory limit.
  uint64_t max_bytes = 0;
  uint64_t max_inodes = 0;  // nodes (and extra hard links, as Linux's tmpfs counts); 0: no limit
  uint32_t root_mode = 01777;  // permission bits of the root directory
  uint32_t root_uid = 0;
  uint32_t root_gid = 0;
  uint64_t magic = kRamfsMagic;  // statfs f_type
};

// Creates an empty file system for mount m (its root directory made from opts). ENOMEM. The
// caller (the VFS) must call unmount() on it at the end: the root it holds until then keeps
// the file system alive.
Result<Ref<FileSystem>> memfs_create(kern::Kernel& k, Mount& m, const MemFsOptions& opts);

// Parses tmpfs's mount options (Linux's syntax, comma separated; data may be null):
//   size=N[k|m|g|t] or size=N%   bytes (rounded up to whole pages), or a percentage of the
//                                kernel's memory limit (of host memory when it has none);
//                                0: no limit
//   nr_blocks=N[k|m|g]           the same in pages
//   nr_inodes=N[k|m|g]           0: no limit
//   mode=OCTAL  uid=N  gid=N     the root directory
// and the generic flags Linux accepts in the data string (ro, rw, sync, ...), which are left to
// the VFS. Defaults as Linux: half the memory and one inode per two of its pages, mode 1777.
// EINVAL for anything else.
Result<MemFsOptions> memfs_parse_options(kern::Kernel& k, const char* data);

}  // namespace rk::vfs
