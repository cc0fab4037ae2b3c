#include "tools/fsu/probe.h"

#include <cstring>
#include <vector>

namespace fsu {
namespace {

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// ext2 superblock features that say which of ext2/3/4 made the image (for messages only).
std::string ext_flavour(const uint8_t* sb) {
  uint32_t compat = le32(sb + 92), incompat = le32(sb + 96);
  constexpr uint32_t kHasJournal = 0x4;
  constexpr uint32_t kExtents = 0x40, k64bit = 0x80, kFlexBg = 0x200;
  if (incompat & (kExtents | k64bit | kFlexBg)) return "ext4";
  if (compat & kHasJournal) return "ext3";
  return "ext2";
}

}  // namespace

ProbeResult probe_image(const ReadAt& read) {
  std::vector<uint8_t> b(36 * 1024, 0);
  size_t n = read(0, b.data(), b.size());
  ProbeResult r;
  if (n >= 1024 + 1024 && le16(&b[1080]) == 0xEF53) {
    // One driver mounts all three; its type of the same name says what the image is.
    r.description = ext_flavour(&b[1024]);
    r.type = r.description;
    return r;
  }
  if (n >= 32769 + 5 && std::memcmp(&b[32769], "CD001", 5) == 0) {
    r.description = "ISO 9660";
    return r;
  }
  if (n >= 512 && b[510] == 0x55 && b[511] == 0xAA) {
    if (std::memcmp(&b[82], "FAT32", 5) == 0) {
      r.description = "FAT32";
      return r;
    }
    if (std::memcmp(&b[54], "FAT1", 4) == 0) {
      r.description = std::memcmp(&b[54], "FAT12", 5) == 0 ? "FAT12" : "FAT16";
      return r;
    }
    if (std::memcmp(&b[3], "NTFS    ", 8) == 0) {
      r.description = "NTFS";
      return r;
    }
    if (std::memcmp(&b[3], "EXFAT   ", 8) == 0) {
      r.description = "exFAT";
      return r;
    }
  }
  if (n >= 4 && std::memcmp(&b[0], "XFSB", 4) == 0) {
    r.description = "XFS";
    return r;
  }
  if (n >= 4 && (std::memcmp(&b[0], "hsqs", 4) == 0)) {
    r.description = "SquashFS";
    return r;
  }
  uint8_t far[8] = {};
  if (read(65536 + 64, far, 8) == 8 && std::memcmp(far, "_BHRfS_M", 8) == 0) {
    r.description = "Btrfs";
    return r;
  }
  if (n >= 520 && std::memcmp(&b[512], "EFI PART", 8) == 0) {
    r.description = "GPT partition table";
    r.partitioned = true;
    return r;
  }
  if (n >= 512 && b[510] == 0x55 && b[511] == 0xAA) {
    for (int i = 0; i < 4; ++i) {
      const uint8_t* e = &b[446 + 16 * i];
      if (e[4] != 0 && le32(e + 12) != 0 && (e[0] == 0 || e[0] == 0x80)) {
        r.description = "MBR partition table";
        r.partitioned = true;
        return r;
      }
    }
  }
  return r;
}

}  // namespace fsu
