// Ext2Node's contents: read, write, truncate and symlink targets, block by block through the
// buffer cache. Invariant: the bytes past the end of a file in its last block are zero, so
// growing a file never shows old data.
#include "fs/ext2/fs.h"
#include "fs/ext2/node.h"
#include "kern/lib/string.h"
#include "kern/uio.h"

namespace rk::fs::ext2 {

namespace {

// A read or write this large streams: its whole blocks move straight between the caller's
// memory and the disk (BufCache::read_direct/write_direct), up to kDirectMax bytes a transfer.
// Smaller ones go through the cache, where the next small one finds them.
constexpr size_t kDirectMin = 64 * 1024;
constexpr size_t kDirectMax = 1024 * 1024;
constexpr size_t kDirectIov = 16;  // pieces of the caller's memory in one transfer

// How many whole blocks (at most `blocks`) of the caller's memory at the uio's position fit in
// one transfer, described in iov[0..*count). EFAULT.
Result<uint64_t> direct_iov(const vfs::Uio& uio, uint32_t bs, uint64_t blocks, vfs::IoVec* iov,
                            size_t* count) {
  const size_t bytes = RK_TRY(uio.peek(blocks * bs, iov, kDirectIov, count));
  if (bytes % bs == 0) return bytes / bs;
  // The pieces ran out inside a block: describe the whole blocks only.
  if (bytes < bs) return uint64_t{0};
  RK_TRY(uio.peek(bytes / bs * bs, iov, kDirectIov, count));
  return bytes / bs;
}

}  // namespace

Result<void> Ext2Node::read(vfs::Uio& uio) {
  if (type() != vfs::VType::kReg) return is_dir() ? Errno::kIsDir : Errno::kInval;
  const uint32_t bs = fs_->geo().block_size;
  const uint64_t size = this->size();
  const size_t start = uio.resid();
  const bool stream = start >= kDirectMin;
  while (uio.resid() > 0 && uio.offset() < size) {
    const uint64_t off = uio.offset();
    const uint64_t lblk = off / bs;
    const uint32_t boff = static_cast<uint32_t>(off % bs);
    uint64_t n = bs - boff;
    if (n > size - off) n = size - off;
    if (n > uio.resid()) n = uio.resid();
    Result<void> r = ok();
    if (stream && boff == 0 && n == bs) {
      Result<size_t> moved = read_direct(uio, size);
      if (!moved.ok()) {
        if (uio.resid() < start) return ok();
        return moved.error();
      }
      if (moved.value() > 0) continue;
      // A hole, or a cached block first: that block goes the cached way.
    }
    Result<uint64_t> phys = bmap(lblk);
    if (!phys.ok()) {
      r = phys.error();
    } else if (phys.value() == 0) {
      r = uio.zero(n);
    } else {
      // Sequential readers get the next blocks started while they copy this one (a guess
      // that the file is contiguous, which it mostly is).
      if (boff == 0 && lblk % 16 == 0 && size - off > bs) fs_->read_ahead(phys.value() + 1, 16);
      Result<vfs::BufRef> b = fs_->bread(phys.value());
      if (!b.ok())
        r = b.error();
      else
        r = uio.move(b.value().data() + boff, n);
    }
    if (!r.ok()) {
      if (uio.resid() < start) return ok();  // what was copied counts (a short read)
      return r.error();
    }
  }
  return ok();
}

Result<void> Ext2Node::write(vfs::Uio& uio) {
  if (type() != vfs::VType::kReg) return is_dir() ? Errno::kIsDir : Errno::kInval;
  RK_TRY(fs_->check_writable());
  if (uio.resid() == 0) return ok();
  const uint64_t max = fs_->max_file_size();
  if (uio.offset() >= max) return Errno::kFBig;
  const uint32_t bs = fs_->geo().block_size;
  const size_t start = uio.resid();
  const bool stream = start >= kDirectMin;
  Result<void> err = ok();
  while (uio.resid() > 0 && uio.offset() < max) {
    const uint64_t off = uio.offset();
    const uint64_t lblk = off / bs;
    const uint32_t boff = static_cast<uint32_t>(off % bs);
    uint64_t n = bs - boff;
    if (n > uio.resid()) n = uio.resid();
    if (n > max - off) n = max - off;
    if (stream && boff == 0 && n == bs) {
      Result<size_t> moved = write_direct(uio, max);
      if (!moved.ok()) {
        err = moved.error();
        break;
      }
      if (moved.value() > 0) {
        kern::MutexGuard g(meta_);
        if (off + moved.value() > size_locked()) set_size_locked(off + moved.value());
        continue;
      }
    }
    bool fresh = false;
    Result<uint64_t> phys = bmap_alloc(lblk, &fresh);
    if (!phys.ok()) {
      err = phys.error();
      break;
    }
    // A fresh block is zeroed rather than read; an existing one is read even when all of it
    // is overwritten, so that a copy that faults half way leaves old bytes, not garbage.
    Result<vfs::BufRef> rb = fresh ? fs_->bget(phys.value()) : fs_->bread(phys.value());
    if (!rb.ok()) {
      err = rb.error();
      break;
    }
    vfs::BufRef b = std::move(rb).value();
    // A fresh block is zeroed where the copy does not fill it (a reused block number may still
    // be cached with old contents).
    const bool whole = boff == 0 && n == bs;
    if (fresh && !whole) mem_set(b.data(), 0, bs);
    const size_t before = uio.resid();
    Result<void> r = uio.move(b.data() + boff, n);
    const size_t moved = before - uio.resid();
    if (fresh && whole && moved < n) mem_set(b.data() + moved, 0, bs - moved);
    b.mark_dirty();
    b.release();
    if (moved > 0) {
      kern::MutexGuard g(meta_);
      if (off + moved > size_locked()) set_size_locked(off + moved);
    }
    if (!r.ok()) {
      err = r;
      break;
    }
  }
  if (!err.ok()) {
    // A failed copy or allocation may have left blocks past the end (a fresh block nothing
    // landed in, an indirect block with nothing under it): e2fsck would object to them.
    (void)free_range((size() + bs - 1) / bs, UINT64_MAX);
  }
  if (uio.resid() == start) return err.ok() ? Result<void>(Errno::kFBig) : err;
  {
    kern::MutexGuard g(meta_);
    set_times_locked(true, true, fs_->now());
    (void)store_locked();
  }
  return ok();  // a short write when err is set, as Linux answers
}

Result<size_t> Ext2Node::read_direct(vfs::Uio& uio, uint64_t size) {
  const uint32_t bs = fs_->geo().block_size;
  const uint64_t off = uio.offset();
  uint64_t want = (size - off < uio.resid() ? size - off : uio.resid()) / bs;
  if (want > kDirectMax / bs) want = kDirectMax / bs;
  uint32_t run = 0;
  const uint64_t phys = RK_TRY(bmap_run(off / bs, static_cast<uint32_t>(want), &run));
  if (phys == 0) return size_t{0};
  vfs::IoVec iov[kDirectIov];
  size_t cnt = 0;
  const uint64_t blocks = RK_TRY(direct_iov(uio, bs, run, iov, &cnt));
  if (blocks == 0) return size_t{0};
  const uint32_t got = RK_TRY(fs_->read_direct(phys, static_cast<uint32_t>(blocks), {iov, cnt}));
  uio.skip(size_t{got} * bs);
  return size_t{got} * bs;
}

Result<size_t> Ext2Node::write_direct(vfs::Uio& uio, uint64_t max) {
  const uint32_t bs = fs_->geo().block_size;
  const uint64_t off = uio.offset();
  const uint64_t lblk = off / bs;
  uint64_t want = (max - off < uio.resid() ? max - off : uio.resid()) / bs;
  if (want > kDirectMax / bs) want = kDirectMax / bs;
  vfs::IoVec iov[kDirectIov];
  size_t cnt = 0;
  // The memory first, so that no block is allocated for bytes that cannot be moved.
  want = RK_TRY(direct_iov(uio, bs, want, iov, &cnt));
  // A run of blocks one after the other on the disk from logical block l: holes allocated
  // together, or blocks the file already has.
  auto map_run = [&](uint64_t l, uint32_t n, uint32_t* run) -> Result<uint64_t> {
    bool fresh = false;
    const uint64_t first = RK_TRY(bmap_alloc_run(l, n, run, &fresh));
    if (fresh || n == 1) return first;
    return bmap_run(l, n, run);
  };
  uint64_t done = 0;
  while (done < want) {
    uint32_t run = 1;
    Result<uint64_t> phys = map_run(lblk + done, static_cast<uint32_t>(want - done), &run);
    if (!phys.ok()) {
      if (done == 0) return phys.error();
      break;  // what was written counts; the next call meets the error again
    }
    RK_TRY(direct_iov(uio, bs, run, iov, &cnt));
    Result<void> w = fs_->write_direct(phys.value(), run, {iov, cnt});
    if (!w.ok()) {
      if (done == 0) return w.error();
      break;
    }
    uio.skip(size_t{run} * bs);
    done += run;
  }
  return size_t{done} * bs;
}

Result<void> Ext2Node::zero_tail(uint64_t size) {
  const uint32_t bs = fs_->geo().block_size;
  const uint32_t boff = static_cast<uint32_t>(size % bs);
  if (boff == 0) return ok();
  const uint64_t phys = RK_TRY(bmap(size / bs));
  if (phys == 0) return ok();
  vfs::BufRef b = RK_TRY(fs_->bread(phys));
  mem_set(b.data() + boff, 0, bs - boff);
  b.mark_dirty();
  return ok();
}

Result<void> Ext2Node::truncate(uint64_t size) {
  RK_TRY(fs_->check_writable());
  const uint32_t bs = fs_->geo().block_size;
  const uint64_t old = this->size();
  if (size == old) return ok();
  if (size < old) {
    {
      kern::MutexGuard g(meta_);
      set_size_locked(size);
      RK_TRY(store_locked());
    }
    RK_TRY(free_blocks_from((size + bs - 1) / bs));
    return zero_tail(size);
  }
  RK_TRY(zero_tail(old));
  kern::MutexGuard g(meta_);
  set_size_locked(size);
  return store_locked();
}

Result<void> Ext2Node::readlink(vfs::Uio& uio) {
  if (type() != vfs::VType::kLnk) return Errno::kInval;
  const uint32_t bs = fs_->geo().block_size;
  uint64_t size;
  bool fast;
  char inline_target[kFastSymlinkMax];
  {
    kern::MutexGuard g(meta_);
    size = size_locked();
    const uint32_t acl_sectors = inode_.i_file_acl_lo != 0 ? bs / 512 : 0;
    fast = !(inode_.i_flags & kExtentsFl) && inode_.i_blocks_lo <= acl_sectors;
    mem_copy(inline_target, inode_.i_block, sizeof(inline_target));
  }
  if (size == 0) return fs_->corrupt("symlink %u is empty", ino_);
  if (fast) {
    if (size >= kFastSymlinkMax)
      return fs_->corrupt("fast symlink %u: size %llu too large", ino_,
                          static_cast<unsigned long long>(size));
    size_t n = size < uio.resid() ? size : uio.resid();
    return uio.move(inline_target, n);
  }
  if (size >= bs)
    return fs_->corrupt("symlink %u: size %llu larger than a block", ino_,
                        static_cast<unsigned long long>(size));
  const uint64_t phys = RK_TRY(bmap(0));
  if (phys == 0) return fs_->corrupt("symlink %u has no block", ino_);
  vfs::BufRef b = RK_TRY(fs_->bread(phys));
  size_t n = size < uio.resid() ? size : uio.resid();
  return uio.move(b.data(), n);
}

}  // namespace rk::fs::ext2

