// rump.halt — halts the rump kernel at $RUMP_SERVER: its file systems are synced and
// unmounted, then the server exits.
#include <linux/reboot.h>
#include <unistd.h>

#include <ctime>

#include "rump_tool.h"
#include "sysproxy/url.h"

namespace {
constexpr const char* kProg = "rump.halt";
constexpr const char* kUsage =
    "Usage: rump.halt\n"
    "Halt the rump kernel at $RUMP_SERVER: file systems are synced and unmounted and the\n"
    "server exits. Returns once the server has stopped serving (at most 10 s later).\n"
    "\n"
    "      --help  display this help and exit\n";
}  // namespace

int main(int argc, char** argv) {
  rk::tools::handle_help(argc, argv, kUsage);
  if (argc > 1) rk::tools::bad_usage(kProg, "too many arguments");
  rk::tools::connect_or_die(kProg);
  if (rump_sys_reboot(static_cast<int>(LINUX_REBOOT_MAGIC1), LINUX_REBOOT_MAGIC2,
                      static_cast<int>(LINUX_REBOOT_CMD_HALT), nullptr) != 0)
    rk::tools::die(kProg, "reboot", strerror(errno));
  // The kernel is halted and synced; wait for the server to stop listening, so that a script
  // may start another one at the same address right away.
  rk::sysproxy::Endpoint ep;
  std::string why;
  if (!rk::sysproxy::parse_url(getenv("RUMP_SERVER"), &ep, &why)) return 0;
  for (int i = 0; i < 1000; ++i) {
    int fd;
    if (rk::sysproxy::connect_to(ep, &fd) != 0) return 0;
    close(fd);
    timespec ts{0, 10 * 1000 * 1000};
    nanosleep(&ts, nullptr);
  }
  rk::tools::die(kProg, "the kernel is halted but the server still listens", "timed out");
}
