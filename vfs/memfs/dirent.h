// A directory's entries: a list in order of creation (each entry numbered by a sequence that
// only grows, which is what readdir's cookies are made of, so a cookie stays valid whatever is
// inserted or removed meanwhile) and a hash table by name for lookups.
//
// Its directory's vnode lock guards it (shared for find/seek, exclusive for changes). Besides,
// find_rcu reads the hash table with no lock at all inside an epoch section (kern/epoch.h), for
// the path walk's fast path: the table and chain links are atomics, published with release
// stores, and entries and old tables are freed only after a grace period. Such a reader may miss
// an entry that moves meanwhile (rename, rehash) and must then ask again with the lock; what it
// finds was in the directory during its section. The readdir hint is atomic because concurrent
// readers all update it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "vfs/memfs/account.h"

namespace rk::vfs {

class MemNode;

// One name in a directory, allocated with its name right behind it (alloc_size). It holds a
// reference to its node: a node lives while some directory names it or someone else holds it.
struct Dirent {
  ListNode<Dirent> link;      // in DirTable::list_, in seq order
  std::atomic<Dirent*> hash_next{nullptr};
  uint64_t seq = 0;           // set by DirTable::insert
  uint32_t hash = 0;
  uint32_t name_len = 0;
  RefPtr<MemNode> node;       // change it with set_node (find_rcu reads the mirror)
  std::atomic<MemNode*> rcu_node{nullptr};

  void set_node(RefPtr<MemNode> n);  // dir.cpp

  static size_t alloc_size(size_t name_len) { return sizeof(Dirent) + name_len; }
  size_t alloc_size() const { return alloc_size(name_len); }
  char* name_buf() { return reinterpret_cast<char*>(this + 1); }
  std::string_view name() const {
    return {reinterpret_cast<const char*>(this + 1), name_len};
  }
};

class DirTable {
 public:
  // The first sequence number; readdir's cookies 0 and 1 stand for "." and "..".
  static constexpr uint64_t kFirstSeq = 2;

  explicit DirTable(MemAccount& acct) : acct_(acct) {}
  ~DirTable();  // the entries must be gone (the owner frees them)
  DirTable(const DirTable&) = delete;
  DirTable& operator=(const DirTable&) = delete;

  static uint32_t hash_name(std::string_view name);

  size_t size() const { return list_.size(); }
  Dirent* find(std::string_view name) const;
  // find without the lock, inside an epoch section: the entry's node, or nullptr (absent, or
  // missed while it moved).
  MemNode* find_rcu(std::string_view name) const;
  // Room for one more entry (the hash table may grow): ENOSPC. After it, insert cannot fail.
  Result<void> reserve_one();
  // Links e (its name and hash set) with the next sequence number.
  void insert(Dirent& e);
  void remove(Dirent& e);
  Dirent* pop_front();  // unlinks and returns the oldest entry (teardown)
  void release() { drop_table(); }  // the entries are gone: the table's memory too

  // The first entry with seq >= seq (nullptr: none), remembering where readers stand so that
  // reading a directory in order costs O(1) per call.
  Dirent* seek(uint64_t seq);
  Dirent* next(Dirent& e) { return list_.next(e); }
  void set_hint(Dirent* e) { hint_.store(e, std::memory_order_relaxed); }

 private:
  using List = IntrusiveList<Dirent, &Dirent::link>;
  // The hash table: its size and slots in one allocation, published by one pointer.
  struct Buckets {
    size_t n;  // a power of two
    std::atomic<Dirent*> slot[1];  // n of them
    static size_t bytes(size_t n) { return sizeof(Buckets) + (n - 1) * sizeof(slot[0]); }
  };
  std::atomic<Dirent*>& bucket(uint32_t hash) const {
    Buckets* b = table_.load(std::memory_order_relaxed);
    return b->slot[hash & (b->n - 1)];
  }
  size_t nbuckets() const {
    Buckets* b = table_.load(std::memory_order_relaxed);
    return b == nullptr ? 0 : b->n;
  }
  void rehash(size_t n);  // to n buckets, if they can be had
  void unhash(Dirent& e);
  void drop_table();

  MemAccount& acct_;  // the file system's; outlives its directories
  List list_;
  std::atomic<Buckets*> table_{nullptr};
  uint64_t next_seq_ = kFirstSeq;
  std::atomic<Dirent*> hint_{nullptr};  // a linked entry, or nullptr
};

}  // namespace rk::vfs
