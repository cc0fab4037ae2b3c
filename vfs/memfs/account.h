// The memory and inode account of one memfs. Every byte it allocates is charged here before it
// is taken from the kernel's allocator (without sleeping), and given back when freed:
//   - data: file pages. size= limits them exactly, as Linux's tmpfs limits its blocks, so a
//     size=1m file system holds 1 MiB of file data;
//   - metadata: nodes, directory entries, hash tables, page tables, symlink targets. They share
//     the limit with the data, plus an allowance on top of it (kMetaAllowance), so metadata
//     cannot grow without bound but never takes the room size= promised to data while it is
//     small;
//   - inodes: nodes and extra hard links, as Linux's tmpfs counts them (nr_inodes=).
// Over a limit, or when the kernel's memory (its memlimit) runs out: ENOSPC.
//
// Lock-free (atomic counters): it is used from under any of memfs's locks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "kern/kmem.h"
#include "kern/lib/result.h"

namespace rk::vfs {

class MemAccount {
 public:
  static constexpr size_t kPageSize = 4096;

  // 0: no limit (only the kernel's memory bounds the bytes).
  MemAccount(kern::Kmem& kmem, uint64_t max_bytes, uint64_t max_inodes);
  MemAccount(const MemAccount&) = delete;
  MemAccount& operator=(const MemAccount&) = delete;

  kern::Kmem& kmem() const { return kmem_; }

  // Metadata: charges n bytes and allocates them. ENOSPC; nothing is charged then.
  Result<void*> alloc(size_t n, size_t align = 0);
  Result<void*> zalloc(size_t n, size_t align = 0);
  void free(void* p, size_t n);
  // As free, for memory lock-free readers may still be looking at (kern/epoch.h): the charge
  // goes now, the memory once they are gone.
  void free_deferred(void* p, size_t n);

  // Constructs a T in charged metadata memory. ENOSPC.
  template <typename T, typename... Args>
  Result<T*> create(Args&&... args) {
    void* p = RK_TRY(alloc(sizeof(T), alignof(T)));
    return new (p) T(std::forward<Args>(args)...);
  }
  template <typename T>
  void destroy(T* p) {
    if (p == nullptr) return;
    p->~T();
    free(p, sizeof(T));
  }

  // Data: one zeroed page. ENOSPC.
  Result<char*> alloc_page(bool zero = true);  // zero false: the caller fills it whole
  void free_page(void* page);

  // The metadata charge alone, for memory had by other means. ENOSPC.
  Result<void> charge(size_t n);
  // Charges even past the limit (memory that must be had: a placeholder that cannot fail).
  void force_charge(size_t n) { total_.fetch_add(n, std::memory_order_relaxed); }
  void uncharge(size_t n);

  // One inode (a node, or an extra hard link). ENOSPC at the limit.
  Result<void> take_inode();
  void force_inode() { inodes_.fetch_add(1, std::memory_order_relaxed); }  // past the limit
  void put_inode();

  uint64_t data_bytes() const { return data_.load(std::memory_order_relaxed); }
  uint64_t bytes() const { return total_.load(std::memory_order_relaxed); }  // data + metadata
  uint64_t inodes() const { return inodes_.load(std::memory_order_relaxed); }
  uint64_t max_bytes() const { return max_bytes_.load(std::memory_order_relaxed); }
  uint64_t max_inodes() const { return max_inodes_.load(std::memory_order_relaxed); }
  // Bytes of data that would still fit (with a limit; statfs's free blocks).
  uint64_t data_room() const;

  // New limits (remount). EINVAL below what is in use now, or when a limit would be set where
  // there was none (Linux: "cannot retroactively limit").
  Result<void> set_limits(uint64_t max_bytes, uint64_t max_inodes);

  // What metadata may take beyond size=: 1/64 of it, at least 64 KiB.
  static uint64_t meta_allowance(uint64_t max_bytes);

 private:
  // The limit of data + metadata (0: none).
  uint64_t total_limit() const;

  kern::Kmem& kmem_;  // the kernel's; outlives the file system
  std::atomic<uint64_t> max_bytes_;
  std::atomic<uint64_t> max_inodes_;
  std::atomic<uint64_t> data_{0};
  std::atomic<uint64_t> total_{0};
  std::atomic<uint64_t> inodes_{0};
};

}  // namespace rk::vfs
