#include "fs/ext2/dir_index.h"

namespace rk::fs::ext2 {

uint32_t DirIndex::hash(std::string_view name) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : name) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h;
}

Result<void> DirIndex::grow() {
  size_t cap = slots_.size() == 0 ? 64 : slots_.size();
  while (live_ * 2 + 1 > cap / 2) cap *= 2;  // at most a quarter full after
  kern::Vector<Slot> old(std::move(slots_));
  RK_TRY(slots_.resize(cap));
  used_ = live_ = 0;
  for (const Slot& s : old)
    if (s.lblk != kEmpty && s.lblk != kGone) RK_TRY(insert(s.hash, s.lblk, s.off));
  return ok();
}

Result<void> DirIndex::insert(uint32_t h, uint32_t lblk, uint32_t off) {
  if ((used_ + 1) * 10 > slots_.size() * 7) RK_TRY(grow());
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.lblk == kEmpty || s.lblk == kGone) {
      if (s.lblk == kEmpty) ++used_;
      s = Slot{h, lblk, off};
      ++live_;
      return ok();
    }
  }
}

void DirIndex::erase(uint32_t h, uint32_t lblk, uint32_t off) {
  if (slots_.size() == 0) return;
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask, n = 0; n < slots_.size(); i = (i + 1) & mask, ++n) {
    Slot& s = slots_[i];
    if (s.lblk == kEmpty) return;
    if (s.hash == h && s.lblk == lblk && s.off == off) {
      s.lblk = kGone;
      --live_;
      return;
    }
  }
}

Result<void> DirIndex::set_room(uint32_t lblk, uint32_t room) {
  if (lblk >= room_.size()) RK_TRY(room_.resize(size_t{lblk} + 1));
  room_[lblk] = room;
  return ok();
}

uint32_t DirIndex::block_with_room(uint32_t need) const {
  for (size_t i = 0; i < room_.size(); ++i)
    if (room_[i] >= need) return static_cast<uint32_t>(i);
  return UINT32_MAX;
}

}  // namespace rk::fs::ext2
