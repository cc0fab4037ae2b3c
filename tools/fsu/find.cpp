// fsu_find: find(1)'s walk and a useful part of its expressions (see the --help text).
#include <fnmatch.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>

#include "tools/fsu/format.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"
#include "tools/fsu/host_run.h"

namespace fsu {
namespace {

struct Node;
using NodePtr = std::unique_ptr<Node>;

struct Visit {
  std::string path;
  struct stat st;
  int depth;
  bool prune = false;
};

struct Node {
  enum Kind { kAnd, kOr, kNot, kTrue, kFalse, kName, kIName, kPath, kType, kSize, kEmpty, kNewer,
              kPerm, kUser, kGroup, kLinks, kPrint, kPrint0, kLs, kPrune, kAge, kExec } kind;
  NodePtr a, b;
  std::string arg;
  char which = 'm';              // -newer, -Xtime, -Xmin: a, c or m time
  long long unit = 86400;        // -Xtime: days; -Xmin: minutes
  std::vector<std::string> cmd;  // -exec: the command, "{}" where the file goes
  bool batch = false;            // -exec ... {} +
  std::vector<std::string> pending;  // -exec ... {} +: files not yet given to the command
  long long num = 0;
  int cmp = 0;  // -1 less than, 0 exactly, 1 more than
  struct timespec time {};
};

class Parser {
 public:
  Parser(const Context& ctx, const Args& args, size_t pos) : ctx_(ctx), args_(args), pos_(pos) {}
  bool ok = true;
  bool has_action = false;
  long max_depth = -1, min_depth = 0;

  NodePtr parse_or() {
    NodePtr l = parse_and();
    while (ok && peek() == "-o") {
      ++pos_;
      auto n = std::make_unique<Node>();
      n->kind = Node::kOr;
      n->a = std::move(l);
      n->b = parse_and();
      l = std::move(n);
    }
    return l;
  }
  bool done() const { return pos_ >= args_.size(); }
  std::string peek() const { return done() ? "" : args_[pos_]; }

