// Inodes in the inode tables: reading (with the metadata_csum check) and writing back.
#include <cstddef>

#include "fs/ext2/checksum.h"
#include "fs/ext2/fs.h"
#include "kern/lib/string.h"

namespace rk::fs::ext2 {
namespace {

// The inode checksum: crc32c over the inode number, the generation and the whole on-disk
// inode with its checksum fields taken as zero. Only the low 16 bits count when the inode has
// no room for the high half.
uint32_t inode_checksum(const Geometry& geo, uint32_t ino, const uint8_t* raw, bool* has_hi) {
  const uint32_t isz = geo.inode_size;
  uint16_t extra = 0;
  if (isz > kGoodOldInodeSize) mem_copy(&extra, raw + offsetof(Inode, i_extra_isize), 2);
  *has_hi = isz > kGoodOldInodeSize && extra >= 4;
  uint32_t gen;
  mem_copy(&gen, raw + offsetof(Inode, i_generation), 4);
  uint32_t crc = crc32c_raw(geo.csum_seed, &ino, 4);
  crc = crc32c_raw(crc, &gen, 4);
  const uint8_t zero[2] = {0, 0};
  crc = crc32c_raw(crc, raw, offsetof(Inode, i_checksum_lo));
  crc = crc32c_raw(crc, zero, 2);
  crc = crc32c_raw(crc, raw + offsetof(Inode, i_reserved),
                   kGoodOldInodeSize - offsetof(Inode, i_reserved));
  if (isz > kGoodOldInodeSize) {
    crc = crc32c_raw(crc, raw + kGoodOldInodeSize, 2);  // i_extra_isize
    if (*has_hi)
      crc = crc32c_raw(crc, zero, 2);
    else
      crc = crc32c_raw(crc, raw + offsetof(Inode, i_checksum_hi), 2);
    crc =
        crc32c_raw(crc, raw + offsetof(Inode, i_ctime_extra), isz - offsetof(Inode, i_ctime_extra));
  }
  if (!*has_hi) crc &= 0xFFFF;
  return crc;
}

}  // namespace

Result<void> Ext2Fs::read_inode(uint32_t ino, Inode& out) {
  if (!valid_ino(ino)) return corrupt("inode number %u is out of range", ino);
  const uint32_t g = (ino - 1) / geo_.inodes_per_group;
  const uint64_t off = uint64_t{(ino - 1) % geo_.inodes_per_group} * geo_.inode_size;
  vfs::BufRef b = RK_TRY(bread(itable_[g] + off / geo_.block_size));
  const uint8_t* raw = b.data() + off % geo_.block_size;
  out = Inode{};
  const uint32_t n = geo_.inode_size < sizeof(Inode) ? geo_.inode_size : sizeof(Inode);
  mem_copy(&out, raw, n);
  if (geo_.inode_size > kGoodOldInodeSize) {
    // Fields past i_extra_isize are not there (they may be extended attributes).
    uint32_t have = kGoodOldInodeSize + out.i_extra_isize;
    if (out.i_extra_isize % 4 != 0 || have > geo_.inode_size)
      return corrupt("inode %u: bad i_extra_isize %u", ino, out.i_extra_isize);
    if (have < sizeof(Inode))
      mem_set(reinterpret_cast<uint8_t*>(&out) + have, 0, sizeof(Inode) - have);
  }
  if (geo_.metadata_csum && out.i_mode != 0) {
    bool has_hi;
    uint32_t want = inode_checksum(geo_, ino, raw, &has_hi);
    uint32_t have = out.i_checksum_lo | (has_hi ? uint32_t{out.i_checksum_hi} << 16 : 0);
    if (want != have) return corrupt("inode %u: checksum mismatch", ino);
  }
  return ok();
}

Result<void> Ext2Fs::write_inode(uint32_t ino, const Inode& in, bool fresh) {
  RK_TRY(check_writable());
  if (!valid_ino(ino)) return corrupt("inode number %u is out of range", ino);
  const uint32_t g = (ino - 1) / geo_.inodes_per_group;
  const uint64_t off = uint64_t{(ino - 1) % geo_.inodes_per_group} * geo_.inode_size;
  vfs::BufRef b = RK_TRY(bread(itable_[g] + off / geo_.block_size));
  uint8_t* raw = b.data() + off % geo_.block_size;
  if (fresh) mem_set(raw, 0, geo_.inode_size);
  mem_copy(raw, &in, kGoodOldInodeSize);
  if (geo_.inode_size > kGoodOldInodeSize) {
    uint32_t extra = in.i_extra_isize;
    if (extra > sizeof(Inode) - kGoodOldInodeSize) extra = sizeof(Inode) - kGoodOldInodeSize;
    if (kGoodOldInodeSize + extra > geo_.inode_size) extra = geo_.inode_size - kGoodOldInodeSize;
    mem_copy(raw + kGoodOldInodeSize, reinterpret_cast<const uint8_t*>(&in) + kGoodOldInodeSize,
             extra < 2 ? 2 : extra);
  }
  b.mark_dirty();
  return ok();
}

Result<void> Ext2Fs::read_inode_xattr_area(uint32_t ino, uint16_t extra_isize, uint8_t* out,
                                           uint32_t* size) {
  *size = 0;
  if (geo_.inode_size <= kGoodOldInodeSize + extra_isize) return ok();
  if (!valid_ino(ino)) return corrupt("inode number %u is out of range", ino);
  const uint32_t g = (ino - 1) / geo_.inodes_per_group;
  const uint64_t off = uint64_t{(ino - 1) % geo_.inodes_per_group} * geo_.inode_size;
  vfs::BufRef b = RK_TRY(bread(itable_[g] + off / geo_.block_size));
  const uint32_t start = kGoodOldInodeSize + extra_isize;
  *size = geo_.inode_size - start;
  mem_copy(out, b.data() + off % geo_.block_size + start, *size);
  return ok();
}

Result<void> Ext2Fs::write_inode_xattr_area(uint32_t ino, uint16_t extra_isize, const uint8_t* in,
                                            uint32_t size) {
  RK_TRY(check_writable());
  if (!valid_ino(ino)) return corrupt("inode number %u is out of range", ino);
  const uint32_t start = kGoodOldInodeSize + extra_isize;
  if (geo_.inode_size < start || size != geo_.inode_size - start) return Errno::kInval;
  const uint32_t g = (ino - 1) / geo_.inodes_per_group;
  const uint64_t off = uint64_t{(ino - 1) % geo_.inodes_per_group} * geo_.inode_size;
  vfs::BufRef b = RK_TRY(bread(itable_[g] + off / geo_.block_size));
  mem_copy(b.data() + off % geo_.block_size + start, in, size);
  b.mark_dirty();
  return ok();
}

}  // namespace rk::fs::ext2
