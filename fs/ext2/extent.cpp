// ext4 extent trees, read only: the physical block of a logical block. Each node is checked
// (magic, counts, depth one less than its parent's, and with metadata_csum its checksum) before
// it is searched; the depth bounds the walk.
#include <cstddef>

#include "fs/ext2/checksum.h"
#include "fs/ext2/fs.h"
#include "fs/ext2/node.h"

namespace rk::fs::ext2 {
namespace {

struct Found {
  bool leaf_hit = false;
  uint64_t phys = 0;  // the block (leaf) or the child node (index); 0: a hole
};

// Searches one node (`node` of `room` bytes). ok=false: malformed.
bool search_node(const uint8_t* node, size_t room, uint32_t depth, uint64_t lblk, Found& out) {
  const auto* h = reinterpret_cast<const ExtentHeader*>(node);
  if (h->eh_magic != kExtentMagic || h->eh_entries > h->eh_max ||
      sizeof(ExtentHeader) + size_t{h->eh_max} * 12 > room || h->eh_depth != depth)
    return false;
  const uint8_t* entries = node + sizeof(ExtentHeader);
  if (depth == 0) {
    const auto* e = reinterpret_cast<const Extent*>(entries);
    for (int i = h->eh_entries - 1; i >= 0; --i) {
      if (e[i].ee_block > lblk) continue;
      uint32_t len = e[i].ee_len;
      bool unwritten = len > kExtentInitMax;
      if (unwritten) len -= kExtentInitMax;
      if (lblk - e[i].ee_block < len) {
        // An unwritten extent reads as zeroes: a hole to the reader.
        out.phys = unwritten ? 0
                             : (uint64_t{e[i].ee_start_hi} << 32 | e[i].ee_start_lo) +
                                   (lblk - e[i].ee_block);
      }
      break;
    }
    out.leaf_hit = true;
    return true;
  }
  const auto* ix = reinterpret_cast<const ExtentIndex*>(entries);
  for (int i = h->eh_entries - 1; i >= 0; --i) {
    if (ix[i].ei_block > lblk) continue;
    out.phys = uint64_t{ix[i].ei_leaf_hi} << 32 | ix[i].ei_leaf_lo;
    if (out.phys == 0) return false;
    return true;
  }
  out.phys = 0;  // before the first index: a hole
  out.leaf_hit = true;
  return true;
}

}  // namespace

Result<uint64_t> Ext2Node::extent_map(uint64_t lblk, const uint32_t* iblock, uint32_t generation) {
  if (lblk > 0xffffffffu) return uint64_t{0};
  const auto* root = reinterpret_cast<const uint8_t*>(iblock);
  uint32_t depth = reinterpret_cast<const ExtentHeader*>(root)->eh_depth;
  if (depth > kExtentMaxDepth) return fs_->corrupt("inode %u: extent tree too deep", ino_);
  Found f;
  if (!search_node(root, kNBlocks * 4, depth, lblk, f))
    return fs_->corrupt("inode %u: bad extent tree root", ino_);
  const Geometry& geo = fs_->geo();
  while (!f.leaf_hit) {
    if (!fs_->valid_block(f.phys))
      return fs_->corrupt("inode %u: extent node %llu out of range", ino_,
                          static_cast<unsigned long long>(f.phys));
    const uint64_t blk = f.phys;
    vfs::BufRef b = RK_TRY(fs_->bread(blk));
    --depth;
    if (geo.metadata_csum) {
      const auto* h = reinterpret_cast<const ExtentHeader*>(b.data());
      const size_t tail = sizeof(ExtentHeader) + size_t{h->eh_max} * 12;
      if (tail + 4 > geo.block_size)
        return fs_->corrupt("inode %u: extent node %llu: bad header", ino_,
                            static_cast<unsigned long long>(blk));
      uint32_t le_ino = ino_;
      uint32_t crc = crc32c_raw(geo.csum_seed, &le_ino, 4);
      crc = crc32c_raw(crc, &generation, 4);
      crc = crc32c_raw(crc, b.data(), tail);
      uint32_t stored;
      __builtin_memcpy(&stored, b.data() + tail, 4);
      if (crc != stored)
        return fs_->corrupt("inode %u: extent node %llu: checksum mismatch", ino_,
                            static_cast<unsigned long long>(blk));
    }
    f = Found{};
    if (!search_node(b.data(), geo.block_size, depth, lblk, f))
      return fs_->corrupt("inode %u: bad extent node %llu", ino_,
                          static_cast<unsigned long long>(blk));
  }
  if (f.phys != 0 && !fs_->valid_block(f.phys))
    return fs_->corrupt("inode %u: extent points outside the file system", ino_);
  return f.phys;
}

}  // namespace rk::fs::ext2
