// The buffer cache: blocks of block devices kept in kernel memory, shared by every file system
// of a kernel, for metadata and file data alike.
//
// A block is named by its device, its number and its size (block blkno of size `size` starts at
// byte blkno * size of the device). A file system uses one block size per device; asking for
// the same offset with another size writes back and drops the cached block first. Blocks of
// different sizes that overlap without starting at the same offset are not detected: do not mix
// sizes on one device.
//
// Holding: read()/get() return a BufRef, an exclusive hold on the block (NetBSD's B_BUSY): a
// second thread asking for it waits until the hold is released. Hold few blocks at a time, and
// when holding several, take them in an order that cannot cycle (e.g. ascending block numbers,
// or the inode's block before the bitmaps'), as with any lock.
//
// Write-back: a held block the caller changed is marked dirty and written later: by sync(dev)
// (fsync, sync(2), unmount), when dirty data passes its share of the cache (the thread that
// dirties it past the mark writes the oldest back, clustered into large transfers), and by the
// flusher every 5 seconds for blocks dirty longer than 30 seconds (Linux's dirty_expire). A
// failed write-back leaves the block dirty and is reported by the next sync(dev) (EIO).
//
// Streaming: read_direct()/write_direct() move runs of whole blocks straight between a caller's
// memory and the disk, without a copy in the cache, for large sequential file I/O (a copy of a
// big file would otherwise push everything else out, and cost an allocation and a copy a
// block). They stay coherent with the cache: a direct read takes cached blocks from the cache
// (a dirty one is newer than the disk), and a direct write drops the cached copies of what it
// overwrites and keeps the range from being cached until the write has ended.
//
// Memory: blocks are kernel memory. The cache keeps at most half the kernel's memory limit
// (256 MiB without one) and gives clean, unheld blocks back under memory pressure (a Kmem
// reclaimer), least recently used first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "kern/lib/result.h"
#include "kern/uio.h"

namespace rk::kern {
class Kernel;
}

namespace rk::vfs {

class BlockDevice;
class BufCache;
struct Buf;  // the cache's record of one block (buf.h, private to the cache)

// An exclusive hold on one cached block; released when destroyed. Move-only.
class BufRef {
 public:
  BufRef() = default;
  BufRef(BufRef&& o) noexcept : buf_(std::exchange(o.buf_, nullptr)) {}
  BufRef& operator=(BufRef&& o) noexcept;
  BufRef(const BufRef&) = delete;
  BufRef& operator=(const BufRef&) = delete;
  ~BufRef() { release(); }

  explicit operator bool() const { return buf_ != nullptr; }
  uint8_t* data() const;
  uint32_t size() const;
  uint64_t blkno() const;
  BlockDevice& device() const;

  // The caller changed the contents: write them back later.
  void mark_dirty();
  // Writes the block now and waits (for the rare write that must be on disk before the next
  // step). EIO: the block stays dirty.
  Result<void> write_now();
  // The file system freed the block: drop it from the cache without writing it.
  void forget();
  // Lets go of the block early.
  void release();

 private:
  friend class BufCache;
  explicit BufRef(Buf* b) : buf_(b) {}
  Buf* buf_ = nullptr;
};

struct BufCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t blocks = 0;       // cached now
  uint64_t bytes = 0;        // of block data cached now
  uint64_t dirty_bytes = 0;
  uint64_t limit = 0;        // bytes the cache may hold
  uint64_t writes = 0;       // write-back transfers issued
  uint64_t reclaimed = 0;    // blocks given back under memory pressure
  uint64_t direct_reads = 0;   // read_direct transfers (not counted as hits or misses)
  uint64_t direct_writes = 0;  // write_direct transfers
};

class BufCache {
 public:
  // The cache of kernel k (it must have the vfs component).
  static BufCache& of(kern::Kernel& k);

  // The block, read from the device unless cached. EIO (the read failed), EINVAL (size not a
  // power of two in 512..65536, or the block past the device's end), ENOMEM.
  Result<BufRef> read(BlockDevice& dev, uint64_t blkno, uint32_t size);
  // The block without reading it, for a caller that overwrites all of it: its cached contents,
  // or zeroes when it is not cached. EINVAL, ENOMEM.
  Result<BufRef> get(BlockDevice& dev, uint64_t blkno, uint32_t size);
  // Starts reading up to `count` blocks from blkno that are not cached and returns at once (a
  // sequential reader asks for what it will want next). Silently does less under pressure.
  void read_ahead(BlockDevice& dev, uint64_t blkno, uint32_t size, uint32_t count);

  // Reads up to `count` blocks from blkno straight into iov (count * size bytes), stopping
  // before the first block that is cached (or being written directly): the caller reads that
  // one through read(). The number of blocks read (0 when blkno itself is cached). Blocks read
  // are not cached. Blocks on the caller's thread. EIO, EINVAL (as read).
  Result<uint32_t> read_direct(BlockDevice& dev, uint64_t blkno, uint32_t size, uint32_t count,
                               std::span<const kern::IoVec> iov);
  // Writes `count` whole blocks from blkno straight from iov (count * size bytes) to the disk
  // (not through the write-back), dropping the cached copies first: a block held by someone is
  // waited for, so the caller must hold no block of the range. Blocks on the caller's thread.
  // EIO (what the range holds on disk is then unknown), EINVAL.
  Result<void> write_direct(BlockDevice& dev, uint64_t blkno, uint32_t size, uint32_t count,
                            std::span<const kern::IoVec> iov);

  // Writes every dirty block of dev back, then flushes the device. EIO: some block could not be
  // written (it stays dirty and cached).
  Result<void> sync(BlockDevice& dev);
  // sync(2): every device.
  Result<void> sync_all();
  // Drops every block of dev; dirty contents are lost (sync first). For unmount and for a
  // device going away. No block of dev may be held.
  void invalidate(BlockDevice& dev);

  BufCacheStats stats() const;

  // --- the kernel's side ----------------------------------------------------------------
  explicit BufCache(kern::Kernel& k);
  ~BufCache();  // shutdown() must have run
  BufCache(const BufCache&) = delete;
  BufCache& operator=(const BufCache&) = delete;
  Result<void> init();
  void shutdown();  // writes back what it can, then frees everything

  struct State;  // buf.h: the cache's records, private to its implementation

 private:
  friend class BufRef;
  // wait false: EAGAIN instead of waiting for a block someone holds.
  Result<BufRef> lookup_or_make(BlockDevice& dev, uint64_t blkno, uint32_t size, bool* fresh,
                                bool wait = true);
  size_t reclaim(size_t want, bool write);

  kern::Kernel& kernel_;
  State* s_ = nullptr;
};

}  // namespace rk::vfs
