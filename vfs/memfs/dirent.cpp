#include "vfs/memfs/dirent.h"

#include "kern/lib/string.h"

#include <new>

namespace rk::vfs {
namespace {
constexpr size_t kMinBuckets = 16;
}  // namespace

DirTable::~DirTable() { drop_table(); }

void DirTable::drop_table() {
  Buckets* b = table_.exchange(nullptr, std::memory_order_acq_rel);
  if (b != nullptr) acct_.free_deferred(b, Buckets::bytes(b->n));
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
  if (nbuckets() == 0) return nullptr;
  uint32_t h = hash_name(name);
  for (Dirent* e = bucket(h).load(std::memory_order_relaxed); e != nullptr;
       e = e->hash_next.load(std::memory_order_relaxed))
    if (e->hash == h && e->name() == name) return e;
  return nullptr;
}

MemNode* DirTable::find_rcu(std::string_view name) const {
  Buckets* b = table_.load(std::memory_order_acquire);
  if (b == nullptr) return nullptr;
  uint32_t h = hash_name(name);
  // Bounded: a chain is acyclic at every instant, but an entry moved by a concurrent rehash may
  // lead into another chain; a reader that goes on for long gives up and asks with the lock.
  int steps = 0;
  for (Dirent* e = b->slot[h & (b->n - 1)].load(std::memory_order_acquire); e != nullptr;
       e = e->hash_next.load(std::memory_order_acquire)) {
    if (++steps > 64) return nullptr;
    if (e->hash == h && e->name() == name) return e->rcu_node.load(std::memory_order_acquire);
  }
  return nullptr;
}

void DirTable::rehash(size_t n) {
  Result<void*> mem = acct_.zalloc(Buckets::bytes(n), alignof(Buckets));
  if (!mem.ok()) return;  // keep the old table: longer chains, still correct
  auto* fresh = new (mem.value()) Buckets;
  fresh->n = n;
  for (size_t i = 0; i < n; ++i) new (&fresh->slot[i]) std::atomic<Dirent*>(nullptr);
  Buckets* old = table_.load(std::memory_order_relaxed);
  // Build the new chains fully before publishing them; lock-free readers of the old table may
  // be sent along a moved entry into a new chain, which only ends their search early.
  for (size_t i = 0; old != nullptr && i < old->n; ++i) {
    for (Dirent* e = old->slot[i].load(std::memory_order_relaxed); e != nullptr;) {
      Dirent* next = e->hash_next.load(std::memory_order_relaxed);
      std::atomic<Dirent*>& b = fresh->slot[e->hash & (n - 1)];
      e->hash_next.store(b.load(std::memory_order_relaxed), std::memory_order_release);
      b.store(e, std::memory_order_relaxed);
      e = next;
    }
  }
  table_.store(fresh, std::memory_order_release);
  if (old != nullptr) acct_.free_deferred(old, Buckets::bytes(old->n));
}

Result<void> DirTable::reserve_one() {
  const size_t n = nbuckets();
  if (list_.size() + 1 <= n) return ok();
  rehash(n == 0 ? kMinBuckets : n * 2);
  return nbuckets() > 0 ? ok() : Result<void>(Errno::kNoSpc);
}

void DirTable::insert(Dirent& e) {
  e.seq = next_seq_++;
  std::atomic<Dirent*>& b = bucket(e.hash);
  e.hash_next.store(b.load(std::memory_order_relaxed), std::memory_order_relaxed);
  b.store(&e, std::memory_order_release);  // e's name, hash and node are visible with it
  list_.push_back(e);
}

void DirTable::unhash(Dirent& e) {
  std::atomic<Dirent*>* p = &bucket(e.hash);
  for (Dirent* cur = p->load(std::memory_order_relaxed); cur != nullptr;
       cur = p->load(std::memory_order_relaxed)) {
    if (cur == &e) {
      p->store(e.hash_next.load(std::memory_order_relaxed), std::memory_order_release);
      break;
    }
    p = &cur->hash_next;
  }
  // Left as it is: a lock-free reader standing on e goes on along the chain.
}

void DirTable::remove(Dirent& e) {
  unhash(e);
  if (hint_.load(std::memory_order_relaxed) == &e) hint_.store(list_.next(e), std::memory_order_relaxed);
  list_.remove(e);
  const size_t n = nbuckets();
  if (list_.empty()) {
    drop_table();
  } else if (n > kMinBuckets && list_.size() < n / 8) {
    rehash(n / 4 > kMinBuckets ? n / 4 : kMinBuckets);
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
