// fsu_df: coreutils df's table for the image's file system (-h, -i, -T).
#include <rump/rump_syscalls.h>
#include <sys/statfs.h>

#include <algorithm>
#include <cerrno>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

std::string percent(uint64_t used, uint64_t avail) {
  uint64_t total = used + avail;
  if (total == 0) return "-";
  uint64_t pct = (used * 100 + total - 1) / total;  // rounded up, as df
  return std::to_string(pct) + "%";
}

}  // namespace

int cmd_df(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "hikT", {{"human-readable", 'h', false}, {"inodes", 'i', false},
                                      {"print-type", 'T', false}},
                  p)) {
    return 1;
  }
  bool human = p.has('h'), inodes = p.has('i'), type = p.has('T');
  std::vector<std::string> paths = p.operands;
  if (paths.empty()) paths.push_back("/");
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"Filesystem"});
  if (type) rows[0].push_back("Type");
  if (inodes) {
    rows[0].insert(rows[0].end(), {"Inodes", "IUsed", "IFree", "IUse%"});
  } else {
    rows[0].insert(rows[0].end(), {human ? "Size" : "1K-blocks", "Used", human ? "Avail" : "Available", "Use%"});
  }
  rows[0].push_back("Mounted on");
  int status = 0;
  for (const std::string& path : paths) {
    struct statfs sf;
    if (rump_sys_statfs(path.c_str(), &sf) < 0) {
      status = ctx.fail(path, errno);
      continue;
    }
    std::vector<std::string> r = {ctx.image.empty() ? "image" : ctx.image};
    if (type) {
      r.push_back(!ctx.fstype.empty() ? ctx.fstype
                  : sf.f_type == 0xEF53   ? "ext2"
                  : sf.f_type == 0x01021994 ? "tmpfs"
                                           : "?");
    }
    if (inodes) {
      uint64_t used = sf.f_files - sf.f_ffree;
      r.insert(r.end(), {std::to_string(sf.f_files), std::to_string(used), std::to_string(sf.f_ffree),
                         percent(used, sf.f_ffree)});
    } else {
      uint64_t bs = static_cast<uint64_t>(sf.f_frsize ? sf.f_frsize : sf.f_bsize);
      uint64_t total = sf.f_blocks * bs, used = (sf.f_blocks - sf.f_bfree) * bs, avail = sf.f_bavail * bs;
      auto show = [&](uint64_t v) { return human ? human_size(v) : std::to_string(kib_ceil(v)); };
      r.insert(r.end(), {show(total), show(used), show(avail), percent(used / bs, sf.f_bavail)});
    }
    r.push_back("/");
    rows.push_back(r);
  }
  // Minimum widths of coreutils: 14 for the name, 5 for numbers, 4 for Use%.
  size_t ncol = rows[0].size();
  std::vector<size_t> w(ncol, 5);
  w[0] = 14;
  w[ncol - 2] = 4;  // Use%
  for (const auto& r : rows) {
    for (size_t c = 0; c < ncol; ++c) w[c] = std::max(w[c], r[c].size());
  }
  for (const auto& r : rows) {
    for (size_t c = 0; c < ncol; ++c) {
      bool left = c == 0 || c + 1 == ncol || (type && c == 1);
      if (c + 1 == ncol) {
        std::fprintf(ctx.out, "%s\n", r[c].c_str());
      } else {
        std::fprintf(ctx.out, left ? "%-*s " : "%*s ", static_cast<int>(w[c]), r[c].c_str());
      }
    }
  }
  return status;
}

}  // namespace fsu
