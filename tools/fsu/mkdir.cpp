// fsu_mkdir (-p, -m) and fsu_rmdir (-p).
#include <rump/rump_syscalls.h>
#include <sys/stat.h>

#include <cerrno>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

int make_parents(const Context& ctx, const std::string& path) {
  // Each missing ancestor gets 0777 less the umask, plus u+wx so that we can go on (as GNU).
  mode_t mask = rump_sys_umask(0);
  rump_sys_umask(mask);
  std::string cur;
  size_t pos = 0;
  if (!path.empty() && path[0] == '/') cur = "/", pos = 1;
  for (;;) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) return 0;
    std::string comp = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (comp.empty()) continue;
    cur = cur.empty() || cur == "/" ? cur + comp : cur + "/" + comp;
    struct stat st;
    if (rump_sys_stat(cur.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) return ctx.fail(cur, ENOTDIR);
      continue;
    }
    if (rump_sys_mkdir(cur.c_str(), 0777) < 0 && errno != EEXIST) return ctx.fail(cur, errno);
    if (mask & 0300) rump_sys_chmod(cur.c_str(), (0777 & ~mask) | 0300);
  }
}

}  // namespace

int cmd_mkdir(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "pm:v", {{"parents", 'p', false}, {"mode", 'm', true}, {"verbose", 'v', false}}, p)) return 1;
  if (p.operands.empty()) return ctx.fail("missing operand", "");
  bool parents = p.has('p');
  bool have_mode = p.has('m');
  mode_t mode = 0777;
  if (have_mode) {
    mode_t mask = rump_sys_umask(0);
    rump_sys_umask(mask);
    if (!parse_mode(p.value('m'), 0777 & ~mask, true, 0, mode)) return ctx.fail(p.value('m'), "invalid mode");
  }
  int status = 0;
  for (const std::string& d : p.operands) {
    if (parents && make_parents(ctx, d)) {
      status = 1;
      continue;
    }
    if (rump_sys_mkdir(d.c_str(), mode) < 0) {
      struct stat st;
      if (parents && errno == EEXIST && rump_sys_stat(d.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
      status = ctx.fail(d, errno);
      continue;
    }
    // -m is the mode itself, not subject to the umask (mkdir(1) does a chmod afterwards).
    if (have_mode && rump_sys_chmod(d.c_str(), mode) < 0) status = ctx.fail(d, errno);
    if (p.has('v')) std::fprintf(ctx.out, "%s: created directory '%s'\n", ctx.prog.c_str(), d.c_str());
  }
  return status;
}

int cmd_rmdir(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "p", {{"parents", 'p', false}}, p)) return 1;
  if (p.operands.empty()) return ctx.fail("missing operand", "");
  int status = 0;
  for (std::string d : p.operands) {
    if (rump_sys_rmdir(d.c_str()) < 0) {
      status = ctx.fail(d, errno);
      continue;
    }
    while (p.has('p')) {
      while (d.size() > 1 && d.back() == '/') d.pop_back();
      if (d.find('/') == std::string::npos) break;
      d = dir_name(d);
      if (d == "/" || d == ".") break;
      if (rump_sys_rmdir(d.c_str()) < 0) {
        status = ctx.fail(d, errno);
        break;
      }
    }
  }
  return status;
}

}  // namespace fsu
