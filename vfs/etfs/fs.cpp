#include "vfs/etfs/fs.h"

#include <new>

#include "kern/kernel.h"
#include "vfs/etfs/etfs.h"
#include "vfs/etfs/host.h"

namespace rk::vfs {

EtfsFs::EtfsFs(kern::Kernel& k, Mount& m, VType root_type, uint64_t root_ino, bool read_only)
    : kernel_(k), mount_(m), root_type_(root_type), root_ino_(root_ino), read_only_(read_only),
      lock_(k) {}

Result<Ref<EtfsFs>> EtfsFs::create(kern::Kernel& k, Mount& m, const EtfsNode::Spec& root) {
  void* mem = k.kmem().alloc(sizeof(EtfsFs), kern::KmFlags::kNoSleep, alignof(EtfsFs));
  if (mem == nullptr) {
    etfs_host::close(k, root.fd);
    return Errno::kNoMem;
  }
  Ref<EtfsFs> fs = Ref<EtfsFs>::adopt(*new (mem) EtfsFs(k, m, root.type, root.ino, root.read_only));
  Ref<EtfsNode> node = RK_TRY(EtfsNode::create(*fs, root, nullptr));
  kern::MutexGuard g(fs->lock_);
  fs->root_ = std::move(node);
  return fs;
}

void EtfsFs::release_last() {
  kern::Kmem& km = kernel_.kmem();
  this->~EtfsFs();
  km.free(this, sizeof(EtfsFs));
}

Timespec EtfsFs::now() const {
  int64_t ns = kernel_.hyp().wall_ns();
  return {ns / 1000000000, ns % 1000000000};
}

Ref<Vnode> EtfsFs::root() {
  {
    kern::MutexGuard g(lock_);
    if (root_) return Ref<Vnode>(*root_);
  }
  // Unmounted: the old root is never handed out again (its count may have reached zero).
  Ref<EtfsNode> husk = EtfsNode::create_husk(*this, root_type_, root_ino_);
  return Ref<Vnode>(*husk);
}

Result<void> EtfsFs::statfs(StatFs& st) {
  // Nothing is known of the host file system's space (no hypercall says it).
  st.type = kEtfsMagic;
  st.bsize = st.frsize = 4096;
  st.namelen = kNameMax;
  st.blocks = st.bfree = st.bavail = 0;
  st.files = st.ffree = 0;
  return ok();
}

Result<void> EtfsFs::sync() {
  RefPtr<EtfsNode> root;
  {
    kern::MutexGuard g(lock_);
    root = root_;
  }
  if (!root) return ok();
  return root->fsync(true);
}

Result<void> EtfsFs::unmount(bool) {
  RefPtr<EtfsNode> root;
  RefPtr<Vnode> cover;
  {
    kern::MutexGuard g(lock_);
    unmounted_ = true;
    root = std::move(root_);
    cover = std::move(cover_);
    // Before the VFS lets go of the mount: a lookup that finds the cover from now on sees the
    // name itself, never a pointer to a freed mount.
    if (cover && cover->mounted_here() == &mount_) cover->set_mounted_here(nullptr);
  }
  return ok();  // root and cover go here; the root's host file closes with its last holder
}

Result<void> EtfsFs::remount(uint32_t flags, const char*) {
  if (read_only_ && !(flags & kMsRdonly)) return Errno::kRoFs;
  return ok();
}

Result<void> EtfsFs::set_cover(Ref<Vnode> name) {
  Vattr va;
  {
    kern::ReadGuard g(name->lock());
    RK_TRY(name->getattr(va));
  }
  kern::MutexGuard g(lock_);
  if (unmounted_) return Errno::kBusy;
  if (root_) root_->set_ino(va.ino);  // readdir of the key's directory shows this number
  name->set_mounted_here(&mount_);
  cover_ = RefPtr<Vnode>(std::move(name));
  return ok();
}

bool EtfsFs::unmounted() const {
  kern::MutexGuard g(lock_);
  return unmounted_;
}

}  // namespace rk::vfs
