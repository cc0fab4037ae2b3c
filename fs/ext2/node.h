// Ext2Node: the vnode of one ext2 inode.
//
// The node keeps a copy of its on-disk inode (inode_) under meta_, and writes it back into the
// buffer cache whenever it changes, so the cached copy never holds anything the disk does not
// (what makes dropping an idle node free). meta_ is needed because operations on other nodes
// change this one without its vnode lock: link/remove/rename change its link count and ctime.
// The VFS's vnode lock orders everything else (vnode.h): reading the block map needs it shared,
// changing the map (write, truncate) or a directory's entries exclusive.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "fs/ext2/dir_index.h"
#include "fs/ext2/format.h"
#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lock.h"
#include "vfs/buf/bufcache.h"
#include "vfs/types.h"
#include "vfs/vnode.h"

namespace rk::fs::ext2 {

class Ext2Fs;
struct Ext2XattrSet;  // node_xattr.cpp

// Where a directory entry lives.
struct DirSlot {
  uint64_t lblk = 0;    // logical block of the directory
  uint32_t offset = 0;  // of the entry in the block
  uint32_t prev = 0;    // offset of the entry before it in the block (== offset: first)
  uint32_t ino = 0;
  uint8_t file_type = 0;
};

class Ext2Node final : public vfs::Vnode {
 public:
  // A node for inode ino with contents `inode`, checked: EUCLEAN (not a plausible inode in
  // use). The caller enters it into the file system's cache.
  static Result<Ref<Ext2Node>> make(Ext2Fs& fs, uint32_t ino, const Inode& inode);

  Ext2Fs& fs() const { return *fs_; }
  uint32_t ino() const { return ino_; }
  uint32_t links() const RK_EXCLUDES(meta_);

  // --- directories (dir.cpp, rename.cpp) ---------------------------------------------------
  Result<Ref<vfs::Vnode>> lookup(std::string_view name) override;
  Result<Ref<vfs::Vnode>> create(std::string_view name, vfs::VType type, uint32_t mode,
                                 uint32_t uid, uint32_t gid, uint64_t rdev) override;
  Result<Ref<vfs::Vnode>> symlink(std::string_view name, std::string_view target, uint32_t uid,
                                  uint32_t gid) override;
  Result<void> link(std::string_view name, vfs::Vnode& target) override;
  Result<void> remove(std::string_view name, vfs::Vnode& node) override;
  Result<void> rmdir(std::string_view name, vfs::Vnode& node) override;
  Result<void> rename(std::string_view name, vfs::Vnode& node, vfs::Vnode& to_dir,
                      std::string_view to_name, vfs::Vnode* replaced, bool exchange) override;
  Result<void> readdir(uint64_t* cookie, vfs::DirSink& sink) override;

  // --- contents (file.cpp) -----------------------------------------------------------------
  Result<void> read(vfs::Uio& uio) override;
  Result<void> write(vfs::Uio& uio) override;
  Result<void> readlink(vfs::Uio& uio) override;
  Result<void> fsync(bool data_only) override;
  // Mode 0 and FALLOC_FL_KEEP_SIZE (inside the file) allocate zeroed blocks;
  // FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE zeroes and frees. Others: EOPNOTSUPP.
  Result<void> fallocate(int mode, uint64_t offset, uint64_t len) override;
  Result<uint64_t> seek_data(uint64_t off, bool hole) override;

  // --- attributes (node.cpp) ---------------------------------------------------------------
  Result<void> getattr(vfs::Vattr& va) override RK_EXCLUDES(meta_);
  Result<void> setattr(const vfs::SetAttr& sa) override RK_EXCLUDES(meta_);

  // --- extended attributes (node_xattr.cpp) ------------------------------------------------
  // user., trusted. and security. names, read from the inode's own area and its attribute
  // block; changes go to the block, as Linux's ext2 writes them (copied first if it is shared),
  // and a name found in the inode's area moves out of it. A value larger than a block: ERANGE;
  // a set that does not fit one block: ENOSPC.
  Result<size_t> getxattr(std::string_view name, void* buf, size_t size) override;
  Result<size_t> listxattr(const kern::Cred& cred, char* buf, size_t size) override;
  Result<void> setxattr(std::string_view name, const void* value, size_t size, int flags) override;
  Result<void> removexattr(std::string_view name) override;

  void inactive() override;

  // --- for the file system -----------------------------------------------------------------
  // The inode's size, i_block and flags (a snapshot).
  uint64_t size() const RK_EXCLUDES(meta_);
  // Frees the inode's blocks and the inode itself (its last link and user are gone).
  void free_storage() RK_EXCLUDES(meta_);

