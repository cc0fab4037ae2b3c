// EtfsFs: the file system of one etfs registration (etfs.h), mounted over the key's name. Its
// root is the node standing for the host file or directory.
#pragma once

#include <cstdint>

#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lock.h"
#include "vfs/etfs/node.h"
#include "vfs/mount.h"
#include "vfs/types.h"

namespace rk::kern {
class Kernel;
}

namespace rk::vfs {

class EtfsFs final : public FileSystem {
 public:
  // The file system for mount m, its root made from `root` (whose fd it owns from the call on,
  // closed if the call fails). ENOMEM.
  static Result<Ref<EtfsFs>> create(kern::Kernel& k, Mount& m, const EtfsNode::Spec& root);

  // The root node; after unmount, a husk standing in for it (made anew each time).
  Ref<Vnode> root() override RK_EXCLUDES(lock_);
  Result<void> statfs(StatFs& st) override;
  // The root's host file to stable storage (fdatasync); nothing for a directory.
  Result<void> sync() override RK_EXCLUDES(lock_);
  // Drops the root (its host file is closed when the last holder lets go of it) and points the
  // cover (below) away from this mount.
  Result<void> unmount(bool force) override RK_EXCLUDES(lock_);
  // EROFS when asked to become writable on a host file open for reading only.
  Result<void> remount(uint32_t flags, const char* data) override;
  void release_last() override;

  // A file or device key is mounted on an unnamed directory; `name` is the node at the key
  // that path lookup finds: this points it at the mount (Vnode::set_mounted_here), and unmount
  // points it away again, so the Mount is never reachable from it after unmount. The root
  // takes the name's inode number. EBUSY when already unmounted (by a client's umount2).
  Result<void> set_cover(Ref<Vnode> name) RK_EXCLUDES(lock_);
  bool unmounted() const RK_EXCLUDES(lock_);

  kern::Kernel& kernel() const { return kernel_; }
  // The mount (alive while any node is: nodes hold references on it).
  Mount& mount() const { return mount_; }
  Timespec now() const;

 private:
  EtfsFs(kern::Kernel& k, Mount& m, VType root_type, uint64_t root_ino, bool read_only);
  ~EtfsFs() override = default;

  kern::Kernel& kernel_;
  Mount& mount_;
  const VType root_type_;
  const uint64_t root_ino_;
  const bool read_only_;  // the root's host file is open for reading only

  mutable kern::Mutex lock_;  // a leaf
  RefPtr<EtfsNode> root_ RK_GUARDED_BY(lock_);  // until unmount
  RefPtr<Vnode> cover_ RK_GUARDED_BY(lock_);    // until unmount
  bool unmounted_ RK_GUARDED_BY(lock_) = false;
};

}  // namespace rk::vfs
