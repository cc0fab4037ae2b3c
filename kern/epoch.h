// Epoch-based reclamation: lets readers walk shared structures without locks or reference
// counts (the path walk's fast path), while writers free what they unlinked only once no
// reader can still be looking at it — RCU's contract, in the small.
//
// A reader section runs on one virtual CPU from enter to exit and never blocks in between (no
// sleeping lock, no host call that waits): the CPU's slot says "a reader that began in epoch
// E is here". A writer unlinks an object, then retires it; it is freed when every CPU's slot
// is empty or shows an epoch later than the retirement. Freeing happens in batches, on the
// thread that retires, outside any lock of the epoch's.
//
// The kernel's halt runs everything still pending; afterwards retire frees at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "kern/kmem.h"
#include "kern/lock.h"

namespace rk::kern {

class Kernel;
class Lwp;
struct Cpu;

using RetireFn = void (*)(void* arg);

class Epoch {
 public:
  explicit Epoch(Kernel& k) : kernel_(k), lock_(k) {}
  // Offers what is pending to the allocator's reclaim (Kmem::register_reclaimer): under memory
  // pressure it waits for the readers and frees it.
  void init();
  Epoch(const Epoch&) = delete;
  Epoch& operator=(const Epoch&) = delete;

  // A read section on l's CPU. Nested sections are not supported.
  void enter(Lwp& l);
  void exit(Lwp& l);

  // Runs fn(arg) once no section that may have seen the object is left. Never fails: without
  // memory for the record it waits for the readers instead (they never block for long).
  void retire(RetireFn fn, void* arg) RK_EXCLUDES(lock_);
  // Gives `size` bytes of kernel memory at p back to the allocator the same way.
  void retire_free(void* p, size_t size) RK_EXCLUDES(lock_);

  // Waits until every reader now in a section has left, then runs everything retired before
  // (a test that counts memory, memory pressure). Must not be called inside a section.
  void synchronize() RK_EXCLUDES(lock_);

  // Runs everything pending now; the kernel is halting and nothing reads any more. From then on
  // retire runs its function at once.
  void drain() RK_EXCLUDES(lock_);

 private:
  struct Record {
    Record* next;
    RetireFn fn;  // nullptr: free `size` bytes at arg
    void* arg;
    size_t size;
    uint64_t epoch;
  };
  void run(Record& r);
  void add(Record* r, RetireFn fn, void* arg, size_t size) RK_EXCLUDES(lock_);
  // The oldest epoch some reader may still be in (UINT64_MAX: none reading). Called right after
  // a read-modify-write of global_ (the writer's side of the barrier).
  uint64_t oldest_reader() const;
  // Frees the records retired before the oldest reader's epoch.
  // Returns the bytes of memory it gave back (retire_free records).
  size_t collect() RK_EXCLUDES(lock_);

  Kernel& kernel_;
  std::atomic<uint64_t> global_{1};
  Mutex lock_;
  Record* pending_ RK_GUARDED_BY(lock_) = nullptr;
  uint32_t npending_ RK_GUARDED_BY(lock_) = 0;
  std::atomic<bool> halted_{false};
  Reclaimer reclaimer_;
};

// A read section for the scope of the object.
class EpochSection {
 public:
  EpochSection(Epoch& e, Lwp& l) : e_(e), l_(l) { e_.enter(l_); }
  ~EpochSection() { e_.exit(l_); }
  EpochSection(const EpochSection&) = delete;
  EpochSection& operator=(const EpochSection&) = delete;

 private:
  Epoch& e_;
  Lwp& l_;
};

}  // namespace rk::kern
