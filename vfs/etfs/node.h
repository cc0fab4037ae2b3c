// EtfsNode: a node of an etfs mount (etfs.h) — the host file, device or directory a key names,
// and below an etfs directory the host's regular files (and subdirectories) found in it.
//
// Ownership. A node is reference counted (Vnode): its file system holds the root until
// unmount, a node below a directory holds its parent (for ".."), and the VFS holds what it
// hands out. Nodes below a directory are made afresh by each lookup, as NetBSD's are: there is
// no cache, so two lookups of one host file give two nodes (whose record locks do not see each
// other). The last reference frees the node and closes its host file.
//
// Host files. A key's file is opened at registration, for reading and writing if the host
// allows, else for reading (the node is then read-only). A file found in an etfs directory is
// opened when it is first read (for reading) or written (for reading and writing): a lookup
// alone — stat, ls -l — opens nothing on the host, so it has no effect there (no ETXTBSY for a
// program being run, no close-after-write for file watchers). Its mode says 0666 whatever the
// host's are; a read or write the host refuses answers the host's error (EACCES).
//
// Locking. The VFS takes the vnode lock as vnode.h says. What a node knows of its host file —
// descriptor, path, window — is fixed at creation; the attributes the kernel keeps for it
// (mode, owner, times) are guarded by the vnode lock. I/O runs under the vnode lock with the
// virtual CPU given back (a slow host disk stalls only that node). Nothing is cached: every
// read and write is a host call, and the size of an unwindowed file is asked of the host at
// each getattr (when the host cannot say, by path, the last size known is given: the host file
// may have been renamed or removed on the host while open here).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "vfs/types.h"
#include "vfs/vnode.h"

namespace rk::vfs {

class EtfsFs;

class EtfsNode final : public Vnode {
 public:
  // What a node stands for.
  struct Spec {
    VType type = VType::kReg;   // kReg, kBlk, kChr or kDir
    std::string_view hostpath;  // copied by create
    int fd = -1;                // files and devices: the open host file (-1: open on first use)
    bool read_only = false;     // fd is open for reading only
    uint64_t host_size = 0;     // the host file's size when it was found
    uint64_t begin = 0;         // the host offset of the node's first byte
    bool bounded = false;       // a window of `size` bytes; else up to the host file's end
    uint64_t size = 0;
    bool subdirs = false;       // directories: the host's subdirectories are shown too
    uint64_t rdev = 0;          // devices
    uint64_t ino = 0;
    uint64_t hash = 0;          // directories: etfs_host::hash_of(hostpath), for their children
  };
  // A node for spec in fs; it owns spec.fd from the call on (closed if the call fails). parent:
  // the directory it was found in (nullptr for the root). ENOMEM, ENAMETOOLONG.
  static Result<Ref<EtfsNode>> create(EtfsFs& fs, const Spec& spec, EtfsNode* parent);
  // What an unmounted file system's root() answers: a node of no file that has no links and
  // answers ENOENT (directories) or EIO. Never fails: it may wait for memory.
  static Ref<EtfsNode> create_husk(EtfsFs& fs, VType type, uint64_t ino);

  uint64_t ino() const { return ino_.load(std::memory_order_relaxed); }
  // The registry gives a file's root the inode number of the name it is found under.
  void set_ino(uint64_t ino) { ino_.store(ino, std::memory_order_relaxed); }
  bool read_only() const { return read_only_; }
  // Devices: the window's size (what a block device layer would report as the device's size);
  // 0 for a device without one (a host character device).
  uint64_t device_size() const { return bounded_ ? size_ : 0; }
  // Character nodes do their own I/O in read/write below: opening them by path sends it here
  // rather than to a driver found by rdev. Block nodes are disks of the block device layer
  // (their rdev names it), reached like any block device node.
  bool has_own_io() const override { return type() == VType::kChr; }

