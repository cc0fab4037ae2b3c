// The ext2/ext3/ext4 on-disk format: superblock, group descriptors, inodes, directory entries,
// extents and the htree index, as the kernel.org "ext4 Data Structures and Algorithms" pages
// describe them. Everything on disk is little-endian; the hosts this kernel runs on (x86-64,
// WebAssembly) are too, so fields are read in place (the static_assert below keeps it honest).
//
// These are plain layouts: nothing here trusts a value. The validation lives beside the code
// that uses each structure (superblock.h, dir_block.h, extent.cpp).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace rk::fs::ext2 {

static_assert(std::endian::native == std::endian::little, "ext2 reads its fields in place");

inline constexpr uint16_t kSuperMagic = 0xEF53;  // s_magic, and statfs's f_type
inline constexpr uint64_t kSuperOffset = 1024;   // the primary superblock's byte offset
inline constexpr uint32_t kSuperSize = 1024;
inline constexpr uint32_t kMinBlockSize = 1024;
inline constexpr uint32_t kMaxBlockSize = 65536;
inline constexpr uint32_t kGoodOldInodeSize = 128;  // revision 0's fixed inode size
inline constexpr uint32_t kGoodOldFirstIno = 11;    // revision 0's first non-reserved inode
inline constexpr uint32_t kRootIno = 2;
inline constexpr uint32_t kResizeIno = 7;
inline constexpr uint32_t kJournalIno = 8;
inline constexpr uint32_t kLinkMax = 32000;  // Linux's ext2 limit on a link count
inline constexpr uint32_t kNDirBlocks = 12;  // direct pointers in i_block
inline constexpr uint32_t kIndBlock = 12, kDindBlock = 13, kTindBlock = 14;
inline constexpr uint32_t kNBlocks = 15;
inline constexpr uint32_t kFastSymlinkMax = 60;  // a target shorter than this lives in i_block

// s_state
inline constexpr uint16_t kStateValid = 1;
inline constexpr uint16_t kStateError = 2;
inline constexpr uint16_t kStateOrphans = 4;

// Feature bits (s_feature_compat / incompat / ro_compat).
namespace compat {
inline constexpr uint32_t kDirPrealloc = 0x1, kImagicInodes = 0x2, kHasJournal = 0x4,
                          kExtAttr = 0x8, kResizeInode = 0x10, kDirIndex = 0x20, kLazyBg = 0x40,
                          kExcludeInode = 0x80, kExcludeBitmap = 0x100, kSparseSuper2 = 0x200,
                          kFastCommit = 0x400, kStableInodes = 0x800, kOrphanFile = 0x1000;
}
namespace incompat {
inline constexpr uint32_t kCompression = 0x1, kFiletype = 0x2, kRecover = 0x4, kJournalDev = 0x8,
                          kMetaBg = 0x10, kExtents = 0x40, k64Bit = 0x80, kMmp = 0x100,
                          kFlexBg = 0x200, kEaInode = 0x400, kDirData = 0x1000, kCsumSeed = 0x2000,
                          kLargeDir = 0x4000, kInlineData = 0x8000, kEncrypt = 0x10000,
                          kCasefold = 0x20000;
}
namespace ro_compat {
inline constexpr uint32_t kSparseSuper = 0x1, kLargeFile = 0x2, kBtreeDir = 0x4, kHugeFile = 0x8,
                          kGdtCsum = 0x10, kDirNlink = 0x20, kExtraIsize = 0x40,
                          kHasSnapshot = 0x80, kQuota = 0x100, kBigalloc = 0x200,
                          kMetadataCsum = 0x400, kReplica = 0x800, kReadonly = 0x1000,
                          kProject = 0x2000, kSharedBlocks = 0x4000, kVerity = 0x8000,
                          kOrphanPresent = 0x10000;
}

