#include "vfs/mount.h"

#include "kern/kernel.h"

namespace rk::vfs {

Mount::Mount(kern::Kernel& kernel, const FileSystemType& type, uint64_t dev, uint32_t flags)
    : kernel_(kernel), type_(type), dev_(dev), flags_(flags) {}

void Mount::release_last() {
  // The file system was unmounted and its last vnode is gone.
  kern::Kernel& k = kernel_;
  k.kmem().destroy(this);
}

}  // namespace rk::vfs
