// Benchmark 4: a thousand kernels in one process. All are booted, each gets one system call
// (rump_kernel_switch + rump_sys_getpid), then all are destroyed. The target is that it
// completes (an error line otherwise); the per-kernel costs against booting one alone (measured
// as benchmark 1 does, before each run) are information: with a thousand alive, each boot
// touches fresh pages, which this virtual machine makes expensive.
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "benchmarks.h"
#include "kernel_set.h"

namespace rk::bench {
namespace {

constexpr uint64_t kKernels = 1000;

// One run; all figures per kernel.
struct Run {
  double create_ns;
  double call_ns;  // switch + the first getpid there (which gives the kernel an lwp)
  double destroy_ns;
  double total_ns;  // the whole run, not per kernel
  double rss_kib;   // with all booted and called
  double faults;    // minor page faults while booting
};

double per_kernel(double x) { return x / static_cast<double>(kKernels); }

// Boots, calls and destroys kKernels kernels on a trimmed heap. Returns 0 or an errno, with
// *what naming the call that failed.
int run_once(Run& run, const char** what) {
  KernelSet set;
  trim_heap();
  const auto rss0 = static_cast<double>(resident_bytes());
  const auto faults0 = static_cast<double>(minor_faults());
  const int64_t t0 = now_ns();
  *what = "rump_kernel_create";
  if (int rv = set.create(kKernels); rv != 0) return rv;
  const int64_t t1 = now_ns();
  const auto faults1 = static_cast<double>(minor_faults());
  *what = "rump_sys_getpid";
  if (int rv = set.getpid_in_each(); rv != 0) return rv;
  const int64_t t2 = now_ns();
  const auto rss1 = static_cast<double>(resident_bytes());
  set.destroy_all();
  const int64_t t3 = now_ns();
  run = {per_kernel(static_cast<double>(t1 - t0)), per_kernel(static_cast<double>(t2 - t1)),
         per_kernel(static_cast<double>(t3 - t2)), static_cast<double>(t3 - t0),
         per_kernel((rss1 - rss0) / 1024.0),      per_kernel(faults1 - faults0)};
  return 0;
}

// Per-kernel create time on the heap a previous set of kernels freed (no page faults); 0 if a
// kernel could not be booted.
double create_on_recycled_heap() {
  KernelSet set;
  if (set.create(kKernels) != 0) return 0;
  set.destroy_all();
  int64_t t0 = now_ns();
  if (set.create(kKernels) != 0) return 0;
  return per_kernel(static_cast<double>(now_ns() - t0));
}

}  // namespace

void run_scaling(Context& ctx) {
  const Options& opt = ctx.options;
  const std::string n = std::to_string(kKernels);
  const std::string name = n + " kernels: create";
  const double host_getpid_ns = time_per_op(opt.reps(5), opt.iters(20000), [](uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) keep(syscall(SYS_getpid));
  });

  // Each run is preceded by its reference, one kernel at a time as benchmark 1 measures it, so
  // that a change in the machine's load weighs on both. The heap is trimmed first: on the
  // leftovers of a thousand kernels even one kernel boots slower than in benchmark 1.
  std::vector<Run> runs;
  std::vector<double> alone_create;
  std::vector<double> alone_destroy;
  for (int r = 0; r < opt.reps(5); ++r) {
    trim_heap();
    if (!measure_kernel_cost(ctx, 20)) return;  // warm up, as benchmark 1 does
    std::optional<KernelCost> alone = measure_kernel_cost(ctx, opt.iters(200));
    if (!alone) return;
    alone_create.push_back(alone->create_ns);
    alone_destroy.push_back(alone->destroy_ns);
    Run run{};
    const char* what = "";
    if (int rv = run_once(run, &what); rv != 0) {
      ctx.report.error(name, describe_error(what, rv));
      return;
    }
    runs.push_back(run);
  }
  const double recycled_ns = create_on_recycled_heap();

  auto med = [&](double Run::*field) {
    std::vector<double> v;
    for (const Run& run : runs) v.push_back(run.*field);
    return median(v);
  };
  const double create_ns = med(&Run::create_ns);
  const double alone_create_ns = median(alone_create);
  const double alone_destroy_ns = median(alone_destroy);
  ctx.report.add({name, {create_ns, Unit::kNanos}, "create one alone (as bench 1)",
                  {alone_create_ns, Unit::kNanos}, create_ns / alone_create_ns, std::nullopt});
  ctx.report.add({n + " kernels: switch+getpid", {med(&Run::call_ns), Unit::kNanos},
                  "syscall(SYS_getpid)", {host_getpid_ns, Unit::kNanos},
                  med(&Run::call_ns) / host_getpid_ns, std::nullopt});
  ctx.report.add({n + " kernels: destroy", {med(&Run::destroy_ns), Unit::kNanos},
                  "destroy one alone (as bench 1)", {alone_destroy_ns, Unit::kNanos},
                  med(&Run::destroy_ns) / alone_destroy_ns, std::nullopt});
  ctx.report.add({n + " kernels: RSS per kernel", {med(&Run::rss_kib), Unit::kKiB}, "budget",
                  {kKernelMemoryBudgetKiB, Unit::kKiB},
                  med(&Run::rss_kib) / kKernelMemoryBudgetKiB, std::nullopt});

  char detail[200];
  std::snprintf(detail, sizeof detail,
                "all %s booted, called and destroyed in %s (median of %zu runs); "
                "times above are per kernel",
                n.c_str(), format({med(&Run::total_ns), Unit::kNanos}).c_str(), runs.size());
  ctx.report.note(detail);
  std::snprintf(detail, sizeof detail,
                "booting took %.2f minor page faults per kernel; on recycled heap memory "
                "(no faults) create is %s, ratio %.3f",
                med(&Run::faults), format({recycled_ns, Unit::kNanos}).c_str(),
                recycled_ns / alone_create_ns);
  ctx.report.note(detail);
}

}  // namespace rk::bench
