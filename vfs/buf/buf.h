// The buffer cache's private records (bufcache.h is the interface).
#pragma once

#include <atomic>
#include <cstdint>

#include "kern/kmem.h"
#include "kern/kthread.h"
#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lock.h"
#include "vfs/blk/blkdev.h"
#include "vfs/buf/bufcache.h"

namespace rk::vfs {

// One cached block. Its fields other than `io` are guarded by the cache's lock; its data belongs
// to whoever holds it (kHeld), or to the read-ahead transfer while `io` is set.
struct Buf {
  enum : uint32_t {
    kValid = 1u << 0,  // data is the block's contents
    kDirty = 1u << 1,  // data is newer than the disk's
    kHeld = 1u << 2,   // a BufRef has it
    kGone = 1u << 3,   // forgotten: freed when released
  };
  BufCache::State* cache = nullptr;
  RefPtr<BlockDevice> dev;
  uint64_t blkno = 0;
  uint64_t offset = 0;  // blkno * size
  uint32_t size = 0;
  uint32_t flags = 0;
  uint8_t* data = nullptr;
  int64_t dirtied_ns = 0;  // when it became dirty (kernel uptime)
  int write_error = 0;     // the last failed write-back, reported by sync(dev)

  // A read-ahead transfer in flight: set by the submitter, cleared by the host's completion
  // (which cannot take kernel locks), waited for by whoever holds the block next.
  std::atomic<uint32_t> io{0};
  std::atomic<int> io_error{0};

  Buf* hash_next = nullptr;
  ListNode<Buf> lru;    // in State::lru while not held (clean or dirty), oldest use first
  ListNode<Buf> dirty;  // in State::dirty while kDirty, oldest first
};

// Blocks being written straight from a caller's memory to the disk (BufCache::write_direct):
// no block of the range may be cached or held meanwhile, so nobody reads what the transfer is
// replacing, or writes an older copy over it afterwards. Lives on the writer's stack.
struct DirectRange {
  const BlockDevice* dev = nullptr;
  uint64_t first = 0;  // byte offsets on dev: [first, end)
  uint64_t end = 0;
  ListNode<DirectRange> node;  // in State::direct
};

struct BufCache::State {
  State(kern::Kernel& k, BufCache& c) : kernel(k), owner(c), lock(k), released(k) {}

  kern::Kernel& kernel;
  BufCache& owner;
  kern::Mutex lock;
  kern::CondVar released;  // a block was let go, or a write-back ended
  Buf** hash RK_GUARDED_BY(lock) = nullptr;
  uint32_t hash_size RK_GUARDED_BY(lock) = 0;  // a power of two
  IntrusiveList<Buf, &Buf::lru> lru RK_GUARDED_BY(lock);
  IntrusiveList<Buf, &Buf::dirty> dirty RK_GUARDED_BY(lock);
  IntrusiveList<DirectRange, &DirectRange::node> direct RK_GUARDED_BY(lock);
  uint64_t limit = 0;
  BufCacheStats stats RK_GUARDED_BY(lock);
  kern::Reclaimer reclaimer;

  // The flusher thread, started with the first dirty block.
  kern::KThread* flusher RK_GUARDED_BY(lock) = nullptr;
  bool flusher_starting RK_GUARDED_BY(lock) = false;
  bool stopping RK_GUARDED_BY(lock) = false;
  kern::CondVar flusher_wake{kernel};
  kern::CondVar flusher_started{kernel};
};

// Helpers shared by the cache's source files (defined in bufcache.cpp).
namespace bufimpl {
// A power of two in 512..65536.
bool valid_size(uint32_t size);
Buf* lookup(BufCache::State& s, const BlockDevice& dev, uint64_t offset) RK_REQUIRES(s.lock);
// Whether a direct write is replacing the block at `offset` of dev.
bool in_direct(BufCache::State& s, const BlockDevice& dev, uint64_t offset)
    RK_REQUIRES(s.lock);
// Frees a block that nobody holds and no transfer uses; takes it out of every list.
void destroy(BufCache::State& s, Buf& b) RK_REQUIRES(s.lock);
// Waits for a read-ahead transfer into b to end (the holder's first look at it).
void wait_io(BufCache::State& s, Buf& b);
// For a block nobody holds: holds it (off the LRU) while its transfer ends, with s.lock let go
// meanwhile, then lets go of it again. The caller looks the block up anew afterwards.
void wait_io_unheld(BufCache::State& s, Buf& b) RK_REQUIRES(s.lock);
}  // namespace bufimpl

}  // namespace rk::vfs
