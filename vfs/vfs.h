// The VFS of one kernel (the state of the "vfs" component): its file system types, its mount
// table with the in-memory root file system (rumpfs), and the per-process file system state
// (working directory, root, umask).
#pragma once

#include <cstdint>

#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lock.h"
#include "vfs/blk/blkdev.h"
#include "vfs/buf/bufcache.h"
#include "vfs/mount.h"
#include "vfs/vnode.h"

namespace rk::kern {
class Kernel;
class Lwp;
class Proc;
}  // namespace rk::kern

namespace rk::vfs {

// A process's view of the tree.
struct ProcFs {
  RefPtr<Vnode> cwd;   // null: the root
  RefPtr<Vnode> root;  // null: the kernel's root
  uint32_t umask = 022;
};

class Vfs {
 public:
  // The VFS of kernel k (the kernel must have the vfs component).
  static Vfs& of(kern::Kernel& k);
  static Vfs* find(kern::Kernel& k);  // nullptr without the component

  explicit Vfs(kern::Kernel& k);
  ~Vfs();
  Result<void> init();    // mounts rumpfs at /, creates /dev and its nodes
  void shutdown();        // syncs and unmounts everything

  kern::Kernel& kernel() const { return kernel_; }

  // --- file system types -----------------------------------------------------------------
  void register_type(FileSystemType& t) RK_EXCLUDES(lock_);
  void unregister_type(FileSystemType& t) RK_EXCLUDES(lock_);
  const FileSystemType* find_type(std::string_view name) RK_EXCLUDES(lock_);

  // --- the tree --------------------------------------------------------------------------
  // The kernel's root directory (the root of what is mounted on /).
  Ref<Vnode> root() RK_EXCLUDES(lock_);
  // What a directory vnode stands for once mounts are crossed downwards.
  Ref<Vnode> cross_down(Ref<Vnode> v);
  // The directory a mount covers, for ".." at the root of a mounted file system.
  RefPtr<Vnode> covered_by(Mount& m);

  // mount(2) on an already resolved mount point. EBUSY, ENODEV (unknown type), ENOTDIR, EPERM.
  Result<void> mount(kern::Lwp& l, const char* source, Vnode& target, const char* path,
                     const char* type, uint32_t flags, const char* data) RK_EXCLUDES(lock_);
  // umount2(2) on the root directory of a mounted file system. EINVAL (not a mount point),
  // EBUSY. MNT_DETACH takes it out of the tree at once and unmounts it when its last user
  // (open file, working or root directory, mount on top) lets go, as Linux's lazy unmount.
  Result<void> unmount(kern::Lwp& l, Vnode& root, uint32_t flags) RK_EXCLUDES(lock_);
  // A detached mount's last user went (Mount::unbusy): unmount it now.
  void finish_detached(Mount& m) RK_EXCLUDES(lock_);
  // sync(2): every file system.
  void sync_all() RK_EXCLUDES(lock_);
  // The mounts, one line each as in /proc/mounts: "source path type rw|ro,... 0 0\n".
  // Spaces, tabs, newlines and backslashes in names are escaped as \040 etc., as Linux does.
  // ERANGE when len is too small.
  Result<size_t> mounts_text(char* buf, size_t len) RK_EXCLUDES(lock_);
  // The file system types, one line each as in /proc/filesystems: "nodev\ttmpfs\n", "\text2\n".
  Result<size_t> types_text(char* buf, size_t len) RK_EXCLUDES(lock_);

  // The kernel's block devices and its buffer cache.
  BlockDevices& block_devices() { return blkdevs_; }
  BufCache& bufcache() { return bufcache_; }

  // A fresh device number for a file system that has no device of its own.
  uint64_t anon_dev() { return (0ull << 8) | next_anon_dev_.fetch_add(1); }

  // --- per-process state ------------------------------------------------------------------
  // The calling process's state, created (with defaults) on first use. ENOMEM.
  Result<ProcFs*> proc_fs(kern::Proc& p);
  // Read-only view: defaults when the process never changed anything.
  uint32_t umask_of(kern::Proc& p);
  Ref<Vnode> cwd_of(kern::Proc& p);
  Ref<Vnode> root_of(kern::Proc& p);
  // Serialises changes of a process's ProcFs (chdir, chroot, umask).
  kern::Mutex& proc_fs_lock() { return procfs_lock_; }

  // rename(2) across directories takes this first (the classic global rename lock), so two
  // renames cannot lock directories in opposite orders.
  kern::Mutex& rename_lock() { return rename_lock_; }
  // Guards Vnode::fifo_buffer of every named pipe.
  kern::Mutex& fifo_lock() { return fifo_lock_; }

 private:
  // The end of an unmount, once m is out of the tree and the table: sync, unmount, let go.
  void finish_unmount(Mount& m, bool force) RK_EXCLUDES(lock_);
  // Syncs and unmounts every mount of `type` (all of them for nullptr), newest first.
  void unmount_all(const FileSystemType* type) RK_EXCLUDES(lock_);
  // The block device a mount's source names: a block device node the caller may open, not
  // mounted elsewhere (claimed for m). ENOTBLK, ENXIO, EACCES (read-only device, rw mount).
  Result<void> attach_device(kern::Lwp& l, Mount& m, const char* source, uint32_t flags);
  // After the file system let go of it: drops its cached blocks and the claim.
  void detach_device(Mount& m);
  static Result<void*> procfs_fork(void* arg, void* parent);
  static void procfs_exit(void* arg, void* slot);

  kern::Kernel& kernel_;
  kern::Mutex lock_;  // types_ and mounts_
  kern::Mutex procfs_lock_;
  kern::Mutex rename_lock_;
  kern::Mutex fifo_lock_;
  BlockDevices blkdevs_;
  BufCache bufcache_;
  FileSystemType proc_type_;  // procfs, registered at init
  IntrusiveList<FileSystemType, &FileSystemType::node> types_ RK_GUARDED_BY(lock_);
  IntrusiveList<Mount, &Mount::node_> mounts_ RK_GUARDED_BY(lock_);
  IntrusiveList<Mount, &Mount::node_> detached_ RK_GUARDED_BY(lock_);  // lazily unmounted, busy
  RefPtr<Mount> root_mount_ RK_GUARDED_BY(lock_);
  // The root file system's root directory: fixed from init to shutdown, read without a lock.
  std::atomic<Vnode*> root_dir_{nullptr};
  int procfs_slot_ = -1;
  std::atomic<uint32_t> next_anon_dev_{1};
};

}  // namespace rk::vfs
