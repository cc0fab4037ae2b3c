// The benchmarks of rump_bench, one source file each, and what they share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "harness.h"

namespace rk::bench {

// Median cost of booting and of destroying one kernel with default parameters, one at a time:
// the create benchmark's figure, and the scaling benchmark's reference.
struct KernelCost {
  double create_ns;
  double destroy_ns;
};

struct Context {
  const Options& options;
  Report& report;
};

struct Benchmark {
  const char* id;     // for --filter
  const char* title;  // for --list
  void (*run)(Context&);
};

void run_create(Context& ctx);      // bench_create.cpp
void run_syscall(Context& ctx);     // bench_syscall.cpp
void run_memory(Context& ctx);      // bench_memory.cpp
void run_scaling(Context& ctx);     // bench_scaling.cpp
void run_contention(Context& ctx);  // bench_contention.cpp
void run_vfs(Context& ctx);         // bench_vfs.cpp
void run_remote(Context& ctx);      // bench_remote.cpp
void run_fsu(Context& ctx);         // bench_fsu.cpp
void run_fuse(Context& ctx);        // bench_fuse.cpp

// Creates and destroys `n` kernels in turn and returns the mean cost of each step; nullopt, with
// an error reported, if a kernel cannot be created.
std::optional<KernelCost> measure_kernel_cost(Context& ctx, uint64_t n);

// The budget every kernel's resident memory is held to (the target): 256 KiB.
inline constexpr double kKernelMemoryBudgetKiB = 256;

// "what failed: strerror(error)" for Report::error.
std::string describe_error(const char* what, int error);

// For the benchmarks that run programs (programs.cpp): the directory rump_bench runs from (the
// programs it measures are beside it, libraries in ../lib); a path in single quotes for the
// shell (our own temporary names: no quote inside); whether a program is on PATH; a shell
// command's wall time in nanoseconds, or -1 if it failed.
std::string bin_dir();
std::string quote(const std::string& s);
bool have(const std::string& program);
double timed(const std::string& cmd);

}  // namespace rk::bench
