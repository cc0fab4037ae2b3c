#include "vfs/memfs/dirent.h"

#include "kern/lib/string.h"

namespace rk::vfs {
namespace {
constexpr size_t kMinBuckets = 16;
}  // namespace

DirTable::~DirTable() {
  if (buckets_ != nullptr) acct_.free(buckets_, nbuckets_ * sizeof(Dirent*));
}

uint32_t DirTable::hash_name(std::string_view name) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

Dirent* DirTable::find(std::string_view name) const {
  if (nbuckets_ == 0) return nullptr;
  uint32_t h = hash_name(name);
  for (Dirent* e = *bucket(h); e != nullptr; e = e->hash_next)
    if (e->hash == h && e->name() == name) return e;
  return nullptr;
}

void DirTable::rehash(size_t n) {
  Result<void*> mem = acct_.zalloc(n * sizeof(Dirent*), alignof(Dirent*));
  if (!mem.ok()) return;  // keep the old table: longer chains, still correct
  auto* table = static_cast<Dirent**>(mem.value());
  for (size_t i = 0; i < nbuckets_; ++i) {
    for (Dirent* e = buckets_[i]; e != nullptr;) {
      Dirent* next = e->hash_next;
      Dirent** b = &table[e->hash & (n - 1)];
      e->hash_next = *b;
      *b = e;
      e = next;
    }
  }
  if (buckets_ != nullptr) acct_.free(buckets_, nbuckets_ * sizeof(Dirent*));
  buckets_ = table;
  nbuckets_ = n;
}

Result<void> DirTable::reserve_one() {
  if (list_.size() + 1 <= nbuckets_) return ok();
  rehash(nbuckets_ == 0 ? kMinBuckets : nbuckets_ * 2);
  return nbuckets_ > 0 ? ok() : Result<void>(Errno::kNoSpc);
}

void DirTable::insert(Dirent& e) {
  e.seq = next_seq_++;
  Dirent** b = bucket(e.hash);
  e.hash_next = *b;
  *b = &e;
  list_.push_back(e);
}

void DirTable::unhash(Dirent& e) {
  for (Dirent** p = bucket(e.hash); *p != nullptr; p = &(*p)->hash_next) {
    if (*p == &e) {
      *p = e.hash_next;
      break;
    }
  }
  e.hash_next = nullptr;
}

void DirTable::remove(Dirent& e) {
  unhash(e);
  if (hint_.load(std::memory_order_relaxed) == &e) hint_.store(list_.next(e), std::memory_order_relaxed);
  list_.remove(e);
  if (list_.empty()) {
    acct_.free(buckets_, nbuckets_ * sizeof(Dirent*));
    buckets_ = nullptr;
    nbuckets_ = 0;
  } else if (nbuckets_ > kMinBuckets && list_.size() < nbuckets_ / 8) {
    rehash(nbuckets_ / 4 > kMinBuckets ? nbuckets_ / 4 : kMinBuckets);
  }
}

Dirent* DirTable::pop_front() {
  Dirent* e = list_.front();
  if (e != nullptr) remove(*e);
  return e;
}

Dirent* DirTable::seek(uint64_t seq) {
  Dirent* last = list_.back();
  if (last == nullptr || last->seq < seq) return nullptr;
  // The list is in seq order: walk forward from the hint when it is not past seq.
  Dirent* e = hint_.load(std::memory_order_relaxed);
  if (e == nullptr || e->seq > seq) e = list_.front();
  while (e != nullptr && e->seq < seq) e = list_.next(*e);
  return e;
}

}  // namespace rk::vfs
