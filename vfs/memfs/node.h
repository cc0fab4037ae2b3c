// MemNode: a file, directory, symlink or device node of a memfs.
//
// Ownership. A node is reference counted (Vnode): each directory entry that names it holds a
// reference (Dirent::node), and so does everyone the VFS gave it to. When the last reference
// goes — no name left and nobody holding it — inactive() frees the node with its pages. Each
// node also holds a reference on its MemFs, whose account its storage is charged to. The file
// system holds its root until unmount. A directory that left the tree (rmdir, unmount) holds
// its last parent, so that ".." still leads there as on Linux; freeing such chains is
// iterative (MemFs::free_node), however long they are.
//
// Locking, in order:
//   1. the vnode lock (lock()), taken by the VFS as vnode.h says. It guards the file's size and
//      pages and a directory's entries; the operations below say which mode they need.
//   2. meta_, a mutex per node, for what operations on *other* nodes change without this
//      node's vnode lock: attributes, times and link count (link/remove/rename of a name in some
//      directory), a directory's parent (rename moves it), and its entry count and "removed"
//      flag (rmdir of this directory from its parent checks emptiness while a create in it may
//      run). Never two nodes' meta_ at once; no memory is allocated under it.
//
// Times follow Linux's tmpfs: creating sets the node's a/m/ctime and the parent's m/ctime;
// removing and renaming set the directories' m/ctime and the node's ctime; write and truncate
// set m/ctime; attribute changes set ctime. Reads do not update atime (as if mounted noatime,
// which saves taking meta_ on every read).
#pragma once

#include <cstdint>
#include <string_view>

#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lock.h"
#include "vfs/memfs/dirent.h"
#include "vfs/memfs/pages.h"
#include "vfs/memfs/xattr.h"
#include "vfs/types.h"
#include "vfs/vnode.h"

namespace rk::vfs {

class MemFs;

// Linux's MAX_LFS_FILESIZE on 64-bit hosts.
inline constexpr uint64_t kMemMaxFileSize = INT64_MAX;
// Linux's tmpfs reports a directory's size as 20 bytes per entry, "." and ".." included.
inline constexpr uint64_t kBogoDirentSize = 20;

class MemNode final : public Vnode {
 public:
  // A new node with no name yet; its creation time is now. target: a symlink's. ENOSPC (the
  // inode or byte limit, or the kernel's memory).
  static Result<Ref<MemNode>> create(MemFs& fs, VType type, uint32_t mode, uint32_t uid,
                                     uint32_t gid, uint64_t rdev, std::string_view target = {});
  // An empty directory that is already removed (what an unmounted file system's root() answers
  // once its root is gone). Never fails: it may wait for memory.
  static Ref<MemNode> create_husk(MemFs& fs, uint64_t ino);

  MemFs& fs() const { return *fs_; }
  uint64_t ino() const { return ino_; }

  // --- directories (dir.cpp, rename.cpp) ---------------------------------------------------
  Vnode* lookup_rcu(std::string_view name) override RK_NO_THREAD_SAFETY_ANALYSIS {
    if (!is_dir()) return nullptr;
    return entries_.find_rcu(name);
  }
  Result<Ref<Vnode>> lookup(std::string_view name) override RK_REQUIRES_SHARED(lock());
  Result<Ref<Vnode>> create(std::string_view name, VType type, uint32_t mode, uint32_t uid,
                            uint32_t gid, uint64_t rdev) override RK_REQUIRES(lock());
  Result<Ref<Vnode>> symlink(std::string_view name, std::string_view target, uint32_t uid,
                             uint32_t gid) override RK_REQUIRES(lock());
  Result<void> link(std::string_view name, Vnode& target) override RK_REQUIRES(lock());
  Result<void> remove(std::string_view name, Vnode& node) override RK_REQUIRES(lock());
  Result<void> rmdir(std::string_view name, Vnode& node) override RK_REQUIRES(lock());
  // Also needs to_dir's lock (exclusive) and the VFS's rename lock.
  Result<void> rename(std::string_view name, Vnode& node, Vnode& to_dir, std::string_view to_name,
                      Vnode* replaced, bool exchange) override RK_REQUIRES(lock());
  Result<void> readdir(uint64_t* cookie, DirSink& sink) override RK_REQUIRES_SHARED(lock());

  // --- contents (file.cpp) -----------------------------------------------------------------
  Result<void> read(Uio& uio) override RK_REQUIRES_SHARED(lock());
  Result<void> write(Uio& uio) override RK_REQUIRES(lock());
  Result<void> readlink(Uio& uio) override RK_REQUIRES_SHARED(lock());
  Result<void> fsync(bool data_only) override;
  // Mode 0 and FALLOC_FL_KEEP_SIZE allocate, FALLOC_FL_PUNCH_HOLE|KEEP_SIZE frees; others
  // EOPNOTSUPP. An allocation that runs out of space gives back the pages it added (ENOSPC).
  Result<void> fallocate(int mode, uint64_t offset, uint64_t len) override RK_REQUIRES(lock());
  Result<uint64_t> seek_data(uint64_t off, bool hole) override RK_REQUIRES_SHARED(lock());

