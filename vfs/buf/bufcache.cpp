#include "vfs/buf/bufcache.h"

#include <bit>

#include "kern/kernel.h"
#include "kern/kmem.h"
#include "kern/kthread.h"
#include "kern/lib/string.h"
#include "kern/log.h"
#include "kern/sched.h"
#include "kern/sleepq.h"
#include "vfs/buf/buf.h"
#include "vfs/vfs.h"

namespace rk::vfs {

using namespace bufimpl;

namespace {

using State = BufCache::State;

constexpr uint32_t kMinHash = 256;
constexpr uint64_t kDefaultLimit = 256ull << 20;  // without a memory limit
constexpr uint32_t kMaxCluster = 256;              // blocks per write-back transfer
constexpr size_t kMaxClusterBytes = 1u << 20;
constexpr int64_t kFlushPeriodNs = 5'000'000'000;   // the flusher wakes this often
constexpr int64_t kDirtyExpireNs = 30'000'000'000;  // and writes what is dirty this long

}  // namespace

namespace bufimpl {

bool valid_size(uint32_t size) {
  return size >= 512 && size <= 65536 && std::has_single_bit(size);
}

static uint32_t hash_of(const BlockDevice* dev, uint64_t offset, uint32_t mask) {
  uint64_t h = reinterpret_cast<uintptr_t>(dev) ^ (offset * 0x9E3779B97F4A7C15ull);
  h ^= h >> 29;
  return static_cast<uint32_t>(h) & mask;
}

Buf* lookup(State& s, const BlockDevice& dev, uint64_t offset) RK_REQUIRES(s.lock) {
  if (s.hash == nullptr) return nullptr;
  for (Buf* b = s.hash[hash_of(&dev, offset, s.hash_size - 1)]; b != nullptr; b = b->hash_next)
    if (b->dev.get() == &dev && b->offset == offset) return b;
  return nullptr;
}

bool in_direct(State& s, const BlockDevice& dev, uint64_t offset) RK_REQUIRES(s.lock) {
  for (DirectRange& r : s.direct)
    if (r.dev == &dev && offset >= r.first && offset < r.end) return true;
  return false;
}

}  // namespace bufimpl

namespace {

void hash_insert(State& s, Buf& b) RK_REQUIRES(s.lock) {
  Buf*& head = s.hash[hash_of(b.dev.get(), b.offset, s.hash_size - 1)];
  b.hash_next = head;
  head = &b;
}

void hash_remove(State& s, Buf& b) RK_REQUIRES(s.lock) {
  Buf** p = &s.hash[hash_of(b.dev.get(), b.offset, s.hash_size - 1)];
  while (*p != &b) p = &(*p)->hash_next;
  *p = b.hash_next;
}

// Makes room in the hash table for one more block: doubles it when the chains grow long. The
// new table is allocated without the lock (the allocator may call our reclaimer).
void grow_hash(State& s) RK_REQUIRES(s.lock) {
  if (s.hash != nullptr && s.stats.blocks < uint64_t{s.hash_size} * 2) return;
  uint32_t want = s.hash == nullptr ? kMinHash : s.hash_size * 2;
  s.lock.unlock();
  auto** table = static_cast<Buf**>(
      s.kernel.kmem().zalloc(sizeof(Buf*) * want, kern::KmFlags::kNoSleep));
  s.lock.lock();
  if (table == nullptr) return;  // longer chains, still correct (unless there is no table)
  if (s.hash_size >= want) {
    s.kernel.kmem().free(table, sizeof(Buf*) * want);
    return;
  }
  for (uint32_t i = 0; i < s.hash_size; ++i) {
    for (Buf* b = s.hash[i]; b != nullptr;) {
      Buf* next = b->hash_next;
      Buf*& head = table[hash_of(b->dev.get(), b->offset, want - 1)];
      b->hash_next = head;
      head = b;
      b = next;
    }
  }
  if (s.hash != nullptr) s.kernel.kmem().free(s.hash, sizeof(Buf*) * s.hash_size);
  s.hash = table;
  s.hash_size = want;
}

void set_clean(State& s, Buf& b) RK_REQUIRES(s.lock) {
  if (!(b.flags & Buf::kDirty)) return;
  b.flags &= ~Buf::kDirty;
  s.dirty.remove(b);
  s.stats.dirty_bytes -= b.size;
}

void set_dirty(State& s, Buf& b) RK_REQUIRES(s.lock) {
  if (b.flags & Buf::kDirty) return;
  b.flags |= Buf::kDirty;
  b.dirtied_ns = s.kernel.uptime_ns();
  s.dirty.push_back(b);
  s.stats.dirty_bytes += b.size;
}

}  // namespace

namespace bufimpl {

void destroy(State& s, Buf& b) RK_REQUIRES(s.lock) {
  set_clean(s, b);
  hash_remove(s, b);
  if (!(b.flags & Buf::kHeld)) s.lru.remove(b);
  s.stats.blocks -= 1;
  s.stats.bytes -= b.size;
  kern::Kmem& km = s.kernel.kmem();
  km.free(b.data, b.size);
  b.dev.reset();  // may free the device (not under its registry's lock: ours only)
  km.destroy(&b);
}

void wait_io(State& s, Buf& b) {
  if (b.io.load(std::memory_order_acquire) == 0) return;
  kern::Unscheduled off;
  while (b.io.load(std::memory_order_acquire) != 0) s.kernel.sleepq().park(b.io, 1, -1);
}

void wait_io_unheld(State& s, Buf& b) {
  b.flags |= Buf::kHeld;
  s.lru.remove(b);
  s.lock.unlock();
  wait_io(s, b);
  s.lock.lock();
  b.flags &= ~Buf::kHeld;
  s.lru.push_back(b);
}

}  // namespace bufimpl

namespace {


// Writes `count` held, dirty blocks that follow each other on one device, in one transfer.
Result<void> write_run(Buf* const* run, uint32_t count) {
  kern::IoVec iov[kMaxCluster];
  for (uint32_t i = 0; i < count; ++i) iov[i] = {run[i]->data, run[i]->size};
  return run[0]->dev->writev(run[0]->offset, {iov, count});
}

// Writes b (dirty, not held) and the dirty, unheld blocks around it on the same device in one
// transfer; the bytes written. The lock is let go during the transfer.
Result<size_t> write_cluster(State& s, Buf& b) RK_REQUIRES(s.lock) {
  Buf* run[kMaxCluster];
  uint32_t count = 0;
  // Back to where the dirty run starts, then forwards.
  uint64_t first = b.blkno;
  size_t bytes = 0;
  while (first > 0 && count + 1 < kMaxCluster / 2) {
    Buf* p = lookup(s, *b.dev, (first - 1) * b.size);
    if (p == nullptr || p->size != b.size || (p->flags & (Buf::kHeld | Buf::kGone)) ||
        !(p->flags & Buf::kDirty) || p->write_error != 0)
      break;
    --first;
    ++count;
  }
  count = 0;
  for (uint64_t n = first; count < kMaxCluster && bytes < kMaxClusterBytes; ++n) {
    Buf* p = n == b.blkno ? &b : lookup(s, *b.dev, n * b.size);
    if (p == nullptr || p->size != b.size || (p->flags & (Buf::kHeld | Buf::kGone)) ||
        !(p->flags & Buf::kDirty) || p->write_error != 0)
      break;
    run[count++] = p;
    bytes += p->size;
  }
  // Hold them for the transfer: nobody changes them meanwhile.
  size_t total = 0;
  for (uint32_t i = 0; i < count; ++i) {
    run[i]->flags |= Buf::kHeld;
    s.lru.remove(*run[i]);
    total += run[i]->size;
  }
  s.lock.unlock();
  Result<void> r = write_run(run, count);
  s.lock.lock();
  s.stats.writes += 1;
  for (uint32_t i = 0; i < count; ++i) {
    Buf& p = *run[i];
    if (r.ok()) set_clean(s, p);
    else p.write_error = EIO;
    p.flags &= ~Buf::kHeld;
    s.lru.push_back(p);
  }
  s.released.broadcast();
  if (!r.ok()) {
    s.kernel.log().log(kern::LogLevel::kErr, "%s: write of %u blocks at %llu failed",
                       b.dev->name(), count, static_cast<unsigned long long>(run[0]->offset));
    return r.error();
  }
  return total;
}

// Writes back dirty blocks, oldest first, until `bytes` were written or none is left that
// nobody holds. Each write gathers the neighbours of the oldest block into one transfer.
size_t write_some(State& s, size_t bytes) RK_REQUIRES(s.lock) {
  size_t written = 0;
  while (written < bytes) {
    Buf* oldest = nullptr;
    for (Buf& b : s.dirty) {
      if (!(b.flags & Buf::kHeld) && b.write_error == 0) {
        oldest = &b;
        break;
      }
    }
    if (oldest == nullptr) break;
    Result<size_t> r = write_cluster(s, *oldest);
    if (!r.ok()) continue;  // marked with its error: skipped by the next round
    written += r.value();
  }
  return written;
}


// --- the flusher --------------------------------------------------------------------------

void flusher_main(void* arg) {
  State& s = *static_cast<State*>(arg);
  kern::MutexGuard g(s.lock);
  while (!s.stopping) {
    (void)s.flusher_wake.wait_for(s.lock, kFlushPeriodNs);
    if (s.stopping) break;
    const int64_t now = s.kernel.uptime_ns();
    for (;;) {
      Buf* old = nullptr;
      for (Buf& b : s.dirty) {
        if (now - b.dirtied_ns < kDirtyExpireNs) break;  // the list is oldest first
        if (!(b.flags & Buf::kHeld) && b.write_error == 0) {
          old = &b;
          break;
        }
      }
      if (old == nullptr || s.stopping) break;
      (void)write_cluster(s, *old);
    }
  }
}

void start_flusher(State& s) RK_REQUIRES(s.lock) {
  if (s.flusher != nullptr || s.flusher_starting || s.stopping) return;
  s.flusher_starting = true;  // one starter: the others go on without waiting for it
  s.lock.unlock();
  Result<kern::KThread*> t = kern::kthread_create(s.kernel, "bufflush", flusher_main, &s, true);
  s.lock.lock();
  s.flusher_starting = false;
  if (!t.ok()) return;  // written back by sync and under pressure only; tried again later
  s.flusher = t.value();
  s.flusher_started.broadcast();
}

}  // namespace

// --- BufRef --------------------------------------------------------------------------------

BufRef& BufRef::operator=(BufRef&& o) noexcept {
  if (this != &o) {
    release();
    buf_ = std::exchange(o.buf_, nullptr);
  }
  return *this;
}

uint8_t* BufRef::data() const { return buf_->data; }
uint32_t BufRef::size() const { return buf_->size; }
uint64_t BufRef::blkno() const { return buf_->blkno; }
BlockDevice& BufRef::device() const { return *buf_->dev; }

void BufRef::mark_dirty() {
  State& s = *buf_->cache;
  kern::MutexGuard g(s.lock);
  set_dirty(s, *buf_);
  if (s.flusher == nullptr) start_flusher(s);
}

void BufRef::forget() {
  State& s = *buf_->cache;
  kern::MutexGuard g(s.lock);
  set_clean(s, *buf_);
  buf_->flags |= Buf::kGone;
  buf_->flags &= ~Buf::kValid;
}

Result<void> BufRef::write_now() {
  State& s = *buf_->cache;
  Buf* run[1] = {buf_};
  Result<void> r = write_run(run, 1);
  kern::MutexGuard g(s.lock);
  s.stats.writes += 1;
  if (!r.ok()) {
    buf_->write_error = EIO;
    return Errno::kIo;
  }
  buf_->write_error = 0;
  set_clean(s, *buf_);
  return ok();
}

// --- the cache -----------------------------------------------------------------------------

BufCache& BufCache::of(kern::Kernel& k) { return Vfs::of(k).bufcache(); }

BufCache::BufCache(kern::Kernel& k) : kernel_(k) {}

BufCache::~BufCache() = default;

Result<void> BufCache::init() {
  s_ = kernel_.kmem().create<State>(kern::KmFlags::kNoSleep, kernel_, *this);
  if (s_ == nullptr) return Errno::kNoMem;
  uint64_t limit = kernel_.kmem().limit();
  s_->limit = limit != 0 ? limit / 2 : kDefaultLimit;
  s_->reclaimer.reclaim = [](void* arg, size_t want) {
    return static_cast<BufCache*>(arg)->reclaim(want, false);
  };
  s_->reclaimer.arg = this;
  kernel_.kmem().register_reclaimer(s_->reclaimer);
  return ok();
}

BufCacheStats BufCache::stats() const {
  kern::MutexGuard g(s_->lock);
  BufCacheStats st = s_->stats;
  st.limit = s_->limit;
  return st;
}

// Frees clean blocks nobody holds, least recently used first, until `want` bytes are free.
// With `write`, dirty ones are written back first to make them clean (the allocator's path;
// the Kmem reclaimer never waits for I/O).
size_t BufCache::reclaim(size_t want, bool write) {
  State& s = *s_;
  size_t freed = 0;
  kern::MutexGuard g(s.lock);
  for (Buf* b = s.lru.front(); b != nullptr && freed < want;) {
    Buf* next = s.lru.next(*b);
    if (!(b->flags & Buf::kDirty) && b->io.load(std::memory_order_acquire) == 0) {
      freed += b->size;
      s.stats.reclaimed += 1;
      destroy(s, *b);
    }
    b = next;
  }
  if (write && freed < want && !s.dirty.empty()) {
    (void)write_some(s, want - freed);
  }
  return freed;
}

Result<BufRef> BufCache::lookup_or_make(BlockDevice& dev, uint64_t blkno, uint32_t size,
                                        bool* fresh, bool wait) {
  if (!valid_size(size)) return Errno::kInval;
  if (blkno >= dev.size() / size) return Errno::kInval;
  State& s = *s_;
  const uint64_t offset = blkno * size;
  Buf* spare = nullptr;  // allocated without the lock, used if the block is still missing
  uint8_t* spare_data = nullptr;
  kern::Kmem& km = kernel_.kmem();
  s.lock.lock();
  auto drop_spare = [&] {
    if (spare == nullptr) return;
    km.free(spare_data, size);
    km.destroy(spare);
  };
  for (;;) {
    if (!s.direct.empty() && in_direct(s, dev, offset)) {
      // Being overwritten on disk: neither the old contents nor a half-written block.
      if (!wait) {
        s.lock.unlock();
        drop_spare();
        return Errno::kAgain;
      }
      s.released.wait(s.lock);
      continue;
    }
    Buf* b = lookup(s, dev, offset);
    if (b != nullptr) {
      if (b->flags & Buf::kHeld) {
        if (!wait) {
          s.lock.unlock();
          drop_spare();
          return Errno::kAgain;
        }
        s.released.wait(s.lock);
        continue;
      }
      if (b->size != size || (b->flags & Buf::kGone)) {
        // Another size at the same place (the caller changed its block size): write it back
        // and drop it, then start again.
        if (b->flags & Buf::kDirty) {
          Result<size_t> w = write_cluster(s, *b);
          if (!w.ok()) {
            s.lock.unlock();
            return w.error();
          }
          continue;
        }
        if (b->io.load(std::memory_order_acquire) != 0) wait_io_unheld(s, *b);
        destroy(s, *b);
        continue;
      }
      b->flags |= Buf::kHeld;
      s.lru.remove(*b);
      s.stats.hits += 1;
      s.lock.unlock();
      drop_spare();
      wait_io(s, *b);
      *fresh = false;
      return BufRef(b);
    }
    if (spare == nullptr) {
      // Room first: within the cache's share, giving back the oldest clean blocks.
      if (s.stats.bytes + size > s.limit) {
        const size_t want = s.stats.bytes + size - s.limit + 16 * size;
        s.lock.unlock();
        reclaim(want, true);
        s.lock.lock();
      }
      grow_hash(s);
      s.lock.unlock();
      spare = km.create<Buf>(kern::KmFlags::kNoSleep);
      spare_data = static_cast<uint8_t*>(km.alloc(size, kern::KmFlags::kNoSleep));
      if (spare == nullptr || spare_data == nullptr) {
        // Out of kernel memory: write back and drop what we can, then try once more.
        if (spare_data == nullptr && spare != nullptr) {
          reclaim(size_t{size} * 64, true);
          spare_data = static_cast<uint8_t*>(km.alloc(size, kern::KmFlags::kNoSleep));
        }
        if (spare == nullptr || spare_data == nullptr) {
          if (spare_data != nullptr) km.free(spare_data, size);
          km.destroy(spare);
          return Errno::kNoMem;
        }
      }
      s.lock.lock();
      continue;  // look again: someone may have made it meanwhile
    }
    if (s.hash == nullptr) {
      s.lock.unlock();
      km.free(spare_data, size);
      km.destroy(spare);
      return Errno::kNoMem;
    }
    Buf& n = *spare;
    n.cache = &s;
    n.dev = RefPtr<BlockDevice>(&dev);
    n.blkno = blkno;
    n.offset = offset;
    n.size = size;
    n.data = spare_data;
    n.flags = Buf::kHeld;
    hash_insert(s, n);
    s.stats.blocks += 1;
    s.stats.bytes += size;
    s.stats.misses += 1;
    s.lock.unlock();
    *fresh = true;
    return BufRef(&n);
  }
}

Result<BufRef> BufCache::read(BlockDevice& dev, uint64_t blkno, uint32_t size) {
  bool fresh = false;
  BufRef ref = RK_TRY(lookup_or_make(dev, blkno, size, &fresh));
  Buf& b = *ref.buf_;
  bool valid;
  {
    kern::MutexGuard g(s_->lock);
    valid = (b.flags & Buf::kValid) && b.io_error.load(std::memory_order_relaxed) == 0;
  }
  if (valid) return ref;
  Result<void> r = dev.read(b.offset, b.data, b.size);
  if (!r.ok()) {
    kernel_.log().log(kern::LogLevel::kErr, "%s: read of block %llu (%u bytes) failed",
                      dev.name(), static_cast<unsigned long long>(blkno), size);
    ref.forget();
    return Errno::kIo;
  }
  kern::MutexGuard g(s_->lock);
  b.io_error.store(0, std::memory_order_relaxed);
  b.flags |= Buf::kValid;
  return ref;
}

Result<BufRef> BufCache::get(BlockDevice& dev, uint64_t blkno, uint32_t size) {
  bool fresh = false;
  BufRef ref = RK_TRY(lookup_or_make(dev, blkno, size, &fresh));
  Buf& b = *ref.buf_;
  kern::MutexGuard g(s_->lock);
  if (!(b.flags & Buf::kValid) || b.io_error.load(std::memory_order_relaxed) != 0) {
    mem_set(b.data, 0, b.size);
    b.io_error.store(0, std::memory_order_relaxed);
    b.flags |= Buf::kValid;
  }
  return ref;
}

namespace {

// Consecutive blocks read ahead in one transfer; freed by its completion.
struct ReadAheadRun {
  static constexpr uint32_t kMax = 64;
  Bio bio;
  kern::Kmem* kmem = nullptr;
  uint32_t count = 0;
  Buf* bufs[kMax];
  kern::IoVec iov[kMax];
};

void read_ahead_run_done(Bio& bio) {
  auto* run = static_cast<ReadAheadRun*>(bio.arg);
  for (uint32_t i = 0; i < run->count; ++i) {
    Buf& b = *run->bufs[i];
    b.io_error.store(bio.error, std::memory_order_relaxed);
    kern::Kernel& k = b.cache->kernel;
    const void* addr = &b.io;
    b.io.store(0, std::memory_order_release);  // b may be taken and freed from here on
    k.sleepq().wake_all(addr);
  }
  run->kmem->free(run, sizeof(ReadAheadRun));
}

}  // namespace

void BufCache::read_ahead(BlockDevice& dev, uint64_t blkno, uint32_t size, uint32_t count) {
  if (!valid_size(size)) return;
  State& s = *s_;
  kern::Kmem& km = kernel_.kmem();
  ReadAheadRun* run = nullptr;
  // Sends the run gathered so far as one transfer.
  auto submit = [&] {
    if (run == nullptr) return;
    if (run->count == 0) {
      km.free(run, sizeof(ReadAheadRun));
    } else {
      run->bio.op = Bio::Op::kRead;
      run->bio.offset = run->bufs[0]->offset;
      run->bio.iov = run->iov;
      run->bio.iovcnt = run->count;
      run->bio.len = size_t{run->count} * size;
      run->bio.done = read_ahead_run_done;
      run->bio.arg = run;
      dev.submit(run->bio);
    }
    run = nullptr;
  };
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t n = blkno + i;
    if (n >= dev.size() / size) break;
    bool full;
    bool cached;
    {
      kern::MutexGuard g(s.lock);
      cached = lookup(s, dev, n * size) != nullptr;
      full = s.stats.bytes + size > s.limit;
    }
    if (cached) {
      submit();  // a run is consecutive blocks
      continue;
    }
    // A full cache makes room from its oldest clean blocks (a sequential reader's own, long
    // read); with nothing clean to give, speculation stops.
    if (full && reclaim(size_t{size} * (count - i), false) < size) break;
    // Never wait for a block someone holds while blocks of ours are not submitted yet: the
    // holder may be waiting for one of them.
    bool fresh = false;
    Result<BufRef> r = lookup_or_make(dev, n, size, &fresh, false);
    if (!r.ok()) {
      if (r.error() != Errno::kAgain) break;
      submit();
      continue;
    }
    BufRef ref = std::move(r).value();
    if (!fresh) {
      submit();
      continue;
    }
    if (run == nullptr) {
      run = km.create<ReadAheadRun>(kern::KmFlags::kNoSleep);
      if (run == nullptr) {
        ref.forget();
        break;
      }
      run->kmem = &km;
    }
    Buf& b = *ref.buf_;
    // The transfer owns the data until it completes; the block is let go now, so a reader can
    // take it and wait for the transfer (wait_io).
    run->bufs[run->count] = &b;
    run->iov[run->count] = {b.data, b.size};
    ++run->count;
    b.io.store(1, std::memory_order_release);
    {
      kern::MutexGuard g(s.lock);
      b.flags |= Buf::kValid;  // unless io_error says otherwise when it completes
    }
    if (run->count == ReadAheadRun::kMax) submit();
  }
  submit();
}

