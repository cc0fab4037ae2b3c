// The classic ext2 block map: twelve direct pointers in i_block, then an indirect, a double and
// a triple indirect tree. Looking up, allocating on write, and freeing on truncate.
//
// Every walk holds one buffer at a time (fs.h): a pointer is read, the buffer let go, then the
// next level read. A corrupt map can thus point anywhere, even back at itself, without
// deadlocking; each pointer is range-checked before use.
#include "fs/ext2/fs.h"
#include "fs/ext2/node.h"
#include "kern/kernel.h"
#include "kern/lib/string.h"

namespace rk::fs::ext2 {
namespace {

// The path to logical block lblk: off[0] is the slot in i_block, off[1..depth] the slots in the
// indirect blocks on the way. -1 past the triple indirect tree.
int block_path(uint64_t lblk, uint64_t p, uint32_t off[4]) {
  if (lblk < kNDirBlocks) {
    off[0] = static_cast<uint32_t>(lblk);
    return 0;
  }
  lblk -= kNDirBlocks;
  if (lblk < p) {
    off[0] = kIndBlock;
    off[1] = static_cast<uint32_t>(lblk);
    return 1;
  }
  lblk -= p;
  if (lblk < p * p) {
    off[0] = kDindBlock;
    off[1] = static_cast<uint32_t>(lblk / p);
    off[2] = static_cast<uint32_t>(lblk % p);
    return 2;
  }
  lblk -= p * p;
  if (lblk < p * p * p) {
    off[0] = kTindBlock;
    off[1] = static_cast<uint32_t>(lblk / (p * p));
    off[2] = static_cast<uint32_t>((lblk / p) % p);
    off[3] = static_cast<uint32_t>(lblk % p);
    return 3;
  }
  return -1;
}

}  // namespace

Result<uint64_t> Ext2Node::bmap(uint64_t lblk) {
  uint64_t run;
  return bmap_span(lblk, &run);
}

Ext2Node::MapRoots Ext2Node::map_roots() {
  MapRoots r;
  kern::MutexGuard g(meta_);
  mem_copy(r.block, inode_.i_block, sizeof(r.block));
  r.flags = inode_.i_flags;
  r.generation = inode_.i_generation;
  return r;
}

Result<uint64_t> Ext2Node::bmap_span(uint64_t lblk, uint64_t* hole_run) {
  *hole_run = 1;
  const MapRoots roots = map_roots();
  const uint32_t* iblock = roots.block;
  if (roots.flags & kExtentsFl) return extent_map(lblk, iblock, roots.generation);
  uint32_t off[4];
  const uint64_t p = fs_->geo().addr_per_block;
  const int depth = block_path(lblk, p, off);
  if (depth < 0) return uint64_t{0};
  // A zero pointer at a level is a hole as long as what that pointer covers.
  uint64_t cover = 1;
  for (int i = 0; i < depth; ++i) cover *= p;
  uint64_t rel = 0;  // lblk's place in its tree
  if (depth > 0) {
    rel = lblk - kNDirBlocks;
    for (uint64_t i = 1, c = p; i < static_cast<uint64_t>(depth); ++i, c *= p) rel -= c;
  }
  uint64_t blk = iblock[off[0]];
  if (blk == 0) *hole_run = cover - rel % cover;
  for (int level = 1; level <= depth && blk != 0; ++level) {
    cover /= p;
    if (!fs_->valid_block(blk))
      return fs_->corrupt("inode %u: indirect block %llu out of range", ino_,
                          static_cast<unsigned long long>(blk));
    vfs::BufRef b = RK_TRY(fs_->bread(blk));
    blk = reinterpret_cast<const uint32_t*>(b.data())[off[level]];
    if (blk == 0) *hole_run = cover - rel % cover;
  }
  if (blk != 0 && !fs_->valid_block(blk))
    return fs_->corrupt("inode %u: block %llu of logical block %llu out of range", ino_,
                        static_cast<unsigned long long>(blk),
                        static_cast<unsigned long long>(lblk));
  return blk;
}

Result<uint64_t> Ext2Node::bmap_run(uint64_t lblk, uint32_t max, uint32_t* run) {
  *run = 1;
  const MapRoots roots = map_roots();
  const uint32_t* iblock = roots.block;
  const uint32_t gen = roots.generation;
  if (roots.flags & kExtentsFl) {
    const uint64_t first = RK_TRY(extent_map(lblk, iblock, gen));
    while (first != 0 && *run < max) {
      if (RK_TRY(extent_map(lblk + *run, iblock, gen)) != first + *run) break;
      ++*run;
    }
    return first;
  }
  uint32_t off[4];
  const uint64_t p = fs_->geo().addr_per_block;
  const int depth = block_path(lblk, p, off);
  if (depth < 0) return uint64_t{0};
  // The run is looked for among the pointers beside lblk's, in i_block or in its last
  // indirect block: one read for up to addr_per_block blocks.
  auto count_run = [&](const uint32_t* ptrs, uint32_t at, uint64_t n, uint64_t first) {
    while (*run < max && at + *run < n && ptrs[at + *run] == first + *run) ++*run;
  };
  uint64_t blk = iblock[off[0]];
  if (depth == 0 && blk != 0) count_run(iblock, off[0], kNDirBlocks, blk);
  for (int level = 1; level <= depth && blk != 0; ++level) {
    if (!fs_->valid_block(blk))
      return fs_->corrupt("inode %u: indirect block %llu out of range", ino_,
                          static_cast<unsigned long long>(blk));
    vfs::BufRef b = RK_TRY(fs_->bread(blk));
    const auto* ptrs = reinterpret_cast<const uint32_t*>(b.data());
    blk = ptrs[off[level]];
    if (level == depth && blk != 0) count_run(ptrs, off[level], p, blk);
  }
  if (blk == 0) {
    *run = 1;
    return uint64_t{0};
  }
  // The run's ends inside the file system: so is everything between.
  if (!fs_->valid_block(blk) || !fs_->valid_block(blk + *run - 1))
    return fs_->corrupt("inode %u: block %llu of logical block %llu out of range", ino_,
                        static_cast<unsigned long long>(blk),
                        static_cast<unsigned long long>(lblk));
  return blk;
}

Result<uint64_t> Ext2Node::bmap_alloc_run(uint64_t lblk, uint32_t max, uint32_t* run,
                                          bool* fresh) {
  *run = 1;
  const uint64_t first = RK_TRY(bmap_alloc(lblk, fresh));
  if (!*fresh || max <= 1) return first;
  uint32_t off[4];
  const uint64_t p = fs_->geo().addr_per_block;
  const int depth = block_path(lblk, p, off);
  // The pointers after lblk's in its map block: i_block, or the indirect block bmap_alloc
  // just walked to (read again; a hit).
  if (depth == 0) {
    uint32_t want = 0;
    {
      kern::MutexGuard g(meta_);
      while (1 + want < max && off[0] + 1 + want < kNDirBlocks &&
             inode_.i_block[off[0] + 1 + want] == 0)
        ++want;
    }
    const uint32_t got = RK_TRY(fs_->alloc_run(first + 1, want));
    if (got == 0) return first;
    {
      kern::MutexGuard g(meta_);
      for (uint32_t i = 1; i <= got; ++i)
        inode_.i_block[off[0] + i] = static_cast<uint32_t>(first + i);
    }
    add_blocks(got);
    alloc_hint_ = first + 1 + got;
    *run = 1 + got;
    return first;
  }
  uint64_t leaf;
  {
    uint32_t iblock[kNBlocks];
    {
      kern::MutexGuard g(meta_);
      mem_copy(iblock, inode_.i_block, sizeof(iblock));
    }
    leaf = iblock[off[0]];
    for (int level = 1; level < depth; ++level) {
      vfs::BufRef b = RK_TRY(fs_->bread(leaf));
      leaf = reinterpret_cast<const uint32_t*>(b.data())[off[level]];
    }
  }
  const uint32_t at = off[depth];
  uint32_t want = 0;
  {
    vfs::BufRef b = RK_TRY(fs_->bread(leaf));
    const auto* ptrs = reinterpret_cast<const uint32_t*>(b.data());
    while (1 + want < max && at + 1 + want < p && ptrs[at + 1 + want] == 0) ++want;
  }
  // One buffer at a time, as everywhere in the map (the bitmap is not read with the map block
  // held); the holes stay holes meanwhile: changing the map takes the vnode lock exclusive.
  const uint32_t got = RK_TRY(fs_->alloc_run(first + 1, want));
  if (got == 0) return first;
  Result<vfs::BufRef> b = fs_->bread(leaf);
  if (!b.ok()) {
    for (uint32_t i = 1; i <= got; ++i) (void)fs_->free_block(first + i);
    return b.error();
  }
  auto* ptrs = reinterpret_cast<uint32_t*>(b.value().data());
  for (uint32_t i = 1; i <= got; ++i) ptrs[at + i] = static_cast<uint32_t>(first + i);
  b.value().mark_dirty();
  b.value().release();
  add_blocks(got);
  alloc_hint_ = first + 1 + got;
  *run = 1 + got;
  return first;
}

void Ext2Node::add_blocks(int64_t n) {
  const int64_t sectors = n * static_cast<int64_t>(fs_->geo().block_size / 512);
  kern::MutexGuard g(meta_);
  uint64_t v = inode_.i_blocks_lo + (uint64_t{inode_.i_blocks_high} << 32);
  v = sectors < 0 && static_cast<uint64_t>(-sectors) > v ? 0 : v + sectors;
  inode_.i_blocks_lo = static_cast<uint32_t>(v);
  if (fs_->geo().has_ro_compat(ro_compat::kHugeFile))
    inode_.i_blocks_high = static_cast<uint16_t>(v >> 32);
  (void)store_locked();
}

Result<uint64_t> Ext2Node::bmap_alloc(uint64_t lblk, bool* fresh) {
  *fresh = false;
  RK_TRY(fs_->check_writable());
  uint32_t off[4];
  uint64_t cur;
  {
    kern::MutexGuard g(meta_);
    if (inode_.i_flags & kExtentsFl) return Errno::kRoFs;  // no extent writer
    cur = inode_.i_block[0];
  }
  const int depth = block_path(lblk, fs_->geo().addr_per_block, off);
  if (depth < 0) return Errno::kFBig;
  uint64_t goal = alloc_hint_;
  if (goal == 0) {
    // Near the inode's table: its group.
    const uint32_t grp = (ino_ - 1) / fs_->geo().inodes_per_group;
    goal = fs_->geo().group_first_block(grp);
  }
  (void)cur;
  auto new_block = [&](bool zero) -> Result<uint64_t> {
    uint64_t b = RK_TRY(fs_->alloc_block(goal));
    goal = b + 1;
    if (zero) {
      Result<vfs::BufRef> buf = fs_->bget(b);
      if (!buf.ok()) {
        (void)fs_->free_block(b);
        return buf.error();
      }
      mem_set(buf.value().data(), 0, fs_->geo().block_size);
      buf.value().mark_dirty();
    }
    return b;
  };
  {
    kern::MutexGuard g(meta_);
    cur = inode_.i_block[off[0]];
  }
  if (cur == 0) {
    cur = RK_TRY(new_block(depth > 0));
    {
      kern::MutexGuard g(meta_);
      inode_.i_block[off[0]] = static_cast<uint32_t>(cur);
    }
    add_blocks(1);  // stores the inode
    if (depth == 0) *fresh = true;
  } else if (!fs_->valid_block(cur)) {
    return fs_->corrupt("inode %u: block %llu out of range", ino_,
                        static_cast<unsigned long long>(cur));
  }
  for (int level = 1; level <= depth; ++level) {
    uint64_t next;
    {
      vfs::BufRef b = RK_TRY(fs_->bread(cur));
      next = reinterpret_cast<const uint32_t*>(b.data())[off[level]];
    }
    if (next == 0) {
      next = RK_TRY(new_block(level < depth));
      Result<vfs::BufRef> b = fs_->bread(cur);
      if (!b.ok()) {
        (void)fs_->free_block(next);
        return b.error();
      }
      reinterpret_cast<uint32_t*>(b.value().data())[off[level]] = static_cast<uint32_t>(next);
      b.value().mark_dirty();
      add_blocks(1);
      if (level == depth) *fresh = true;
    } else if (!fs_->valid_block(next)) {
      return fs_->corrupt("inode %u: block %llu out of range", ino_,
                          static_cast<unsigned long long>(next));
    }
    cur = next;
  }
  alloc_hint_ = cur + 1;
  return cur;
}

Result<bool> Ext2Node::free_subtree(uint64_t blk, int level, uint64_t base, uint64_t from,
                                    uint64_t to, uint64_t* freed) {
  if (!fs_->valid_block(blk)) {
    (void)fs_->corrupt("inode %u: indirect block %llu out of range", ino_,
                       static_cast<unsigned long long>(blk));
    return false;  // left as it is: freeing it would free someone else's block
  }
  const uint32_t p = fs_->geo().addr_per_block;
  const uint32_t bs = fs_->geo().block_size;
  uint64_t span = 1;  // logical blocks each pointer of this block covers
  for (int i = 1; i < level; ++i) span *= p;
  // A private copy of the pointers, so no buffer is held while the levels below are freed.
  kern::Kmem& km = fs_->kernel().kmem();
  auto* ptrs = static_cast<uint32_t*>(km.alloc(bs, kern::KmFlags::kNoSleep));
  if (ptrs == nullptr) return Errno::kNoMem;
  {
    Result<vfs::BufRef> b = fs_->bread(blk);
    if (!b.ok()) {
      km.free(ptrs, bs);
      return b.error();
    }
    mem_copy(ptrs, b.value().data(), bs);
  }
  bool changed = false, left = false;
  Result<void> err = ok();
  for (uint32_t i = 0; i < p; ++i) {
    const uint64_t c = ptrs[i];
    if (c == 0) continue;
    const uint64_t cbase = base + i * span;
    if (cbase + span <= from || cbase >= to) {
      left = true;
      continue;
    }
    if (level == 1) {
      // A block that is already free means the map is damaged (blocks shared or looping):
      // stop rather than walk the damage (it can be p^3 pointers long).
      if (Result<void> r = fs_->free_block(c); !r.ok()) {
        err = r;
        left = true;
        break;
      }
      ++*freed;
      ptrs[i] = 0;
      changed = true;
      continue;
    }
    Result<bool> gone = free_subtree(c, level - 1, cbase, from, to, freed);
    if (!gone.ok()) {
      err = gone.error();
      left = true;
      break;
    }
    if (gone.value()) {
      ptrs[i] = 0;
      changed = true;
    } else {
      left = true;
    }
  }
  bool self_gone = false;
  if (!left && err.ok()) {
    err = fs_->free_block(blk);
    if (err.ok()) {
      ++*freed;
      self_gone = true;
    }
  }
  if (!self_gone && changed) {
    if (Result<vfs::BufRef> b = fs_->bread(blk); b.ok()) {
      mem_copy(b.value().data(), ptrs, bs);
      b.value().mark_dirty();
    } else {
      err = b.error();
    }
  }
  km.free(ptrs, bs);
  if (!err.ok()) return err.error();
  return self_gone;
}

Result<void> Ext2Node::free_range(uint64_t from, uint64_t to) {
  RK_TRY(fs_->check_writable());
  uint32_t iblock[kNBlocks];
  {
    kern::MutexGuard g(meta_);
    if (inode_.i_flags & kExtentsFl) return Errno::kRoFs;
    mem_copy(iblock, inode_.i_block, sizeof(iblock));
  }
  uint64_t freed = 0;
  Result<void> err = ok();
  for (uint64_t i = from; i < kNDirBlocks && i < to; ++i) {
    if (iblock[i] == 0) continue;
    err = fs_->free_block(iblock[i]);
    if (!err.ok()) break;
    ++freed;
    iblock[i] = 0;
  }
  const uint64_t p = fs_->geo().addr_per_block;
  uint64_t base = kNDirBlocks, span = p;
  for (int level = 1; level <= 3 && err.ok(); ++level) {
    const uint32_t slot = kNDirBlocks + level - 1;
    if (iblock[slot] != 0 && from < base + span && to > base) {
      Result<bool> gone = free_subtree(iblock[slot], level, base, from, to, &freed);
      if (!gone.ok())
        err = gone.error();
      else if (gone.value())
        iblock[slot] = 0;
    }
    base += span;
    span *= p;
  }
  {
    kern::MutexGuard g(meta_);
    mem_copy(inode_.i_block, iblock, sizeof(iblock));
  }
  add_blocks(-static_cast<int64_t>(freed));  // stores the inode
  alloc_hint_ = 0;
  return err;
}

}  // namespace rk::fs::ext2