  // --- attributes (node.cpp) ---------------------------------------------------------------
  Result<void> getattr(Vattr& va) override RK_REQUIRES_SHARED(lock());
  Result<void> setattr(const SetAttr& sa) override RK_REQUIRES(lock());
  // user., trusted. and security. names, as Linux's tmpfs (xattr.h); EOPNOTSUPP for others.
  Result<size_t> getxattr(std::string_view name, void* buf, size_t size) override
      RK_REQUIRES_SHARED(lock());
  Result<size_t> listxattr(const kern::Cred& cred, char* buf, size_t size) override
      RK_REQUIRES_SHARED(lock());
  Result<void> setxattr(std::string_view name, const void* value, size_t size, int flags) override
      RK_REQUIRES(lock());
  Result<void> removexattr(std::string_view name) override RK_REQUIRES(lock());

  void inactive() override;

  // --- for the file system (fs.cpp) --------------------------------------------------------
  // Unmount: moves every entry of this directory to `out` and marks it removed.
  void detach_entries(IntrusiveList<Dirent, &Dirent::link>& out) RK_REQUIRES(lock());
  // One name of this node went away (its link count drops; the ctime is `now`).
  void drop_link(Timespec now) RK_EXCLUDES(meta_);
  // Frees an entry (not linked in any table), dropping its reference to its node.
  static void free_dirent(MemAccount& acct, Dirent* e);

 private:
  MemNode(MemFs& fs, VType type, uint64_t ino, uint32_t mode, uint32_t uid, uint32_t gid,
          uint64_t rdev, Timespec now);
  ~MemNode() override;
  friend class MemFs;  // free_node
  void destroy();      // storage now, the destructor and the memory after a grace period
  void release_storage();

  // The VFS holds the lock of every node an operation is specified to need (vnode.h); this
  // tells the analysis so for a node other than `this` (rename's target directory).
  static void locked_by_caller(const MemNode& n) RK_ASSERT_CAPABILITY(n.lock()) {}
  // `v` as a node of this file system: EXDEV for another file system's.
  Result<MemNode*> same_fs(Vnode& v) const;
  Timespec now() const;

  // Directory helpers (dir.cpp).
  Result<Dirent*> new_dirent(std::string_view name, MemNode& node);
  // Links a prepared entry (reserve_one done). ENOENT when this directory was removed.
  Result<void> add_entry_locked(Dirent* e, Timespec now) RK_REQUIRES(lock()) RK_EXCLUDES(meta_);
  // Creates `name` for a fresh node and links it; on failure nothing remains.
  Result<void> add_new(std::string_view name, MemNode& node) RK_REQUIRES(lock());
  void remove_entry_locked(Dirent& e, Timespec now) RK_REQUIRES(lock()) RK_EXCLUDES(meta_);
  // Marks an empty directory removed. ENOTEMPTY.
  Result<void> kill_dir(Timespec now) RK_EXCLUDES(meta_);
  void touch_dir(Timespec now, int nlink_delta) RK_EXCLUDES(meta_);
  void touch_ctime(Timespec now) RK_EXCLUDES(meta_);
  // Is this directory dir or above it? (rename; the VFS's rename lock keeps the tree still)
  bool is_ancestor_of(MemNode& dir);
  void set_parent(MemNode* p) RK_EXCLUDES(meta_);
  // This directory left the tree: its parent pointer becomes a reference (old_parent_).
  void orphan_locked() RK_REQUIRES(meta_);

  // File helpers (file.cpp).
  Result<void> truncate(uint64_t size) RK_REQUIRES(lock());
  void zero_range(uint64_t from, uint64_t to) RK_REQUIRES(lock());  // where pages exist
  void touch_mtime(Timespec now) RK_EXCLUDES(meta_);

  const Ref<MemFs> fs_;  // first: released last
  const uint64_t ino_;
  const uint64_t rdev_;
  const Timespec btime_;

  mutable kern::Mutex meta_;
  uint32_t mode_ RK_GUARDED_BY(meta_);
  uint32_t uid_ RK_GUARDED_BY(meta_);
  uint32_t gid_ RK_GUARDED_BY(meta_);
  uint32_t nlink_ RK_GUARDED_BY(meta_) = 0;
  Timespec atime_ RK_GUARDED_BY(meta_);
  Timespec mtime_ RK_GUARDED_BY(meta_);
  Timespec ctime_ RK_GUARDED_BY(meta_);
  uint64_t nentries_ RK_GUARDED_BY(meta_) = 0;  // a directory's names
  bool dead_ RK_GUARDED_BY(meta_) = false;      // a removed directory: nothing can be added
  // A directory's parent. Raw: while it is set, the parent holds the entry naming this
  // directory, so it cannot be removed (not empty); it is cleared or changed when that entry
  // goes (rmdir, unmount) or moves (rename). nullptr: the root, or removed.
  MemNode* parent_ RK_GUARDED_BY(meta_) = nullptr;
  // A removed directory's last parent (a reference: nothing names us to keep it).
  RefPtr<MemNode> old_parent_ RK_GUARDED_BY(meta_);

  // Regular files.
  uint64_t size_ RK_GUARDED_BY(lock()) = 0;
  PageTable pages_ RK_GUARDED_BY(lock());
  // Directories.
  DirTable entries_ RK_GUARDED_BY(lock());
  // Extended attributes (any type of node).
  MemXattrs xattrs_ RK_GUARDED_BY(lock());
  // Symlinks: the target, immutable after create.
  char* target_ = nullptr;
  uint32_t target_len_ = 0;

  MemNode* dying_next_ = nullptr;  // in MemFs::dying_, once unreferenced
};

}  // namespace rk::vfs
