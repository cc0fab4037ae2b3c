#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "benchmarks.h"

namespace rk::bench {

std::string bin_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<size_t>(n));
  return p.substr(0, p.rfind('/'));
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

bool have(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

double timed(const std::string& cmd) {
  int64_t t0 = now_ns();
  int rc = std::system(cmd.c_str());
  int64_t t1 = now_ns();
  return rc == 0 ? static_cast<double>(t1 - t0) : -1;
}

}  // namespace rk::bench
