// fsu_rm: files, and with -r whole trees (-f: no complaint about missing files).
#include <rump/rump_syscalls.h>
#include <sys/stat.h>

#include <cerrno>

#include "tools/fsu/args.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

int remove_tree(const Context& ctx, KernelFs& fs, const std::string& path, bool verbose) {
  struct stat st;
  if (int err = fs.lstat(path, st)) return ctx.fail(path, err);
  if (S_ISDIR(st.st_mode)) {
    std::vector<DirEntry> entries;
    if (int err = fs.readdir(path, entries)) return ctx.fail(path, err);
    int failures = 0;
    for (const DirEntry& e : entries) failures += remove_tree(ctx, fs, join(path, e.name), verbose);
    if (failures) return failures;
    if (int err = fs.rmdir(path)) return ctx.fail(path, err);
  } else if (int err = fs.unlink(path)) {
    return ctx.fail(path, err);
  }
  if (verbose) std::fprintf(ctx.out, "removed '%s'\n", path.c_str());
  return 0;
}

}  // namespace

int cmd_rm(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "rRfdv", {{"recursive", 'r', false}, {"force", 'f', false},
                                       {"dir", 'd', false}, {"verbose", 'v', false}},
                  p)) {
    return 1;
  }
  bool recursive = p.has('r') || p.has('R'), force = p.has('f'), verbose = p.has('v');
  if (p.operands.empty()) return force ? 0 : ctx.fail("missing operand", "");
  KernelFs fs;
  int status = 0;
  for (const std::string& f : p.operands) {
    std::string b = base_name(f);
    if (b == "." || b == ".." || b == "/") {
      status = ctx.fail(f, "refusing to remove '.', '..' or '/'");
      continue;
    }
    struct stat st;
    if (int err = fs.lstat(f, st)) {
      if (!(force && err == ENOENT)) status = ctx.fail(f, err);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (recursive) {
        if (remove_tree(ctx, fs, f, verbose)) status = 1;
      } else if (p.has('d')) {
        if (int err = fs.rmdir(f)) status = ctx.fail(f, err);
      } else {
        status = ctx.fail(f, EISDIR);
      }
      continue;
    }
    if (int err = fs.unlink(f)) {
      status = ctx.fail(f, err);
    } else if (verbose) {
      std::fprintf(ctx.out, "removed '%s'\n", f.c_str());
    }
  }
  return status;
}

}  // namespace fsu
