// An open vnode: what open(2) puts in the descriptor table. It keeps the file offset and the
// open flags, keeps its mount busy, and for character devices routes I/O to the driver.
#pragma once

#include <cstdint>

#include "kern/file.h"
#include "kern/kmem.h"
#include "kern/lock.h"
#include "vfs/devices.h"
#include "vfs/pipe_buffer.h"
#include "vfs/blk/blkdev.h"
#include "vfs/vnode.h"

namespace rk::vfs {

// Linux open(2) flags the VFS understands.
inline constexpr uint32_t kORdonly = 00;
inline constexpr uint32_t kOWronly = 01;
inline constexpr uint32_t kORdwr = 02;
inline constexpr uint32_t kOAccmode = 03;
inline constexpr uint32_t kOCreat = 0100;
inline constexpr uint32_t kOExcl = 0200;
inline constexpr uint32_t kONoctty = 0400;
inline constexpr uint32_t kOTrunc = 01000;
inline constexpr uint32_t kOAppend = 02000;
inline constexpr uint32_t kONonblock = 04000;
inline constexpr uint32_t kODsync = 010000;
inline constexpr uint32_t kODirect = 040000;
inline constexpr uint32_t kOLargefile = 0100000;
inline constexpr uint32_t kODirectory = 0200000;
inline constexpr uint32_t kONofollow = 0400000;
inline constexpr uint32_t kONoatime = 01000000;
inline constexpr uint32_t kOCloexec = 02000000;
inline constexpr uint32_t kOSync = 04010000;
inline constexpr uint32_t kOPath = 010000000;
inline constexpr uint32_t kOTmpfile = 020200000;
// The flags F_SETFL may change.
inline constexpr uint32_t kSetflMask = kOAppend | kONonblock | kODirect | kONoatime;

class VnodeFile final : public kern::File {
 public:
  // Opens v with `flags` (checks done by the caller). ENOMEM; a device's open error.
  static Result<Ref<VnodeFile>> create(kern::Kernel& k, Ref<Vnode> v, uint32_t flags);

  Kind kind() const override { return Kind::kVnode; }
  Vnode& vnode() const { return *vnode_; }
  bool readable() const { return !path_only() && (flags() & kOAccmode) != kOWronly; }
  bool writable() const { return !path_only() && (flags() & kOAccmode) != kORdonly; }
  bool path_only() const { return flags() & kOPath; }

  Result<void> read(kern::Lwp& l, kern::Uio& uio, bool positioned) override;
  Result<void> write(kern::Lwp& l, kern::Uio& uio, bool positioned) override;
  Result<int64_t> seek(kern::Lwp& l, int64_t offset, int whence) override;
  // A named pipe's as a pipe's end; any other file is always ready (kern::kPollDefault).
  uint32_t poll(kern::Lwp& l, uint32_t events) override;
  // A process closing any descriptor of the file loses its POSIX locks on it.
  void on_close(kern::Proc& p) override;

  // A block device's open file: its device (nullptr for others).
  BlockDevice* block_device() const { return blk_.get(); }
  // fsync of a block device: its cached blocks written back, then the device flushed.
  Result<void> sync_block_device();

  // getdents64 into the client's buffer; returns the bytes written (0 at the end).
  Result<size_t> getdents(kern::Lwp& l, void* buf, size_t len);

 protected:
  void free_self() override;
  void close_last() override;

 private:
  friend class kern::Kmem;
  VnodeFile(kern::Kernel& k, Ref<Vnode> v, uint32_t flags, const CharDevice* dev,
            RefPtr<BlockDevice> blk);
  // read/write of a block device at uio's offset, through a bounce buffer.
  Result<void> block_io(kern::Uio& uio);

  // A named pipe's open, with its waits for the other end; fills fifo_.
  Result<void> open_fifo(uint32_t flags);
  void close_fifo();

  Ref<Vnode> vnode_;
  const CharDevice* const dev_;  // for character devices; a constant table entry
  const RefPtr<BlockDevice> blk_;  // for block devices
  PipeBuffer* fifo_ = nullptr;   // a named pipe's buffer (a counted reference)
  int64_t fifo_w_seen_ = -1;     // PipeBuffer::fifo_open's, for poll
  kern::Mutex pos_lock_;         // the file position, and the directory cookie
  uint64_t offset_ RK_GUARDED_BY(pos_lock_) = 0;
};

}  // namespace rk::vfs
