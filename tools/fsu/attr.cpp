// fsu_chmod, fsu_chown (-R, -h) and fsu_touch (-a -m -c -d -t -r).
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <rump/rump_syscalls.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

// Applies fn to path and, with recursive, to everything below it (not following links).
int walk(const Context& ctx, KernelFs& fs, const std::string& path, bool recursive,
         const std::function<int(const std::string&, const struct stat&)>& fn) {
  struct stat st;
  if (int err = fs.lstat(path, st)) return ctx.fail(path, err);
  int failures = fn(path, st);
  if (recursive && S_ISDIR(st.st_mode)) {
    std::vector<DirEntry> entries;
    if (int err = fs.readdir(path, entries)) return failures + ctx.fail(path, err);
    for (const DirEntry& e : entries) failures += walk(ctx, fs, join(path, e.name), true, fn);
  }
  return failures;
}

// Splits the command's own options from operands the way chmod must: "-w" is a mode.
bool chmod_args(const Context& ctx, const Args& args, bool& recursive, bool& verbose, std::vector<std::string>& ops) {
  bool only = false;
  for (const std::string& a : args) {
    if (!only && a == "--") {
      only = true;
    } else if (!only && (a == "--recursive" || a == "--verbose")) {
      (a == "--recursive" ? recursive : verbose) = true;
    } else if (!only && a.size() > 1 && a[0] == '-' && a.find_first_not_of("Rvfc", 1) == std::string::npos) {
      if (a.find('R') != std::string::npos) recursive = true;
      if (a.find('v') != std::string::npos) verbose = true;
    } else if (!only && a.size() > 2 && a[0] == '-' && a[1] == '-') {
      ctx.fail(a, "unknown option");
      return false;
    } else {
      ops.push_back(a);
    }
  }
  return true;
}

bool parse_id(const std::string& s, bool user, unsigned& out) {
  if (s.empty()) return false;
  if (s.find_first_not_of("0123456789") == std::string::npos) {
    out = static_cast<unsigned>(std::strtoul(s.c_str(), nullptr, 10));
    return true;
  }
  if (user) {
    if (struct passwd* pw = ::getpwnam(s.c_str())) {
      out = pw->pw_uid;
      return true;
    }
  } else if (struct group* gr = ::getgrnam(s.c_str())) {
    out = gr->gr_gid;
    return true;
  }
  return false;
}

// touch's -d: "@SECONDS", "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.frac]]" (also with a T), local.
bool parse_date(const std::string& s, struct timespec& ts) {
  if (!s.empty() && s[0] == '@') {
    char* end = nullptr;
    double v = std::strtod(s.c_str() + 1, &end);
    if (*end) return false;
    ts.tv_sec = static_cast<time_t>(v);
    ts.tv_nsec = static_cast<long>((v - static_cast<double>(ts.tv_sec)) * 1e9);
    return true;
  }
  struct tm tm {};
  int y, mo, d, h = 0, mi = 0;
  double sec = 0;
  char sep = ' ';
  int n = std::sscanf(s.c_str(), "%d-%d-%d%c%d:%d:%lf", &y, &mo, &d, &sep, &h, &mi, &sec);
  if (n != 3 && n < 6) return false;
  if (n > 3 && sep != ' ' && sep != 'T') return false;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = static_cast<int>(sec);
  tm.tm_isdst = -1;
  ts.tv_sec = std::mktime(&tm);
  ts.tv_nsec = static_cast<long>((sec - static_cast<double>(static_cast<int>(sec))) * 1e9);
  return ts.tv_sec != -1;
}

