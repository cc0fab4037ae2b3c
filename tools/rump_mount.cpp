// rump.mount — mounts a file system in the rump kernel at $RUMP_SERVER, as mount(8).
#include <sys/mount.h>
#include <unistd.h>

#include <string>

#include "rump_tool.h"

namespace {
constexpr const char* kProg = "rump.mount";
constexpr const char* kUsage =
    "Usage: rump.mount -t type [-r] [-o options] source target\n"
    "Mount a file system of the given type on target in the rump kernel at $RUMP_SERVER.\n"
    "source is a device in the kernel (\"/dev/xvda\", e.g. from rump_server -d), or anything\n"
    "for file systems that need none (\"tmpfs\").\n"
    "\n"
    "  -t type     file system type (tmpfs, ext2, ...)\n"
    "  -r          read-only (as -o ro)\n"
    "  -o options  comma-separated: ro, rw, nosuid, nodev, noexec, remount are mount flags;\n"
    "              the others go to the file system (\"size=64m,mode=0755\")\n"
    "      --help  display this help and exit\n";

struct Flag {
  const char* name;
  unsigned long set;
  unsigned long clear;
};
constexpr Flag kFlags[] = {
    {"ro", MS_RDONLY, 0},       {"rw", 0, MS_RDONLY},     {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},     {"nodev", MS_NODEV, 0},   {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},   {"exec", 0, MS_NOEXEC},   {"remount", MS_REMOUNT, 0},
    {"defaults", 0, 0},
};

void parse_options(const std::string& opts, unsigned long* flags, std::string* data) {
  size_t at = 0;
  while (at <= opts.size()) {
    size_t comma = opts.find(',', at);
    std::string o = opts.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    at = comma == std::string::npos ? opts.size() + 1 : comma + 1;
    if (o.empty()) continue;
    bool known = false;
    for (const Flag& f : kFlags) {
      if (o == f.name) {
        *flags = (*flags | f.set) & ~f.clear;
        known = true;
      }
    }
    if (!known) {
      if (!data->empty()) *data += ',';
      *data += o;
    }
  }
}
}  // namespace

int main(int argc, char** argv) {
  rk::tools::handle_help(argc, argv, kUsage);
  const char* type = nullptr;
  unsigned long flags = 0;
  std::string data;
  int c;
  while ((c = getopt(argc, argv, "t:o:r")) != -1) {
    switch (c) {
      case 't': type = optarg; break;
      case 'o': parse_options(optarg, &flags, &data); break;
      case 'r': flags |= MS_RDONLY; break;
      default: rk::tools::bad_usage(kProg, "unknown option");
    }
  }
  if (type == nullptr) rk::tools::bad_usage(kProg, "missing -t type");
  if (argc - optind != 2) rk::tools::bad_usage(kProg, "expected source and target");
  const char* source = argv[optind];
  const char* target = argv[optind + 1];
  rk::tools::connect_or_die(kProg);
  if (rump_sys_mount(source, target, type, flags, data.empty() ? nullptr : data.c_str()) != 0)
    rk::tools::die(kProg, target, strerror(errno));
  return 0;
}
