// The buffer cache's direct transfers (bufcache.h, "Streaming"): runs of whole blocks between
// a caller's memory and the disk, kept coherent with the cached blocks.
#include "kern/kernel.h"
#include "kern/log.h"
#include "vfs/buf/buf.h"
#include "vfs/buf/bufcache.h"

namespace rk::vfs {

using namespace bufimpl;

namespace {

using State = BufCache::State;

constexpr size_t kMaxDirectIov = 64;  // pieces of caller memory in one direct transfer

bool valid_range(const BlockDevice& dev, uint64_t blkno, uint32_t size, uint32_t count) {
  const uint64_t blocks = dev.size() / size;
  return valid_size(size) && blkno < blocks && count <= blocks - blkno;
}

}  // namespace

Result<uint32_t> BufCache::read_direct(BlockDevice& dev, uint64_t blkno, uint32_t size,
                                       uint32_t count, std::span<const kern::IoVec> iov) {
  if (count == 0) return uint32_t{0};
  if (!valid_range(dev, blkno, size, count)) return Errno::kInval;
  State& s = *s_;
  uint32_t n = 0;
  {
    kern::MutexGuard g(s.lock);
    // What is not cached is on the disk as the last write left it (a cached block may be
    // dirty, newer than the disk). A block cached after this look is a write racing with the
    // read, which may see either contents.
    while (n < count && lookup(s, dev, (blkno + n) * size) == nullptr &&
           (s.direct.empty() || !in_direct(s, dev, (blkno + n) * size)))
      ++n;
  }
  if (n == 0) return uint32_t{0};
  // The caller's memory for the first n blocks.
  kern::IoVec part[kMaxDirectIov];
  size_t used = 0, want = size_t{n} * size;
  for (const kern::IoVec& v : iov) {
    if (want == 0) break;
    if (used == kMaxDirectIov) return Errno::kInval;
    const size_t len = v.len < want ? v.len : want;
    part[used++] = {v.base, len};
    want -= len;
  }
  if (want != 0) return Errno::kInval;
  Result<void> r = dev.readv(blkno * size, {part, used});
  if (!r.ok()) {
    kernel_.log().log(kern::LogLevel::kErr, "%s: read of %u blocks at %llu failed", dev.name(),
                      n, static_cast<unsigned long long>(blkno));
    return Errno::kIo;
  }
  kern::MutexGuard g(s.lock);
  s.stats.direct_reads += 1;
  return n;
}

Result<void> BufCache::write_direct(BlockDevice& dev, uint64_t blkno, uint32_t size,
                                    uint32_t count, std::span<const kern::IoVec> iov) {
  if (count == 0) return ok();
  if (!valid_range(dev, blkno, size, count)) return Errno::kInval;
  size_t bytes = 0;
  for (const kern::IoVec& v : iov) bytes += v.len;
  if (bytes != size_t{count} * size || iov.size() > kMaxDirectIov) return Errno::kInval;
  State& s = *s_;
  DirectRange range;
  range.dev = &dev;
  range.first = blkno * size;
  range.end = range.first + bytes;
  {
    kern::MutexGuard g(s.lock);
    // Two direct writes over the same blocks: one after the other, so that the cache's
    // exclusion holds for each.
    for (;;) {
      bool overlap = false;
      for (DirectRange& r : s.direct)
        if (r.dev == &dev && r.first < range.end && range.first < r.end) overlap = true;
      if (!overlap) break;
      s.released.wait(s.lock);
    }
    // From here on no block of the range is made or handed out (lookup_or_make waits); the
    // copies already cached go, written back or not: the transfer replaces all of them.
    s.direct.push_back(range);
    for (uint32_t i = 0; i < count;) {
      Buf* b = lookup(s, dev, (blkno + i) * size);
      if (b == nullptr) {
        ++i;
        continue;
      }
      if (b->flags & Buf::kHeld) {
        s.released.wait(s.lock);  // its holder lets go: look at it again
        continue;
      }
      if (b->io.load(std::memory_order_acquire) != 0) {
        // A read-ahead into it is in flight: the transfer owns its memory until it ends.
        wait_io_unheld(s, *b);
        continue;
      }
      destroy(s, *b);
      ++i;
    }
  }
  Result<void> r = dev.writev(range.first, iov);
  kern::MutexGuard g(s.lock);
  s.direct.remove(range);
  s.stats.direct_writes += 1;
  s.released.broadcast();
  if (!r.ok()) {
    kernel_.log().log(kern::LogLevel::kErr, "%s: write of %u blocks at %llu failed", dev.name(),
                      count, static_cast<unsigned long long>(blkno));
  }
  return r;
}

}  // namespace rk::vfs