void BufRef::release() {
  Buf* b = std::exchange(buf_, nullptr);
  if (b == nullptr) return;
  State& s = *b->cache;
  kern::MutexGuard g(s.lock);
  if ((b->flags & Buf::kGone) && b->io.load(std::memory_order_acquire) == 0) {
    destroy(s, *b);  // still marked held: it is in no LRU position
  } else {
    b->flags &= ~Buf::kHeld;
    s.lru.push_back(*b);
  }
  s.released.broadcast();
  // Too much dirty data: whoever adds to it writes the oldest back (Linux's balance_dirty_pages).
  if (s.stats.dirty_bytes > s.limit / 2) {
    write_some(s, s.stats.dirty_bytes - s.limit / 4);
  }
}

Result<void> BufCache::sync(BlockDevice& dev) {
  State& s = *s_;
  bool failed = false;
  {
    kern::MutexGuard g(s.lock);
    for (Buf& b : s.dirty)
      if (b.dev.get() == &dev) b.write_error = 0;  // a sync retries what failed before
    for (;;) {
      Buf* next = nullptr;
      bool busy = false;
      for (Buf& b : s.dirty) {
        if (b.dev.get() != &dev || b.write_error != 0) continue;
        if (b.flags & Buf::kHeld) {
          busy = true;
          continue;
        }
        next = &b;
        break;
      }
      if (next == nullptr) {
        if (!busy) break;
        s.released.wait(s.lock);  // someone is changing a dirty block: write it after them
        continue;
      }
      if (!write_cluster(s, *next).ok()) failed = true;
    }
  }
  Result<void> f = dev.flush();
  if (failed) return Errno::kIo;
  return f;
}

