// fsu_du: coreutils du (-a -s -c -h -b -k -d N), hard links counted once.
#include <sys/stat.h>

#include <set>
#include <utility>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

struct DuOptions {
  bool all = false, summarize = false, human = false, bytes = false;
  long max_depth = -1;
};

class Du {
 public:
  Du(Context& ctx, const DuOptions& o) : ctx_(ctx), o_(o) {}
  // The size below path (bytes, or 512-byte blocks times 512).
  uint64_t walk(const std::string& path, long depth, bool top);
  void print(uint64_t size, const std::string& path) {
    std::string s = o_.human ? human_size(size) : o_.bytes ? std::to_string(size) : std::to_string(kib_ceil(size));
    std::fprintf(ctx_.out, "%s\t%s\n", s.c_str(), path.c_str());
  }
  int status = 0;

 private:
  Context& ctx_;
  const DuOptions& o_;
  KernelFs fs_;
  std::set<std::pair<dev_t, ino_t>> seen_;
};

uint64_t Du::walk(const std::string& path, long depth, bool top) {
  struct stat st;
  if (int err = fs_.lstat(path, st)) {
    status = ctx_.fail(path, err);
    return 0;
  }
  if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && !seen_.insert({st.st_dev, st.st_ino}).second) return 0;
  uint64_t size = o_.bytes ? static_cast<uint64_t>(st.st_size) : static_cast<uint64_t>(st.st_blocks) * 512;
  bool shown = o_.max_depth < 0 || depth <= o_.max_depth;
  if (S_ISDIR(st.st_mode)) {
    std::vector<DirEntry> entries;
    if (int err = fs_.readdir(path, entries)) status = ctx_.fail(path, err);
    for (const DirEntry& e : entries) size += walk(join(path, e.name), depth + 1, false);
    if (shown && (!o_.summarize || top)) print(size, path);
  } else if (top || (o_.all && shown && !o_.summarize)) {
    print(size, path);
  }
  return size;
}

}  // namespace

int cmd_du(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "aschbkd:", {{"all", 'a', false}, {"summarize", 's', false},
                                          {"total", 'c', false}, {"human-readable", 'h', false},
                                          {"bytes", 'b', false}, {"max-depth", 'd', true},
                                          {"apparent-size", 'A', false}},
                  p)) {
    return 1;
  }
  DuOptions o;
  o.all = p.has('a');
  o.summarize = p.has('s');
  o.human = p.has('h');
  o.bytes = p.has('b') || p.has('A');
  if (p.has('d')) {
    try {
      o.max_depth = std::stol(p.value('d'));
    } catch (...) {
      return ctx.fail(p.value('d'), "invalid maximum depth");
    }
  }
  auto ops = p.operands;
  if (ops.empty()) ops.push_back(".");
  Du du(ctx, o);
  uint64_t total = 0;
  for (const std::string& op : ops) total += du.walk(op, 0, true);
  if (p.has('c')) du.print(total, "total");
  return du.status;
}

}  // namespace fsu
