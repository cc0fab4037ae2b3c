#include "kern/log.h"

#include "kern/hyp.h"
#include "kern/kmem.h"
#include "kern/lib/format.h"
#include "kern/lib/string.h"

namespace rk::kern {

MsgLog::MsgLog(Hyp& hyp, Kmem& kmem, int64_t boot_ns, bool verbose)
    : hyp_(hyp), kmem_(kmem), boot_ns_(boot_ns), verbose_(verbose) {}

MsgLog::~MsgLog() RK_NO_THREAD_SAFETY_ANALYSIS {  // nobody else is left to take the lock
  if (ring_ != nullptr) kmem_.free(ring_, cap_);
}

void MsgLog::log(LogLevel level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(level, fmt, ap);
  va_end(ap);
}

void MsgLog::vlog(LogLevel level, const char* fmt, va_list ap) {
  // The log keeps Linux's record format, "<level>[seconds] text"; the console gets it without
  // the level.
  char line[512];
  int64_t t = hyp_.monotonic_ns() - boot_ns_;
  int prefix = format(line, sizeof line, "<%d>", static_cast<int>(level));
  int n = prefix + format(line + prefix, sizeof line - prefix, "[%5lld.%06lld] ",
                          static_cast<long long>(t / 1000000000),
                          static_cast<long long>(t % 1000000000 / 1000));
  int m = vformat(line + n, sizeof line - n - 1, fmt, ap);
  size_t len = static_cast<size_t>(n) + (static_cast<size_t>(m) < sizeof line - n - 2
                                             ? static_cast<size_t>(m)
                                             : sizeof line - n - 2);
  if (len == 0 || line[len - 1] != '\n') line[len++] = '\n';
  {
    lock_.lock();
    append_locked(line, len);
    lock_.unlock();
  }
  // Errors always reach the console (a failed boot must say why); the rest when verbose.
  if (verbose_ || level <= LogLevel::kErr) hyp_.putstr({line + prefix, len - prefix});
}

void MsgLog::append_locked(const char* s, size_t n) {
  // Grow (doubling, up to kSize) while the ring would overflow: a busy kernel keeps the full
  // log, a quiet one costs a kilobyte.
  size_t held = static_cast<size_t>(head_ - tail_);
  if (ring_ == nullptr || (held + n > cap_ && cap_ < kSize)) {
    size_t cap = cap_ == 0 ? kInitial : cap_;
    while (cap < kSize && held + n > cap) cap *= 2;
    if (cap > kSize) cap = kSize;
    char* fresh = static_cast<char*>(kmem_.alloc(cap, KmFlags::kNoSleep));
    if (fresh != nullptr) {
      for (size_t i = 0; i < held; ++i) fresh[i] = ring_[(tail_ + i) % cap_];
      if (ring_ != nullptr) kmem_.free(ring_, cap_);
      ring_ = fresh;
      cap_ = cap;
      tail_ = 0;
      head_ = held;
    } else if (ring_ == nullptr) {
      return;  // out of memory: the message is lost, not the kernel
    }
  }
  for (size_t i = 0; i < n; ++i) ring_[(head_ + i) % cap_] = s[i];
  head_ += n;
  if (head_ - tail_ > cap_) {
    // The oldest bytes were overwritten: drop the rest of the record they began, so the log
    // starts with a whole line.
    tail_ = head_ - cap_;
    while (tail_ < head_ && ring_[tail_ % cap_] != '\n') ++tail_;
    if (tail_ < head_) ++tail_;
  }
}

size_t MsgLog::read(char* buf, size_t len) const {
  lock_.lock();
  size_t have = static_cast<size_t>(head_ - tail_);
  size_t n = have < len ? have : len;
  for (size_t i = 0; i < n; ++i) buf[i] = ring_[(tail_ + i) % cap_];
  lock_.unlock();
  return n;
}

size_t MsgLog::size() const {
  lock_.lock();
  size_t n = static_cast<size_t>(head_ - tail_);
  lock_.unlock();
  return n;
}

void MsgLog::clear() {
  lock_.lock();
  tail_ = head_;
  lock_.unlock();
}

}  // namespace rk::kern
