// Directory blocks: a chain of variable-length records (format.h DirEntryHead) that exactly
// covers the block. check_dir_block() is run on every directory block read; after it, the
// walk below can trust rec_len and name_len.
#pragma once

#include <cstdint>
#include <string_view>

#include "fs/ext2/format.h"

namespace rk::fs::ext2 {

// rec_len as stored (64 KiB blocks store 65536 as 0 or 65535).
inline uint32_t decode_rec_len(uint16_t v, uint32_t block_size) {
  if (block_size < 65536) return v;
  if (v == 65535 || v == 0) return 65536;
  return v;
}
inline uint16_t encode_rec_len(uint32_t len, uint32_t block_size) {
  if (block_size == 65536 && len == 65536) return 65535;
  return static_cast<uint16_t>(len);
}

// Whether the records of `block` are well formed: each rec_len a multiple of 4, at least the
// header and name, inside the block; the names of entries in use not empty and of no NUL or
// '/'; inode numbers at most inodes_count. *why says what was wrong, and *at where.
bool check_dir_block(const uint8_t* block, uint32_t block_size, uint32_t inodes_count,
                     const char** why, uint32_t* at);

// Walks the records of a checked block.
class DirWalk {
 public:
  DirWalk(uint8_t* block, uint32_t block_size) : b_(block), bs_(block_size) {}
  bool done() const { return off_ >= bs_; }
  uint32_t offset() const { return off_; }
  uint32_t prev() const { return prev_; }
  DirEntryHead& head() const { return *reinterpret_cast<DirEntryHead*>(b_ + off_); }
  uint32_t rec_len() const { return decode_rec_len(head().rec_len, bs_); }
  std::string_view name() const {
    return {reinterpret_cast<const char*>(b_ + off_ + kDirEntryHead), head().name_len};
  }
  char* name_buf() const { return reinterpret_cast<char*>(b_ + off_ + kDirEntryHead); }
  void next() {
    prev_ = off_;
    off_ += rec_len();
  }

 private:
  uint8_t* b_;
  uint32_t bs_;
  uint32_t off_ = 0;
  uint32_t prev_ = 0;
};

}  // namespace rk::fs::ext2