namespace rk::fs::ext2 {

namespace {
constexpr int kFallocKeepSize = 1;   // FALLOC_FL_KEEP_SIZE
constexpr int kFallocPunchHole = 2;  // FALLOC_FL_PUNCH_HOLE
}  // namespace

Result<void> Ext2Node::zero_range(uint64_t from, uint64_t to) {
  const uint32_t bs = fs_->geo().block_size;
  if (from >= to) return ok();
  const uint64_t phys = RK_TRY(bmap(from / bs));
  if (phys == 0) return ok();
  vfs::BufRef b = RK_TRY(fs_->bread(phys));
  mem_set(b.data() + from % bs, 0, to - from);
  b.mark_dirty();
  return ok();
}

Result<void> Ext2Node::fallocate(int mode, uint64_t offset, uint64_t len) {
  if (type() != vfs::VType::kReg) return is_dir() ? Errno::kIsDir : Errno::kNoDev;
  RK_TRY(fs_->check_writable());
  const uint32_t bs = fs_->geo().block_size;
  const uint64_t size = this->size();
  if (len == 0 || offset + len < offset) return Errno::kInval;
  const uint64_t end = offset + len;
  if (mode == (kFallocPunchHole | kFallocKeepSize)) {
    const uint64_t stop = end < size ? end : size;
    if (offset >= stop) return ok();
    // The partial blocks at the edges are zeroed, the whole ones between freed.
    const uint64_t first_whole = (offset + bs - 1) / bs, end_whole = stop / bs;
    if (first_whole > end_whole) {
      RK_TRY(zero_range(offset, stop));
    } else {
      RK_TRY(zero_range(offset, first_whole * bs));
      RK_TRY(zero_range(end_whole * bs, stop));
      if (first_whole < end_whole) RK_TRY(free_range(first_whole, end_whole));
    }
    return touch(true, true);
  }
  if (mode != 0 && mode != kFallocKeepSize) return Errno::kOpNotSupp;
  if (end > fs_->max_file_size()) return Errno::kFBig;
  // Blocks past the end of a block-mapped file are an error to e2fsck: KEEP_SIZE allocates only
  // inside the file.
  const uint64_t alloc_end = mode == kFallocKeepSize ? (end < size ? end : size) : end;
  for (uint64_t lblk = offset / bs; lblk * bs < alloc_end; ++lblk) {
    bool fresh = false;
    const uint64_t phys = RK_TRY(bmap_alloc(lblk, &fresh));
    if (!fresh) continue;
    vfs::BufRef b = RK_TRY(fs_->bget(phys));
    mem_set(b.data(), 0, bs);
    b.mark_dirty();
  }
  if (mode == 0 && end > size) {
    kern::MutexGuard g(meta_);
    set_size_locked(end);
    set_times_locked(true, true, fs_->now());
    return store_locked();
  }
  return ok();
}

Result<uint64_t> Ext2Node::seek_data(uint64_t off, bool hole) {
  if (type() != vfs::VType::kReg) return Errno::kNxio;
  const uint32_t bs = fs_->geo().block_size;
  const uint64_t size = this->size();
  if (off >= size) return Errno::kNxio;
  uint64_t lblk = off / bs;
  while (lblk * bs < size) {
    uint64_t run = 1;
    const uint64_t phys = RK_TRY(bmap_span(lblk, &run));
    const uint64_t at = lblk * bs > off ? lblk * bs : off;
    if ((phys == 0) == hole) return at < size ? at : size;
    lblk += phys == 0 ? (run == 0 ? 1 : run) : 1;
  }
  if (hole) return size;
  return Errno::kNxio;
}

}  // namespace rk::fs::ext2