 private:
  NodePtr parse_and() {
    NodePtr l = parse_unary();
    while (ok && !done() && peek() != "-o" && peek() != ")") {
      if (peek() == "-a") ++pos_;
      auto n = std::make_unique<Node>();
      n->kind = Node::kAnd;
      n->a = std::move(l);
      n->b = parse_unary();
      l = std::move(n);
    }
    return l;
  }
  NodePtr parse_unary() {
    if (peek() == "!" || peek() == "-not") {
      ++pos_;
      auto n = std::make_unique<Node>();
      n->kind = Node::kNot;
      n->a = parse_unary();
      return n;
    }
    if (peek() == "(") {
      ++pos_;
      NodePtr e = parse_or();
      if (peek() != ")") return error("(", "missing ')'");
      ++pos_;
      return e;
    }
    return parse_primary();
  }
  NodePtr error(const std::string& what, const std::string& why) {
    if (ok) ctx_.fail(what, why);
    ok = false;
    auto n = std::make_unique<Node>();
    n->kind = Node::kFalse;
    return n;
  }
  bool number(const std::string& s, Node& n) {
    std::string v = s;
    n.cmp = 0;
    if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
      n.cmp = v[0] == '+' ? 1 : -1;
      v = v.substr(1);
    }
    char* end = nullptr;
    n.num = std::strtoll(v.c_str(), &end, 10);
    if (end == v.c_str()) return false;
    n.arg = end;  // a unit, for -size
    return true;
  }
  NodePtr parse_primary() {
    if (done()) return error("expression", "missing argument");
    std::string t = args_[pos_++];
    auto n = std::make_unique<Node>();
    auto need = [&]() -> bool {
      if (done()) {
        error(t, "missing argument");
        return false;
      }
      n->arg = args_[pos_++];
      return true;
    };
    static const struct { const char* name; Node::Kind kind; bool arg; } kSimple[] = {
        {"-name", Node::kName, true},   {"-iname", Node::kIName, true}, {"-path", Node::kPath, true},
        {"-wholename", Node::kPath, true}, {"-type", Node::kType, true}, {"-user", Node::kUser, true},
        {"-group", Node::kGroup, true}, {"-true", Node::kTrue, false}, {"-false", Node::kFalse, false},
        {"-empty", Node::kEmpty, false}, {"-print", Node::kPrint, false},
        {"-print0", Node::kPrint0, false}, {"-ls", Node::kLs, false}, {"-prune", Node::kPrune, false},
    };
    for (const auto& s : kSimple) {
      if (t == s.name) {
        n->kind = s.kind;
        if (s.arg && !need()) return n;
        if (s.kind == Node::kPrint || s.kind == Node::kPrint0 || s.kind == Node::kLs) has_action = true;
        if (s.kind == Node::kType && (n->arg.size() != 1 || std::string("bcdpfls").find(n->arg) == std::string::npos)) {
          return error(n->arg, "unknown argument to -type");
        }
        return n;
      }
    }
    if (t == "-maxdepth" || t == "-mindepth") {
      if (!need()) return n;
      char* end = nullptr;
      long v = std::strtol(n->arg.c_str(), &end, 10);
      if (*end || n->arg.empty() || v < 0) return error(n->arg, "invalid depth");
      (t == "-maxdepth" ? max_depth : min_depth) = v;
      n->kind = Node::kTrue;
      return n;
    }
    if (t == "-size" || t == "-links") {
      if (!need()) return n;
      n->kind = t == "-size" ? Node::kSize : Node::kLinks;
      if (!number(n->arg, *n)) return error(n->arg, "invalid number");
      return n;
    }
    if (t == "-newer" || t == "-anewer" || t == "-cnewer" || t == "-newerma" || t == "-newermc" ||
        t == "-newermm") {
      if (!need()) return n;
      n->kind = Node::kNewer;
      n->which = t == "-anewer" ? 'a' : t == "-cnewer" ? 'c' : 'm';
      struct stat st;
      KernelFs fs;
      if (int err = fs.stat(n->arg, st)) return error(n->arg, std::strerror(err));
      n->time = t == "-newerma" ? st.st_atim : t == "-newermc" ? st.st_ctim : st.st_mtim;
      return n;
    }
    if (t == "-mtime" || t == "-atime" || t == "-ctime" || t == "-mmin" || t == "-amin" ||
        t == "-cmin") {
      if (!need()) return n;
      n->kind = Node::kAge;
      n->which = t[1];
      n->unit = t.ends_with("min") ? 60 : 86400;
      if (!number(n->arg, *n) || !n->arg.empty()) return error(args_[pos_ - 1], "invalid number");
      n->arg = args_[pos_ - 1];
      return n;
    }
    if (t == "-exec") {
      n->kind = Node::kExec;
      has_action = true;
      while (!done() && peek() != ";" && !(peek() == "+" && !n->cmd.empty() && n->cmd.back() == "{}"))
        n->cmd.push_back(args_[pos_++]);
      if (done()) return error("-exec", "missing argument (end it with ';' or '{} +')");
      n->batch = args_[pos_++] == "+";
      if (n->cmd.empty()) return error("-exec", "missing command");
      return n;
    }
    if (t == "-perm") {
      if (!need()) return n;
      n->kind = Node::kPerm;
      std::string m = n->arg;
      n->cmp = 0;
      if (!m.empty() && (m[0] == '-' || m[0] == '/')) {
        n->cmp = m[0] == '-' ? -1 : 1;
        m = m.substr(1);
      }
      mode_t mode;
      if (!parse_mode(m, 0, false, 0, mode)) return error(n->arg, "invalid mode");
      n->num = mode;
      return n;
    }
    return error(t, "unknown predicate");
  }

  const Context& ctx_;
  const Args& args_;
  size_t pos_;
};

bool cmp_num(const Node& n, long long v) {
  return n.cmp == 0 ? v == n.num : n.cmp > 0 ? v > n.num : v < n.num;
}

const struct timespec& time_of(const struct stat& st, char which) {
  return which == 'a' ? st.st_atim : which == 'c' ? st.st_ctim : st.st_mtim;
}

class Finder {
 public:
  Finder(Context& ctx, const Parser& p, Node* expr) : ctx_(ctx), p_(p), expr_(expr) {}
  int status = 0;

