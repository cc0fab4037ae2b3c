// rump_bench: every benchmark of docs/PERFORMANCE.md in one program.
//
//   rump_bench [--quick] [--filter NAME] [--list]
//
// Prints one line per figure, each against a baseline measured in the same run, and a summary.
// Speed targets are reported, never asserted: the exit status is 0 unless a benchmark could not
// run (1), or the command line is wrong (2).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include "benchmarks.h"

#ifndef RK_BENCH_BUILD_TYPE
#define RK_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef RK_BENCH_COMPONENTS
#define RK_BENCH_COMPONENTS ""
#endif

namespace rk::bench {
namespace {

constexpr Benchmark kBenchmarks[] = {
    {"create", "create + destroy a kernel vs fork+_exit+waitpid", run_create},
    {"syscall", "rump_sys_getpid/getuid/clock_gettime vs host syscalls", run_syscall},
    {"memory", "resident memory per additional kernel (200 kernels)", run_memory},
    {"scaling", "1000 kernels in one process", run_scaling},
    {"contention", "getpid from 2 and 8 threads on a 2-CPU kernel vs the host", run_contention},
    {"vfs", "stat, small files, 256 MiB streaming in tmpfs vs the host's tmpfs", run_vfs},
    {"remote", "remote getpid/pwrite/stat (sysproxy) vs a unix-socket ping-pong", run_remote},
    {"fsu", "fsu_put/get of 1 GiB and fsu_ls -lR of 20,000 files vs debugfs, e2cp, cat", run_fsu},
    {"fuse", "rump_fuse vs fuse2fs on ext2: 512 MiB write and read, untar of 10,000 files", run_fuse},
};

bool selected(const Benchmark& b, const std::string& filter) {
  return filter.empty() || std::string_view(b.id).find(filter) != std::string_view::npos ||
         std::string_view(b.title).find(filter) != std::string_view::npos;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

void usage(FILE* out) {
  std::fprintf(out,
               "usage: rump_bench [--quick] [--filter NAME] [--list]\n"
               "Runs the rump kernel benchmarks; each figure is compared with a baseline\n"
               "measured in the same run. Targets are reported, not asserted.\n"
               "  --quick        fewer iterations (a smoke run; figures are rough)\n"
               "  --filter NAME  only benchmarks whose name contains NAME\n"
               "  --list         list the benchmarks and exit\n");
}

int fail_usage(const char* what, const char* why) {
  std::fprintf(stderr, "rump_bench: %s: %s\n", what, why);
  usage(stderr);
  return 2;
}

}  // namespace
}  // namespace rk::bench

int main(int argc, char** argv) {
  using namespace rk::bench;
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--filter") {
      if (i + 1 == argc) return fail_usage("--filter", "needs a benchmark name");
      options.filter = argv[++i];
    } else if (arg.rfind("--filter=", 0) == 0) {
      options.filter = std::string(arg.substr(std::strlen("--filter=")));
    } else if (arg == "--list") {
      for (const Benchmark& b : kBenchmarks) std::printf("%-12s %s\n", b.id, b.title);
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      return fail_usage(argv[i], "unknown option");
    }
  }
  bool any = false;
  for (const Benchmark& b : kBenchmarks) any |= selected(b, options.filter);
  if (!any) return fail_usage(options.filter.c_str(), "no benchmark has this name (see --list)");

  std::printf("rump_bench: %s build, %ld CPUs (%s)%s\n", RK_BENCH_BUILD_TYPE,
              sysconf(_SC_NPROCESSORS_ONLN), cpu_model().c_str(),
              options.quick ? ", quick run (figures are rough)" : "");
  std::printf("components linked: %s\n",
              *RK_BENCH_COMPONENTS != '\0' ? RK_BENCH_COMPONENTS : "none besides the core");
  if (double load = load_average(); load >= 0) {
    std::printf("load average %.2f before the run%s\n", load,
                load > 0.5 ? ": other work on this machine makes the figures noisier" : "");
  }
  if (std::strcmp(RK_BENCH_BUILD_TYPE, "Release") != 0)
    std::printf("warning: not a Release build; the figures are not representative\n");
  std::printf("ratio = cost measured / cost of the baseline (lower is better)\n\n");
  std::fflush(stdout);

  Report report;
  Context ctx{options, report};
  for (const Benchmark& b : kBenchmarks) {
    if (selected(b, options.filter)) b.run(ctx);
  }
  return report.finish();
}
