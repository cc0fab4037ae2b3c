// fsu_mkfifo and fsu_mknod (-m mode).
#include <rump/rump_syscalls.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstdlib>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

bool mode_option(const Context& ctx, const Parsed& p, mode_t& mode, bool& given) {
  given = p.has('m');
  mode = 0666;
  if (!given) return true;
  if (!parse_mode(p.value('m'), 0666, false, 0, mode)) {
    ctx.fail(p.value('m'), "invalid mode");
    return false;
  }
  return true;
}

int make(const Context& ctx, const std::string& path, mode_t type, mode_t mode, bool given, dev_t dev) {
  if (rump_sys_mknod(path.c_str(), type | mode, dev) < 0) return ctx.fail(path, errno);
  if (given && rump_sys_chmod(path.c_str(), mode) < 0) return ctx.fail(path, errno);
  return 0;
}

}  // namespace

int cmd_mkfifo(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "m:", {{"mode", 'm', true}}, p)) return 1;
  if (p.operands.empty()) return ctx.fail("missing operand", "");
  mode_t mode;
  bool given;
  if (!mode_option(ctx, p, mode, given)) return 1;
  int status = 0;
  for (const std::string& f : p.operands) {
    if (make(ctx, f, S_IFIFO, mode, given, 0)) status = 1;
  }
  return status;
}

int cmd_mknod(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "m:", {{"mode", 'm', true}}, p)) return 1;
  mode_t mode;
  bool given;
  if (!mode_option(ctx, p, mode, given)) return 1;
  const auto& o = p.operands;
  if (o.size() < 2) return ctx.fail("missing operand", "");
  const std::string& t = o[1];
  if (t == "p") {
    if (o.size() != 2) return ctx.fail(o[2], "fifos do not have major and minor device numbers");
    return make(ctx, o[0], S_IFIFO, mode, given, 0);
  }
  if (t != "b" && t != "c" && t != "u") return ctx.fail(t, "invalid device type");
  if (o.size() != 4) return ctx.fail("special files require major and minor device numbers", "");
  char* e1 = nullptr;
  char* e2 = nullptr;
  unsigned long maj = std::strtoul(o[2].c_str(), &e1, 0), min = std::strtoul(o[3].c_str(), &e2, 0);
  if (*e1 || *e2 || o[2].empty() || o[3].empty()) return ctx.fail(*e1 || o[2].empty() ? o[2] : o[3], "invalid device number");
  return make(ctx, o[0], t == "b" ? S_IFBLK : S_IFCHR, mode, given,
              makedev(static_cast<unsigned>(maj), static_cast<unsigned>(min)));
}

}  // namespace fsu
