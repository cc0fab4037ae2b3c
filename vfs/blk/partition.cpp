// MBR and GPT partition tables; see partition.h for the rules followed.
#include "vfs/blk/partition.h"

namespace rk::vfs {

namespace {

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

constexpr uint32_t kMaxSectorSize = 4096;
constexpr uint32_t kMaxEbrs = 128;  // per extended partition: bounds the chain, ends loops
constexpr uint64_t kMaxEntryArrayBytes = 1u << 20;
constexpr uint32_t kMaxEntrySize = 4096;
constexpr uint32_t kGptEntryBytes = 128;  // the part of an entry that is read
constexpr uint32_t kMinGptHeaderSize = 92;
constexpr uint8_t kTypeGpt = 0xEE;

uint32_t le32(const uint8_t *p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint64_t le64(const uint8_t *p) { return uint64_t{le32(p)} | uint64_t{le32(p + 4)} << 32; }

struct MbrEntry {
  uint8_t boot;
  uint8_t type;
  uint32_t start;
  uint32_t size;
};

MbrEntry mbr_entry(const uint8_t *sector, int i) {
  const uint8_t *e = sector + 446 + 16 * i;
  return {e[0], e[4], le32(e + 8), le32(e + 12)};
}

bool has_mbr_magic(const uint8_t *sector) { return sector[510] == 0x55 && sector[511] == 0xAA; }

bool is_extended(uint8_t type) { return type == 0x05 || type == 0x0f || type == 0x85; }

struct Parser {
  SectorReader read;
  void *ctx;
  uint64_t disk;  // sectors
  uint32_t ss;    // sector size
  PartitionTable &out;
  std::array<uint8_t, kMaxSectorSize> buf;

  bool read_sector(uint64_t lba) {
    if (lba >= disk) return false;
    return read(ctx, lba, 1, buf.data());
  }

  bool full() const { return out.count >= kMaxPartitions; }

  // MBR rules: skipped if it starts past the disk, truncated if it runs past
  // it.
  void add_mbr(uint32_t index, uint64_t start, uint64_t size, uint8_t type) {
    if (full() || size == 0 || start >= disk) return;
    if (size > disk - start) size = disk - start;
    Partition &p = out.parts[out.count++];
    p = Partition{};
    p.index = index;
    p.first_lba = start;
    p.sectors = size;
    p.mbr_type = type;
  }

  // The logical partitions of the extended partition [first, first +
  // first_size).
  void parse_extended(uint64_t first, uint64_t first_size, uint32_t &next_index) {
    uint64_t this_sect = first;
    uint64_t this_size = first_size;
    for (uint32_t n = 0; n < kMaxEbrs && !full(); ++n) {
      if (!read_sector(this_sect) || !has_mbr_magic(buf.data())) return;
      MbrEntry e[4];
      for (int i = 0; i < 4; ++i) e[i] = mbr_entry(buf.data(), i);
      for (int i = 0; i < 4; ++i) {
        if (e[i].size == 0 || is_extended(e[i].type)) continue;
        uint64_t offs = e[i].start;
        uint64_t size = e[i].size;
        uint64_t next = this_sect + offs;
        // Entries 3 and 4 sometimes hold garbage: used only if they lie where
        // they should.
        if (i >= 2 && (offs + size > this_size || next < first || next + size > first + first_size))
          continue;
        add_mbr(next_index++, next, size, e[i].type);
      }
      int link = 0;
      while (link < 4 && !(e[link].size != 0 && is_extended(e[link].type))) ++link;
      if (link == 4) return;
      this_sect = first + e[link].start;  // links are relative to the outermost extended
      this_size = e[link].size;
    }
  }

  Result<void> parse_mbr() {
    MbrEntry e[4];
    for (int i = 0; i < 4; ++i) e[i] = mbr_entry(buf.data(), i);
    out.kind = PartitionTable::Kind::kMbr;
    uint32_t next_index = 5;
    for (uint32_t slot = 1; slot <= 4; ++slot) {
      const MbrEntry &p = e[slot - 1];
      if (p.size == 0) continue;
      add_mbr(slot, p.start, p.size, p.type);
      if (is_extended(p.type)) parse_extended(p.start, p.size, next_index);
    }
    return ok();
  }

  struct GptHeader {
    uint64_t entries_lba;
    uint32_t num_entries;
    uint32_t entry_size;
    uint32_t entries_crc;
  };

  bool read_gpt_header(uint64_t lba, GptHeader &h) {
    if (!read_sector(lba)) return false;
    const uint8_t *b = buf.data();
    static constexpr uint8_t kSig[8] = {'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T'};
    for (int i = 0; i < 8; ++i)
      if (b[i] != kSig[i]) return false;
    if ((le32(b + 8) >> 16) != 1) return false;  // revision 1.x
    uint32_t header_size = le32(b + 12);
    if (header_size < kMinGptHeaderSize || header_size > ss) return false;
    static constexpr uint8_t kZero[4] = {};
    uint32_t crc = crc32(std::span<const uint8_t>(b, 16));
    crc = crc32(std::span<const uint8_t>(kZero, 4), crc);
    crc = crc32(std::span<const uint8_t>(b + 20, header_size - 20), crc);
    if (crc != le32(b + 16)) return false;
    if (le64(b + 24) != lba) return false;  // my_lba
    uint64_t last_lba = disk - 1;
    uint64_t first_usable = le64(b + 40);
    uint64_t last_usable = le64(b + 48);
    if (first_usable > last_usable || last_usable > last_lba) return false;
    h.entries_lba = le64(b + 72);
    h.num_entries = le32(b + 80);
    h.entry_size = le32(b + 84);
    h.entries_crc = le32(b + 88);
    if (h.entry_size < kGptEntryBytes || h.entry_size % kGptEntryBytes != 0 ||
        h.entry_size > kMaxEntrySize)
      return false;
    uint64_t bytes = uint64_t{h.num_entries} * h.entry_size;
    if (bytes > kMaxEntryArrayBytes) return false;
    uint64_t sectors = (bytes + ss - 1) / ss;
    if (h.entries_lba > disk || sectors > disk - h.entries_lba) return false;
    return true;
  }

  void add_gpt(uint32_t index, const uint8_t *e) {
    bool used = false;
    for (int i = 0; i < 16; ++i) used |= e[i] != 0;
    if (!used || full()) return;
    uint64_t start = le64(e + 32);
    uint64_t end = le64(e + 40);
    uint64_t last_lba = disk - 1;
    if (start > last_lba || end > last_lba || end < start) return;
    Partition &p = out.parts[out.count++];
    p = Partition{};
    p.index = index;
    p.first_lba = start;
    p.sectors = end - start + 1;
    p.gpt = true;
    for (int i = 0; i < 16; ++i) {
      p.type_guid[i] = e[i];
      p.unique_guid[i] = e[16 + i];
    }
  }

  // Streams the entry array (entries may straddle sectors), filling `out` as it
  // goes and verifying the CRC at the end; on a mismatch `out` is emptied
  // again.
  bool parse_gpt_entries(const GptHeader &h) {
    out.count = 0;
    uint64_t bytes = uint64_t{h.num_entries} * h.entry_size;
    uint64_t sectors = (bytes + ss - 1) / ss;
    uint32_t crc = 0;
    std::array<uint8_t, kGptEntryBytes> entry{};
    uint64_t pos = 0;  // byte offset in the array
    for (uint64_t s = 0; s < sectors; ++s) {
      if (!read_sector(h.entries_lba + s)) {
        out.count = 0;
        return false;
      }
      uint64_t left = bytes - s * ss;
      uint32_t n = left < ss ? static_cast<uint32_t>(left) : ss;
      crc = crc32(std::span<const uint8_t>(buf.data(), n), crc);
      for (uint32_t j = 0; j < n; ++j, ++pos) {
        uint64_t off = pos % h.entry_size;
        if (off >= kGptEntryBytes) continue;
        entry[off] = buf[j];
        if (off == kGptEntryBytes - 1)
          add_gpt(static_cast<uint32_t>(pos / h.entry_size) + 1, entry.data());
      }
    }
    if (crc != h.entries_crc) {
      out.count = 0;
      return false;
    }
    return true;
  }

  Result<void> parse_gpt() {
    GptHeader h;
    if (disk >= 3) {
      // The primary; if it is unusable, the backup at the last LBA.
      if ((read_gpt_header(1, h) && parse_gpt_entries(h)) ||
          (read_gpt_header(disk - 1, h) && parse_gpt_entries(h))) {
        out.kind = PartitionTable::Kind::kGpt;
        return ok();
      }
    }
    out.count = 0;
    return Errno::kInval;
  }
};

}  // namespace

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc) {
  crc = ~crc;
  for (uint8_t b : data) crc = kCrcTable[(crc ^ b) & 0xff] ^ (crc >> 8);
  return ~crc;
}

Result<void> read_partitions(SectorReader read, void *ctx, uint64_t disk_sectors,
                             uint32_t sector_size, PartitionTable &out) {
  out.kind = PartitionTable::Kind::kNone;
  out.count = 0;
  if (read == nullptr || sector_size < 512 || sector_size > kMaxSectorSize ||
      (sector_size & (sector_size - 1)) != 0)
    return Errno::kInval;
  if (disk_sectors == 0) return ok();
  Parser p{read, ctx, disk_sectors, sector_size, out, {}};
  if (!p.read_sector(0)) return Errno::kIo;
  if (!has_mbr_magic(p.buf.data())) return ok();
  for (int i = 0; i < 4; ++i)
    if (mbr_entry(p.buf.data(), i).type == kTypeGpt) return p.parse_gpt();
  // A boot indicator other than 0 or 0x80: not a partition table (e.g. a FAT
  // boot sector).
  for (int i = 0; i < 4; ++i) {
    uint8_t boot = mbr_entry(p.buf.data(), i).boot;
    if (boot != 0 && boot != 0x80) return ok();
  }
  return p.parse_mbr();
}

}  // namespace rk::vfs
