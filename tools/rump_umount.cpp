// rump.umount — unmounts a file system in the rump kernel at $RUMP_SERVER, as umount(8).
#include <sys/mount.h>
#include <unistd.h>

#include "rump_tool.h"

namespace {
constexpr const char* kProg = "rump.umount";
constexpr const char* kUsage =
    "Usage: rump.umount [-f] [-l] target...\n"
    "Unmount the file systems mounted on each target in the rump kernel at $RUMP_SERVER.\n"
    "\n"
    "  -f          force (MNT_FORCE)\n"
    "  -l          detach now even if busy (MNT_DETACH)\n"
    "      --help  display this help and exit\n";
}  // namespace

int main(int argc, char** argv) {
  rk::tools::handle_help(argc, argv, kUsage);
  int flags = 0;
  int c;
  while ((c = getopt(argc, argv, "fl")) != -1) {
    switch (c) {
      case 'f': flags |= MNT_FORCE; break;
      case 'l': flags |= MNT_DETACH; break;
      default: rk::tools::bad_usage(kProg, "unknown option");
    }
  }
  if (optind == argc) rk::tools::bad_usage(kProg, "missing target");
  rk::tools::connect_or_die(kProg);
  int status = 0;
  for (int i = optind; i < argc; ++i) {
    if (rump_sys_umount2(argv[i], flags) != 0) {
      fprintf(stderr, "%s: %s: %s\n", kProg, argv[i], strerror(errno));
      status = 1;
    }
  }
  return status;
}
