#include "vfs/mount.h"

#include "vfs/vfs.h"

#include "kern/kernel.h"

namespace rk::vfs {

Mount::Mount(kern::Kernel& kernel, const FileSystemType& type, uint64_t dev, uint32_t flags)
    : kernel_(kernel), type_(type), dev_(dev), flags_(flags) {}

void Mount::unbusy() {
  if (busy_.fetch_sub(1, std::memory_order_seq_cst) != 1) return;
  if (!detached_.load(std::memory_order_seq_cst)) return;
  // Without a VFS the kernel is being torn down, and its shutdown has finished every mount.
  if (Vfs* vfs = Vfs::find(kernel_)) vfs->finish_detached(*this);
}

void Mount::release_last() {
  // The file system was unmounted and its last vnode is gone. The path walk's fast path may
  // still be stepping through it: the memory goes after a grace period (kern/epoch.h).
  kernel_.epoch().retire(
      [](void* arg) {
        auto* m = static_cast<Mount*>(arg);
        m->kernel_.kmem().destroy(m);
      },
      this);
}

}  // namespace rk::vfs
