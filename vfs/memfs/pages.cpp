#include "vfs/memfs/pages.h"

namespace rk::vfs {

char* PageTable::find(uint64_t pgno) const {
  if (root_ == nullptr || pgno >= span(height_)) return nullptr;
  void* p = root_;
  for (unsigned h = height_; h > 0 && p != nullptr; --h)
    p = static_cast<Node*>(p)->slot[index(pgno, h)];
  return static_cast<char*>(p);
}

Result<void> PageTable::grow(uint64_t pgno) {
  unsigned need = 0;
  while (need < kMaxHeight && pgno >= span(need)) ++need;
  if (pgno >= span(need)) return Errno::kFBig;
  if (root_ == nullptr) {
    if (need > height_) height_ = need;
    return ok();
  }
  while (height_ < need) {
    Node* n = RK_TRY(acct_.create<Node>());
    n->slot[0] = root_;
    root_ = n;
    ++height_;
  }
  return ok();
}

// `zero` false: the caller overwrites the whole of a new page at once (a full-page write),
// so zeroing it first would only cost memory bandwidth.
Result<char*> PageTable::get(uint64_t pgno, bool zero) {
  if (char* p = find(pgno)) return p;
  RK_TRY(grow(pgno));
  // Nodes made on the way stay if the page cannot be had: they are freed with the range.
  void** slot = &root_;
  for (unsigned h = height_; h > 0; --h) {
    if (*slot == nullptr) *slot = RK_TRY(acct_.create<Node>());
    slot = &static_cast<Node*>(*slot)->slot[index(pgno, h)];
  }
  char* page = RK_TRY(acct_.alloc_page(zero));
  *slot = page;
  ++count_;
  return page;
}

void PageTable::free_page(void* page) {
  acct_.free_page(page);
  --count_;
}

bool PageTable::free_sub(void* p, unsigned h, uint64_t first, uint64_t end) {
  if (h == 0) {  // a page, and the range covers it
    free_page(p);
    return true;
  }
  auto* n = static_cast<Node*>(p);
  const uint64_t cs = span(h - 1);
  for (uint64_t i = first / cs; i <= (end - 1) / cs; ++i) {
    if (n->slot[i] == nullptr) continue;
    uint64_t base = i * cs;
    uint64_t f = first > base ? first - base : 0;
    uint64_t e = end < base + cs ? end - base : cs;
    if (free_sub(n->slot[i], h - 1, f, e)) n->slot[i] = nullptr;
  }
  for (void* s : n->slot)
    if (s != nullptr) return false;
  acct_.destroy(n);
  return true;
}

void PageTable::free_range(uint64_t first, uint64_t end) {
  if (root_ == nullptr || first >= end || first >= span(height_)) return;
  if (end > span(height_)) end = span(height_);
  if (free_sub(root_, height_, first, end)) {
    root_ = nullptr;
    height_ = 0;
    return;
  }
  // Drop levels that only lead to their first slot, so a file that shrank walks a short tree.
  while (height_ > 0) {
    auto* n = static_cast<Node*>(root_);
    if (n->slot[0] == nullptr) break;
    bool only_first = true;
    for (unsigned i = 1; i < kFanout && only_first; ++i) only_first = n->slot[i] == nullptr;
    if (!only_first) break;
    root_ = n->slot[0];
    acct_.destroy(n);
    --height_;
  }
}

uint64_t PageTable::next_sub(const void* p, unsigned h, uint64_t from, bool hole) const {
  if (p == nullptr) return hole ? from : kNoPage;
  if (h == 0) return hole ? kNoPage : from;
  auto* n = static_cast<const Node*>(p);
  const uint64_t cs = span(h - 1);
  for (uint64_t i = from / cs; i < kFanout; ++i) {
    uint64_t base = i * cs;
    uint64_t r = next_sub(n->slot[i], h - 1, from > base ? from - base : 0, hole);
    if (r != kNoPage) return base + r;
  }
  return kNoPage;
}

uint64_t PageTable::next_page(uint64_t pgno) const {
  if (root_ == nullptr || pgno >= span(height_)) return kNoPage;
  return next_sub(root_, height_, pgno, false);
}

uint64_t PageTable::next_hole(uint64_t pgno) const {
  if (root_ == nullptr || pgno >= span(height_)) return pgno;
  uint64_t r = next_sub(root_, height_, pgno, true);
  return r == kNoPage ? span(height_) : r;
}

}  // namespace rk::vfs
