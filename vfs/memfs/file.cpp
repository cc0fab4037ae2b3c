// MemNode's file contents: read, write, truncate, fallocate and SEEK_DATA/SEEK_HOLE over the
// page table. Invariant: bytes past the end of the file in its last page are zero, so growing
// the file never shows old data.
#include "kern/lib/string.h"
#include "vfs/memfs/fs.h"
#include "vfs/memfs/node.h"

namespace rk::vfs {
namespace {

constexpr int kFallocKeepSize = 1;   // FALLOC_FL_KEEP_SIZE
constexpr int kFallocPunchHole = 2;  // FALLOC_FL_PUNCH_HOLE

uint64_t page_of(uint64_t off) { return off >> kPageShift; }
size_t in_page(uint64_t off) { return static_cast<size_t>(off & (kPageSize - 1)); }

bool all_zero(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

}  // namespace

Result<void> MemNode::read(Uio& uio) {
  if (type() != VType::kReg) return is_dir() ? Errno::kIsDir : Errno::kInval;
  const size_t start = uio.resid();
  while (uio.resid() > 0 && uio.offset() < size_) {
    uint64_t off = uio.offset();
    uint64_t n = kPageSize - in_page(off);
    if (n > size_ - off) n = size_ - off;
    if (n > uio.resid()) n = uio.resid();
    char* page = pages_.find(page_of(off));
    Result<void> r = page != nullptr ? uio.move(page + in_page(off), n) : uio.zero(n);
    if (!r.ok()) {
      // What was copied counts (a short read); a fault before any byte is the error.
      if (uio.resid() < start) return ok();
      return r.error();
    }
  }
  return ok();
}

Result<void> MemNode::write(Uio& uio) {
  if (type() != VType::kReg) return is_dir() ? Errno::kIsDir : Errno::kInval;
  if (uio.resid() == 0) return ok();
  if (uio.offset() >= kMemMaxFileSize) return Errno::kFBig;
  const size_t start = uio.resid();
  Result<void> err = ok();
  while (uio.resid() > 0 && uio.offset() < kMemMaxFileSize) {
    uint64_t off = uio.offset();
    uint64_t pg = page_of(off);
    uint64_t n = kPageSize - in_page(off);
    if (n > uio.resid()) n = uio.resid();
    if (n > kMemMaxFileSize - off) n = kMemMaxFileSize - off;
    bool fresh = pages_.find(pg) == nullptr;
    bool whole = in_page(off) == 0 && n == kPageSize;
    Result<char*> page = pages_.get(pg, !whole);
    if (!page.ok()) {
      err = page.error();
      break;
    }
    size_t before = uio.resid();
    Result<void> r = uio.move(page.value() + in_page(off), n);
    size_t moved = before - uio.resid();
    if (moved == 0 && fresh) pages_.free_range(pg, pg + 1);  // nothing landed in it
    else if (fresh && whole && moved < n) mem_set(page.value() + moved, 0, n - moved);  // torn copy
    if (uio.offset() > size_) size_ = uio.offset();
    if (!r.ok()) {
      err = r;
      break;
    }
  }
  if (uio.resid() == start) return err;  // nothing written: the error (ENOSPC, EFAULT)
  touch_mtime(now());
  return ok();  // a short write when err is set, as Linux answers
}

void MemNode::zero_range(uint64_t from, uint64_t to) {
  while (from < to) {
    uint64_t n = kPageSize - in_page(from);
    if (n > to - from) n = to - from;
    if (char* page = pages_.find(page_of(from))) mem_set(page + in_page(from), 0, n);
    from += n;
  }
}

Result<void> MemNode::truncate(uint64_t size) {
  if (size > kMemMaxFileSize) return Errno::kFBig;
  if (size < size_) {
    // Pages wholly past the end go (also ones fallocated past the old end); the part of the
    // last page past the end is zeroed.
    pages_.free_range(page_of(size + kPageSize - 1), kNoPage);
    if (in_page(size) != 0) zero_range(size, (size | (kPageSize - 1)) + 1);
  }
  size_ = size;
  return ok();
}

Result<void> MemNode::fallocate(int mode, uint64_t offset, uint64_t len) {
  if (type() != VType::kReg) return is_dir() ? Errno::kIsDir : Errno::kNoDev;
  if ((mode & ~(kFallocKeepSize | kFallocPunchHole)) != 0) return Errno::kOpNotSupp;
  if (len == 0) return Errno::kInval;
  if (offset > kMemMaxFileSize || len > kMemMaxFileSize - offset) return Errno::kFBig;
  const uint64_t end = offset + len;

  if (mode & kFallocPunchHole) {
    if (!(mode & kFallocKeepSize)) return Errno::kOpNotSupp;  // as Linux
    const uint64_t first_whole = page_of(offset + kPageSize - 1);
    const uint64_t end_whole = page_of(end);
    if (first_whole < end_whole) {
      pages_.free_range(first_whole, end_whole);
      zero_range(offset, first_whole << kPageShift);
      zero_range(end_whole << kPageShift, end);
    } else {
      zero_range(offset, end);  // no whole page in the range
    }
    touch_mtime(now());
    return ok();
  }

  const uint64_t first = page_of(offset);
  const uint64_t last = page_of(end - 1);
  for (uint64_t pg = first; pg <= last; pg = pages_.next_hole(pg + 1)) {
    if (pages_.find(pg) == nullptr) {
      Result<char*> p = pages_.get(pg);
      if (!p.ok()) {
        // Give back what this call added. Pages it added are all zeros; a page that was
        // there and holds only zeros reads the same once it is a hole.
        for (uint64_t q = first; q < pg; q = pages_.next_page(q + 1)) {
          char* page = pages_.find(q);
          if (page != nullptr && all_zero(page, kPageSize)) pages_.free_range(q, q + 1);
        }
        return p.error();
      }
    }
  }
  if (!(mode & kFallocKeepSize) && end > size_) size_ = end;
  touch_ctime(now());
  return ok();
}

Result<uint64_t> MemNode::seek_data(uint64_t off, bool hole) {
  if (type() != VType::kReg) return Vnode::seek_data(off, hole);
  if (off >= size_) return Errno::kNxio;
  const uint64_t last = page_of(size_ - 1);
  if (!hole) {
    uint64_t pg = pages_.next_page(page_of(off));
    if (pg == kNoPage || pg > last) return Errno::kNxio;
    uint64_t pos = pg << kPageShift;
    return pos > off ? pos : off;
  }
  uint64_t pg = pages_.next_hole(page_of(off));
  if (pg > last) return size_;  // the end of the file counts as a hole
  uint64_t pos = pg << kPageShift;
  return pos > off ? pos : off;
}

}  // namespace rk::vfs
