// A small benchmark harness: options, timing with repetition, resident memory, and the
// one-line-per-benchmark report (docs/PERFORMANCE.md explains the format).
//
// Every figure is compared with a baseline measured in the same run (DESIGN.md §5). A ratio is
// always "cost of what we measure / cost of the baseline", so lower is better, whatever the
// unit: for a throughput the ratio is baseline rate / measured rate.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rk::bench {

struct Options {
  bool quick = false;   // a smoke run: fewer iterations and repetitions
  std::string filter;   // run only benchmarks whose id or title contains this; empty: all

  // Iteration counts for a full run, scaled down for a quick one.
  uint64_t iters(uint64_t full) const { return quick ? std::max<uint64_t>(full / 20, 1) : full; }
  int reps(int full) const { return quick ? std::min(full, 3) : full; }
};

// --- measuring --------------------------------------------------------------------------

// Nanoseconds on the host's monotonic clock.
int64_t now_ns();

// Median of a non-empty set of samples.
double median(std::vector<double> samples);

// Runs body(n) — which performs n operations — `reps` times and returns the median cost of one
// operation in nanoseconds.
template <typename Body>
double time_per_op(int reps, uint64_t n, Body&& body) {
  std::vector<double> samples;
  for (int r = 0; r < reps; ++r) {
    int64_t t0 = now_ns();
    body(n);
    samples.push_back(static_cast<double>(now_ns() - t0) / static_cast<double>(n));
  }
  return median(samples);
}

// Two candidates timed in alternation (a, b, a, b, ...), so that whatever else the machine does
// during the run weighs on both alike. Median nanoseconds per operation of each.
struct PairTiming {
  double a_ns;
  double b_ns;
};
template <typename A, typename B>
PairTiming time_pair(int reps, uint64_t na, A&& a, uint64_t nb, B&& b) {
  std::vector<double> sa;
  std::vector<double> sb;
  for (int r = 0; r < reps; ++r) {
    int64_t t0 = now_ns();
    a(na);
    int64_t t1 = now_ns();
    b(nb);
    int64_t t2 = now_ns();
    sa.push_back(static_cast<double>(t1 - t0) / static_cast<double>(na));
    sb.push_back(static_cast<double>(t2 - t1) / static_cast<double>(nb));
  }
  return {median(sa), median(sb)};
}

// Keeps a computed value alive so the compiler cannot drop the work that produced it.
template <typename T>
void keep(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// Resident memory of this process in bytes (Rss of /proc/self/smaps_rollup, which is exact;
// /proc/self/statm if that is missing). 0 if neither can be read.
uint64_t resident_bytes();

// Minor page faults this process has taken so far (first touches of fresh memory).
uint64_t minor_faults();

// The host's 1-minute load average, or -1 if unknown. A busy host makes every figure noisier.
double load_average();

// Returns the allocator's free memory to the host, so that a following resident-memory
// difference counts what new allocations touch rather than what old ones left behind.
void trim_heap();

// --- reporting --------------------------------------------------------------------------

enum class Unit { kNanos, kKiB, kOpsPerSec, kMBPerSec };

struct Quantity {
  double value;
  Unit unit;
};
std::string format(Quantity q);

// One line of the report: a measured figure against its baseline.
struct Line {
  std::string name;
  Quantity measured;
  std::string baseline_name;
  Quantity baseline;
  double ratio;                  // cost of measured / cost of baseline: lower is better
  std::optional<double> target;  // PASS when ratio <= target; nullopt: information only
};

class Report {
 public:
  // Prints the line at once (a long run shows progress).
  void add(const Line& line);
  // An indented line of detail under the previous one.
  void note(std::string_view text);
  // A benchmark that could not run: what it tried and why it failed.
  void error(std::string_view name, std::string_view why);
  // Prints the summary. Returns the exit status: 0, or 1 if a benchmark could not run.
  int finish() const;

 private:
  int pass_ = 0;
  int miss_ = 0;
  int info_ = 0;
  std::vector<std::string> misses_;
  std::vector<std::string> errors_;
};

}  // namespace rk::bench
