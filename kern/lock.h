// Kernel locks: Mutex, RwLock and CondVar.
//
// They are words in kernel memory, not host objects: taking a free lock is one atomic
// operation, and constructing one cannot fail. A thread that must wait gives its virtual CPU
// back and sleeps on the kernel's sleep table (sleepq.h), so a lock holder that blocked is never
// kept from running. On a kernel with one virtual CPU only one thread runs kernel code at a
// time, and the locks skip the atomic read-modify-write on their fast paths (the uniprocessor
// path); which path is used is decided per kernel at boot.
//
// Every lock is a clang thread-safety capability: guarded data says RK_GUARDED_BY(lock_).
#pragma once

#include <atomic>
#include <cstdint>

#include "kern/lib/annotations.h"

namespace rk::kern {

class Kernel;
class Lwp;

class RK_CAPABILITY("mutex") Mutex {
 public:
  explicit Mutex(Kernel& kernel) : kernel_(&kernel) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  // May block (giving the CPU back). Not recursive: taking a mutex twice panics.
  void lock() RK_ACQUIRE();
  bool try_lock() RK_TRY_ACQUIRE(true);
  void unlock() RK_RELEASE();
  // True when the calling lwp holds it.
  bool held() const;
  void assert_held() const RK_ASSERT_CAPABILITY(this);

  Kernel& kernel() const { return *kernel_; }

 private:
  friend class CondVar;
  void lock_slow();

  Kernel* kernel_;  // the kernel this lock lives in; outlives it
  // 0: free; 1: held; 2: held, and someone may be asleep waiting for it.
  std::atomic<uint32_t> state_{0};
  std::atomic<const Lwp*> owner_{nullptr};  // for held() and the recursion check
};

class RK_CAPABILITY("rwlock") RwLock {
 public:
  explicit RwLock(Kernel& kernel) : kernel_(&kernel) {}
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  void lock() RK_ACQUIRE();  // exclusive; may block
  bool try_lock() RK_TRY_ACQUIRE(true);
  void unlock() RK_RELEASE();
  void lock_shared() RK_ACQUIRE_SHARED();  // may block; waiting writers go first
  bool try_lock_shared() RK_TRY_ACQUIRE_SHARED(true);
  void unlock_shared() RK_RELEASE_SHARED();
  bool write_held() const;

 private:
  static constexpr uint32_t kWriter = 1u << 31;
  static constexpr uint32_t kWaiters = 1u << 30;
  static constexpr uint32_t kWriterWanted = 1u << 29;
  static constexpr uint32_t kReaders = kWriterWanted - 1;

  void wait_for_change(uint32_t seen);
  void wake_if_waiters(uint32_t old);

  Kernel* kernel_;
  std::atomic<uint32_t> state_{0};
  std::atomic<const Lwp*> writer_{nullptr};
};

class CondVar {
 public:
  explicit CondVar(Kernel& kernel) : kernel_(&kernel) {}
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases m, sleeps until signalled, retakes m. Wakeups may be spurious: wait in a loop.
  void wait(Mutex& m) RK_REQUIRES(m);
  // As wait, but gives up at `deadline` (kernel monotonic nanoseconds). False on timeout.
  bool wait_until(Mutex& m, int64_t deadline_ns) RK_REQUIRES(m);
  bool wait_for(Mutex& m, int64_t timeout_ns) RK_REQUIRES(m);
  void signal();
  void broadcast();

 private:
  Kernel* kernel_;
  std::atomic<uint32_t> seq_{0};
  std::atomic<uint32_t> waiters_{0};
};

class RK_SCOPED_CAPABILITY MutexGuard {
 public:
  explicit MutexGuard(Mutex& m) RK_ACQUIRE(m) : m_(m) { m_.lock(); }
  ~MutexGuard() RK_RELEASE() { m_.unlock(); }
  MutexGuard(const MutexGuard&) = delete;
  MutexGuard& operator=(const MutexGuard&) = delete;

 private:
  Mutex& m_;
};

class RK_SCOPED_CAPABILITY ReadGuard {
 public:
  explicit ReadGuard(RwLock& l) RK_ACQUIRE_SHARED(l) : l_(l) { l_.lock_shared(); }
  ~ReadGuard() RK_RELEASE() { l_.unlock_shared(); }
  ReadGuard(const ReadGuard&) = delete;
  ReadGuard& operator=(const ReadGuard&) = delete;

 private:
  RwLock& l_;
};

class RK_SCOPED_CAPABILITY WriteGuard {
 public:
  explicit WriteGuard(RwLock& l) RK_ACQUIRE(l) : l_(l) { l_.lock(); }
  ~WriteGuard() RK_RELEASE() { l_.unlock(); }
  WriteGuard(const WriteGuard&) = delete;
  WriteGuard& operator=(const WriteGuard&) = delete;

 private:
  RwLock& l_;
};

}  // namespace rk::kern