 private:
  Ext2Node(Ext2Fs& fs, uint32_t ino, vfs::VType type, const Inode& inode);
  ~Ext2Node() override;
  friend class Ext2Fs;

  static vfs::VType type_of(uint16_t mode);
  // `v` as a node of this file system: EXDEV for another file system's.
  Result<Ext2Node*> same_fs(vfs::Vnode& v) const;

  // Inode fields (node.cpp). The setters write the inode back.
  Result<void> store_locked() RK_REQUIRES(meta_);
  uint64_t size_locked() const RK_REQUIRES(meta_);
  void set_size_locked(uint64_t size) RK_REQUIRES(meta_);
  void set_times_locked(bool m, bool c, vfs::Timespec t) RK_REQUIRES(meta_);
  Result<void> touch(bool m, bool c) RK_EXCLUDES(meta_);
  // Link count changes (delta +1/-1; clear: to zero). EMLINK.
  Result<void> change_links(int delta, bool clear = false) RK_EXCLUDES(meta_);

  // Block map (bmap.cpp, extent.cpp). Logical block -> physical block, 0 for a hole.
  Result<uint64_t> bmap(uint64_t lblk) RK_EXCLUDES(meta_);
  // As bmap, allocating the block (and any indirect block on the way) when it is a hole;
  // *fresh says it was. EFBIG past what the map can address, ENOSPC, EROFS (extents).
  Result<uint64_t> bmap_alloc(uint64_t lblk, bool* fresh) RK_EXCLUDES(meta_);
  // As bmap; for a hole, *hole_run says how many blocks from lblk on are surely holes too.
  Result<uint64_t> bmap_span(uint64_t lblk, uint64_t* hole_run) RK_EXCLUDES(meta_);
  // read()'s streaming part: whole blocks from the uio's position (up to `size`, the file's)
  // that follow each other on the disk, read straight into the caller's memory unless cached;
  // the bytes moved (0: the block there is a hole or cached, read it the cached way). EIO.
  Result<size_t> read_direct(vfs::Uio& uio, uint64_t size) RK_EXCLUDES(meta_);
  // write()'s streaming part: whole blocks from the uio's position (at most up to `max`)
  // mapped and written straight to the disk; the bytes moved (0: none could be, the caller
  // goes the cached way). ENOSPC, EFBIG, EIO, EFAULT.
  Result<size_t> write_direct(vfs::Uio& uio, uint64_t max) RK_EXCLUDES(meta_);
  // As bmap_alloc for lblk; when its block is fresh, the holes after it (in the same map
  // block, at most max - 1) get the free blocks right after it, in one allocation. *run: how
  // many logical blocks from lblk were mapped that way (1 when not fresh, or nothing followed).
  Result<uint64_t> bmap_alloc_run(uint64_t lblk, uint32_t max, uint32_t* run, bool* fresh)
      RK_EXCLUDES(meta_);
  // As bmap; *run says how many logical blocks from lblk on (at most max, 1 for a hole) lie on
  // the physical blocks one after the other from the one returned.
  Result<uint64_t> bmap_run(uint64_t lblk, uint32_t max, uint32_t* run) RK_EXCLUDES(meta_);
  // The roots of the block map, copied under meta_ for a walk without it.
  struct MapRoots {
    uint32_t block[kNBlocks];  // i_block
    uint32_t flags;            // i_flags (kExtentsFl: block holds an extent tree)
    uint32_t generation;       // i_generation, for the extent blocks' checksums
  };
  MapRoots map_roots() RK_EXCLUDES(meta_);
  // Frees the blocks of logical blocks [from, to) (and indirect blocks left empty).
  Result<void> free_range(uint64_t from, uint64_t to) RK_EXCLUDES(meta_);
  Result<void> free_blocks_from(uint64_t from) RK_EXCLUDES(meta_) {
    return free_range(from, UINT64_MAX);
  }
  Result<uint64_t> extent_map(uint64_t lblk, const uint32_t* iblock, uint32_t generation);
  void add_blocks(int64_t n) RK_EXCLUDES(meta_);  // i_blocks in file system blocks
  // Frees what an indirect block of `level` (1: pointers to data) covering logical blocks from
  // `base` holds at or after `from`; true when the block itself went too. *freed counts.
  Result<bool> free_subtree(uint64_t blk, int level, uint64_t base, uint64_t from, uint64_t to,
                            uint64_t* freed);
  // Zeroes bytes [from, to) of the file that lie in one block, where it is allocated.
  Result<void> zero_range(uint64_t from, uint64_t to);

