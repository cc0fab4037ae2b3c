// procfs: the kernel's state as text files, Linux's /proc for the parts a rump kernel has.
// Mount it as Linux does: rump_sys_mount("proc", "/proc", "proc", 0, NULL).
//
//   /proc/mounts       the mount table, as Linux's /proc/mounts ("source path type opts 0 0",
//                      spaces and the like escaped as \040)
//   /proc/filesystems  the file system types ("nodev\ttmpfs", "\text2")
//   /proc/meminfo      MemTotal (the memory limit, or the host's memory), MemFree, and the
//                      buffer cache's Buffers and Dirty, in kB
//   /proc/uptime       seconds since boot, and idle time (0.00: no accounting)
//   /proc/version      the kernel's name and version
//
// Files are generated when read: each read(2) makes the whole text anew and returns the part at
// its offset (a reader with a buffer of a page or more sees one consistent snapshot, as with
// Linux's seq_file). st_size is 0, as on Linux. Nothing can be created, written or removed.
#pragma once

#include "kern/lib/result.h"

namespace rk::vfs {

class Vfs;

struct FileSystemType;

// The "proc" file system type (the VFS registers it at init).
FileSystemType procfs_type();

}  // namespace rk::vfs
