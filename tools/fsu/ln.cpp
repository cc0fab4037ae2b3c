// fsu_ln (-s, -f) and fsu_mv (-f): names in the image.
#include <rump/rump_syscalls.h>
#include <sys/stat.h>

#include <cerrno>

#include "tools/fsu/args.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

bool is_dir(const std::string& p) {
  struct stat st;
  return rump_sys_stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

int cmd_ln(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "sfnv", {{"symbolic", 's', false}, {"force", 'f', false},
                                      {"verbose", 'v', false}},
                  p)) {
    return 1;
  }
  auto ops = p.operands;
  if (ops.empty()) return ctx.fail("missing file operand", "");
  std::string dest;
  std::vector<std::string> targets;
  bool into_dir = false;
  if (ops.size() == 1) {
    targets = ops;
    dest.assign(1, '.');  // not = ".": g++ 12 -O2 warns falsely (-Wrestrict, PR 105329)
    into_dir = true;
  } else {
    dest = ops.back();
    targets.assign(ops.begin(), ops.end() - 1);
    struct stat st;
    into_dir = !p.has('n') && rump_sys_stat(dest.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (targets.size() > 1 && !into_dir) return ctx.fail(dest, "target is not a directory");
  }
  int status = 0;
  for (const std::string& t : targets) {
    std::string name = into_dir ? join(dest, base_name(t)) : dest;
    if (p.has('f')) {
      struct stat st;
      if (rump_sys_lstat(name.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) rump_sys_unlink(name.c_str());
    }
    int r = p.has('s') ? rump_sys_symlink(t.c_str(), name.c_str()) : rump_sys_link(t.c_str(), name.c_str());
    if (r < 0) {
      status = ctx.fail(name, errno);
    } else if (p.has('v')) {
      std::fprintf(ctx.out, "'%s' -> '%s'\n", name.c_str(), t.c_str());
    }
  }
  return status;
}

int cmd_mv(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "fvT", {{"force", 'f', false}, {"verbose", 'v', false}}, p)) return 1;
  auto ops = p.operands;
  if (ops.size() < 2) return ctx.fail(ops.empty() ? "missing file operand" : "missing destination operand", "");
  std::string dest = ops.back();
  ops.pop_back();
  bool into_dir = !p.has('T') && is_dir(dest);
  if (ops.size() > 1 && !into_dir) return ctx.fail(dest, "target is not a directory");
  int status = 0;
  for (const std::string& s : ops) {
    std::string to = into_dir ? join(dest, base_name(s)) : dest;
    if (rump_sys_rename(s.c_str(), to.c_str()) < 0) {
      status = ctx.fail(s, errno);
    } else if (p.has('v')) {
      std::fprintf(ctx.out, "renamed '%s' -> '%s'\n", s.c_str(), to.c_str());
    }
  }
  return status;
}

}  // namespace fsu
