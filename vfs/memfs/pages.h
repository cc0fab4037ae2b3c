// The pages of a regular file: a radix tree of 64-way nodes over page numbers, grown in height
// as the file's highest page needs, so a sparse file costs memory only for the pages written
// (and ~512 bytes of tree per 64 pages, less for the upper levels). A hole is a missing page and
// reads as zeros.
//
// Not locked: its file's vnode lock guards it (memfs's node.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kern/lib/result.h"
#include "vfs/memfs/account.h"

namespace rk::vfs {

inline constexpr size_t kPageSize = 4096;
inline constexpr unsigned kPageShift = 12;
inline constexpr uint64_t kNoPage = UINT64_MAX;

class PageTable {
 public:
  explicit PageTable(MemAccount& acct) : acct_(acct) {}
  ~PageTable() { free_range(0, kNoPage); }
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  // The page `pgno`, or nullptr for a hole.
  char* find(uint64_t pgno) const;
  // The page `pgno`, allocated (zeroed) if it was a hole. ENOSPC.
  Result<char*> get(uint64_t pgno, bool zero = true);
  // Frees the pages in [first, end) and the tree nodes left empty.
  void free_range(uint64_t first, uint64_t end);

  uint64_t count() const { return count_; }  // pages allocated
  // The first allocated page >= pgno (kNoPage: none), and the first hole >= pgno.
  uint64_t next_page(uint64_t pgno) const;
  uint64_t next_hole(uint64_t pgno) const;

 private:
  static constexpr unsigned kBits = 6;
  static constexpr unsigned kFanout = 1u << kBits;
  static constexpr unsigned kMaxHeight = 9;  // 64^9 = 2^54 pages: past any file size
  struct Node {
    void* slot[kFanout];  // children: Nodes above height 1, pages at height 1
  };

  // Pages a subtree of height h spans (h = 0: one page).
  static uint64_t span(unsigned h) { return uint64_t{1} << (kBits * h); }
  static unsigned index(uint64_t pgno, unsigned h) {
    return static_cast<unsigned>(pgno >> (kBits * (h - 1))) & (kFanout - 1);
  }
  Result<void> grow(uint64_t pgno);
  // Frees [first, end) (relative to the subtree) under `p` of height h; true when p is now
  // empty (and freed).
  bool free_sub(void* p, unsigned h, uint64_t first, uint64_t end);
  void free_page(void* page);
  uint64_t next_sub(const void* p, unsigned h, uint64_t from, bool hole) const;

  MemAccount& acct_;  // the file system's; outlives its files
  void* root_ = nullptr;  // height 0: the page 0 itself; else a Node
  unsigned height_ = 0;
  uint64_t count_ = 0;
};

}  // namespace rk::vfs
