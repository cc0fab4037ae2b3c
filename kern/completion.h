// Completion: one thread waits in the kernel until something outside it says "done" — the
// host's completion of a block transfer, on a host thread that is not in the kernel and so
// cannot take kernel locks. complete() only stores and wakes, so it is safe from any thread;
// wait() gives the virtual CPU back while it sleeps.
#pragma once

#include <atomic>
#include <cstdint>

namespace rk::kern {

class Kernel;

class Completion {
 public:
  explicit Completion(Kernel& k) : kernel_(&k) {}
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;

  // Any thread, once per wait. The waiter may return (and free the Completion) as soon as the
  // store is visible: nothing here touches the object after it, beyond hashing its address.
  void complete();
  // Sleeps until complete() has been called. Returns at once if it already was.
  void wait();
  bool done() const { return state_.load(std::memory_order_acquire) != 0; }
  void reset() { state_.store(0, std::memory_order_relaxed); }

 private:
  Kernel* kernel_;
  std::atomic<uint32_t> state_{0};
};

}  // namespace rk::kern
