// Benchmark 3: resident memory per additional kernel. N kernels are booted; the growth of the
// process's resident set, divided by N, is held to the 256 KiB budget. The kernels' own
// accounting (rump_kernel_memused) is printed beside it: the difference is what the host's
// allocator and page granularity add.
#include <string>
#include <vector>

#include "benchmarks.h"
#include "kernel_set.h"

namespace rk::bench {
namespace {

constexpr uint64_t kKernels = 200;

double kib_per_kernel(int64_t bytes) {
  return static_cast<double>(bytes) / 1024.0 / static_cast<double>(kKernels);
}

}  // namespace

void run_memory(Context& ctx) {
  const int reps = ctx.options.reps(5);
  std::vector<double> rss_booted;
  std::vector<double> rss_called;
  std::vector<double> kmem_booted;
  std::vector<double> kmem_called;
  std::vector<double> left_behind;
  {
    KernelSet warm;  // the allocator's first pages are not any kernel's
    if (int rv = warm.create(10); rv != 0) {
      ctx.report.error("RSS per kernel", describe_error("rump_kernel_create", rv));
      return;
    }
  }
  for (int r = 0; r < reps; ++r) {
    KernelSet set;
    trim_heap();
    auto rss0 = static_cast<int64_t>(resident_bytes());
    if (int rv = set.create(kKernels); rv != 0) {
      ctx.report.error("RSS per kernel", describe_error("rump_kernel_create", rv));
      return;
    }
    auto rss1 = static_cast<int64_t>(resident_bytes());
    kmem_booted.push_back(kib_per_kernel(static_cast<int64_t>(set.memused())));
    if (int rv = set.getpid_in_each(); rv != 0) {
      ctx.report.error("RSS per kernel", describe_error("rump_sys_getpid", rv));
      return;
    }
    auto rss2 = static_cast<int64_t>(resident_bytes());
    kmem_called.push_back(kib_per_kernel(static_cast<int64_t>(set.memused())));
    set.destroy_all();
    trim_heap();
    auto rss3 = static_cast<int64_t>(resident_bytes());
    rss_booted.push_back(kib_per_kernel(rss1 - rss0));
    rss_called.push_back(kib_per_kernel(rss2 - rss0));
    left_behind.push_back(static_cast<double>(rss3 - rss0) / 1024.0);
  }
  const Quantity budget{kKernelMemoryBudgetKiB, Unit::kKiB};
  const std::string n = std::to_string(kKernels);
  auto line = [&](const std::string& name, double kib, std::optional<double> target) {
    ctx.report.add({name, {kib, Unit::kKiB}, "budget", budget, kib / kKernelMemoryBudgetKiB,
                    target});
  };
  line("RSS per kernel (" + n + " booted)", median(rss_booted), 1.0);
  line("kmem per kernel (" + n + " booted)", median(kmem_booted), std::nullopt);
  line("RSS per kernel (+1 call each)", median(rss_called), std::nullopt);
  line("kmem per kernel (+1 call each)", median(kmem_called), std::nullopt);
  ctx.report.note("resident memory after destroying them all: " +
                  format({median(left_behind), Unit::kKiB}) + " above the start (medians of " +
                  std::to_string(reps) + " runs)");
}

}  // namespace rk::bench
