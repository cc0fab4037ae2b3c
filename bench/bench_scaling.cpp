// Benchmark 4: a thousand kernels in one process. All are booted, each gets one system call
// (rump_kernel_switch + rump_sys_getpid), then all are destroyed. The target: it completes, and
// booting the thousandth kernel costs no more than twice booting one alone (benchmark 1).
#include <string>
#include <vector>

#include "benchmarks.h"
#include "kernel_set.h"

namespace rk::bench {
namespace {

constexpr uint64_t kKernels = 1000;

struct Run {
  double create_ns;   // per kernel
  double call_ns;     // per kernel: switch + first getpid there
  double destroy_ns;  // per kernel
  double total_ns;    // the whole run
  double rss_kib;     // per kernel, with all booted and called
};

}  // namespace

void run_scaling(Context& ctx) {
  const int reps = ctx.options.reps(5);
  const std::string name = std::to_string(kKernels) + " kernels: create";
  // The reference: one kernel at a time, as benchmark 1 measured it (again if it did not run).
  if (!ctx.kernel_cost && !measure_kernel_cost(ctx, ctx.options.reps(5), ctx.options.iters(400)))
    return;
  const KernelCost alone = *ctx.kernel_cost;

  std::vector<Run> runs;
  for (int r = 0; r < reps; ++r) {
    KernelSet set;
    trim_heap();
    auto rss0 = static_cast<int64_t>(resident_bytes());
    int64_t t0 = now_ns();
    if (int rv = set.create(kKernels); rv != 0) {
      ctx.report.error(name, describe_error(("kernel " + std::to_string(set.size() + 1) +
                                             ": rump_kernel_create").c_str(), rv));
      return;
    }
    int64_t t1 = now_ns();
    if (int rv = set.getpid_in_each(); rv != 0) {
      ctx.report.error(name, describe_error("rump_sys_getpid", rv));
      return;
    }
    int64_t t2 = now_ns();
    auto rss1 = static_cast<int64_t>(resident_bytes());
    set.destroy_all();
    int64_t t3 = now_ns();
    const auto per_kernel = [](int64_t ns) {
      return static_cast<double>(ns) / static_cast<double>(kKernels);
    };
    runs.push_back({per_kernel(t1 - t0), per_kernel(t2 - t1), per_kernel(t3 - t2),
                    static_cast<double>(t3 - t0),
                    static_cast<double>(rss1 - rss0) / 1024.0 / static_cast<double>(kKernels)});
  }
  auto med = [&](double Run::*field) {
    std::vector<double> v;
    for (const Run& run : runs) v.push_back(run.*field);
    return median(v);
  };
  const Quantity create_alone{alone.create_ns, Unit::kNanos};
  const std::string n = std::to_string(kKernels);
  ctx.report.add({name, {med(&Run::create_ns), Unit::kNanos}, "create one alone (bench 1)",
                  create_alone, med(&Run::create_ns) / alone.create_ns, 2.0});
  ctx.report.add({n + " kernels: switch+getpid", {med(&Run::call_ns), Unit::kNanos},
                  "create one alone (bench 1)", create_alone,
                  med(&Run::call_ns) / alone.create_ns, std::nullopt});
  ctx.report.add({n + " kernels: destroy", {med(&Run::destroy_ns), Unit::kNanos},
                  "destroy one alone (bench 1)", {alone.destroy_ns, Unit::kNanos},
                  med(&Run::destroy_ns) / alone.destroy_ns, std::nullopt});
  ctx.report.add({n + " kernels: RSS per kernel", {med(&Run::rss_kib), Unit::kKiB}, "budget",
                  {kKernelMemoryBudgetKiB, Unit::kKiB},
                  med(&Run::rss_kib) / kKernelMemoryBudgetKiB, std::nullopt});
  ctx.report.note("all " + n + " booted, called and destroyed in " +
                  format({med(&Run::total_ns), Unit::kNanos}) + " (median of " +
                  std::to_string(reps) + " runs); times above are per kernel");
}

}  // namespace rk::bench