struct SuperBlock {
  uint32_t s_inodes_count;  // 0x00
  uint32_t s_blocks_count_lo;
  uint32_t s_r_blocks_count_lo;
  uint32_t s_free_blocks_count_lo;
  uint32_t s_free_inodes_count;  // 0x10
  uint32_t s_first_data_block;
  uint32_t s_log_block_size;
  uint32_t s_log_cluster_size;
  uint32_t s_blocks_per_group;  // 0x20
  uint32_t s_clusters_per_group;
  uint32_t s_inodes_per_group;
  uint32_t s_mtime;
  uint32_t s_wtime;  // 0x30
  uint16_t s_mnt_count;
  int16_t s_max_mnt_count;
  uint16_t s_magic;  // 0x38
  uint16_t s_state;
  uint16_t s_errors;
  uint16_t s_minor_rev_level;
  uint32_t s_lastcheck;  // 0x40
  uint32_t s_checkinterval;
  uint32_t s_creator_os;
  uint32_t s_rev_level;
  uint16_t s_def_resuid;  // 0x50
  uint16_t s_def_resgid;
  uint32_t s_first_ino;
  uint16_t s_inode_size;  // 0x58
  uint16_t s_block_group_nr;
  uint32_t s_feature_compat;          // 0x5C
  uint32_t s_feature_incompat;        // 0x60
  uint32_t s_feature_ro_compat;       // 0x64
  uint8_t s_uuid[16];                 // 0x68
  char s_volume_name[16];             // 0x78
  char s_last_mounted[64];            // 0x88
  uint32_t s_algorithm_usage_bitmap;  // 0xC8
  uint8_t s_prealloc_blocks;
  uint8_t s_prealloc_dir_blocks;
  uint16_t s_reserved_gdt_blocks;  // 0xCE
  uint8_t s_journal_uuid[16];      // 0xD0
  uint32_t s_journal_inum;         // 0xE0
  uint32_t s_journal_dev;
  uint32_t s_last_orphan;      // 0xE8
  uint32_t s_hash_seed[4];     // 0xEC
  uint8_t s_def_hash_version;  // 0xFC
  uint8_t s_jnl_backup_type;
  uint16_t s_desc_size;           // 0xFE
  uint32_t s_default_mount_opts;  // 0x100
  uint32_t s_first_meta_bg;
  uint32_t s_mkfs_time;
  uint32_t s_jnl_blocks[17];   // 0x10C
  uint32_t s_blocks_count_hi;  // 0x150
  uint32_t s_r_blocks_count_hi;
  uint32_t s_free_blocks_count_hi;
  uint16_t s_min_extra_isize;  // 0x15C
  uint16_t s_want_extra_isize;
  uint32_t s_flags;  // 0x160
  uint8_t s_pad1[0x270 - 0x164];
  uint32_t s_checksum_seed;  // 0x270
  uint8_t s_pad2[0x3FC - 0x274];
  uint32_t s_checksum;  // 0x3FC
};
static_assert(sizeof(SuperBlock) == kSuperSize);
static_assert(offsetof(SuperBlock, s_magic) == 0x38);
static_assert(offsetof(SuperBlock, s_feature_compat) == 0x5C);
static_assert(offsetof(SuperBlock, s_uuid) == 0x68);
static_assert(offsetof(SuperBlock, s_reserved_gdt_blocks) == 0xCE);
static_assert(offsetof(SuperBlock, s_hash_seed) == 0xEC);
static_assert(offsetof(SuperBlock, s_desc_size) == 0xFE);
static_assert(offsetof(SuperBlock, s_jnl_blocks) == 0x10C);
static_assert(offsetof(SuperBlock, s_blocks_count_hi) == 0x150);
static_assert(offsetof(SuperBlock, s_flags) == 0x160);

// s_flags
inline constexpr uint32_t kFlagSignedHash = 0x1, kFlagUnsignedHash = 0x2;

