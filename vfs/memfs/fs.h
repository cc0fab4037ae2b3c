// MemFs: one mounted memfs (rumpfs or a tmpfs): its account, its root, inode numbers, statfs,
// remount and unmount.
#pragma once

#include <atomic>
#include <cstdint>

#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lock.h"
#include "vfs/memfs/account.h"
#include "vfs/memfs/memfs.h"
#include "vfs/mount.h"
#include "vfs/types.h"

namespace rk::kern {
class Kernel;
}

namespace rk::vfs {

class MemNode;

inline constexpr uint64_t kRootIno = 1;  // the root directory's inode number, as Linux's tmpfs

class MemFs final : public FileSystem {
 public:
  static Result<Ref<MemFs>> create(kern::Kernel& k, Mount& m, const MemFsOptions& opts);

  // The root directory. After unmount: an empty, removed directory standing in for it (made
  // anew each time; the old root lives on only for those who hold it).
  Ref<Vnode> root() override RK_EXCLUDES(root_lock_);
  Vnode* root_rcu() override;
  Result<void> statfs(StatFs& st) override;
  // Frees the whole tree. Nodes held elsewhere (open files, working directories) stay valid,
  // unlinked, until their last reference. Takes each directory's vnode lock in turn: the caller
  // holds none of this file system's.
  Result<void> unmount(bool force) override RK_EXCLUDES(root_lock_);
  // Changes size= and nr_inodes= (EINVAL below what is used, or to limit what had no limit);
  // mode, uid and gid are ignored, as Linux does.
  Result<void> remount(uint32_t flags, const char* data) override;
  void release_last() override;

  kern::Kernel& kernel() const { return kernel_; }
  // The mount (alive while any node is: nodes hold references on it).
  Mount& mount() const { return mount_; }
  uint64_t dev() const { return dev_; }
  MemAccount& account() { return account_; }
  uint64_t next_ino() { return next_ino_.fetch_add(1, std::memory_order_relaxed); }
  Timespec now() const;

  // Frees an unreferenced node. Freeing one can drop the last reference of another (a removed
  // directory holds its last parent): those are queued and freed by the same loop rather than
  // recursively, so a long chain cannot exhaust the stack. A node queued while another thread
  // drains is freed by that thread.
  void free_node(MemNode& n) RK_EXCLUDES(drain_lock_);

 private:
  MemFs(kern::Kernel& k, Mount& m, const MemFsOptions& opts);
  ~MemFs() override;

  kern::Kernel& kernel_;
  Mount& mount_;
  const uint64_t dev_;
  const uint64_t magic_;
  MemAccount account_;
  std::atomic<uint64_t> next_ino_{1};

  kern::Mutex root_lock_;
  RefPtr<MemNode> root_ RK_GUARDED_BY(root_lock_);  // until unmount
  std::atomic<MemNode*> root_rcu_{nullptr};          // root_, for lock-free readers

  kern::Mutex drain_lock_;  // a leaf
  MemNode* dying_ RK_GUARDED_BY(drain_lock_) = nullptr;  // to free, through dying_next_
  bool draining_ RK_GUARDED_BY(drain_lock_) = false;
};

}  // namespace rk::vfs
