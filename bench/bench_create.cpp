// Benchmark 1: booting and destroying a kernel, against starting and reaping a host process.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "benchmarks.h"
#include "rump/rump.h"

namespace rk::bench {

std::string describe_error(const char* what, int error) {
  return std::string(what) + ": " + std::strerror(error);
}

std::optional<KernelCost> measure_kernel_cost(Context& ctx, uint64_t n) {
  int64_t create_total = 0;
  int64_t destroy_total = 0;
  for (uint64_t i = 0; i < n; ++i) {
    rump_kernel* k = nullptr;
    int64_t t0 = now_ns();
    int rv = rump_kernel_create(nullptr, &k);
    int64_t t1 = now_ns();
    if (rv != 0) {
      ctx.report.error("create kernel", describe_error("rump_kernel_create", rv));
      return std::nullopt;
    }
    rump_kernel_destroy(k);
    create_total += t1 - t0;
    destroy_total += now_ns() - t1;
  }
  return KernelCost{static_cast<double>(create_total) / static_cast<double>(n),
                    static_cast<double>(destroy_total) / static_cast<double>(n)};
}

namespace {

// fork() + _exit(0) in the child + waitpid() in the parent, n times. false (errno set) if
// fork or waitpid fails.
bool fork_exit_wait(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) _exit(0);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) return false;
    }
  }
  return true;
}

}  // namespace

void run_create(Context& ctx) {
  const Options& opt = ctx.options;
  const int reps = opt.reps(9);
  const uint64_t nkernel = opt.iters(400);
  const uint64_t nfork = opt.iters(100);

  // Warm up: the first kernel pays for the allocator's first arena pages.
  if (!measure_kernel_cost(ctx, 20)) return;

  // Kernels and processes in alternation, each rep a batch of each.
  std::vector<double> kernel_samples;
  std::vector<double> create_samples;
  std::vector<double> destroy_samples;
  std::vector<double> fork_samples;
  for (int r = 0; r < reps; ++r) {
    std::optional<KernelCost> cost = measure_kernel_cost(ctx, nkernel);
    if (!cost) return;
    create_samples.push_back(cost->create_ns);
    destroy_samples.push_back(cost->destroy_ns);
    kernel_samples.push_back(cost->create_ns + cost->destroy_ns);
    int64_t t0 = now_ns();
    if (!fork_exit_wait(nfork)) {
      ctx.report.error("create+destroy kernel", describe_error("fork+waitpid", errno));
      return;
    }
    fork_samples.push_back(static_cast<double>(now_ns() - t0) / static_cast<double>(nfork));
  }
  KernelCost cost{median(create_samples), median(destroy_samples)};
  double kernel_ns = median(kernel_samples);
  double fork_ns = median(fork_samples);
  ctx.report.add({"create+destroy kernel", {kernel_ns, Unit::kNanos}, "fork+_exit+waitpid",
                  {fork_ns, Unit::kNanos}, kernel_ns / fork_ns, 0.25});
  ctx.report.note("of which create " + format({cost.create_ns, Unit::kNanos}) + ", destroy " +
                  format({cost.destroy_ns, Unit::kNanos}) + " (medians of " +
                  std::to_string(reps) + " runs of " + std::to_string(nkernel) + " kernels)");
}

}  // namespace rk::bench