// A group descriptor: 32 bytes, or s_desc_size (>= 64) with the 64bit feature.
struct GroupDesc {
  uint32_t bg_block_bitmap_lo;
  uint32_t bg_inode_bitmap_lo;
  uint32_t bg_inode_table_lo;
  uint16_t bg_free_blocks_count_lo;
  uint16_t bg_free_inodes_count_lo;
  uint16_t bg_used_dirs_count_lo;
  uint16_t bg_flags;
  uint32_t bg_exclude_bitmap_lo;
  uint16_t bg_block_bitmap_csum_lo;
  uint16_t bg_inode_bitmap_csum_lo;
  uint16_t bg_itable_unused_lo;
  uint16_t bg_checksum;
  // 64bit only (desc_size >= 64):
  uint32_t bg_block_bitmap_hi;
  uint32_t bg_inode_bitmap_hi;
  uint32_t bg_inode_table_hi;
  uint16_t bg_free_blocks_count_hi;
  uint16_t bg_free_inodes_count_hi;
  uint16_t bg_used_dirs_count_hi;
  uint16_t bg_itable_unused_hi;
  uint32_t bg_exclude_bitmap_hi;
  uint16_t bg_block_bitmap_csum_hi;
  uint16_t bg_inode_bitmap_csum_hi;
  uint32_t bg_reserved;
};
static_assert(sizeof(GroupDesc) == 64);
inline constexpr uint32_t kGroupDescSize = 32;
inline constexpr uint32_t kGroupDescSize64 = 64;
inline constexpr uint16_t kBgInodeUninit = 1, kBgBlockUninit = 2, kBgInodeZeroed = 4;

struct Inode {
  uint16_t i_mode;  // 0x00
  uint16_t i_uid;
  uint32_t i_size_lo;
  uint32_t i_atime;  // 0x08
  uint32_t i_ctime;
  uint32_t i_mtime;  // 0x10
  uint32_t i_dtime;
  uint16_t i_gid;  // 0x18
  uint16_t i_links_count;
  uint32_t i_blocks_lo;        // 0x1C
  uint32_t i_flags;            // 0x20
  uint32_t i_version_lo;       // 0x24 (osd1)
  uint32_t i_block[kNBlocks];  // 0x28
  uint32_t i_generation;       // 0x64
  uint32_t i_file_acl_lo;
  uint32_t i_size_high;  // 0x6C (i_dir_acl in revision 0)
  uint32_t i_obso_faddr;
  uint16_t i_blocks_high;  // 0x74 (osd2, Linux)
  uint16_t i_file_acl_high;
  uint16_t i_uid_high;
  uint16_t i_gid_high;
  uint16_t i_checksum_lo;  // 0x7C
  uint16_t i_reserved;
  // Large inodes (s_inode_size > 128) go on with i_extra_isize bytes of these:
  uint16_t i_extra_isize;  // 0x80
  uint16_t i_checksum_hi;
  uint32_t i_ctime_extra;  // 0x84
  uint32_t i_mtime_extra;
  uint32_t i_atime_extra;
  uint32_t i_crtime;  // 0x90
  uint32_t i_crtime_extra;
  uint32_t i_version_hi;
  uint32_t i_projid;  // 0x9C
};
static_assert(sizeof(Inode) == 160);
static_assert(offsetof(Inode, i_block) == 0x28);
static_assert(offsetof(Inode, i_blocks_high) == 0x74);
static_assert(offsetof(Inode, i_extra_isize) == 0x80);
// i_extra_isize a new large inode gets: everything up to i_crtime_extra, as Linux's ext4.
inline constexpr uint16_t kExtraIsize = 32;

// i_flags
inline constexpr uint32_t kSecrmFl = 0x1, kImmutableFl = 0x10, kAppendFl = 0x20, kIndexFl = 0x1000,
                          kHugeFileFl = 0x40000, kExtentsFl = 0x80000, kEaInodeFl = 0x200000,
                          kInlineDataFl = 0x10000000;

// i_mode's type bits (Linux's S_IF*).
inline constexpr uint16_t kIfMt = 0170000, kIfSock = 0140000, kIfLnk = 0120000, kIfReg = 0100000,
                          kIfBlk = 0060000, kIfDir = 0040000, kIfChr = 0020000, kIfIfo = 0010000;

