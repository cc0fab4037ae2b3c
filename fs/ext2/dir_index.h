// DirIndex: an in-memory index of one large directory's entries, so that finding a name, or a
// block with room for a new one, costs one block read instead of a scan of the whole directory
// (which made creating n files in one directory O(n^2)). It maps a hash of each name to where
// its record is (block, offset); candidates are checked against the block itself. Built on the
// first lookup of a directory of kDirIndexMinBlocks or more, kept in step by every change the
// driver makes to the directory, and dropped on any error.
#pragma once

#include <cstdint>
#include <string_view>

#include "kern/kmem.h"
#include "kern/lib/result.h"
#include "kern/lib/vector.h"

namespace rk::fs::ext2 {

inline constexpr uint64_t kDirIndexMinBlocks = 4;

class DirIndex {
 public:
  explicit DirIndex(kern::Kmem& kmem) : slots_(kmem), room_(kmem) {}
  DirIndex(const DirIndex&) = delete;
  DirIndex& operator=(const DirIndex&) = delete;

  static uint32_t hash(std::string_view name);

  Result<void> insert(uint32_t h, uint32_t lblk, uint32_t off);
  void erase(uint32_t h, uint32_t lblk, uint32_t off);
  // Calls f(lblk, off) for each record whose name has hash h, until it returns true; true then.
  template <typename F>
  bool find(uint32_t h, F&& f) const {
    if (slots_.size() == 0) return false;
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask, n = 0; n < slots_.size(); i = (i + 1) & mask, ++n) {
      const Slot& s = slots_[i];
      if (s.lblk == kEmpty) return false;
      if (s.lblk != kGone && s.hash == h && f(s.lblk, s.off)) return true;
    }
    return false;
  }

  // The largest record a block can take (per directory block).
  Result<void> set_room(uint32_t lblk, uint32_t room);
  // The first block at or after `from` with room for `need` bytes, or UINT32_MAX.
  uint32_t block_with_room(uint32_t need) const;

 private:
  struct Slot {
    uint32_t hash = 0;
    uint32_t lblk = kEmpty;
    uint32_t off = 0;
  };
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr uint32_t kGone = UINT32_MAX - 1;
  Result<void> grow();

  kern::Vector<Slot> slots_;  // open addressing, a power of two in size
  size_t used_ = 0;           // live and gone slots
  size_t live_ = 0;
  kern::Vector<uint32_t> room_;
};

}  // namespace rk::fs::ext2
