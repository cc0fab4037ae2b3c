// Ext2Fs: one mounted ext2/ext3/ext4 file system: its superblock and group descriptors, the
// block and inode allocators, inode I/O and the cache of its vnodes.
//
// Blocks move through the kernel's buffer cache (vfs/buf/bufcache.h) in the file system's block
// size. A held block is an exclusive lock: the driver holds at most one at a time on every path
// (it copies what it needs and lets go before reading the next), so a corrupt image whose
// pointers loop back to a block already in use cannot deadlock it.
//
// Locks, in order:
//   1. vnode locks (the VFS's; vnode.h);
//   2. Ext2Node::meta_ (one node's in-memory inode);
//   3. alloc_lock_ (superblock counters, group descriptors, the bitmaps' contents);
//   4. cache_lock_ (the vnode cache), a leaf;
// and orphan_lock_ (nodes with no links still in use) before 2.
// and a held buffer is taken after all of those it is held with.
//
// The vnode cache holds a reference on every node it has: a node is found again by inode number
// for as long as it is cached. A node whose only reference is the cache's is idle: reap() drops
// such nodes (all, when the cache is over its size, and always those with no links left, whose
// storage is freed as they go). This needs no "try to take a reference" on a count that might
// be dropping to zero, which RefCounted does not offer.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <span>

#include "fs/ext2/format.h"
#include "fs/ext2/node.h"
#include "fs/ext2/superblock.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lock.h"
#include "vfs/blk/blkdev.h"
#include "vfs/buf/bufcache.h"
#include "vfs/mount.h"
#include "vfs/types.h"

namespace rk::kern {
class Kernel;
}

namespace rk::fs::ext2 {

class Ext2Node;

// The mount options this driver knows (others: EINVAL).
struct MountOptions {
  bool errors_ro = false;  // accepted, as Linux's errors=remount-ro (advisory here)
};

class Ext2Fs final : public vfs::FileSystem {
 public:
  // Reads and checks the superblock and group descriptors of m.device() and, for a read-write
  // mount, marks the file system in use on disk. EINVAL (not ext2/3/4, or an incompat feature
  // this driver cannot read), EROFS (rw with a feature it cannot write), EUCLEAN (corrupt), EIO.
  // The kernel log says why.
  static Result<Ref<Ext2Fs>> create(kern::Kernel& k, vfs::Mount& m, uint32_t flags,
                                    const char* data);

  Ref<vfs::Vnode> root() override;
  Result<void> statfs(vfs::StatFs& st) override;
  Result<void> sync() override;
  Result<void> unmount(bool force) override;
  Result<void> remount(uint32_t flags, const char* data) override;
  void release_last() override;

  kern::Kernel& kernel() const { return kernel_; }
  vfs::Mount& mount() const { return mount_; }
  vfs::BlockDevice& device() const { return *dev_; }
  const Geometry& geo() const { return geo_; }
  uint64_t dev() const { return st_dev_; }
  bool read_only() const { return read_only_.load(std::memory_order_relaxed); }
  Result<void> check_writable() const {
    if (read_only()) return Errno::kRoFs;
    return ok();
  }
  bool filetype() const { return geo_.has_incompat(incompat::kFiletype); }
  vfs::Timespec now() const;
  // Largest file size the block map (or extent tree) of this geometry can address.
  uint64_t max_file_size() const { return max_file_size_; }