// Directory entries (ext2_dir_entry_2): 8 bytes of header, the name, padded to 4 bytes.
struct DirEntryHead {
  uint32_t inode;
  uint16_t rec_len;
  uint8_t name_len;
  uint8_t file_type;  // with the filetype feature; else the high byte of a 16-bit name_len
};
static_assert(sizeof(DirEntryHead) == 8);
inline constexpr uint32_t kDirEntryHead = 8;
inline constexpr uint32_t dirent_size(uint32_t name_len) {
  return (kDirEntryHead + name_len + 3) & ~3u;
}
// file_type values.
inline constexpr uint8_t kFtUnknown = 0, kFtRegFile = 1, kFtDir = 2, kFtChrdev = 3, kFtBlkdev = 4,
                         kFtFifo = 5, kFtSock = 6, kFtSymlink = 7, kFtMax = 8;
// The 12-byte entry that ends each leaf block of a metadata_csum directory.
inline constexpr uint8_t kFtDirCsum = 0xDE;
inline constexpr uint32_t kDirTailSize = 12;

// htree: the root block begins with "." and ".." entries, then this.
struct DxRootInfo {
  uint32_t reserved_zero;
  uint8_t hash_version;
  uint8_t info_length;  // 8
  uint8_t indirect_levels;
  uint8_t unused_flags;
};
struct DxCountLimit {
  uint16_t limit;
  uint16_t count;
};
struct DxEntry {
  uint32_t hash;
  uint32_t block;
};
inline constexpr uint32_t kDxRootInfoOffset = 24;  // after "." (12) and ".." (12)
inline constexpr uint8_t kDxHashLegacy = 0, kDxHashHalfMd4 = 1, kDxHashTea = 2,
                         kDxHashLegacyUnsigned = 3, kDxHashHalfMd4Unsigned = 4,
                         kDxHashTeaUnsigned = 5, kDxHashSip = 6;
inline constexpr uint32_t kDxMaxLevels = 3;  // with largedir; 2 without

// Extents (ext4): a tree whose node is a header and an array of index or leaf entries; the
// root lives in i_block (60 bytes: a header and four entries).
inline constexpr uint16_t kExtentMagic = 0xF30A;
struct ExtentHeader {
  uint16_t eh_magic;
  uint16_t eh_entries;
  uint16_t eh_max;
  uint16_t eh_depth;
  uint32_t eh_generation;
};
struct ExtentIndex {
  uint32_t ei_block;
  uint32_t ei_leaf_lo;
  uint16_t ei_leaf_hi;
  uint16_t ei_unused;
};
struct Extent {
  uint32_t ee_block;
  uint16_t ee_len;  // > 32768: an unwritten extent of ee_len - 32768 blocks
  uint16_t ee_start_hi;
  uint32_t ee_start_lo;
};
static_assert(sizeof(ExtentHeader) == 12 && sizeof(ExtentIndex) == 12 && sizeof(Extent) == 12);
inline constexpr uint16_t kExtentInitMax = 32768;
inline constexpr uint32_t kExtentMaxDepth = 5;

// Extended attributes in their own block.
inline constexpr uint32_t kXattrMagic = 0xEA020000;
struct XattrHeader {
  uint32_t h_magic;
  uint32_t h_refcount;
  uint32_t h_blocks;  // 1
  uint32_t h_hash;
  uint32_t h_checksum;
  uint32_t h_reserved[3];
};
static_assert(sizeof(XattrHeader) == 32);
struct XattrEntry {
  uint8_t e_name_len;
  uint8_t e_name_index;
  uint16_t e_value_offs;
  uint32_t e_value_inum;
  uint32_t e_value_size;
  uint32_t e_hash;
  // the name follows, padded to 4 bytes
};
static_assert(sizeof(XattrEntry) == 16);

// Linux's old and new device number encodings in i_block[0] / i_block[1].
inline constexpr uint32_t dev_major_of(uint64_t rdev) { return (rdev & 0xfff00) >> 8; }
inline constexpr uint32_t dev_minor_of(uint64_t rdev) {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

}  // namespace rk::fs::ext2