  // --- directories ---------------------------------------------------------------------------
  // A name is looked up on the host (getfileinfo of hostpath/name). ENOENT for what etfs does
  // not show (host subdirectories without DIR_SUBDIRS, devices, FIFOs, sockets).
  Result<Ref<Vnode>> lookup(std::string_view name) override RK_REQUIRES_SHARED(lock());
  // Names are not created, removed or renamed on the host: EOPNOTSUPP (ENOTDIR for files).
  Result<Ref<Vnode>> create(std::string_view name, VType type, uint32_t mode, uint32_t uid,
                            uint32_t gid, uint64_t rdev) override;
  Result<Ref<Vnode>> symlink(std::string_view name, std::string_view target, uint32_t uid,
                             uint32_t gid) override;
  Result<void> link(std::string_view name, Vnode& target) override;
  Result<void> remove(std::string_view name, Vnode& node) override;
  Result<void> rmdir(std::string_view name, Vnode& node) override;
  Result<void> rename(std::string_view name, Vnode& node, Vnode& to_dir, std::string_view to_name,
                      Vnode* replaced, bool exchange) override;
  // ".", "..", then the host's entries (the dir_read hypercall); cookie 2+n resumes at the
  // host's n-th entry.
  Result<void> readdir(uint64_t* cookie, DirSink& sink) override RK_REQUIRES_SHARED(lock());

  // --- contents ------------------------------------------------------------------------------
  // At begin + offset on the host, within the window. A read past the end reads nothing.
  // The host's errors (EACCES: the host will not open it).
  Result<void> read(Uio& uio) override RK_REQUIRES_SHARED(lock());
  // EROFS (a key's file the host opened for reading only), ENOSPC (at or past a window's end;
  // a write that crosses it is cut short there), EFBIG (past the host's largest offset), the
  // host's errors.
  Result<void> write(Uio& uio) override RK_REQUIRES(lock());
  Result<void> fsync(bool data_only) override;

  // --- attributes ----------------------------------------------------------------------------
  Result<void> getattr(Vattr& va) override RK_REQUIRES_SHARED(lock());
  // Mode, owner and times are kept in the kernel (the host file's are not changed) for the
  // node's life. A size change is EPERM: the host file is not truncated through etfs.
  Result<void> setattr(const SetAttr& sa) override RK_REQUIRES(lock());

  void inactive() override;

 private:
  EtfsNode(EtfsFs& fs, const Spec& spec, char* path, size_t path_len, EtfsNode* parent,
           bool husk);
  ~EtfsNode() override;
  // Frees the node (and, iteratively, ancestors only it held).
  void destroy();
  // The node's size now: the window's, or what the host file has past begin_.
  Result<uint64_t> current_size();
  // The host descriptor for a read or a write, opening the file on first use (files found in a
  // directory). A write is called with the vnode lock held exclusively, so no read is using
  // a read-only descriptor it replaces.
  Result<int> host_fd(bool write);
  Timespec now() const;

  const Ref<EtfsFs> fs_;
  RefPtr<EtfsNode> parent_;  // directories below the root; released by destroy()
  char* const path_;         // the host path (kernel memory, path_len_ + 1 bytes)
  const size_t path_len_;
  std::atomic<int> fd_;            // -1: not open yet
  std::atomic<bool> fd_writable_;  // fd_ is open for writing
  const bool opened_at_start_;     // a key's file: fd_ never changes
  const bool read_only_;
  std::atomic<uint64_t> host_size_;  // the last size the host gave
  const bool bounded_;
  const bool subdirs_;
  const bool husk_;
  const uint64_t begin_;
  const uint64_t size_;
  const uint64_t rdev_;
  const uint64_t hash_;
  std::atomic<uint64_t> ino_;
  const Timespec btime_;

  uint32_t mode_ RK_GUARDED_BY(lock());
  uint32_t uid_ RK_GUARDED_BY(lock()) = 0;
  uint32_t gid_ RK_GUARDED_BY(lock()) = 0;
  Timespec atime_ RK_GUARDED_BY(lock());
  Timespec mtime_ RK_GUARDED_BY(lock());
  Timespec ctime_ RK_GUARDED_BY(lock());
};

}  // namespace rk::vfs
