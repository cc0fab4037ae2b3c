// fsu_diff: diff(1) of two files or (-r) trees of the image, in the normal, the unified (-u) or
// the context (-c) format, or only whether they differ (-q). Myers' O(ND) algorithm.
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

struct Text {
  std::vector<std::string> lines;
  bool final_newline = true;
  bool binary = false;
};

struct Opts {
  bool brief = false, unified = false, context = false, recursive = false;
  std::string flags;  // for "diff -r" lines
};

int read_text(KernelFs& fs, const std::string& path, Text& t) {
  int fd;
  if (int err = fs.open(path, O_RDONLY, 0, fd)) return err;
  std::string data;
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = fs.read(fd, buf.data(), buf.size());
    if (n < 0) {
      fs.close(fd);
      return static_cast<int>(-n);
    }
    if (n == 0) break;
    data.append(buf.data(), static_cast<size_t>(n));
  }
  fs.close(fd);
  t.binary = data.find('\0') != std::string::npos;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) {
      t.lines.push_back(data.substr(pos));
      t.final_newline = false;
      break;
    }
    t.lines.push_back(data.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return 0;
}

// A change: lines [a0, a1) of A replaced by [b0, b1) of B.
struct Change {
  size_t a0, a1, b0, b1;
};

std::vector<Change> compute(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
  long n = static_cast<long>(a.size() - pre - suf), m = static_cast<long>(b.size() - pre - suf);
  auto A = [&](long i) -> const std::string& { return a[pre + static_cast<size_t>(i)]; };
  auto B = [&](long j) -> const std::string& { return b[pre + static_cast<size_t>(j)]; };
  long max = n + m;
  std::vector<long> v(static_cast<size_t>(2 * max + 3), 0);
  long off = max + 1;
  std::vector<std::vector<long>> trace;
  long dfound = 0;
  for (long d = 0; d <= max; ++d) {
    trace.emplace_back(v.begin() + (off - d), v.begin() + (off + d + 1));
    bool done = false;
    for (long k = -d; k <= d; k += 2) {
      long x = (k == -d || (k != d && v[off + k - 1] < v[off + k + 1])) ? v[off + k + 1] : v[off + k - 1] + 1;
      long y = x - k;
      while (x < n && y < m && A(x) == B(y)) ++x, ++y;
      v[off + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
    if (done) {
      dfound = d;
      break;
    }
  }
  // Walk back, collecting the edits as (is_insert, index) from the end.
  std::vector<std::pair<bool, long>> edits;
  long x = n, y = m;
  for (long d = dfound; d > 0; --d) {
    const std::vector<long>& t = trace[static_cast<size_t>(d)];
    auto at = [&](long k) { return t[static_cast<size_t>(k + d)]; };
    long k = x - y;
    long pk = (k == -d || (k != d && at(k - 1) < at(k + 1))) ? k + 1 : k - 1;
    long px = at(pk), py = px - pk;
    while (x > px && y > py) --x, --y;
    if (x == px) edits.emplace_back(true, py);  // B[py] inserted
    else edits.emplace_back(false, px);         // A[px] deleted
    x = px;
    y = py;
  }
  std::reverse(edits.begin(), edits.end());
  // Group into changes: walk both sequences with the edits in order.
  std::vector<Change> out;
  long i = 0, j = 0;
  size_t e = 0;
  while (e < edits.size()) {
    // Advance over equal lines up to the next edit.
    long ti = edits[e].first ? -1 : edits[e].second, tj = edits[e].first ? edits[e].second : -1;
    while ((ti >= 0 && i < ti) || (tj >= 0 && j < tj)) ++i, ++j;
    Change c{pre + static_cast<size_t>(i), 0, pre + static_cast<size_t>(j), 0};
    while (e < edits.size() && ((edits[e].first && edits[e].second == j) || (!edits[e].first && edits[e].second == i))) {
      if (edits[e].first) ++j;
      else ++i;
      ++e;
    }
    c.a1 = pre + static_cast<size_t>(i);
    c.b1 = pre + static_cast<size_t>(j);
    out.push_back(c);
  }
  return out;
}

std::string range(size_t s, size_t e) {  // 1-based inclusive of [s, e)
  if (e - s <= 1) return std::to_string(e - s == 1 ? s + 1 : s);
  return std::to_string(s + 1) + "," + std::to_string(e);
}

void line(FILE* out, const char* prefix, const Text& t, size_t i) {
  std::fprintf(out, "%s%s\n", prefix, t.lines[i].c_str());
  if (i + 1 == t.lines.size() && !t.final_newline) std::fputs("\\ No newline at end of file\n", out);
}

std::string unified_range(size_t s, size_t len) {
  if (len == 1) return std::to_string(s + 1);
  return std::to_string(len == 0 ? s : s + 1) + "," + std::to_string(len);
}

class Differ {
 public:
  Differ(Context& ctx, const Opts& o) : ctx_(ctx), o_(o) {}

  // 0 same, 1 different, 2 trouble.
  int files(const std::string& p1, const std::string& p2, bool announce) {
    Text a, b;
    if (int err = read_text(fs_, p1, a)) return trouble(p1, err);
    if (int err = read_text(fs_, p2, b)) return trouble(p2, err);
    bool same = a.lines == b.lines && a.final_newline == b.final_newline;
    if (same) return 0;
    if (o_.brief || a.binary || b.binary) {
      std::fprintf(ctx_.out, "%s %s and %s differ\n", o_.brief ? "Files" : "Binary files", p1.c_str(), p2.c_str());
      return 1;
    }
    // A last line without newline differs from the same line with one.
    if (!a.final_newline && !a.lines.empty()) a.lines.back() += '\0';
    if (!b.final_newline && !b.lines.empty()) b.lines.back() += '\0';
    std::vector<Change> cs = compute(a.lines, b.lines);
    for (auto* t : {&a, &b}) {
      if (!t->final_newline && !t->lines.empty()) t->lines.back().pop_back();
    }
    if (announce) std::fprintf(ctx_.out, "diff%s %s %s\n", o_.flags.c_str(), p1.c_str(), p2.c_str());
    if (o_.unified) {
      print_unified(p1, p2, a, b, cs);
    } else if (o_.context) {
      print_context(p1, p2, a, b, cs);
    } else {
      print_normal(a, b, cs);
    }
    return 1;
  }

  int paths(const std::string& p1, const std::string& p2, bool top) {
    struct stat s1, s2;
    if (int err = fs_.stat(p1, s1)) return trouble(p1, err);
    if (int err = fs_.stat(p2, s2)) return trouble(p2, err);
    bool d1 = S_ISDIR(s1.st_mode), d2 = S_ISDIR(s2.st_mode);
    if (d1 && d2) {
      if (!o_.recursive && !top) {
        std::fprintf(ctx_.out, "Common subdirectories: %s and %s\n", p1.c_str(), p2.c_str());
        return 0;
      }
      return dirs(p1, p2);
    }
    if (d1 != d2) {
      if (top) {  // diff FILE DIR compares FILE with DIR/FILE
        return d1 ? paths(join(p1, base_name(p2)), p2, false) : paths(p1, join(p2, base_name(p1)), false);
      }
      std::fprintf(ctx_.out, "File %s is a %s while file %s is a %s\n", p1.c_str(),
                   file_type_name(s1).c_str(), p2.c_str(), file_type_name(s2).c_str());
      return 1;
    }
    return files(p1, p2, !top);
  }

 private:
  int trouble(const std::string& p, int err) {
    ctx_.fail(p, err);
    return 2;
  }

  int dirs(const std::string& p1, const std::string& p2) {
    std::vector<DirEntry> e1, e2;
    if (int err = fs_.readdir(p1, e1)) return trouble(p1, err);
    if (int err = fs_.readdir(p2, e2)) return trouble(p2, err);
    std::vector<std::string> n1, n2;
    for (auto& e : e1) n1.push_back(e.name);
    for (auto& e : e2) n2.push_back(e.name);
    std::sort(n1.begin(), n1.end());
    std::sort(n2.begin(), n2.end());
    int r = 0;
    size_t i = 0, j = 0;
    while (i < n1.size() || j < n2.size()) {
      if (j >= n2.size() || (i < n1.size() && n1[i] < n2[j])) {
        std::fprintf(ctx_.out, "Only in %s: %s\n", p1.c_str(), n1[i++].c_str());
        r = std::max(r, 1);
      } else if (i >= n1.size() || n2[j] < n1[i]) {
        std::fprintf(ctx_.out, "Only in %s: %s\n", p2.c_str(), n2[j++].c_str());
        r = std::max(r, 1);
      } else {
        r = std::max(r, paths(join(p1, n1[i]), join(p2, n2[j]), false));
        ++i, ++j;
      }
    }
    return r;
  }

  void print_normal(const Text& a, const Text& b, const std::vector<Change>& cs) {
    for (const Change& c : cs) {
      char op = c.a0 == c.a1 ? 'a' : c.b0 == c.b1 ? 'd' : 'c';
      std::string ra = op == 'a' ? std::to_string(c.a0) : range(c.a0, c.a1);
      std::string rb = op == 'd' ? std::to_string(c.b0) : range(c.b0, c.b1);
      std::fprintf(ctx_.out, "%s%c%s\n", ra.c_str(), op, rb.c_str());
      for (size_t i = c.a0; i < c.a1; ++i) line(ctx_.out, "< ", a, i);
      if (op == 'c') std::fputs("---\n", ctx_.out);
      for (size_t j = c.b0; j < c.b1; ++j) line(ctx_.out, "> ", b, j);
    }
  }

  void print_unified(const std::string& p1, const std::string& p2, const Text& a, const Text& b,
                     const std::vector<Change>& cs) {
    struct stat s1 {}, s2 {};
    fs_.stat(p1, s1);
    fs_.stat(p2, s2);
    std::fprintf(ctx_.out, "--- %s\t%s\n+++ %s\t%s\n", p1.c_str(), full_time(s1.st_mtim).c_str(), p2.c_str(),
                 full_time(s2.st_mtim).c_str());
    hunks(a, cs, [&](size_t h, size_t e, size_t a0, size_t a1, size_t b0, size_t b1) {
      std::fprintf(ctx_.out, "@@ -%s +%s @@\n", unified_range(a0, a1 - a0).c_str(),
                   unified_range(b0, b1 - b0).c_str());
      size_t i = a0;
      for (size_t c = h; c <= e; ++c) {
        for (; i < cs[c].a0; ++i) line(ctx_.out, " ", a, i);
        for (size_t k = cs[c].a0; k < cs[c].a1; ++k) line(ctx_.out, "-", a, k);
        for (size_t k = cs[c].b0; k < cs[c].b1; ++k) line(ctx_.out, "+", b, k);
        i = cs[c].a1;
      }
      for (; i < a1; ++i) line(ctx_.out, " ", a, i);
    });
  }

  // The hunks of both formats: changes closer than twice the context joined, with up to
  // kContext lines around. fn(first change, last change, a0, a1, b0, b1) for each.
  template <typename Fn>
  void hunks(const Text& a, const std::vector<Change>& cs, Fn&& fn) {
    constexpr size_t kContext = 3;
    size_t h = 0;
    while (h < cs.size()) {
      size_t e = h;
      while (e + 1 < cs.size() && cs[e + 1].a0 - cs[e].a1 <= 2 * kContext) ++e;
      size_t a0 = cs[h].a0 >= kContext ? cs[h].a0 - kContext : 0;
      size_t b0 = cs[h].b0 - (cs[h].a0 - a0);
      size_t a1 = std::min(a.lines.size(), cs[e].a1 + kContext);
      size_t b1 = cs[e].b1 + (a1 - cs[e].a1);
      fn(h, e, a0, a1, b0, b1);
      h = e + 1;
    }
  }

  // GNU diff's context ranges: "first,last" (1-based), or the line before an empty range.
  static std::string context_range(size_t s, size_t e) {
    return e > s + 1 ? std::to_string(s + 1) + "," + std::to_string(e) : std::to_string(e);
  }

  void print_context(const std::string& p1, const std::string& p2, const Text& a, const Text& b,
                     const std::vector<Change>& cs) {
    struct stat s1 {}, s2 {};
    fs_.stat(p1, s1);
    fs_.stat(p2, s2);
    std::fprintf(ctx_.out, "*** %s\t%s\n--- %s\t%s\n", p1.c_str(), full_time(s1.st_mtim).c_str(),
                 p2.c_str(), full_time(s2.st_mtim).c_str());
    hunks(a, cs, [&](size_t h, size_t e, size_t a0, size_t a1, size_t b0, size_t b1) {
      std::fputs("***************\n", ctx_.out);
      bool deletes = false, adds = false;
      for (size_t c = h; c <= e; ++c) {
        deletes |= cs[c].a1 > cs[c].a0;
        adds |= cs[c].b1 > cs[c].b0;
      }
      // One side of the hunk: its lines with "  " for context, "! " for lines of a change
      // that also has lines on the other side, `only` ("- " or "+ ") for the rest.
      auto side = [&](const Text& t, size_t from, size_t to, bool is_a, const char* only) {
        size_t i = from;
        for (size_t c = h; c <= e; ++c) {
          size_t c0 = is_a ? cs[c].a0 : cs[c].b0, c1 = is_a ? cs[c].a1 : cs[c].b1;
          bool both = cs[c].a1 > cs[c].a0 && cs[c].b1 > cs[c].b0;
          for (; i < c0; ++i) line(ctx_.out, "  ", t, i);
          for (size_t k = c0; k < c1; ++k) line(ctx_.out, both ? "! " : only, t, k);
          i = c1;
        }
        for (; i < to; ++i) line(ctx_.out, "  ", t, i);
      };
      std::fprintf(ctx_.out, "*** %s ****\n", context_range(a0, a1).c_str());
      if (deletes) side(a, a0, a1, true, "- ");
      std::fprintf(ctx_.out, "--- %s ----\n", context_range(b0, b1).c_str());
      if (adds) side(b, b0, b1, false, "+ ");
    });
  }

  Context& ctx_;
  const Opts& o_;
  KernelFs fs_;
};

}  // namespace

int cmd_diff(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "qucr", {{"brief", 'q', false}, {"unified", 'u', false},
                                      {"context", 'c', false}, {"recursive", 'r', false}},
                  p)) {
    return 2;
  }
  if (p.operands.size() != 2) {
    ctx.fail(p.operands.size() < 2 ? "missing operand" : "extra operand " + p.operands[2], "");
    return 2;
  }
  Opts o;
  o.brief = p.has('q');
  o.unified = p.has('u');
  o.context = p.has('c') && !o.unified;
  o.recursive = p.has('r');
  for (const auto& [k, v] : p.opts) o.flags += std::string(" -") + static_cast<char>(k);
  Differ d(ctx, o);
  return d.paths(p.operands[0], p.operands[1], true);
}

}  // namespace fsu
