// Helpers shared by the kernel core tests: a kernel that is destroyed with its scope, running
// a lambda inside a kernel, and waiting for things with a deadline instead of a fixed sleep.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>

#include "kern/entry.h"
#include "kern/hyp.h"
#include "kern/kernel.h"
#include "kern/params.h"

namespace rk::test {

using kern::BootParams;
using kern::Kernel;
using kern::KernelEntry;

struct KernelDeleter {
  void operator()(Kernel* k) const {
    if (k != nullptr) Kernel::destroy(k);
  }
};
// A kernel destroyed when it goes out of scope (from outside any KernelEntry).
using KernelPtr = std::unique_ptr<Kernel, KernelDeleter>;

// Boots a kernel on the POSIX host; nullptr (and a test failure) if it does not boot.
inline KernelPtr boot(const BootParams& params = {}) {
  Result<Kernel*> k = Kernel::create(*rumpuser_posix_ops(), params);
  if (!k.ok()) {
    ADD_FAILURE() << "Kernel::create failed: " << errno_name(k.error());
    return nullptr;
  }
  return KernelPtr(k.value());
}

inline KernelPtr boot(unsigned ncpu, uint64_t memlimit = 0) {
  BootParams p;
  p.ncpu = ncpu;
  p.memlimit = memlimit;
  return boot(p);
}

// Runs fn(Lwp&) inside kernel k (on one of its virtual CPUs) and returns what fn returns.
template <typename Fn>
auto in_kernel(Kernel& k, Fn&& fn) {
  KernelEntry e(k);
  if (e.lwp_or_null() == nullptr) {
    ADD_FAILURE() << "KernelEntry failed (no lwp)";
    std::abort();
  }
  return std::forward<Fn>(fn)(e.lwp());
}

// Polls pred() until it holds or `timeout` passes; true if it held. For waiting on another
// thread without guessing how long it takes (the machine may be loaded).
template <typename Pred>
bool wait_until(Pred&& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// Joins t, or aborts the test binary with a message when it does not end within `timeout`
// (a deadlock would otherwise hang until ctest's timeout).
inline void join_or_die(std::thread& t, const char* what,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread watchdog([done, what, timeout] {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done->load()) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::fprintf(stderr, "DEADLOCK: %s did not finish within %lld ms\n", what,
                     static_cast<long long>(timeout.count()));
        std::abort();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  t.join();
  done->store(true);
  watchdog.join();
}

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A Hyp on the POSIX host, for the functions that take one (parse_params, load_component).
inline kern::Hyp posix_hyp() { return kern::Hyp(*rumpuser_posix_ops()); }

}  // namespace rk::test
