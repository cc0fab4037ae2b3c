// Vnodes: the VFS's view of a file, directory, symlink or device node, implemented by each
// file system. A Vnode is reference counted; the file system keeps its own storage behind it
// and is told when the last reference goes (inactive), so it can free a node that has no
// links left.
//
// Locking: every vnode has a RwLock. The VFS calls the operations with the locks noted below
// already held, so file systems need no locking of their own for node state; they take their
// own locks only for state shared between nodes (allocation maps, size accounting).
// Directory operations that change a directory are called with the directory locked
// exclusively; lookup and readdir with it locked shared. read/getattr/readlink: shared;
// write/setattr/fsync/fallocate: exclusive. rename is called with the file system's rename
// lock held and both directories locked (see namei.h for the order).
//
// Permission checks, sticky-directory rules and name validity are the VFS's job, done before
// these calls; the file system checks only what only it knows (ENOSPC, EMLINK, ENOTEMPTY).
#pragma once

#include <cstdint>
#include <string_view>

#include "kern/cred.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lock.h"
#include "vfs/types.h"
#include "vfs/uio.h"

namespace rk::kern {
class Kernel;
}

namespace rk::vfs {

class Mount;
class PipeBuffer;
class RecordLocks;  // lockf.h

class Vnode : public RefCounted<Vnode> {
 public:
  Vnode(const Vnode&) = delete;
  Vnode& operator=(const Vnode&) = delete;

  kern::Kernel& kernel() const { return kernel_; }
  Mount& mount() const { return *mount_; }  // the mount it belongs to (a vnode holds a reference)
  VType type() const { return type_; }
  bool is_dir() const { return type_ == VType::kDir; }
  kern::RwLock& lock() const { return lock_; }

  // The file system mounted on this directory, if any (set by the VFS under its mount lock).
  Mount* mounted_here() const { return mounted_here_.load(std::memory_order_acquire); }
  void set_mounted_here(Mount* m) { mounted_here_.store(m, std::memory_order_release); }

  // A named pipe's buffer while the FIFO is open (a counted reference, or null). Only the
  // VFS's open and close of FIFOs touch it, under Vfs::fifo_lock().
  PipeBuffer* fifo_buffer = nullptr;

  // --- directories -----------------------------------------------------------------------
  // The entry `name`; ".." is the parent directory (the file system's root answers itself; the
  // VFS handles "." and crossing mount points). ENOENT.
  virtual Result<Ref<Vnode>> lookup(std::string_view name);
  // The path walk's fast path (Linux's RCU walk): the entry `name` (never "." or ".."), found
  // with no lock and no reference inside an epoch section (kern/epoch.h); the node's memory
  // stays valid until the section ends. nullptr: absent, missed, or not offered by this file
  // system — the walk then asks lookup() with the lock. Needs no vnode lock.
  virtual Vnode* lookup_rcu(std::string_view name) { return nullptr; }
  // Creates `name` (absent: the VFS checked) of type reg, dir, blk, chr, fifo or sock, owned by
  // uid/gid, with permission bits mode. ENOSPC, EMLINK (a directory's link count).
  virtual Result<Ref<Vnode>> create(std::string_view name, VType type, uint32_t mode,
                                    uint32_t uid, uint32_t gid, uint64_t rdev);
  virtual Result<Ref<Vnode>> symlink(std::string_view name, std::string_view target,
                                     uint32_t uid, uint32_t gid);
  // A new name for `target` (same file system, not a directory). EMLINK.
  virtual Result<void> link(std::string_view name, Vnode& target);
  // Removes the entry name -> node (not a directory; rmdir: an empty directory, ENOTEMPTY).
  virtual Result<void> remove(std::string_view name, Vnode& node);
  virtual Result<void> rmdir(std::string_view name, Vnode& node);
  // Moves name -> node of this directory to to_name in to_dir, replacing `replaced` (the
  // existing target, or nullptr) which the VFS has checked is compatible. With `exchange`,
  // swaps the two entries instead (replaced is then non-null).
  virtual Result<void> rename(std::string_view name, Vnode& node, Vnode& to_dir,
                              std::string_view to_name, Vnode* replaced, bool exchange);
  // Emits entries from the position `*cookie` (0: the start; "." and ".." included), updating
  // it past each entry the sink takes.
  virtual Result<void> readdir(uint64_t* cookie, DirSink& sink);

