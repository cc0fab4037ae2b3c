// The kernel memory allocator: all memory a kernel uses comes from here, so that it is
// accounted per kernel, bounded by RUMP_MEMLIMIT and returned in full at shutdown.
//
// Frees are sized (the caller passes the size it allocated), as in NetBSD's kmem(9): no
// per-allocation header, and a wrong size is caught by the accounting going negative.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "kern/lib/annotations.h"
#include "kern/lib/list.h"
#include "kern/lib/result.h"
#include "kern/lock.h"

namespace rk::kern {

class Kernel;
class Hyp;

enum class KmFlags {
  kSleep,    // may wait until memory is freed: never fails
  kNoSleep,  // fails at once (nullptr / ENOMEM) when the limit is reached
};

// A subsystem cache that can give memory back under pressure (buffer cache, name cache, ...).
// `reclaim` frees what it can, up to about `want` bytes, and returns how much it freed. It is
// called with no kernel locks held by the allocator; it may take its own locks.
struct Reclaimer {
  size_t (*reclaim)(void* arg, size_t want) = nullptr;
  void* arg = nullptr;
  ListNode<Reclaimer> node;
};

class Kmem {
 public:
  // limit 0: unlimited (only the host's memory bounds the kernel).
  Kmem(Kernel& kernel, Hyp& hyp, uint64_t limit);
  // Reports on the console any memory still allocated: every kernel object must be freed by
  // the time its kernel is.
  ~Kmem();
  Kmem(const Kmem&) = delete;
  Kmem& operator=(const Kmem&) = delete;

  // Allocates `size` bytes aligned to `align` (0: natural). kSleep blocks (giving the virtual
  // CPU back) until it can succeed; kNoSleep returns nullptr.
  Kernel& kernel() const { return kernel_; }
  void* alloc(size_t size, KmFlags flags = KmFlags::kNoSleep, size_t align = 0);
  void* zalloc(size_t size, KmFlags flags = KmFlags::kNoSleep, size_t align = 0);
  // `size` must be the size that was allocated.
  void free(void* ptr, size_t size);

  // Constructs a T in kernel memory; nullptr (kNoSleep) when out of memory.
  template <typename T, typename... Args>
  T* create(KmFlags flags, Args&&... args) {
    void* p = alloc(sizeof(T), flags, alignof(T));
    if (p == nullptr) return nullptr;
    return new (p) T(std::forward<Args>(args)...);
  }
  template <typename T>
  void destroy(T* p) {
    if (p == nullptr) return;
    p->~T();
    free(p, sizeof(T));
  }

  void register_reclaimer(Reclaimer& r) RK_EXCLUDES(lock_);
  void unregister_reclaimer(Reclaimer& r) RK_EXCLUDES(lock_);

  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t peak() const { return peak_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_; }
  uint64_t allocations() const { return nallocs_.load(std::memory_order_relaxed); }
  uint64_t failures() const { return nfailures_.load(std::memory_order_relaxed); }

  // Charges memory the kernel got by other means (its own object) to its account.
  void charge(size_t size);
  void uncharge(size_t size);

 private:
  bool reserve(size_t size);
  void unreserve(size_t size);
  size_t run_reclaimers(size_t want) RK_EXCLUDES(lock_);

  Kernel& kernel_;
  Hyp& hyp_;
  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
  std::atomic<uint64_t> peak_{0};
  std::atomic<uint64_t> nallocs_{0};
  std::atomic<uint64_t> nfailures_{0};
  std::atomic<uint32_t> sleepers_{0};

  Mutex lock_;
  CondVar freed_;  // broadcast when memory is freed and someone sleeps for it
  IntrusiveList<Reclaimer, &Reclaimer::node> reclaimers_ RK_GUARDED_BY(lock_);
};

}  // namespace rk::kern
