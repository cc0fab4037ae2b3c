// Mounted file systems. A FileSystemType makes FileSystem instances; a Mount places one in a
// kernel's tree, covering a directory vnode. The Mount outlives every vnode of its file system
// (vnodes point at it): it is freed only after the file system has dropped all its nodes.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lib/string.h"
#include "vfs/blk/blkdev.h"
#include "vfs/vnode.h"

namespace rk::kern {
class Kernel;
class Kmem;
}  // namespace rk::kern

namespace rk::vfs {

class BlockDevice;
class Mount;

// statfs(2) figures, in Linux's terms.
struct StatFs {
  uint64_t type = 0;     // f_type magic (TMPFS_MAGIC, EXT2_SUPER_MAGIC, ...)
  uint64_t bsize = 4096;
  uint64_t blocks = 0;
  uint64_t bfree = 0;
  uint64_t bavail = 0;
  uint64_t files = 0;
  uint64_t ffree = 0;
  uint64_t namelen = kNameMax;
  uint64_t frsize = 4096;
};

// One mounted instance of a file system.
class FileSystem : public RefCounted<FileSystem> {
 public:
  FileSystem(const FileSystem&) = delete;
  FileSystem& operator=(const FileSystem&) = delete;

  virtual Ref<Vnode> root() = 0;
  // The root for the path walk's fast path: no reference, inside an epoch section
  // (kern/epoch.h), valid until it ends; nullptr when unmounted or not offered.
  virtual Vnode* root_rcu() { return nullptr; }
  virtual Result<void> statfs(StatFs& st) = 0;
  // Writes everything dirty to stable storage.
  virtual Result<void> sync() { return ok(); }
  // The mount is going away (the VFS checked nothing uses it, unless forced): drop every node
  // (their storage too, for an in-memory file system) and flush.
  virtual Result<void> unmount(bool force) = 0;
  // Remount with new flags (MS_RDONLY ...) and data; EINVAL for options it cannot change.
  virtual Result<void> remount(uint32_t flags, const char* data) { return ok(); }
  virtual void release_last() = 0;

 protected:
  FileSystem() = default;
  virtual ~FileSystem() = default;
};

// A kind of file system, registered by its component with the kernel's Vfs.
struct FileSystemType {
  const char* name;  // "tmpfs", "ext2", ...
  bool needs_device;  // source names a block device (else it is free text)
  // Creates the file system for `m` (data: the mount options string, may be null).
  Result<Ref<FileSystem>> (*mount)(kern::Kernel& k, Mount& m, const char* source,
                                   uint32_t flags, const char* data);
  ListNode<FileSystemType> node;  // in Vfs::types_
};

// Linux mount flags the VFS itself understands.
inline constexpr uint32_t kMsRdonly = 1;
inline constexpr uint32_t kMsNosuid = 2;
inline constexpr uint32_t kMsNodev = 4;
inline constexpr uint32_t kMsNoexec = 8;
inline constexpr uint32_t kMsRemount = 32;
inline constexpr uint32_t kMsBind = 4096;
inline constexpr uint32_t kMntForce = 1;    // umount2 flags
inline constexpr uint32_t kMntDetach = 2;
inline constexpr uint32_t kUmountNofollow = 8;

// A Mount is referenced by the mount table while it is mounted and by every vnode of its file
// system; it is freed after both are gone. Separately, it counts the users that keep it
// mounted (busy): open files, working and root directories, mounts on top of it.
class Mount final : public RefCounted<Mount> {
 public:
  kern::Kernel& kernel() const { return kernel_; }
  FileSystem& fs() const { return *fs_; }
  const FileSystemType& type() const { return type_; }
  uint32_t flags() const { return flags_.load(std::memory_order_relaxed); }
  bool read_only() const { return flags() & kMsRdonly; }
  uint64_t dev() const { return dev_; }             // st_dev of its files
  Vnode* covered() const { return covered_.get(); }  // nullptr for the root file system
  Mount* parent() const { return parent_; }
  const char* source() const { return source_.c_str(); }
  const char* path() const { return path_.c_str(); }  // where it is mounted, as given
  // The block device it is mounted from (types with needs_device), or nullptr. The VFS claims
  // it (BlockDevice::claim) before FileSystemType::mount and, after FileSystem::unmount, drops
  // its cached blocks and lets it go.
  BlockDevice* device() const { return device_.get(); }

  // Users that keep it mounted (open files, working directories, mounts on top): unmount
  // answers EBUSY while there are any.
  void busy() { busy_.fetch_add(1, std::memory_order_relaxed); }
  // The last user of a lazily unmounted (MNT_DETACH) mount finishes its unmount.
  void unbusy();
  int busy_count() const { return busy_.load(std::memory_order_acquire); }

  void release_last();

 private:
  friend class Vfs;
  friend class kern::Kmem;
  Mount(kern::Kernel& kernel, const FileSystemType& type, uint64_t dev, uint32_t flags);

  kern::Kernel& kernel_;
  const FileSystemType& type_;
  const uint64_t dev_;
  std::atomic<uint32_t> flags_;
  RefPtr<FileSystem> fs_;      // set once mounted
  RefPtr<Vnode> covered_;      // keeps the mount point alive
  RefPtr<BlockDevice> device_;
  Mount* parent_ = nullptr;    // kept alive by being busy with us
  FixedString<256> source_;
  FixedString<512> path_;
  std::atomic<int> busy_{0};
  std::atomic<bool> detached_{false};  // out of the tree, unmounted when no longer busy
  ListNode<Mount> node_;       // in Vfs::mounts_, or Vfs::detached_ once detached
};

}  // namespace rk::vfs
