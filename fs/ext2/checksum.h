// Checksums and hashes of the ext4 format: crc32c (metadata_csum) and the directory-index
// hashes (legacy, half-MD4, TEA) that place names in htree leaves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace rk::fs::ext2 {

// crc32c (Castagnoli) continuing from `crc`, without the final inversion, as ext4 chains it:
// the superblock's checksum is crc32c_raw(~0, sb, 0x3FC).
uint32_t crc32c_raw(uint32_t crc, const void* data, size_t len);

// The htree hash of a name: major in bits 31..1 (bit 0 clear), minor. hash_version is a
// kDxHash* value (the unsigned variants treat name bytes as unsigned chars); seed is
// s_hash_seed (all zero: the default seed). False for an unknown version.
struct DxHash {
  uint32_t major = 0;
  uint32_t minor = 0;
};
bool dx_hash(std::string_view name, uint8_t hash_version, const uint32_t seed[4], DxHash& out);

}  // namespace rk::fs::ext2
