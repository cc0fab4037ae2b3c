#include "harness.h"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace rk::bench {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double median(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

namespace {

uint64_t rss_from_smaps_rollup() {
  FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) return 0;
  char line[256];
  uint64_t kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "Rss: %" SCNu64 " kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib * 1024;
}

uint64_t rss_from_statm() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  uint64_t size = 0;
  uint64_t resident = 0;
  int n = std::fscanf(f, "%" SCNu64 " %" SCNu64, &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace

uint64_t resident_bytes() {
  uint64_t rss = rss_from_smaps_rollup();
  return rss != 0 ? rss : rss_from_statm();
}

uint64_t minor_faults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_minflt);
}

double load_average() {
  double load = -1;
  return getloadavg(&load, 1) == 1 ? load : -1;
}

void trim_heap() { malloc_trim(0); }

std::string format(Quantity q) {
  char buf[32];
  double v = q.value;
  switch (q.unit) {
    case Unit::kNanos:
      if (v < 1e3) std::snprintf(buf, sizeof buf, "%.1f ns", v);
      else if (v < 1e6) std::snprintf(buf, sizeof buf, "%.1f us", v / 1e3);
      else if (v < 1e9) std::snprintf(buf, sizeof buf, "%.1f ms", v / 1e6);
      else std::snprintf(buf, sizeof buf, "%.2f s", v / 1e9);
      break;
    case Unit::kKiB:
      std::snprintf(buf, sizeof buf, "%.1f KiB", v);
      break;
    case Unit::kOpsPerSec:
      std::snprintf(buf, sizeof buf, "%.2f Mops/s", v / 1e6);
      break;
    case Unit::kMBPerSec:  // decimal megabytes, as cp, dd and disks count them
      std::snprintf(buf, sizeof buf, "%.0f MB/s", v / 1e6);
      break;
  }
  return buf;
}

void Report::add(const Line& line) {
  char verdict[48];
  if (!line.target) {
    std::snprintf(verdict, sizeof verdict, "(info)");
    ++info_;
  } else {
    bool pass = line.ratio <= *line.target;
    std::snprintf(verdict, sizeof verdict, "(target <= %g)  %s", *line.target,
                  pass ? "PASS" : "MISS");
    if (pass) {
      ++pass_;
    } else {
      ++miss_;
      char why[160];
      std::snprintf(why, sizeof why, "%s: ratio %.3f > %g", line.name.c_str(), line.ratio,
                    *line.target);
      misses_.emplace_back(why);
    }
  }
  std::printf("%-30s %12s   baseline %-26s %12s   ratio %7.3f  %s\n", line.name.c_str(),
              format(line.measured).c_str(), line.baseline_name.c_str(),
              format(line.baseline).c_str(), line.ratio, verdict);
  std::fflush(stdout);
}

void Report::note(std::string_view text) {
  std::printf("    %.*s\n", static_cast<int>(text.size()), text.data());
  std::fflush(stdout);
}

void Report::error(std::string_view name, std::string_view why) {
  std::printf("%-30.*s ERROR: %.*s\n", static_cast<int>(name.size()), name.data(),
              static_cast<int>(why.size()), why.data());
  std::fflush(stdout);
  errors_.emplace_back(std::string(name) + ": " + std::string(why));
}

int Report::finish() const {
  std::printf("\nsummary: %d with a target: %d PASS, %d MISS; %d for information; %zu could not "
              "run\n",
              pass_ + miss_, pass_, miss_, info_, errors_.size());
  for (const std::string& m : misses_) std::printf("  MISS   %s\n", m.c_str());
  for (const std::string& e : errors_) std::printf("  ERROR  %s\n", e.c_str());
  std::fflush(stdout);
  return errors_.empty() ? 0 : 1;
}

}  // namespace rk::bench
