#include "vfs/memfs/account.h"

#include "kern/kernel.h"
#include "kern/lib/string.h"
#include "kern/panic.h"

namespace rk::vfs {
namespace {

// Adds n to counter unless that passes limit (0: no limit).
bool take(std::atomic<uint64_t>& counter, uint64_t limit, uint64_t n) {
  uint64_t cur = counter.load(std::memory_order_relaxed);
  for (;;) {
    if (limit != 0 && (cur + n < cur || cur + n > limit)) return false;
    if (counter.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed)) return true;
  }
}

void give(std::atomic<uint64_t>& counter, uint64_t n, const char* what) {
  uint64_t old = counter.fetch_sub(n, std::memory_order_relaxed);
  if (old < n) kern::panic("memfs: %s account underflow (%llu < %llu)", what,
                           static_cast<unsigned long long>(old), static_cast<unsigned long long>(n));
}

}  // namespace

MemAccount::MemAccount(kern::Kmem& kmem, uint64_t max_bytes, uint64_t max_inodes)
    : kmem_(kmem), max_bytes_(max_bytes), max_inodes_(max_inodes) {}

uint64_t MemAccount::meta_allowance(uint64_t max_bytes) {
  uint64_t a = max_bytes / 64;
  return a > 64 * 1024 ? a : 64 * 1024;
}

uint64_t MemAccount::total_limit() const {
  uint64_t max = max_bytes();
  if (max == 0) return 0;
  uint64_t limit = max + meta_allowance(max);
  return limit < max ? UINT64_MAX : limit;
}

uint64_t MemAccount::data_room() const {
  uint64_t max = max_bytes();
  uint64_t data = data_bytes();
  uint64_t room = max > data ? max - data : 0;
  uint64_t limit = total_limit();
  uint64_t total = bytes();
  uint64_t total_room = limit > total ? limit - total : 0;
  return room < total_room ? room : total_room;
}

Result<void> MemAccount::charge(size_t n) {
  if (!take(total_, total_limit(), n)) return Errno::kNoSpc;
  return ok();
}

void MemAccount::uncharge(size_t n) { give(total_, n, "byte"); }

Result<void*> MemAccount::alloc(size_t n, size_t align) {
  RK_TRY(charge(n));
  void* p = kmem_.alloc(n, kern::KmFlags::kNoSleep, align);
  if (p == nullptr) {
    // The kernel's memory limit: the file system is as full as the kernel lets it be.
    uncharge(n);
    return Errno::kNoSpc;
  }
  return p;
}

Result<void*> MemAccount::zalloc(size_t n, size_t align) {
  void* p = RK_TRY(alloc(n, align));
  mem_set(p, 0, n);
  return p;
}

void MemAccount::free(void* p, size_t n) {
  if (p == nullptr) return;
  kmem_.free(p, n);
  uncharge(n);
}

Result<char*> MemAccount::alloc_page(bool zero) {
  if (!take(data_, max_bytes(), kPageSize)) return Errno::kNoSpc;
  Result<void*> p = zero ? zalloc(kPageSize) : alloc(kPageSize);
  if (!p.ok()) {
    give(data_, kPageSize, "data");
    return p.error();
  }
  return static_cast<char*>(p.value());
}

void MemAccount::free_page(void* page) {
  free(page, kPageSize);
  give(data_, kPageSize, "data");
}

Result<void> MemAccount::take_inode() {
  if (!take(inodes_, max_inodes(), 1)) return Errno::kNoSpc;
  return ok();
}

void MemAccount::put_inode() { give(inodes_, 1, "inode"); }

Result<void> MemAccount::set_limits(uint64_t max_bytes, uint64_t max_inodes) {
  // Checked and set without a lock: a charge racing with a remount may land on either side of
  // the new limit, as it could land on either side of the remount.
  if (max_bytes != 0) {
    if (this->max_bytes() == 0 || data_bytes() > max_bytes) return Errno::kInval;
    if (bytes() > max_bytes + meta_allowance(max_bytes)) return Errno::kInval;
  }
  if (max_inodes != 0 && (this->max_inodes() == 0 || inodes() > max_inodes)) return Errno::kInval;
  max_bytes_.store(max_bytes, std::memory_order_relaxed);
  max_inodes_.store(max_inodes, std::memory_order_relaxed);
  return ok();
}

}  // namespace rk::vfs

namespace rk::vfs {

void MemAccount::free_deferred(void* p, size_t n) {
  if (p == nullptr) return;
  uncharge(n);
  kmem_.kernel().epoch().retire_free(p, n);
}

}  // namespace rk::vfs
