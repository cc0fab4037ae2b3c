#include "kern/kmem.h"

#include "kern/hyp.h"
#include "kern/kernel.h"
#include "kern/lib/format.h"
#include "kern/lib/string.h"
#include "kern/panic.h"
#include "kern/sched.h"

namespace rk::kern {

Kmem::Kmem(Kernel& kernel, Hyp& hyp, uint64_t limit)
    : kernel_(kernel), hyp_(hyp), limit_(limit), lock_(kernel), freed_(kernel) {}

Kmem::~Kmem() {
  uint64_t left = used_.load(std::memory_order_relaxed);
  if (left == 0) return;
  char line[128];
  format(line, sizeof line, "rump: kernel memory leak: %llu bytes still allocated at shutdown\n",
         static_cast<unsigned long long>(left));
  hyp_.putstr(line);
}

bool Kmem::reserve(size_t size) {
  uint64_t now = used_.fetch_add(size, std::memory_order_relaxed) + size;
  if (limit_ != 0 && now > limit_) {
    used_.fetch_sub(size, std::memory_order_relaxed);
    return false;
  }
  uint64_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return true;
}

void Kmem::unreserve(size_t size) {
  uint64_t old = used_.fetch_sub(size, std::memory_order_seq_cst);
  if (old < size) panic(kernel_, "kmem: freed %zu bytes with only %llu in use", size,
                        static_cast<unsigned long long>(old));
  if (sleepers_.load(std::memory_order_seq_cst) != 0) {
    // Under the lock: a sleeper checks the account and waits without letting go of it, so the
    // broadcast cannot fall between its check and its wait.
    MutexGuard g(lock_);
    freed_.broadcast();
  }
}

void Kmem::charge(size_t size) {
  // Memory the kernel already has: counted even past the limit.
  uint64_t now = used_.fetch_add(size, std::memory_order_relaxed) + size;
  uint64_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

void Kmem::uncharge(size_t size) { unreserve(size); }

size_t Kmem::run_reclaimers(size_t want) {
  // Reclaimers are called without our lock (they take their own); the list only changes when
  // subsystems attach or detach, which does not happen while they allocate.
  size_t freed = 0;
  Reclaimer* r;
  {
    MutexGuard g(lock_);
    r = reclaimers_.front();
  }
  while (r != nullptr && freed < want) {
    freed += r->reclaim(r->arg, want - freed);
    MutexGuard g(lock_);
    r = reclaimers_.next(*r);
  }
  return freed;
}

void* Kmem::alloc(size_t size, KmFlags flags, size_t align) {
  if (size == 0) size = 1;
  for (;;) {
    if (reserve(size)) {
      void* p = nullptr;
      if (hyp_.malloc(size, align, &p) == 0) {
        nallocs_.fetch_add(1, std::memory_order_relaxed);
        return p;
      }
      used_.fetch_sub(size, std::memory_order_relaxed);
    }
    // Over the limit (or the host is out): ask the caches to shrink by the shortfall, then try
    // again.
    uint64_t used = used_.load(std::memory_order_relaxed);
    size_t shortfall = limit_ != 0 && used + size > limit_ ? used + size - limit_ : size;
    if (run_reclaimers(shortfall) > 0) continue;
    if (flags == KmFlags::kNoSleep || curlwp() == nullptr) {
      nfailures_.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    if (limit_ != 0 && size > limit_)
      panic(kernel_, "kmem: a sleeping allocation of %zu bytes can never fit the limit of %llu",
            size, static_cast<unsigned long long>(limit_));
    // Sleep until someone frees memory; re-check now and then in case the host was the limit.
    MutexGuard g(lock_);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    if (limit_ == 0 || used_.load(std::memory_order_seq_cst) + size > limit_) {
      (void)freed_.wait_for(lock_, 100 * 1000 * 1000);
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
  }
}

void* Kmem::zalloc(size_t size, KmFlags flags, size_t align) {
  void* p = alloc(size, flags, align);
  if (p != nullptr) mem_set(p, 0, size);
  return p;
}

void Kmem::free(void* ptr, size_t size) {
  if (ptr == nullptr) return;
  if (size == 0) size = 1;
  hyp_.free(ptr, size);
  unreserve(size);
}

void Kmem::register_reclaimer(Reclaimer& r) {
  MutexGuard g(lock_);
  reclaimers_.push_back(r);
}

void Kmem::unregister_reclaimer(Reclaimer& r) {
  MutexGuard g(lock_);
  reclaimers_.remove(r);
}

}  // namespace rk::kern