  // Logs "ext2 (dev): what" at error level and returns EUCLEAN: every place that finds the image
  // inconsistent says so this way.
  Errno corrupt(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void warn(const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  // --- blocks ------------------------------------------------------------------------------
  // A block inside the file system (past the boot block, before the end).
  bool valid_block(uint64_t b) const { return b >= geo_.first_data_block && b < geo_.blocks_count; }
  // The block b, read (bread) or for overwriting (bget). EUCLEAN (b outside the file system),
  // EIO.
  Result<vfs::BufRef> bread(uint64_t b);
  Result<vfs::BufRef> bget(uint64_t b);
  void read_ahead(uint64_t b, uint32_t count);
  // Whole blocks b .. b+count-1 straight between the caller's memory and the disk, as
  // BufCache::read_direct/write_direct (for large file reads and writes). EUCLEAN (a block
  // outside the file system), EIO.
  Result<uint32_t> read_direct(uint64_t b, uint32_t count, std::span<const kern::IoVec> iov);
  Result<void> write_direct(uint64_t b, uint32_t count, std::span<const kern::IoVec> iov);

  // --- allocation (alloc.cpp) --------------------------------------------------------------
  // A free block, near `goal` when one is free there. ENOSPC.
  Result<uint64_t> alloc_block(uint64_t goal) RK_EXCLUDES(alloc_lock_);
  // Up to `max` free blocks from `first` on, all in first's group and one after the other (a
  // file's data growing past the block it just got): how many, 0 when `first` is taken.
  // EIO.
  Result<uint32_t> alloc_run(uint64_t first, uint32_t max) RK_EXCLUDES(alloc_lock_);
  // Gives block b back. A block outside the file system or already free is logged and left
  // alone: EUCLEAN (the caller stops freeing what points there). EIO.
  Result<void> free_block(uint64_t b) RK_EXCLUDES(alloc_lock_);
  // A free inode for a child of `parent`: directories go to a roomy group, files near their
  // directory. ENOSPC.
  Result<uint32_t> alloc_inode(uint32_t parent, bool dir) RK_EXCLUDES(alloc_lock_);
  void free_inode(uint32_t ino, bool dir) RK_EXCLUDES(alloc_lock_);
  // Sets the large_file feature (a file grew past 2 GiB).
  void need_large_file() RK_EXCLUDES(alloc_lock_);

  // --- inodes (inode.cpp) ------------------------------------------------------------------
  bool valid_ino(uint64_t ino) const { return ino >= 1 && ino <= geo_.inodes_count; }
  // Copies inode ino (its first min(inode_size, sizeof(Inode)) bytes, the rest zero) out of the
  // inode table, checking its checksum. EUCLEAN, EIO.
  Result<void> read_inode(uint32_t ino, Inode& out);
  // Writes the inode back: the 128-byte base and the large-inode fields i_extra_isize covers,
  // leaving in-inode extended attributes alone. With fresh, the whole slot is zeroed first.
  Result<void> write_inode(uint32_t ino, const Inode& in, bool fresh = false);
  // The in-inode extended attribute area of inode ino: the bytes after 128 + extra_isize up to
  // the inode size (nothing with 128-byte inodes). read copies *size bytes (the area's size,
  // set by the call; out holds at least inode_size bytes); write puts them back.
  Result<void> read_inode_xattr_area(uint32_t ino, uint16_t extra_isize, uint8_t* out,
                                     uint32_t* size);
  Result<void> write_inode_xattr_area(uint32_t ino, uint16_t extra_isize, const uint8_t* in,
                                      uint32_t size);
  // Marks the file system as having extended attribute blocks (the ext_attr feature).
  void need_ext_attr() RK_EXCLUDES(alloc_lock_);

  // --- the vnode cache (fs.cpp) ------------------------------------------------------------
  // The node for inode ino: the cached one, or read from disk. EUCLEAN (not an inode in use).
  Result<Ref<Ext2Node>> get_node(uint32_t ino) RK_EXCLUDES(cache_lock_);
  // A node just made for a fresh inode (create, mkdir, symlink), entered into the cache.
  Result<Ref<Ext2Node>> add_node(uint32_t ino, const Inode& inode) RK_EXCLUDES(cache_lock_);
  // A node lost its last link: it leaves the cache (nothing can find it by number any more), so
  // that its last user's reference frees its storage at once. The caller holds a reference.
  void uncache(Ext2Node& n) RK_EXCLUDES(cache_lock_);
  // Drops idle nodes (see above): those with no links left always, all when `all` or the cache
  // is over its size.
  void reap(bool all) RK_EXCLUDES(cache_lock_);

  // Writes the superblock and group descriptors (primary and backups) into the cache.
  Result<void> write_super() RK_EXCLUDES(alloc_lock_);

 private:
  Ext2Fs(kern::Kernel& k, vfs::Mount& m, vfs::BlockDevice& dev, bool read_only);
  ~Ext2Fs() override;
  Result<void> load(uint32_t flags, const char* data);
  Result<void> load_groups() RK_REQUIRES(alloc_lock_);
  Result<void> write_super_locked() RK_REQUIRES(alloc_lock_);
  void upgrade_revision_locked() RK_REQUIRES(alloc_lock_);
  Result<void> mark_mounted(bool mounted) RK_EXCLUDES(alloc_lock_);
  Ext2Node* cache_find_locked(uint32_t ino) RK_REQUIRES(cache_lock_);
  void cache_insert_locked(Ext2Node& n) RK_REQUIRES(cache_lock_);
  // Empties the vnode cache (unmount, a failed mount).
  void drop_cache() RK_EXCLUDES(cache_lock_);
  void vlog(int level, const char* fmt, va_list ap) __attribute__((format(printf, 3, 0)));

  // Group descriptor fields, whatever the descriptor size.
  GroupDesc& gd(uint32_t g) RK_REQUIRES(alloc_lock_);
  uint64_t gd_block_bitmap(uint32_t g) RK_REQUIRES(alloc_lock_);
  uint64_t gd_inode_bitmap(uint32_t g) RK_REQUIRES(alloc_lock_);
  uint32_t gd_free_blocks(uint32_t g) RK_REQUIRES(alloc_lock_);
  uint32_t gd_free_inodes(uint32_t g) RK_REQUIRES(alloc_lock_);
  uint32_t gd_used_dirs(uint32_t g) RK_REQUIRES(alloc_lock_);
  void gd_set_counts(uint32_t g, uint32_t free_blocks, uint32_t free_inodes, uint32_t dirs)
      RK_REQUIRES(alloc_lock_);
  Result<uint64_t> alloc_block_locked(uint64_t goal) RK_REQUIRES(alloc_lock_);
  Result<uint32_t> alloc_inode_in_locked(uint32_t g, bool dir) RK_REQUIRES(alloc_lock_);
  // The first block of group g's inode table (fixed after mount: no lock).
  uint64_t inode_table(uint32_t g) const { return itable_[g]; }

  kern::Kernel& kernel_;
  vfs::Mount& mount_;  // outlives us: it holds the reference that keeps us
  const Ref<vfs::BlockDevice> dev_;
  vfs::BufCache& cache_;
  const uint64_t st_dev_;
  std::atomic<bool> read_only_;
  std::atomic<bool> unmounted_{false};
  Geometry geo_{};              // fixed after load()
  uint64_t max_file_size_ = 0;  // fixed after load()
  uint64_t* itable_ = nullptr;  // inode table block of each group, fixed after load()

  kern::Mutex alloc_lock_;
  SuperBlock sb_ RK_GUARDED_BY(alloc_lock_){};
  uint8_t* gdt_ RK_GUARDED_BY(alloc_lock_) = nullptr;  // group_count * desc_size bytes
  uint64_t free_blocks_ RK_GUARDED_BY(alloc_lock_) = 0;
  uint64_t free_inodes_ RK_GUARDED_BY(alloc_lock_) = 0;
  uint32_t last_group_ RK_GUARDED_BY(alloc_lock_) = 0;  // where the last directory went
  bool dirty_super_ RK_GUARDED_BY(alloc_lock_) = false;

  // Nodes whose last link went while they were in use: their storage is freed by their last
  // user's release, or at unmount if they are still in use then (a forced unmount, a kernel
  // going away with files open), so that the image is left without orphans.
  kern::Mutex orphan_lock_;
  IntrusiveList<Ext2Node, &Ext2Node::orphan_link_> orphans_ RK_GUARDED_BY(orphan_lock_);

  kern::Mutex cache_lock_;
  static constexpr uint32_t kBuckets = 256;
  static constexpr uint32_t kCacheTarget = 2048;  // idle nodes kept beyond this are reaped
  Ext2Node* buckets_[kBuckets] RK_GUARDED_BY(cache_lock_) = {};
  uint32_t cached_ RK_GUARDED_BY(cache_lock_) = 0;

  friend class Ext2Node;
};

// The component's mount entry point: ext2, ext3 and ext4 are this one driver.
Result<Ref<vfs::FileSystem>> ext2_mount(kern::Kernel& k, vfs::Mount& m, const char* source,
                                        uint32_t flags, const char* data);

}  // namespace rk::fs::ext2