// touch's -t: [[CC]YY]MMDDhhmm[.ss], local.
bool parse_stamp(const std::string& s, struct timespec& ts) {
  std::string main = s, secs = "00";
  if (auto dot = s.find('.'); dot != std::string::npos) {
    main = s.substr(0, dot);
    secs = s.substr(dot + 1);
  }
  if (secs.size() != 2 || main.find_first_not_of("0123456789") != std::string::npos ||
      secs.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  time_t now = std::time(nullptr);
  struct tm tm {};
  localtime_r(&now, &tm);
  int year = tm.tm_year + 1900;
  if (main.size() == 12) {
    year = std::stoi(main.substr(0, 4));
    main = main.substr(4);
  } else if (main.size() == 10) {
    int yy = std::stoi(main.substr(0, 2));
    year = yy < 69 ? 2000 + yy : 1900 + yy;
    main = main.substr(2);
  } else if (main.size() != 8) {
    return false;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = std::stoi(main.substr(0, 2)) - 1;
  tm.tm_mday = std::stoi(main.substr(2, 2));
  tm.tm_hour = std::stoi(main.substr(4, 2));
  tm.tm_min = std::stoi(main.substr(6, 2));
  tm.tm_sec = std::stoi(secs);
  tm.tm_isdst = -1;
  ts.tv_sec = std::mktime(&tm);
  ts.tv_nsec = 0;
  return ts.tv_sec != -1;
}

}  // namespace

int cmd_chmod(Context& ctx, const Args& args) {
  bool recursive = false, verbose = false;
  std::vector<std::string> ops;
  if (!chmod_args(ctx, args, recursive, verbose, ops)) return 1;
  if (ops.size() < 2) return ctx.fail(ops.empty() ? "missing operand" : "missing operand after " + ops[0], "");
  std::string spec = ops[0];
  mode_t mask = rump_sys_umask(0);
  rump_sys_umask(mask);
  mode_t probe;
  if (!parse_mode(spec, 0, false, mask, probe)) return ctx.fail(spec, "invalid mode");
  KernelFs fs;
  int failures = 0;
  for (size_t i = 1; i < ops.size(); ++i) {
    failures += walk(ctx, fs, ops[i], recursive, [&](const std::string& p, const struct stat& st) {
      if (S_ISLNK(st.st_mode)) return 0;  // links have no mode of their own
      mode_t m;
      parse_mode(spec, st.st_mode & 07777, S_ISDIR(st.st_mode), mask, m);
      if (int err = fs.chmod(p, m)) return ctx.fail(p, err);
      if (verbose) {
        std::fprintf(ctx.out, "mode of '%s' changed from %04o to %04o\n", p.c_str(),
                     static_cast<unsigned>(st.st_mode & 07777), static_cast<unsigned>(m));
      }
      return 0;
    });
  }
  return failures ? 1 : 0;
}

int cmd_chown(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "Rhv", {{"recursive", 'R', false}, {"no-dereference", 'h', false},
                                     {"verbose", 'v', false}},
                  p)) {
    return 1;
  }
  if (p.operands.size() < 2) return ctx.fail("missing operand", "");
  std::string spec = p.operands[0];
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  auto colon = spec.find_first_of(":.");
  if (colon != std::string::npos && spec[colon] == '.' && parse_id(spec, true, uid)) colon = std::string::npos;
  std::string u = spec.substr(0, colon), g = colon == std::string::npos ? "" : spec.substr(colon + 1);
  unsigned v;
  if (!u.empty()) {
    if (!parse_id(u, true, v)) return ctx.fail(u, "invalid user");
    uid = v;
  }
  if (!g.empty()) {
    if (!parse_id(g, false, v)) return ctx.fail(g, "invalid group");
    gid = v;
  } else if (colon != std::string::npos && !u.empty()) {
    // "user:" means the user's login group.
    if (struct passwd* pw = ::getpwuid(uid)) gid = pw->pw_gid;
  }
  KernelFs fs;
  int failures = 0;
  bool recursive = p.has('R'), nofollow = p.has('h') || recursive;
  for (size_t i = 1; i < p.operands.size(); ++i) {
    failures += walk(ctx, fs, p.operands[i], recursive, [&](const std::string& path, const struct stat& st) {
      int err = nofollow || !S_ISLNK(st.st_mode) ? fs.lchown(path, uid, gid) : fs.chown(path, uid, gid);
      if (err) return ctx.fail(path, err);
      if (p.has('v')) std::fprintf(ctx.out, "ownership of '%s' retained or changed\n", path.c_str());
      return 0;
    });
  }
  return failures ? 1 : 0;
}

int cmd_touch(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "acmd:t:r:h", {{"no-create", 'c', false}, {"date", 'd', true},
                                            {"reference", 'r', true},
                                            {"no-dereference", 'h', false}},
                  p)) {
    return 1;
  }
  if (p.operands.empty()) return ctx.fail("missing file operand", "");
  struct timespec t[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  if (p.has('d')) {
    if (!parse_date(p.value('d'), t[0])) return ctx.fail(p.value('d'), "invalid date format");
    t[1] = t[0];
  }
  if (p.has('t')) {
    if (!parse_stamp(p.value('t'), t[0])) return ctx.fail(p.value('t'), "invalid date format");
    t[1] = t[0];
  }
  if (p.has('r')) {
    struct stat st;
    if (rump_sys_stat(p.value('r').c_str(), &st) < 0) return ctx.fail(p.value('r'), errno);
    t[0] = st.st_atim;
    t[1] = st.st_mtim;
  }
  bool only_a = p.has('a') && !p.has('m'), only_m = p.has('m') && !p.has('a');
  if (only_m) t[0].tv_nsec = UTIME_OMIT;
  if (only_a) t[1].tv_nsec = UTIME_OMIT;
  int status = 0;
  for (const std::string& f : p.operands) {
    int flags = p.has('h') ? AT_SYMLINK_NOFOLLOW : 0;
    if (rump_sys_utimensat(AT_FDCWD, f.c_str(), t, flags) == 0) continue;
    if (errno != ENOENT || p.has('c') || p.has('h')) {
      if (!(errno == ENOENT && p.has('c'))) status = ctx.fail(f, errno);
      continue;
    }
    int fd = rump_sys_open(f.c_str(), O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0666);
    if (fd < 0) {
      status = ctx.fail(f, errno);
      continue;
    }
    int r = rump_sys_futimens(fd, t);
    int err = errno;
    rump_sys_close(fd);
    if (r < 0) status = ctx.fail(f, err);
  }
  return status;
}

}  // namespace fsu
