// How the C API reaches etfs (rump_pub_etfs_*, NetBSD's rump_etfs(3)) without librump
// depending on the file system faction: etfs lives in librumpvfs (vfs/etfs/), whose etfs
// component installs these operations in every kernel it attaches to and removes them when it
// detaches. A kernel without the component answers ENOSYS.
#pragma once

#include <cstdint>

namespace rk::kern {

class Kernel;

// Installed with Kernel::set_etfs_ops. Called inside the kernel: on a virtual CPU, as the
// calling thread's lwp (etfs_register/etfs_remove below enter the kernel first). The strings
// are the caller's and stay valid for the call. Return 0 or an errno value.
struct EtfsOps {
  int (*reg)(Kernel& k, const char* key, const char* hostpath, int type, uint64_t begin,
             uint64_t size);
  int (*remove)(Kernel& k, const char* key);
  int (*set_cache)(Kernel& k, const char* key, int mode);
};

// Enter k from a client thread and run its etfs operation. 0 or an errno value: ENOSYS (no etfs
// component), ENXIO (k has halted), ENOMEM (no lwp for the entry), or the operation's error.
// May block.
int etfs_register(Kernel& k, const char* key, const char* hostpath, int type, uint64_t begin,
                  uint64_t size);
int etfs_remove(Kernel& k, const char* key);
int etfs_set_cache(Kernel& k, const char* key, int mode);

}  // namespace rk::kern
