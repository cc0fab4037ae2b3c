// The superblock read and checked: the geometry the rest of the driver computes with, and which
// features this driver can read and write. Pure functions over the on-disk bytes, so that they
// can be tested (and fuzzed) without a device.
#pragma once

#include <cstdint>

#include "fs/ext2/format.h"
#include "kern/lib/result.h"

namespace rk::fs::ext2 {

struct Geometry {
  uint32_t block_size = 0;
  uint32_t log_block_size = 0;  // block_size = 1024 << log_block_size
  uint64_t blocks_count = 0;
  uint64_t r_blocks_count = 0;
  uint32_t first_data_block = 0;
  uint32_t blocks_per_group = 0;
  uint32_t inodes_per_group = 0;
  uint32_t inodes_count = 0;
  uint32_t inode_size = 0;
  uint32_t first_ino = 0;
  uint32_t group_count = 0;
  uint32_t desc_size = 0;  // 32, or s_desc_size with 64bit
  uint32_t descs_per_block = 0;
  uint32_t gdt_blocks = 0;          // blocks the group descriptor table takes
  uint32_t inode_table_blocks = 0;  // per group
  uint32_t addr_per_block = 0;      // block numbers in an indirect block
  uint32_t rev_level = 0;
  uint32_t compat = 0, incompat = 0, ro_compat = 0;
  bool metadata_csum = false;
  uint32_t csum_seed = 0;  // crc32c of the UUID, or s_checksum_seed

  bool has_incompat(uint32_t f) const { return (incompat & f) != 0; }
  bool has_ro_compat(uint32_t f) const { return (ro_compat & f) != 0; }
  bool has_compat(uint32_t f) const { return (compat & f) != 0; }
  // The group that holds block b (b >= first_data_block), and its first block.
  uint32_t group_of_block(uint64_t b) const {
    return static_cast<uint32_t>((b - first_data_block) / blocks_per_group);
  }
  uint64_t group_first_block(uint32_t g) const {
    return first_data_block + uint64_t{g} * blocks_per_group;
  }
  uint32_t blocks_in_group(uint32_t g) const;
  // Whether group g carries a backup superblock and descriptor table (sparse_super: 0, 1 and
  // powers of 3, 5 and 7; without it: every group).
  bool group_has_super(uint32_t g) const;
};

// Checks the superblock `sb` of a device of dev_size bytes and fills `geo`. EINVAL with *why
// naming the problem (a constant string) when it is not an ext2/3/4 superblock this driver can
// make sense of at all (bad magic, impossible geometry, a checksum that does not match).
Result<void> parse_superblock(const SuperBlock& sb, uint64_t dev_size, Geometry& geo,
                              const char** why);

// Whether the features allow mounting: EINVAL (any mount) or EROFS (read-write only) with
// *feature naming the first feature in the way.
Result<void> check_features(const Geometry& geo, const SuperBlock& sb, bool read_only,
                            const char** feature);

// The superblock's checksum (metadata_csum).
uint32_t superblock_checksum(const SuperBlock& sb);

}  // namespace rk::fs::ext2