  // The -exec ... {} + commands still holding files, run at the end.
  void finish() { flush_batches(*expr_); }

  void walk(const std::string& path, int depth) {
    Visit v{path, {}, depth};
    if (int err = fs_.lstat(path, v.st)) {
      status = ctx_.fail(path, err);
      return;
    }
    if (depth >= p_.min_depth) {
      bool match = eval(*expr_, v);
      if (match && !p_.has_action) std::fprintf(ctx_.out, "%s\n", path.c_str());
    }
    if (!S_ISDIR(v.st.st_mode) || v.prune || (p_.max_depth >= 0 && depth >= p_.max_depth)) return;
    std::vector<DirEntry> entries;
    if (int err = fs_.readdir(path, entries)) {
      status = ctx_.fail(path, err);
      return;
    }
    for (const DirEntry& e : entries) walk(join(path, e.name), depth + 1);
  }

 private:
  bool eval(const Node& n, Visit& v) {
    const struct stat& st = v.st;
    switch (n.kind) {
      case Node::kAnd: return eval(*n.a, v) && eval(*n.b, v);
      case Node::kOr: return eval(*n.a, v) || eval(*n.b, v);
      case Node::kNot: return !eval(*n.a, v);
      case Node::kTrue: return true;
      case Node::kFalse: return false;
      case Node::kName: return fnmatch(n.arg.c_str(), base_name(v.path).c_str(), 0) == 0;
      case Node::kIName: return fnmatch(n.arg.c_str(), base_name(v.path).c_str(), FNM_CASEFOLD) == 0;
      case Node::kPath: return fnmatch(n.arg.c_str(), v.path.c_str(), 0) == 0;
      case Node::kType: {
        static const std::string kTypes = "bcdpfls";
        static const mode_t kModes[] = {S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFREG, S_IFLNK, S_IFSOCK};
        return (st.st_mode & S_IFMT) == kModes[kTypes.find(n.arg[0])];
      }
      case Node::kSize: {
        long long unit = 512;
        if (n.arg == "c") unit = 1;
        if (n.arg == "w") unit = 2;
        if (n.arg == "k") unit = 1024;
        if (n.arg == "M") unit = 1024 * 1024;
        if (n.arg == "G") unit = 1024LL * 1024 * 1024;
        long long units = (static_cast<long long>(st.st_size) + unit - 1) / unit;
        return cmp_num(n, units);
      }
      case Node::kLinks: return cmp_num(n, static_cast<long long>(st.st_nlink));
      case Node::kEmpty: {
        if (S_ISREG(st.st_mode)) return st.st_size == 0;
        if (!S_ISDIR(st.st_mode)) return false;
        std::vector<DirEntry> e;
        return fs_.readdir(v.path, e) == 0 && e.empty();
      }
      case Node::kNewer:
        return st.st_mtim.tv_sec > n.time.tv_sec ||
               (st.st_mtim.tv_sec == n.time.tv_sec && st.st_mtim.tv_nsec > n.time.tv_nsec);
      case Node::kPerm: {
        auto want = static_cast<mode_t>(n.num), have = st.st_mode & 07777;
        if (n.cmp == 0) return have == want;
        if (n.cmp < 0) return (have & want) == want;
        return want == 0 || (have & want) != 0;
      }
      case Node::kUser: return n.arg == std::to_string(st.st_uid) || n.arg == user_name(st.st_uid, false);
      case Node::kGroup: return n.arg == std::to_string(st.st_gid) || n.arg == group_name(st.st_gid, false);
      case Node::kPrint: std::fprintf(ctx_.out, "%s\n", v.path.c_str()); return true;
      case Node::kPrint0: std::fprintf(ctx_.out, "%s%c", v.path.c_str(), '\0'); return true;
      case Node::kLs: {
        std::string target;
        if (S_ISLNK(st.st_mode)) fs_.readlink(v.path, target);
        std::fprintf(ctx_.out, "%9lu %6llu %s %3lu %-8s %-8s %8lld %s %s%s%s\n",
                     static_cast<unsigned long>(st.st_ino),
                     static_cast<unsigned long long>(st.st_blocks / 2), mode_string(st.st_mode).c_str(),
                     static_cast<unsigned long>(st.st_nlink), user_name(st.st_uid, false).c_str(),
                     group_name(st.st_gid, false).c_str(), static_cast<long long>(st.st_size),
                     ls_time(st.st_mtim, std::time(nullptr)).c_str(), v.path.c_str(),
                     target.empty() ? "" : " -> ", target.c_str());
        return true;
      }
      case Node::kPrune: v.prune = true; return true;
      case Node::kAge: {
        // find(1): the age in whole units, rounded down; +N more than N, -N less than N.
        long long age = static_cast<long long>(now_ - time_of(st, n.which).tv_sec);
        long long units = age < 0 ? -((-age + n.unit - 1) / n.unit) : age / n.unit;
        return cmp_num(n, units);
      }
      case Node::kExec: return exec(const_cast<Node&>(n), v);
    }
    return false;
  }