Result<void> BufCache::sync_all() {
  // One device at a time: the oldest dirty block's, until none is left that can be written.
  Result<void> result = ok();
  for (;;) {
    RefPtr<BlockDevice> dev;
    {
      kern::MutexGuard g(s_->lock);
      for (Buf& b : s_->dirty) {
        if (b.write_error == 0) {
          dev = b.dev;
          break;
        }
      }
    }
    if (!dev) break;
    Result<void> r = sync(*dev);
    if (!r.ok()) {
      result = r;
      break;
    }
  }
  return result;
}

void BufCache::invalidate(BlockDevice& dev) {
  State& s = *s_;
  kern::MutexGuard g(s.lock);
  if (s.hash == nullptr) return;
  for (;;) {
    bool waited = false;
    for (uint32_t i = 0; i < s.hash_size && !waited; ++i) {
      for (Buf* b = s.hash[i]; b != nullptr;) {
        Buf* next = b->hash_next;
        if (b->dev.get() == &dev) {
          if ((b->flags & Buf::kHeld) || b->io.load(std::memory_order_acquire) != 0) {
            // A read-ahead still in flight, or a write-back: wait for it to end.
            s.lock.unlock();
            wait_io(s, *b);
            s.lock.lock();
            if (b->flags & Buf::kHeld) s.released.wait(s.lock);
            waited = true;
            break;
          }
          destroy(s, *b);
        }
        b = next;
      }
    }
    if (!waited) break;
  }
}

