// rump.dmesg — prints the message log of the rump kernel at $RUMP_SERVER, as dmesg(1).
#include <unistd.h>

#include <vector>

#include "rump_tool.h"

namespace {
constexpr const char* kProg = "rump.dmesg";
constexpr const char* kUsage =
    "Usage: rump.dmesg [-c]\n"
    "Print the message log of the rump kernel at $RUMP_SERVER.\n"
    "\n"
    "  -c          clear the log after printing it\n"
    "      --help  display this help and exit\n";
// syslog(2) actions.
constexpr int kReadAll = 3, kReadClear = 4, kSizeBuffer = 10;
}  // namespace

int main(int argc, char** argv) {
  rk::tools::handle_help(argc, argv, kUsage);
  bool clear = false;
  int c;
  while ((c = getopt(argc, argv, "c")) != -1) {
    if (c == 'c') clear = true;
    else rk::tools::bad_usage(kProg, "unknown option");
  }
  if (optind != argc) rk::tools::bad_usage(kProg, "too many arguments");
  rk::tools::connect_or_die(kProg);
  int size = rump_sys_syslog(kSizeBuffer, nullptr, 0);
  if (size < 0) rk::tools::die(kProg, "syslog", strerror(errno));
  std::vector<char> buf(static_cast<size_t>(size) + 1);
  int n = rump_sys_syslog(clear ? kReadClear : kReadAll, buf.data(), size);
  if (n < 0) rk::tools::die(kProg, "syslog", strerror(errno));
  if (fwrite(buf.data(), 1, static_cast<size_t>(n), stdout) != static_cast<size_t>(n) ||
      fflush(stdout) != 0)
    rk::tools::die(kProg, "write error", strerror(errno));
  return 0;
}