  // -exec: the host command gets a private host copy of the file in place of "{}" (the image is
  // mounted read-only for find, so nothing comes back); other node types pass their path in the
  // image. True when the command exits 0 ("{} +": always, the status counts at the end).
  bool exec(Node& n, const Visit& v) {
    std::string arg = v.path;
    if (S_ISREG(v.st.st_mode)) {
      if (scratch_.dir().empty()) {
        status = ctx_.fail("-exec: a host directory for copies", errno);
        return false;
      }
      arg = join(scratch_.dir(), std::to_string(++copies_) + "_" + base_name(v.path));
      if (copy_contents(ctx_, fs_, v.path, host_, arg, 0600) != 0) {
        status = 1;
        return false;
      }
    }
    if (n.batch) {
      n.pending.push_back(arg);
      if (n.pending.size() >= 256) run_batch(n);
      return true;
    }
    std::vector<std::string> argv;
    for (const std::string& c : n.cmd) argv.push_back(c == "{}" ? arg : c);
    return run_host(argv) == 0;
  }

  void run_batch(Node& n) {
    if (n.pending.empty()) return;
    std::vector<std::string> argv(n.cmd.begin(), n.cmd.end() - 1);  // up to the final "{}"
    argv.insert(argv.end(), n.pending.begin(), n.pending.end());
    n.pending.clear();
    if (run_host(argv) != 0) status = 1;
  }
  void flush_batches(Node& n) {
    if (n.kind == Node::kExec && n.batch) run_batch(n);
    if (n.a) flush_batches(*n.a);
    if (n.b) flush_batches(*n.b);
  }

  // Runs argv on the host with our standard output; its exit status (127: not found).
  int run_host(const std::vector<std::string>& argv) {
    std::fflush(ctx_.out);
    return run_program(ctx_, argv);
  }

  Context& ctx_;
  const Parser& p_;
  Node* expr_;
  KernelFs fs_;
  HostFs host_;
  HostScratch scratch_{"fsu_find"};  // host copies for -exec
  unsigned copies_ = 0;
  const time_t now_ = std::time(nullptr);
};

}  // namespace

int cmd_find(Context& ctx, const Args& args) {
  size_t i = 0;
  std::vector<std::string> paths;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.empty() && (a[0] == '-' || a == "!" || a == "(")) break;
    paths.push_back(a);
  }
  if (paths.empty()) paths.push_back(".");
  Parser parser(ctx, args, i);
  NodePtr expr;
  if (parser.done()) {
    expr = std::make_unique<Node>();
    expr->kind = Node::kTrue;
  } else {
    expr = parser.parse_or();
    if (parser.ok && !parser.done()) {
      ctx.fail(parser.peek(), "unexpected argument");
      return 1;
    }
  }
  if (!parser.ok) return 1;
  Finder f(ctx, parser, expr.get());
  for (const std::string& p : paths) f.walk(p, 0);
  f.finish();
  return f.status;
}

}  // namespace fsu
