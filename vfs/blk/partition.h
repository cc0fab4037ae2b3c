// Partition tables (MBR and GPT) of a block device, parsed with Linux's
// semantics (block/partitions/msdos.c and efi.c). The input is untrusted (a
// disk image): every length, offset and count is checked before use, the EBR
// chain is bounded, reads go only through the caller's SectorReader and never
// past `disk_sectors`. No allocation: the result is a fixed-capacity table, and
// one sector buffer (at most 4 KiB) lives on the stack.
//
// What is reported:
//   - No 0x55AA signature in sector 0, or an MBR whose boot indicators are not
//   0/0x80 (a file
//     system boot sector, as Linux decides): Kind::kNone, no partitions,
//     success.
//   - MBR: primaries are partitions 1..4 by slot; an extended partition (type
//   0x05, 0x0f, 0x85)
//     is reported itself, with its full size and its type, and its EBR chain
//     gives the logical partitions 5, 6, ... (numbering shared by every
//     extended partition, as Linux). The chain is followed for at most 128 EBRs
//     per extended partition, which also ends loops; a chain stops quietly at
//     an EBR that cannot be read or lacks the signature. Entries 3 and 4 of an
//     EBR are used only if they lie inside the EBR's link and the extended
//     partition. Partitions starting at or past the end of the disk are
//     skipped, ones running past it are truncated to it (Linux's
//     blk_add_partition does both).
//   - Any MBR entry of type 0xEE (protective or hybrid MBR) means GPT: the
//   primary header at
//     LBA 1, else the backup at the last LBA. A header is used only if: "EFI
//     PART", revision 1.x, 92 <= header size <= sector size, header CRC32
//     right, my_lba is where it was read, first_usable <= last_usable <= last
//     LBA, entry size a multiple of 128 up to 4096, the entry array at most 1
//     MiB and inside the disk, and the entry array CRC32 right. Entries with a
//     zero type GUID are skipped; entry i is partition i + 1 (gaps kept, as
//     Linux). Entries with first > last or ending past the last LBA are skipped
//     (Linux's is_pte_valid). Neither header usable: Errno::kInval.
//   - Partitions with 0 sectors are skipped. Beyond kMaxPartitions partitions
//   the rest are
//     dropped (the table is not an error).
//
// Errors: kInval for a bad sector size (not a power of two in 512..4096), a
// null reader, or a protective MBR with no valid GPT; kIo if sector 0 cannot be
// read. On error `out` is empty. May block (whatever the reader does); takes no
// locks.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kern/lib/result.h"

namespace rk::vfs {

inline constexpr uint32_t kMaxPartitions = 128;

struct Partition {
  uint32_t index;      // 1-based, as Linux names sda1
  uint64_t first_lba;  // in sectors of the table's sector size
  uint64_t sectors;
  uint8_t mbr_type;  // MBR: the type byte; GPT: 0
  bool gpt;
  std::array<uint8_t, 16> type_guid;  // GPT: as stored on disk (mixed-endian); MBR: zeros
  std::array<uint8_t, 16> unique_guid;
};

// Reads `count` sectors at `lba` into buf; returns false on I/O error.
// read_partitions asks for one sector at a time, always below disk_sectors.
using SectorReader = bool (*)(void *ctx, uint64_t lba, uint32_t count, void *buf);

struct PartitionTable {
  enum class Kind { kNone, kMbr, kGpt } kind;
  uint32_t count;  // parts[0, count) are valid
  std::array<Partition, kMaxPartitions> parts;
};

Result<void> read_partitions(SectorReader read, void *ctx, uint64_t disk_sectors,
                             uint32_t sector_size, PartitionTable &out);

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), chainable:
// crc32(b, crc32(a)) == crc32(a followed by b). crc32("123456789") ==
// 0xCBF43926.
uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);

}  // namespace rk::vfs
