// The fsu program: one binary for every command, chosen by the name it is run as (fsu_ls,
// fsu_cat, ...) or by its first argument (fsu ls ...). Parses the tool's own options and the
// image, boots a rump kernel, mounts the image (mount.h) and runs the command inside it.
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"
#include "tools/fsu/mount.h"

namespace {

void usage(FILE* f) {
  std::fprintf(f, "Usage: fsu COMMAND [-t TYPE] [-o OPTIONS] [--sync] IMAGE[:N] [ARGS]...\n"
                  "   or: fsu_COMMAND [-t TYPE] [-o OPTIONS] [--sync] IMAGE[:N] [ARGS]...\n"
                  "Work on the files of a disk image without mounting it. Commands:\n ");
  for (const fsu::Command& c : fsu::commands()) std::fprintf(f, " %s", c.name);
  std::fprintf(f, "\n'fsu_COMMAND --help' describes each.\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string self = fsu::base_name(argc > 0 ? argv[0] : "fsu");
  fsu::Args rest(argv + (argc > 0 ? 1 : 0), argv + argc);
  std::string name;
  if (self.rfind("fsu_", 0) == 0) {
    name = self.substr(4);
  } else {
    if (rest.empty() || rest[0] == "--help") {
      usage(rest.empty() ? stderr : stdout);
      return rest.empty() ? 1 : 0;
    }
    name = rest[0];
    rest.erase(rest.begin());
  }
  fsu::Context ctx;
  ctx.prog = "fsu_" + name;
  const fsu::Command* cmd = fsu::find_command(name);
  if (!cmd) {
    ctx.prog = "fsu";
    return ctx.fail(name, "no such command (try fsu --help)");
  }
  ctx.progress = ::isatty(STDERR_FILENO);
  ctx.out_is_tty = ::isatty(STDOUT_FILENO);

  fsu::MountSpec spec;
  size_t i = 0;
  for (; i < rest.size(); ++i) {
    const std::string& a = rest[i];
    if (a == "--help") {
      fsu::print_help(ctx, *cmd);
      return 0;
    }
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--sync") {
      spec.sync = true;
      continue;
    }
    if (a.size() < 2 || a[0] != '-') break;
    if (a[1] == 't' || a[1] == 'o') {
      std::string v = a.substr(2);
      if (v.empty()) {
        if (i + 1 >= rest.size()) return ctx.fail(a, "needs an argument");
        v = rest[++i];
      }
      (a[1] == 't' ? spec.type : spec.options) = v;
      continue;
    }
    return ctx.fail(a, "unknown option (the command's options come after the image)");
  }
  if (i >= rest.size()) return ctx.fail("missing image operand (try --help)", "");
  std::string image_arg = rest[i++];
  fsu::Args args(rest.begin() + static_cast<long>(i), rest.end());
  for (const std::string& a : args) {
    if (a == "--") break;
    if (a == "--help") {
      fsu::print_help(ctx, *cmd);
      return 0;
    }
  }
  if (!fsu::parse_image_spec(image_arg, spec.image, spec.partition)) {
    return ctx.fail(image_arg, "bad partition number");
  }
  spec.read_only = cmd->read_only && cmd->read_only(args);
  ctx.image = image_arg;

  if (int err = rump_init()) return ctx.fail("cannot boot the rump kernel", err);
  // The kernel's warnings (a driver refusing the image) become the "why" of our one-line
  // message instead of lines of their own on stderr; RUMP_VERBOSE=1 shows them all.
  const char* verbose = std::getenv("RUMP_VERBOSE");
  if (!verbose || std::strcmp(verbose, "0") == 0) {
    constexpr int kSyslogConsoleOff = 6;
    rump_sys_syslog(kSyslogConsoleOff, nullptr, 0);
  }
  int status;
  {
    auto image = fsu::MountedImage::open(ctx, spec);
    if (!image) return 1;
    ctx.fstype = image->type();
    status = fsu::run_chrooted(ctx, fsu::kMountPoint, [&] { return cmd->run(ctx, args); });
    if (std::fflush(stdout) != 0 && status == 0) status = ctx.fail("write error", errno);
    if (int r = image->close(ctx); r && status == 0) status = r;
  }
  rump_kernel_destroy(rump_kernel_current());
  return status;
}
