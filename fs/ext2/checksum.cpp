#include "fs/ext2/checksum.h"

#include <array>

#include "fs/ext2/format.h"

namespace rk::fs::ext2 {
namespace {

// The reflected Castagnoli polynomial's byte table, computed at compile time (constant data,
// not state).
constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kCrc32cTable = make_crc32c_table();

constexpr uint32_t rol32(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

// Packs up to num*4 name bytes into num words the way the htree hashes read names: four
// bytes a word, most significant first, padded with the length.
void pack_name(const char* msg, int len, uint32_t* buf, int num, bool is_signed) {
  uint32_t pad = static_cast<uint32_t>(len) | (static_cast<uint32_t>(len) << 8);
  pad |= pad << 16;
  uint32_t val = pad;
  if (len > num * 4) len = num * 4;
  for (int i = 0; i < len; ++i) {
    uint32_t c = is_signed
                     ? static_cast<uint32_t>(static_cast<int32_t>(static_cast<signed char>(msg[i])))
                     : static_cast<uint32_t>(static_cast<unsigned char>(msg[i]));
    val = c + (val << 8);
    if ((i % 4) == 3) {
      *buf++ = val;
      val = pad;
      --num;
    }
  }
  if (--num >= 0) *buf++ = val;
  while (--num >= 0) *buf++ = pad;
}

// The reduced MD4 round ext3 uses: three rounds of eight steps over eight words.
void half_md4(uint32_t buf[4], const uint32_t in[8]) {
  constexpr uint32_t k2 = 013240474631u, k3 = 015666365641u;
  auto f = [](uint32_t x, uint32_t y, uint32_t z) { return z ^ (x & (y ^ z)); };
  auto g = [](uint32_t x, uint32_t y, uint32_t z) { return (x & y) + ((x ^ y) & z); };
  auto h = [](uint32_t x, uint32_t y, uint32_t z) { return x ^ y ^ z; };
  uint32_t a = buf[0], b = buf[1], c = buf[2], d = buf[3];
#define RK_EXT2_ROUND(fn, w, x, y, z, v, s) (w += fn(x, y, z) + (v), w = rol32(w, s))
  RK_EXT2_ROUND(f, a, b, c, d, in[0], 3);
  RK_EXT2_ROUND(f, d, a, b, c, in[1], 7);
  RK_EXT2_ROUND(f, c, d, a, b, in[2], 11);
  RK_EXT2_ROUND(f, b, c, d, a, in[3], 19);
  RK_EXT2_ROUND(f, a, b, c, d, in[4], 3);
  RK_EXT2_ROUND(f, d, a, b, c, in[5], 7);
  RK_EXT2_ROUND(f, c, d, a, b, in[6], 11);
  RK_EXT2_ROUND(f, b, c, d, a, in[7], 19);
  RK_EXT2_ROUND(g, a, b, c, d, in[1] + k2, 3);
  RK_EXT2_ROUND(g, d, a, b, c, in[3] + k2, 5);
  RK_EXT2_ROUND(g, c, d, a, b, in[5] + k2, 9);
  RK_EXT2_ROUND(g, b, c, d, a, in[7] + k2, 13);
  RK_EXT2_ROUND(g, a, b, c, d, in[0] + k2, 3);
  RK_EXT2_ROUND(g, d, a, b, c, in[2] + k2, 5);
  RK_EXT2_ROUND(g, c, d, a, b, in[4] + k2, 9);
  RK_EXT2_ROUND(g, b, c, d, a, in[6] + k2, 13);
  RK_EXT2_ROUND(h, a, b, c, d, in[3] + k3, 3);
  RK_EXT2_ROUND(h, d, a, b, c, in[7] + k3, 9);
  RK_EXT2_ROUND(h, c, d, a, b, in[2] + k3, 11);
  RK_EXT2_ROUND(h, b, c, d, a, in[6] + k3, 15);
  RK_EXT2_ROUND(h, a, b, c, d, in[1] + k3, 3);
  RK_EXT2_ROUND(h, d, a, b, c, in[5] + k3, 9);
  RK_EXT2_ROUND(h, c, d, a, b, in[0] + k3, 11);
  RK_EXT2_ROUND(h, b, c, d, a, in[4] + k3, 15);
#undef RK_EXT2_ROUND
  buf[0] += a;
  buf[1] += b;
  buf[2] += c;
  buf[3] += d;
}

void tea(uint32_t buf[4], const uint32_t in[4]) {
  uint32_t sum = 0, b0 = buf[0], b1 = buf[1];
  const uint32_t a = in[0], b = in[1], c = in[2], d = in[3];
  for (int n = 0; n < 16; ++n) {
    sum += 0x9E3779B9u;
    b0 += ((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >> 5) + b);
    b1 += ((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >> 5) + d);
  }
  buf[0] += b0;
  buf[1] += b1;
}

uint32_t legacy_hash(const char* name, size_t len, bool is_signed) {
  uint32_t hash0 = 0x12a3fe2d, hash1 = 0x37abe8f9;
  for (size_t i = 0; i < len; ++i) {
    uint32_t c =
        is_signed ? static_cast<uint32_t>(static_cast<int32_t>(static_cast<signed char>(name[i])))
                  : static_cast<uint32_t>(static_cast<unsigned char>(name[i]));
    uint32_t hash = hash1 + (hash0 ^ (c * 7152373u));
    if (hash & 0x80000000u) hash -= 0x7fffffff;
    hash1 = hash0;
    hash0 = hash;
  }
  return hash0 << 1;
}

}  // namespace

uint32_t crc32c_raw(uint32_t crc, const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < len; ++i) crc = kCrc32cTable[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

bool dx_hash(std::string_view name, uint8_t hash_version, const uint32_t seed[4], DxHash& out) {
  uint32_t buf[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  if (seed != nullptr && (seed[0] | seed[1] | seed[2] | seed[3]) != 0)
    for (int i = 0; i < 4; ++i) buf[i] = seed[i];
  uint32_t hash = 0, minor = 0;
  const char* p = name.data();
  int len = static_cast<int>(name.size());
  switch (hash_version) {
    case kDxHashLegacy:
    case kDxHashLegacyUnsigned:
      hash = legacy_hash(p, name.size(), hash_version == kDxHashLegacy);
      break;
    case kDxHashHalfMd4:
    case kDxHashHalfMd4Unsigned: {
      uint32_t in[8];
      for (; len > 0; len -= 32, p += 32) {
        pack_name(p, len, in, 8, hash_version == kDxHashHalfMd4);
        half_md4(buf, in);
      }
      minor = buf[2];
      hash = buf[1];
      break;
    }
    case kDxHashTea:
    case kDxHashTeaUnsigned: {
      uint32_t in[4];
      for (; len > 0; len -= 16, p += 16) {
        pack_name(p, len, in, 4, hash_version == kDxHashTea);
        tea(buf, in);
      }
      hash = buf[0];
      minor = buf[1];
      break;
    }
    default:
      return false;
  }
  hash &= ~1u;
  // The largest major value marks the end of a directory's hash space for readdir.
  if (hash == (0x7fffffffu << 1)) hash = (0x7fffffffu - 1) << 1;
  out.major = hash;
  out.minor = minor;
  return true;
}

}  // namespace rk::fs::ext2