  // File contents (file.cpp).
  Result<void> truncate(uint64_t size) RK_EXCLUDES(meta_);
  Result<void> zero_tail(uint64_t size);

  // Directory helpers (dir.cpp).
  Result<void> check_dir() const;  // ENOTDIR
  // The entry `name`: ENOENT.
  Result<DirSlot> find_entry(std::string_view name);
  // Adds name -> ino in a block with room, or a new block. ENOSPC, EFBIG.
  Result<void> add_entry(std::string_view name, uint32_t ino, uint8_t file_type);
  // The directory index: built from the blocks, and dropped (after an error, at the end).
  Result<void> build_index_locked() RK_REQUIRES(index_lock_);
  void drop_dir_index_locked() RK_REQUIRES(index_lock_);
  Result<DirSlot> find_indexed_locked(std::string_view name) RK_REQUIRES(index_lock_);
  // Puts name -> ino into block b (logical lblk) if it has room; *off says where. false: no room.
  bool insert_in_block(uint8_t* b, std::string_view name, uint32_t ino, uint8_t file_type,
                       uint32_t* off);
  // Removes the entry at slot (found by find_entry under the same lock).
  Result<void> remove_slot(const DirSlot& slot);
  // Points the entry at slot to another inode.
  Result<void> retarget_slot(const DirSlot& slot, uint32_t ino, uint8_t file_type);
  // Whether the directory has entries other than "." and "..". ENOTEMPTY-free: a bool.
  Result<bool> dir_empty();
  // The inode ".." names, and pointing it elsewhere.
  Result<uint32_t> dotdot();
  Result<void> set_dotdot(uint32_t ino);
  // Writes "." and ".." into a new directory's first block.
  Result<void> init_dir(uint32_t parent);
  // A directory that is changed loses its hash index: the blocks stay a valid linear directory
  // (the index hides in the empty space of ".." and of empty entries).
  Result<void> drop_htree_flag();
  // The checked block lblk of this directory. EUCLEAN (a hole, a bad entry).
  Result<vfs::BufRef> dir_block(uint64_t lblk);
  uint64_t dir_blocks() const;
  // A fresh inode of type/mode for a child of this directory, entered into the cache.
  Result<Ref<Ext2Node>> new_inode(vfs::VType type, uint32_t mode, uint32_t uid, uint32_t gid,
                                  uint64_t rdev);
  // Extended attributes (node_xattr.cpp): the node's, parsed (EUCLEAN for a bad table).
  Result<void> load_xattrs(Ext2XattrSet& set) RK_EXCLUDES(meta_);
  // Set (value != nullptr) or remove one.
  Result<void> change_xattr(uint8_t index, std::string_view name, const void* value, size_t size,
                            int flags) RK_EXCLUDES(meta_);
  // Lets go of attribute block blk: one user less, freed with the last (free_storage too).
  Result<void> release_xattr_block(uint64_t blk);

  // Is this directory `dir` or above it (rename into its own subtree)?
  Result<bool> is_ancestor_of(Ext2Node& dir);

  const Ref<Ext2Fs> fs_;  // first: released last
  const uint32_t ino_;
  mutable kern::Mutex meta_;
  Inode inode_ RK_GUARDED_BY(meta_);
  // A directory's: adding an entry and removing the directory (emptiness check, then no links)
  // exclude each other, as the VFS does not lock the directory rmdir removes. Taken after the
  // vnode locks, before meta_; never two at once.
  kern::Mutex dir_lock_;
  // A large directory's in-memory index (dir_index.h), built on demand. Taken after dir_lock_,
  // before meta_ and any buffer.
  kern::Mutex index_lock_;
  DirIndex* index_ RK_GUARDED_BY(index_lock_) = nullptr;
  Ext2Node* hash_next_ = nullptr;  // in the file system's cache bucket (its cache_lock_)
  bool cached_ = false;            // in the cache (its cache_lock_)
  bool husk_ = false;              // a stand-in root (root() failed): no storage behind it
  uint64_t alloc_hint_ = 0;        // where the next block should go (under the vnode lock)
  // In the file system's orphans_ (no links, still in use); and whether its storage was freed
  // (by unmount, for an orphan still in use then). Both under the file system's orphan_lock_.
  ListNode<Ext2Node> orphan_link_;
  bool storage_freed_ = false;
  // The link count as last stored, for the cache's reaper (which must not take meta_).
  std::atomic<uint32_t> nlink_hint_{0};
};

// The directory entry file type of a vnode type.
uint8_t file_type_of(vfs::VType t);
vfs::VType type_of_file_type(uint8_t ft);

}  // namespace rk::fs::ext2
