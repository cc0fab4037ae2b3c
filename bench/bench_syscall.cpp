// Benchmark 2: the cost of a system call into the default kernel, against the same call made to
// the host kernel with syscall(2) (a real trap: the vDSO is not used for the baseline).
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "benchmarks.h"
#include "rump/rump.h"
#include "rump/rump_syscalls.h"

namespace rk::bench {
namespace {

struct Call {
  const char* name;
  const char* baseline;
  std::optional<double> target;
  long (*rump)();
  long (*host)();
};

long rump_getpid() { return rump_sys_getpid(); }
long host_getpid() { return syscall(SYS_getpid); }
long rump_getuid() { return rump_sys_getuid(); }
long host_getuid() { return syscall(SYS_getuid); }
long rump_clock_monotonic() {
  timespec ts{};
  rump_sys_clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_nsec;
}
long host_clock_monotonic() {
  timespec ts{};
  syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
  return ts.tv_nsec;
}

constexpr Call kCalls[] = {
    {"rump_sys_getpid", "syscall(SYS_getpid)", 0.25, rump_getpid, host_getpid},
    {"rump_sys_getuid", "syscall(SYS_getuid)", std::nullopt, rump_getuid, host_getuid},
    {"rump_sys_clock_gettime(MONO)", "syscall(SYS_clock_gettime)", std::nullopt,
     rump_clock_monotonic, host_clock_monotonic},
};

// Calls fn n times.
auto loop(long (*fn)()) {
  return [fn](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) keep(fn());
  };
}

}  // namespace

void run_syscall(Context& ctx) {
  const Options& opt = ctx.options;
  if (int rv = rump_init(); rv != 0) {
    ctx.report.error("rump_sys_getpid", describe_error("rump_init", rv));
    return;
  }
  rump_kernel_switch(nullptr);  // the default kernel
  if (rump_sys_getpid() < 0) {
    ctx.report.error("rump_sys_getpid", describe_error("rump_sys_getpid", errno));
    return;
  }
  // Many short runs: the median shrugs off the runs that other work on the machine disturbed.
  const int reps = opt.reps(21);
  const uint64_t n = opt.iters(100000);
  for (const Call& c : kCalls) {
    loop(c.rump)(n / 10);  // warm up caches and the kernel's spare lwp
    PairTiming t = time_pair(reps, n, loop(c.rump), n, loop(c.host));
    ctx.report.add({c.name, {t.a_ns, Unit::kNanos}, c.baseline, {t.b_ns, Unit::kNanos},
                    t.a_ns / t.b_ns, c.target});
  }
}

}  // namespace rk::bench
