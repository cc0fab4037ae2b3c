// Fuzzes the MBR/GPT partition table parser (vfs/blk/partition.h): the input is
// a disk image of 512-byte sectors; no input may crash, hang or read out of
// bounds.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "vfs/blk/partition.h"

namespace {

struct Disk {
  const uint8_t *data;
  size_t size;
};

bool read_disk(void *ctx, uint64_t lba, uint32_t count, void *buf) {
  const auto *d = static_cast<const Disk *>(ctx);
  uint64_t off = lba * 512;
  uint64_t len = uint64_t{count} * 512;
  if (lba > d->size / 512 || off > d->size || len > d->size - off) return false;
  std::memcpy(buf, d->data + off, len);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static rk::vfs::PartitionTable table;
  Disk d{data, size};
  rk::Result<void> r = rk::vfs::read_partitions(read_disk, &d, size / 512, 512, table);
  if (r.ok() && table.count > rk::vfs::kMaxPartitions) __builtin_trap();
  for (uint32_t i = 0; r.ok() && i < table.count; ++i) {
    const rk::vfs::Partition &p = table.parts[i];
    if (p.sectors == 0 || p.first_lba >= size / 512 || p.sectors > size / 512 - p.first_lba)
      __builtin_trap();
  }
  return 0;
}
