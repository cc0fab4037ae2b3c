// The block and inode allocators: first free bit in the group's bitmap, starting near a goal.
// Counts are kept in the in-memory group descriptors and superblock (written back by
// write_super); the bitmaps are changed in the buffer cache.
#include "fs/ext2/fs.h"
#include "kern/lib/string.h"

namespace rk::fs::ext2 {
namespace {

bool test_bit(const uint8_t* map, uint32_t i) { return (map[i >> 3] >> (i & 7)) & 1; }
void set_bit(uint8_t* map, uint32_t i) {
  map[i >> 3] = static_cast<uint8_t>(map[i >> 3] | (1u << (i & 7)));
}
void clear_bit(uint8_t* map, uint32_t i) {
  map[i >> 3] = static_cast<uint8_t>(map[i >> 3] & ~(1u << (i & 7)));
}

// The first clear bit in [from, to), or `to`. Skips full bytes.
uint32_t find_clear(const uint8_t* map, uint32_t from, uint32_t to) {
  uint32_t i = from;
  while (i < to) {
    if ((i & 7) == 0 && i + 8 <= to && map[i >> 3] == 0xff) {
      i += 8;
      continue;
    }
    if (!test_bit(map, i)) return i;
    ++i;
  }
  return to;
}

}  // namespace

Result<uint64_t> Ext2Fs::alloc_block(uint64_t goal) {
  RK_TRY(check_writable());
  kern::MutexGuard g(alloc_lock_);
  return alloc_block_locked(goal);
}

Result<uint32_t> Ext2Fs::alloc_run(uint64_t first, uint32_t max) {
  RK_TRY(check_writable());
  if (max == 0 || !valid_block(first)) return uint32_t{0};
  kern::MutexGuard g(alloc_lock_);
  const uint32_t grp = geo_.group_of_block(first);
  const uint64_t start = geo_.group_first_block(grp);
  const uint32_t n = geo_.blocks_in_group(grp);
  const uint32_t bit0 = static_cast<uint32_t>(first - start);
  if (bit0 >= n || gd_free_blocks(grp) == 0) return uint32_t{0};
  const uint64_t bitmap = gd_block_bitmap(grp);
  const uint64_t itable = inode_table(grp);
  vfs::BufRef b = RK_TRY(bread(bitmap));
  uint8_t* map = b.data();
  uint32_t got = 0;
  while (got < max && bit0 + got < n && got < gd_free_blocks(grp) && got < free_blocks_) {
    const uint64_t blk = first + got;
    // A metadata block marked free is damage alloc_block reports; here the run just ends.
    if (test_bit(map, bit0 + got) || blk == bitmap || blk == gd_inode_bitmap(grp) ||
        (blk >= itable && blk < itable + geo_.inode_table_blocks) ||
        blk <= geo_.first_data_block + geo_.gdt_blocks)
      break;
    set_bit(map, bit0 + got);
    ++got;
  }
  if (got == 0) return uint32_t{0};
  b.mark_dirty();
  gd_set_counts(grp, gd_free_blocks(grp) - got, gd_free_inodes(grp), gd_used_dirs(grp));
  free_blocks_ -= got;
  return got;
}

Result<uint64_t> Ext2Fs::alloc_block_locked(uint64_t goal) {
  if (free_blocks_ == 0) return Errno::kNoSpc;
  if (!valid_block(goal)) goal = geo_.first_data_block;
  const uint32_t g0 = geo_.group_of_block(goal);
  for (uint32_t i = 0; i <= geo_.group_count; ++i) {
    const uint32_t grp = (g0 + i) % geo_.group_count;
    if (gd_free_blocks(grp) == 0) continue;
    const uint64_t first = geo_.group_first_block(grp);
    const uint32_t n = geo_.blocks_in_group(grp);
    const uint64_t bitmap = gd_block_bitmap(grp);
    vfs::BufRef b = RK_TRY(bread(bitmap));
    uint8_t* map = b.data();
    uint32_t start = (i == 0 && goal >= first) ? static_cast<uint32_t>(goal - first) : 0;
    if (start >= n) start = 0;
    uint32_t bit = find_clear(map, start, n);
    if (bit == n) {
      bit = find_clear(map, 0, start);
      if (bit == start) bit = n;
    }
    if (bit >= n) {
      // The descriptor said there was room; the bitmap says no.
      return corrupt("group %u: free block count %u but the bitmap is full", grp,
                     gd_free_blocks(grp));
    }
    const uint64_t blk = first + bit;
    const uint64_t itable = inode_table(grp);
    if (blk == bitmap || blk == gd_inode_bitmap(grp) ||
        (blk >= itable && blk < itable + geo_.inode_table_blocks) ||
        blk <= geo_.first_data_block + geo_.gdt_blocks) {
      set_bit(map, bit);  // keep it from coming back
      b.mark_dirty();
      return corrupt("group %u: block bitmap marks metadata block %llu free", grp,
                     static_cast<unsigned long long>(blk));
    }
    set_bit(map, bit);
    b.mark_dirty();
    gd_set_counts(grp, gd_free_blocks(grp) - 1, gd_free_inodes(grp), gd_used_dirs(grp));
    --free_blocks_;
    return blk;
  }
  return Errno::kNoSpc;
}

Result<void> Ext2Fs::free_block(uint64_t blk) {
  RK_TRY(check_writable());
  if (!valid_block(blk))
    return corrupt("freeing block %llu outside the file system",
                   static_cast<unsigned long long>(blk));
  kern::MutexGuard g(alloc_lock_);
  const uint32_t grp = geo_.group_of_block(blk);
  // An I/O error leaves the block allocated (leaked, not corrupting).
  vfs::BufRef b = RK_TRY(bread(gd_block_bitmap(grp)));
  const uint32_t bit = static_cast<uint32_t>(blk - geo_.group_first_block(grp));
  if (!test_bit(b.data(), bit))
    return corrupt("freeing block %llu, which is already free",
                   static_cast<unsigned long long>(blk));
  clear_bit(b.data(), bit);
  b.mark_dirty();
  gd_set_counts(grp, gd_free_blocks(grp) + 1, gd_free_inodes(grp), gd_used_dirs(grp));
  ++free_blocks_;
  return ok();
}

Result<uint32_t> Ext2Fs::alloc_inode_in_locked(uint32_t grp, bool dir) {
  vfs::BufRef b = RK_TRY(bread(gd_inode_bitmap(grp)));
  uint8_t* map = b.data();
  const uint32_t n = geo_.inodes_per_group;
  uint32_t bit = 0;
  for (;;) {
    bit = find_clear(map, bit, n);
    if (bit == n)
      return corrupt("group %u: free inode count %u but the bitmap is full", grp,
                     gd_free_inodes(grp));
    const uint32_t ino = grp * n + bit + 1;
    if (ino >= geo_.first_ino) break;
    // A reserved inode marked free: mke2fs never leaves one so. Mark it and go on.
    set_bit(map, bit);
    b.mark_dirty();
    ++bit;
  }
  set_bit(map, bit);
  b.mark_dirty();
  gd_set_counts(grp, gd_free_blocks(grp), gd_free_inodes(grp) - 1,
                gd_used_dirs(grp) + (dir ? 1 : 0));
  --free_inodes_;
  return grp * n + bit + 1;
}

Result<uint32_t> Ext2Fs::alloc_inode(uint32_t parent, bool dir) {
  RK_TRY(check_writable());
  kern::MutexGuard g(alloc_lock_);
  if (free_inodes_ == 0) return Errno::kNoSpc;
  const uint32_t ngroups = geo_.group_count;
  uint32_t pgroup = valid_ino(parent) ? (parent - 1) / geo_.inodes_per_group : 0;
  uint32_t pick = ngroups;
  if (dir) {
    // Spread directories: the next group (round robin from the last one used) with at least
    // the average number of free inodes and free blocks.
    const uint64_t avg_inodes = free_inodes_ / ngroups;
    const uint64_t avg_blocks = free_blocks_ / ngroups;
    for (uint32_t i = 0; i < ngroups && pick == ngroups; ++i) {
      uint32_t grp = (last_group_ + 1 + i) % ngroups;
      if (gd_free_inodes(grp) > 0 && gd_free_inodes(grp) >= avg_inodes &&
          gd_free_blocks(grp) >= avg_blocks)
        pick = grp;
    }
    if (pick != ngroups) last_group_ = pick;
  } else if (gd_free_inodes(pgroup) > 0 && gd_free_blocks(pgroup) > 0) {
    pick = pgroup;
  }
  if (pick == ngroups) {
    for (uint32_t i = 0; i < ngroups; ++i) {
      uint32_t grp = (pgroup + i) % ngroups;
      if (gd_free_inodes(grp) > 0) {
        pick = grp;
        break;
      }
    }
  }
  if (pick == ngroups) return Errno::kNoSpc;
  return alloc_inode_in_locked(pick, dir);
}

void Ext2Fs::free_inode(uint32_t ino, bool dir) {
  if (read_only() || !valid_ino(ino)) return;
  kern::MutexGuard g(alloc_lock_);
  const uint32_t grp = (ino - 1) / geo_.inodes_per_group;
  Result<vfs::BufRef> r = bread(gd_inode_bitmap(grp));
  if (!r.ok()) return;
  vfs::BufRef b = std::move(r).value();
  const uint32_t bit = (ino - 1) % geo_.inodes_per_group;
  if (!test_bit(b.data(), bit)) {
    (void)corrupt("freeing inode %u, which is already free", ino);
    return;
  }
  clear_bit(b.data(), bit);
  b.mark_dirty();
  uint32_t dirs = gd_used_dirs(grp);
  if (dir && dirs > 0) --dirs;
  gd_set_counts(grp, gd_free_blocks(grp), gd_free_inodes(grp) + 1, dirs);
  ++free_inodes_;
}

// Revision 0 has no feature fields: a feature's first use upgrades it in place to revision 1
// with revision 0's fixed values, as Linux does.
void Ext2Fs::upgrade_revision_locked() {
  if (sb_.s_rev_level >= 1) return;
  sb_.s_rev_level = 1;
  sb_.s_first_ino = kGoodOldFirstIno;
  sb_.s_inode_size = kGoodOldInodeSize;
  sb_.s_feature_compat = sb_.s_feature_incompat = sb_.s_feature_ro_compat = 0;
}

void Ext2Fs::need_large_file() {
  kern::MutexGuard g(alloc_lock_);
  if (sb_.s_rev_level >= 1 && (sb_.s_feature_ro_compat & ro_compat::kLargeFile)) return;
  upgrade_revision_locked();
  sb_.s_feature_ro_compat |= ro_compat::kLargeFile;
  dirty_super_ = true;
}

void Ext2Fs::need_ext_attr() {
  kern::MutexGuard g(alloc_lock_);
  if (sb_.s_rev_level >= 1 && (sb_.s_feature_compat & compat::kExtAttr)) return;
  upgrade_revision_locked();
  sb_.s_feature_compat |= compat::kExtAttr;
  dirty_super_ = true;
}

}  // namespace rk::fs::ext2
