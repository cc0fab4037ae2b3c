// Benchmark 5 (information): 2 and 8 host threads (and 1, for reference) calling getpid at once
// in one kernel with two virtual CPUs, against the same threads calling the host's getpid. With
// more threads than virtual CPUs, threads wait for a CPU on the scheduler's host condition
// variable.
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks.h"
#include "rump/rump.h"
#include "rump/rump_syscalls.h"

namespace rk::bench {
namespace {

constexpr int kThreadCounts[] = {1, 2, 8};  // 1: the reference for how 2 and 8 scale
constexpr uint64_t kBatch = 64;  // calls between looks at the stop flag

// Aggregate calls per second of `threads` threads running fn for about `duration_ns`. Each
// thread first switches to `kernel` (if not null).
double ops_per_second(int threads, int64_t duration_ns, rump_kernel* kernel, long (*fn)()) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::vector<uint64_t> counts(static_cast<size_t>(threads), 0);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      if (kernel != nullptr) rump_kernel_switch(kernel);
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (uint64_t i = 0; i < kBatch; ++i) keep(fn());
        n += kBatch;
      }
      counts[static_cast<size_t>(t)] = n;
    });
  }
  while (ready.load() != threads) std::this_thread::yield();
  int64_t t0 = now_ns();
  go.store(true, std::memory_order_release);
  while (now_ns() - t0 < duration_ns) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop.store(true);
  int64_t elapsed = now_ns() - t0;
  for (std::thread& th : pool) th.join();
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  return static_cast<double>(total) * 1e9 / static_cast<double>(elapsed);
}

long rump_getpid() { return rump_sys_getpid(); }
long host_getpid() { return syscall(SYS_getpid); }

}  // namespace

void run_contention(Context& ctx) {
  // Many short windows, rump and host in alternation: the median shrugs off the windows that
  // other work on the machine disturbed.
  const int reps = ctx.options.reps(11);
  const int64_t duration_ns = ctx.options.quick ? 50'000'000 : 100'000'000;
  rump_kernel* k = nullptr;
  if (int rv = rump_kernel_create("ncpu=2", &k); rv != 0) {
    ctx.report.error("contention", describe_error("rump_kernel_create(\"ncpu=2\")", rv));
    return;
  }
  for (int threads : kThreadCounts) {
    std::vector<double> rump_rates;
    std::vector<double> host_rates;
    for (int r = 0; r < reps; ++r) {
      rump_rates.push_back(ops_per_second(threads, duration_ns, k, rump_getpid));
      host_rates.push_back(ops_per_second(threads, duration_ns, nullptr, host_getpid));
    }
    double rump_rate = median(rump_rates);
    double host_rate = median(host_rates);
    const std::string t = std::to_string(threads) + (threads == 1 ? " thread" : " threads");
    ctx.report.add({"getpid, " + t + ", ncpu=2", {rump_rate, Unit::kOpsPerSec},
                    "host getpid, " + t, {host_rate, Unit::kOpsPerSec},
                    host_rate / rump_rate, std::nullopt});
  }
  rump_kernel_destroy(k);
}

}  // namespace rk::bench
