// What an image holds, from its first bytes: the file system type fs-utils mounts it with.
// Pure functions over a read callback, so that tests and fuzzers can feed them anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace fsu {

struct ProbeResult {
  std::string type;         // the type to mount ("ext2", "ext4"), empty when it is not one we mount
  std::string description;  // what was found: "ext4", "FAT32", "ISO 9660", "MBR partition table"
  bool partitioned = false; // a partition table and no file system at offset 0
};

// read(offset, buf, len) returns how many bytes it could read there (fewer at the end).
using ReadAt = std::function<size_t(uint64_t offset, void* buf, size_t len)>;

// Recognises ext2/3/4 (magic 0xEF53 at byte 1080; the type is "ext4" when the superblock
// has extents, 64bit or flex_bg, "ext3" when it has a journal, else "ext2"), FAT12/16/32, ISO 9660 ("CD001" at 32769),
// and a few others by name only; an MBR or GPT partition table. description is empty when
// nothing is recognised.
ProbeResult probe_image(const ReadAt& read);

}  // namespace fsu