void BufCache::shutdown() {
  if (s_ == nullptr) return;
  State& s = *s_;
  (void)sync_all();
  kern::KThread* flusher;
  {
    kern::MutexGuard g(s.lock);
    while (s.flusher_starting) s.flusher_started.wait(s.lock);
    s.stopping = true;
    flusher = std::exchange(s.flusher, nullptr);
    s.flusher_wake.broadcast();
  }
  if (flusher != nullptr) kern::kthread_join(flusher);
  kernel_.kmem().unregister_reclaimer(s.reclaimer);
  {
    kern::MutexGuard g(s.lock);
    if (s.stats.dirty_bytes != 0) {
      s.kernel.log().log(kern::LogLevel::kErr,
                         "buffer cache: %llu dirty bytes could not be written back",
                         static_cast<unsigned long long>(s.stats.dirty_bytes));
    }
    for (uint32_t i = 0; s.hash != nullptr && i < s.hash_size; ++i) {
      while (s.hash[i] != nullptr) {
        Buf& b = *s.hash[i];
        s.lock.unlock();
        wait_io(s, b);
        s.lock.lock();
        destroy(s, b);
      }
    }
    if (s.hash != nullptr) kernel_.kmem().free(s.hash, sizeof(Buf*) * s.hash_size);
    s.hash = nullptr;
  }
  kernel_.kmem().destroy(s_);
  s_ = nullptr;
}

}  // namespace rk::vfs
