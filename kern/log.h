// The kernel message log: what dmesg shows. Every message is kept in a ring buffer with a
// timestamp (seconds since boot); errors and worse also go to the host console, and with
// RUMP_VERBOSE everything does.
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstddef>
#include <cstdint>

#include "kern/lib/annotations.h"
#include "kern/lib/relax.h"

namespace rk::kern {

class Hyp;
class Kmem;

enum class LogLevel { kEmerg = 0, kAlert, kCrit, kErr, kWarning, kNotice, kInfo, kDebug };

// A lock for tiny critical sections that must work anywhere, even during a panic.
class RK_CAPABILITY("spinlock") SpinLock {
 public:
  void lock() RK_ACQUIRE() {
    while (flag_.exchange(true, std::memory_order_acquire)) cpu_relax();
  }
  void unlock() RK_RELEASE() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

class MsgLog {
 public:
  static constexpr size_t kSize = 16384;     // the most it keeps
  static constexpr size_t kInitial = 1024;   // what a new kernel starts with (boot is ~200 bytes)

  MsgLog(Hyp& hyp, Kmem& kmem, int64_t boot_ns, bool verbose);
  ~MsgLog();
  MsgLog(const MsgLog&) = delete;
  MsgLog& operator=(const MsgLog&) = delete;

  void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  void vlog(LogLevel level, const char* fmt, va_list ap) __attribute__((format(printf, 3, 0)));

  // Copies the log, oldest first, into buf; returns the bytes copied (at most len).
  size_t read(char* buf, size_t len) const RK_EXCLUDES(lock_);
  size_t size() const RK_EXCLUDES(lock_);  // bytes held now
  void clear() RK_EXCLUDES(lock_);
  bool verbose() const { return verbose_; }

 private:
  void append_locked(const char* s, size_t n) RK_REQUIRES(lock_);

  Hyp& hyp_;
  Kmem& kmem_;
  const int64_t boot_ns_;
  const bool verbose_;
  mutable SpinLock lock_;
  // cap_ bytes (kInitial, doubling up to kSize as messages come), allocated on first message.
  char* ring_ RK_GUARDED_BY(lock_) = nullptr;
  size_t cap_ RK_GUARDED_BY(lock_) = 0;
  uint64_t head_ RK_GUARDED_BY(lock_) = 0;     // total bytes ever written
  uint64_t tail_ RK_GUARDED_BY(lock_) = 0;     // first byte still held
};

}  // namespace rk::kern