  // --- contents --------------------------------------------------------------------------
  virtual Result<void> read(Uio& uio);   // at uio.offset(); stops at end of file
  virtual Result<void> write(Uio& uio);  // at uio.offset(); extends the file. EFBIG, ENOSPC
  virtual Result<void> readlink(Uio& uio);
  virtual Result<void> fsync(bool data_only);
  // Linux fallocate(2) modes the file system supports; EOPNOTSUPP for the rest.
  virtual Result<void> fallocate(int mode, uint64_t offset, uint64_t len);
  // SEEK_DATA / SEEK_HOLE: the next data (or hole) at or after off. ENXIO past the end. The
  // default treats the whole file as data.
  virtual Result<uint64_t> seek_data(uint64_t off, bool hole);

  // --- attributes ------------------------------------------------------------------------
  virtual Result<void> getattr(Vattr& va) = 0;
  // Applies what the VFS has checked; ctime is updated by the file system as Linux does.
  virtual Result<void> setattr(const SetAttr& sa);

  // --- extended attributes (sys_xattr.cpp checks names, sizes and permissions) -------------
  // Names are whole ("user.mime_type"), 1 to 255 bytes; values at most 64 KiB. The VFS has
  // checked the caller may use the name's namespace. A file system without them answers
  // EOPNOTSUPP (the defaults); one that lacks a namespace answers EOPNOTSUPP for its names.
  // getxattr: the value's length, copied into buf when size > 0 (ERANGE if it does not fit);
  // ENODATA for a missing name. Shared lock.
  virtual Result<size_t> getxattr(std::string_view name, void* buf, size_t size);
  // listxattr: the names, each followed by a NUL, of the attributes `cred` may see (trusted.*
  // only for a privileged process); the total length, copied when size > 0 (ERANGE). Shared.
  virtual Result<size_t> listxattr(const kern::Cred& cred, char* buf, size_t size);
  // setxattr with XATTR_CREATE (EEXIST if present) or XATTR_REPLACE (ENODATA if absent) or
  // neither; ENOSPC. removexattr: ENODATA. Both change the ctime. Exclusive lock.
  virtual Result<void> setxattr(std::string_view name, const void* value, size_t size, int flags);
  virtual Result<void> removexattr(std::string_view name);

  // --- record locks (fcntl F_SETLK ..., lockf.h) ------------------------------------------
  // The node's POSIX and OFD locks: null until the first lock; set once (lockf.cpp installs
  // it with install_record_locks) and freed with the vnode.
  RecordLocks* record_locks() const { return record_locks_.load(std::memory_order_acquire); }
  // Installs rl if there is none yet; returns the one in place (rl, or another thread's).
  RecordLocks* install_record_locks(RecordLocks* rl) {
    RecordLocks* expected = nullptr;
    if (record_locks_.compare_exchange_strong(expected, rl, std::memory_order_acq_rel))
      return rl;
    return expected;
  }

  // A device node whose file system moves its data itself (etfs devices backed by host files):
  // opening it uses read/write here instead of the device switch.
  virtual bool has_own_io() const { return false; }

  // --- life ------------------------------------------------------------------------------
  // The last reference went. The file system frees the node (and, with no links left, its
  // storage). Called without the vnode lock; nothing else can reach the node any more.
  virtual void inactive() = 0;
  void release_last() { inactive(); }

 protected:
  Vnode(kern::Kernel& kernel, Mount& mount, VType type);
  virtual ~Vnode();

 private:
  kern::Kernel& kernel_;
  Mount* mount_;  // referenced: a Mount lives until its last vnode is gone
  const VType type_;
  mutable kern::RwLock lock_;
  std::atomic<Mount*> mounted_here_{nullptr};
  std::atomic<RecordLocks*> record_locks_{nullptr};  // owned; see record_locks()
};

}  // namespace rk::vfs
