#include "fs/ext2/superblock.h"

#include <cstddef>

#include "fs/ext2/checksum.h"

namespace rk::fs::ext2 {
namespace {

bool is_power_of(uint32_t n, uint32_t base) {
  if (n == 0) return false;
  while (n % base == 0) n /= base;
  return n == 1;
}

struct FeatureName {
  uint32_t bit;
  const char* name;
};

// Incompatible features this driver reads; anything else refuses every mount.
constexpr uint32_t kReadIncompat = incompat::kFiletype | incompat::kRecover | incompat::kExtents |
                                   incompat::k64Bit | incompat::kMmp | incompat::kFlexBg |
                                   incompat::kCsumSeed | incompat::kLargeDir | incompat::kEaInode;
// What it also writes. ext4's features are read only: no extent, checksum or journal writer.
constexpr uint32_t kWriteIncompat = incompat::kFiletype;
constexpr uint32_t kWriteRoCompat = ro_compat::kSparseSuper | ro_compat::kLargeFile;

constexpr FeatureName kIncompatNames[] = {
    {incompat::kCompression, "compression"},
    {incompat::kFiletype, "filetype"},
    {incompat::kRecover, "needs_recovery"},
    {incompat::kJournalDev, "journal_dev"},
    {incompat::kMetaBg, "meta_bg"},
    {incompat::kExtents, "extent"},
    {incompat::k64Bit, "64bit"},
    {incompat::kMmp, "mmp"},
    {incompat::kFlexBg, "flex_bg"},
    {incompat::kEaInode, "ea_inode"},
    {incompat::kDirData, "dirdata"},
    {incompat::kCsumSeed, "metadata_csum_seed"},
    {incompat::kLargeDir, "large_dir"},
    {incompat::kInlineData, "inline_data"},
    {incompat::kEncrypt, "encrypt"},
    {incompat::kCasefold, "casefold"},
};
constexpr FeatureName kRoCompatNames[] = {
    {ro_compat::kSparseSuper, "sparse_super"},
    {ro_compat::kLargeFile, "large_file"},
    {ro_compat::kBtreeDir, "btree_dir"},
    {ro_compat::kHugeFile, "huge_file"},
    {ro_compat::kGdtCsum, "uninit_bg"},
    {ro_compat::kDirNlink, "dir_nlink"},
    {ro_compat::kExtraIsize, "extra_isize"},
    {ro_compat::kHasSnapshot, "snapshot"},
    {ro_compat::kQuota, "quota"},
    {ro_compat::kBigalloc, "bigalloc"},
    {ro_compat::kMetadataCsum, "metadata_csum"},
    {ro_compat::kReplica, "replica"},
    {ro_compat::kReadonly, "read-only"},
    {ro_compat::kProject, "project"},
    {ro_compat::kSharedBlocks, "shared_blocks"},
    {ro_compat::kVerity, "verity"},
    {ro_compat::kOrphanPresent, "orphan_present"},
};

template <size_t N>
const char* first_name(const FeatureName (&names)[N], uint32_t bits) {
  for (const FeatureName& f : names)
    if (bits & f.bit) return f.name;
  return "unknown";
}

}  // namespace

uint32_t Geometry::blocks_in_group(uint32_t g) const {
  if (g + 1 < group_count) return blocks_per_group;
  return static_cast<uint32_t>(blocks_count - group_first_block(g));
}

bool Geometry::group_has_super(uint32_t g) const {
  if (!has_ro_compat(ro_compat::kSparseSuper)) return true;
  if (g <= 1) return true;
  if ((g & 1) == 0) return false;
  return is_power_of(g, 3) || is_power_of(g, 5) || is_power_of(g, 7);
}

uint32_t superblock_checksum(const SuperBlock& sb) {
  return crc32c_raw(~0u, &sb, offsetof(SuperBlock, s_checksum));
}

Result<void> parse_superblock(const SuperBlock& sb, uint64_t dev_size, Geometry& geo,
                              const char** why) {
  auto bad = [&](const char* w) {
    *why = w;
    return Errno::kInval;
  };
  if (sb.s_magic != kSuperMagic) return bad("bad magic number");
  if (sb.s_rev_level > 1) return bad("unknown revision level");
  if (sb.s_log_block_size > 6) return bad("block size above 64 KiB");
  geo = Geometry{};
  geo.log_block_size = sb.s_log_block_size;
  geo.block_size = kMinBlockSize << sb.s_log_block_size;
  geo.rev_level = sb.s_rev_level;
  if (geo.rev_level >= 1) {
    geo.compat = sb.s_feature_compat;
    geo.incompat = sb.s_feature_incompat;
    geo.ro_compat = sb.s_feature_ro_compat;
  }
  geo.metadata_csum = geo.has_ro_compat(ro_compat::kMetadataCsum);
  if (geo.metadata_csum) {
    if (superblock_checksum(sb) != sb.s_checksum) return bad("superblock checksum mismatch");
    geo.csum_seed = geo.has_incompat(incompat::kCsumSeed)
                        ? sb.s_checksum_seed
                        : crc32c_raw(~0u, sb.s_uuid, sizeof(sb.s_uuid));
  }
  if (geo.has_ro_compat(ro_compat::kBigalloc) && sb.s_log_cluster_size != sb.s_log_block_size)
    return bad("bigalloc clusters");
  geo.blocks_count = sb.s_blocks_count_lo;
  geo.r_blocks_count = sb.s_r_blocks_count_lo;
  if (geo.has_incompat(incompat::k64Bit)) {
    geo.blocks_count |= uint64_t{sb.s_blocks_count_hi} << 32;
    geo.r_blocks_count |= uint64_t{sb.s_r_blocks_count_hi} << 32;
  }
  geo.first_data_block = sb.s_first_data_block;
  geo.blocks_per_group = sb.s_blocks_per_group;
  geo.inodes_per_group = sb.s_inodes_per_group;
  geo.inodes_count = sb.s_inodes_count;
  if (geo.rev_level == 0) {
    geo.inode_size = kGoodOldInodeSize;
    geo.first_ino = kGoodOldFirstIno;
  } else {
    geo.inode_size = sb.s_inode_size;
    geo.first_ino = sb.s_first_ino;
  }
  const uint32_t bs = geo.block_size;
  if (geo.first_data_block != (bs == 1024 ? 1u : 0u)) return bad("bad first data block");
  if (geo.inode_size < kGoodOldInodeSize || geo.inode_size > bs ||
      (geo.inode_size & (geo.inode_size - 1)) != 0)
    return bad("bad inode size");
  if (geo.blocks_per_group == 0 || geo.blocks_per_group > bs * 8)
    return bad("bad blocks per group");
  if (geo.inodes_per_group == 0 || geo.inodes_per_group > bs * 8)
    return bad("bad inodes per group");
  if (geo.blocks_count <= geo.first_data_block) return bad("no blocks");
  if (geo.blocks_count > dev_size / bs) return bad("file system larger than the device");
  if (geo.r_blocks_count > geo.blocks_count) return bad("more reserved blocks than blocks");
  uint64_t groups =
      (geo.blocks_count - geo.first_data_block + geo.blocks_per_group - 1) / geo.blocks_per_group;
  if (groups == 0 || groups > UINT32_MAX / geo.inodes_per_group) return bad("bad group count");
  geo.group_count = static_cast<uint32_t>(groups);
  if (uint64_t{geo.inodes_per_group} * groups != geo.inodes_count)
    return bad("inode count does not match the groups");
  if (geo.first_ino < kGoodOldFirstIno || geo.first_ino >= geo.inodes_count)
    return bad("bad first inode");
  geo.desc_size = kGroupDescSize;
  if (geo.has_incompat(incompat::k64Bit)) {
    geo.desc_size = sb.s_desc_size;
    if (geo.desc_size < kGroupDescSize64 || geo.desc_size > 1024 ||
        (geo.desc_size & (geo.desc_size - 1)) != 0)
      return bad("bad group descriptor size");
  }
  geo.descs_per_block = bs / geo.desc_size;
  geo.gdt_blocks = (geo.group_count + geo.descs_per_block - 1) / geo.descs_per_block;
  if (geo.gdt_blocks >= geo.blocks_per_group) return bad("descriptor table larger than a group");
  geo.inode_table_blocks =
      static_cast<uint32_t>((uint64_t{geo.inodes_per_group} * geo.inode_size + bs - 1) / bs);
  geo.addr_per_block = bs / 4;
  return ok();
}

Result<void> check_features(const Geometry& geo, const SuperBlock& sb, bool read_only,
                            const char** feature) {
  if (uint32_t unknown = geo.incompat & ~kReadIncompat; unknown != 0) {
    *feature = first_name(kIncompatNames, unknown);
    return Errno::kInval;
  }
  if (read_only) return ok();
  if (geo.has_incompat(incompat::kRecover)) {
    *feature = "needs_recovery (the journal must be replayed)";
    return Errno::kRoFs;
  }
  if (uint32_t unknown = geo.incompat & ~kWriteIncompat; unknown != 0) {
    *feature = first_name(kIncompatNames, unknown);
    return Errno::kRoFs;
  }
  if (uint32_t unknown = geo.ro_compat & ~kWriteRoCompat; unknown != 0) {
    *feature = first_name(kRoCompatNames, unknown);
    return Errno::kRoFs;
  }
  if (sb.s_last_orphan != 0 || (sb.s_state & kStateOrphans)) {
    *feature = "orphan inodes (needs e2fsck)";
    return Errno::kRoFs;
  }
  return ok();
}

}  // namespace rk::fs::ext2
