// Call sequences: printing, applying, snapshotting, generating and shrinking.
#include "tests/vfs_suite/sequence.h"

#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/xattr.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace vfs_suite {

// --- printing ------------------------------------------------------------------------------

namespace {

std::string quote(const std::string& s) {
  if (s.size() > 48) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    char buf[64];
    std::snprintf(buf, sizeof buf, "<%zu bytes fnv=%016llx>", s.size(),
                  static_cast<unsigned long long>(h));
    return buf;
  }
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += char(c);
    } else if (c >= 32 && c < 127) {
      out += char(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string octal(long v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0%lo", v);
  return buf;
}

std::string flag_names(long flags, const std::vector<std::pair<long, const char*>>& names,
                       const char* zero) {
  std::string s;
  for (auto [bit, name] : names) {
    if (bit != 0 && (flags & bit) == bit) {
      s += (s.empty() ? "" : "|") + std::string(name);
      flags &= ~bit;
    }
  }
  if (flags != 0) s += (s.empty() ? "" : "|") + octal(flags);
  return s.empty() ? zero : s;
}

std::string open_flags(long f) {
  std::string acc = (f & O_PATH)                  ? "O_PATH"
                    : (f & O_ACCMODE) == O_RDWR   ? "O_RDWR"
                    : (f & O_ACCMODE) == O_WRONLY ? "O_WRONLY"
                                                  : "O_RDONLY";
  std::string rest = flag_names(f & ~(O_ACCMODE | O_PATH),
                                {{O_CREAT, "O_CREAT"},
                                 {O_EXCL, "O_EXCL"},
                                 {O_TRUNC, "O_TRUNC"},
                                 {O_APPEND, "O_APPEND"},
                                 {O_NONBLOCK, "O_NONBLOCK"},
                                 {O_DIRECTORY, "O_DIRECTORY"},
                                 {O_NOFOLLOW, "O_NOFOLLOW"},
                                 {O_CLOEXEC, "O_CLOEXEC"}},
                                "");
  return rest.empty() ? acc : acc + "|" + rest;
}

std::string whence_name(long w) {
  switch (w) {
    case SEEK_SET: return "SEEK_SET";
    case SEEK_CUR: return "SEEK_CUR";
    case SEEK_END: return "SEEK_END";
    case SEEK_DATA: return "SEEK_DATA";
    case SEEK_HOLE: return "SEEK_HOLE";
  }
  return std::to_string(w);
}

std::string fcntl_name(long c) {
  switch (c) {
    case F_GETFL: return "F_GETFL";
    case F_SETFL: return "F_SETFL";
    case F_GETFD: return "F_GETFD";
    case F_SETFD: return "F_SETFD";
    case F_DUPFD: return "F_DUPFD";
    case F_DUPFD_CLOEXEC: return "F_DUPFD_CLOEXEC";
  }
  return std::to_string(c);
}

std::string fd_name(long fd) { return fd == AT_FDCWD ? "AT_FDCWD" : std::to_string(fd); }

std::string q(const std::string& path) { return "\"" + path + "\""; }

}  // namespace

std::string to_string(const Op& o) {
  const std::string n = std::to_string(o.x);
  switch (o.kind) {
    case OpKind::kOpen: return "open(" + q(o.a) + ", " + open_flags(o.x) + ", " + octal(o.y) + ")";
    case OpKind::kOpenat:
      return "openat(" + fd_name(o.x) + ", " + q(o.a) + ", " + open_flags(o.y) + ", " + octal(o.z) +
             ")";
    case OpKind::kClose: return "close(" + n + ")";
    case OpKind::kRead: return "read(" + n + ", " + std::to_string(o.y) + ")";
    case OpKind::kWrite: return "write(" + n + ", " + quote(o.a) + ")";
    case OpKind::kPread:
      return "pread(" + n + ", " + std::to_string(o.y) + ", " + std::to_string(o.z) + ")";
    case OpKind::kPwrite:
      return "pwrite(" + n + ", " + quote(o.a) + ", " + std::to_string(o.y) + ")";
    case OpKind::kLseek:
      return "lseek(" + n + ", " + std::to_string(o.y) + ", " + whence_name(o.z) + ")";
    case OpKind::kFtruncate: return "ftruncate(" + n + ", " + std::to_string(o.y) + ")";
    case OpKind::kTruncate: return "truncate(" + q(o.a) + ", " + std::to_string(o.x) + ")";
    case OpKind::kFallocate:
      return "fallocate(" + n + ", " +
             flag_names(o.y,
                        {{FALLOC_FL_KEEP_SIZE, "KEEP_SIZE"}, {FALLOC_FL_PUNCH_HOLE, "PUNCH_HOLE"}},
                        "0") +
             ", " + std::to_string(o.z) + ", " + std::to_string(o.w) + ")";
    case OpKind::kFsync: return "fsync(" + n + ")";
    case OpKind::kDup: return "dup(" + n + ")";
    case OpKind::kDup2: return "dup2(" + n + ", " + std::to_string(o.y) + ")";
    case OpKind::kFcntl:
      return "fcntl(" + n + ", " + fcntl_name(o.y) + ", " +
             (o.y == F_SETFL ? open_flags(o.z) : std::to_string(o.z)) + ")";
    case OpKind::kFstat: return "fstat(" + n + ")";
    case OpKind::kPipe2:
      return "pipe2(" +
             flag_names(o.x, {{O_NONBLOCK, "O_NONBLOCK"}, {O_CLOEXEC, "O_CLOEXEC"}}, "0") + ")";
    case OpKind::kMkdir: return "mkdir(" + q(o.a) + ", " + octal(o.x) + ")";
    case OpKind::kMkdirat:
      return "mkdirat(" + fd_name(o.x) + ", " + q(o.a) + ", " + octal(o.y) + ")";
    case OpKind::kRmdir: return "rmdir(" + q(o.a) + ")";
    case OpKind::kUnlink: return "unlink(" + q(o.a) + ")";
    case OpKind::kUnlinkat:
      return "unlinkat(" + fd_name(o.x) + ", " + q(o.a) + ", " +
             (o.y == AT_REMOVEDIR ? "AT_REMOVEDIR" : std::to_string(o.y)) + ")";
    case OpKind::kRename: return "rename(" + q(o.a) + ", " + q(o.b) + ")";
    case OpKind::kRenameat2:
      return "renameat2(" + q(o.a) + ", " + q(o.b) + ", " +
             flag_names(o.x, {{RENAME_NOREPLACE, "NOREPLACE"}, {RENAME_EXCHANGE, "EXCHANGE"}},
                        "0") +
             ")";
    case OpKind::kLink: return "link(" + q(o.a) + ", " + q(o.b) + ")";
    case OpKind::kSymlink: return "symlink(" + q(o.a) + ", " + q(o.b) + ")";
    case OpKind::kReadlink: return "readlink(" + q(o.a) + ", " + n + ")";
    case OpKind::kStat: return "stat(" + q(o.a) + ")";
    case OpKind::kLstat: return "lstat(" + q(o.a) + ")";
    case OpKind::kAccess: return "access(" + q(o.a) + ", " + n + ")";
    case OpKind::kChmod: return "chmod(" + q(o.a) + ", " + octal(o.x) + ")";
    case OpKind::kMknodFifo: return "mknod(" + q(o.a) + ", S_IFIFO|" + octal(o.x) + ", 0)";
    case OpKind::kListDir: return "list(" + q(o.a) + ")";
    case OpKind::kChdir: return "chdir(" + q(o.a) + ")";
    case OpKind::kFchdir: return "fchdir(" + n + ")";
    case OpKind::kGetcwd: return "getcwd(" + n + ")";
    case OpKind::kUmask: return "umask(" + octal(o.x) + ")";
    case OpKind::kUtimens:
      return "utimensat(AT_FDCWD, " + q(o.a) + ", {100, 200}, " +
             (o.x == AT_SYMLINK_NOFOLLOW ? "AT_SYMLINK_NOFOLLOW" : std::to_string(o.x)) + ")";
    case OpKind::kSetxattr:
      return std::string(o.y ? "" : "l") + "setxattr(" + q(o.a) + ", " + q(o.b) + ", " +
             std::to_string(o.z) + " bytes, " +
             flag_names(o.x, {{XATTR_CREATE, "XATTR_CREATE"}, {XATTR_REPLACE, "XATTR_REPLACE"}}, "0") +
             ")";
    case OpKind::kGetxattr:
      return std::string(o.y ? "" : "l") + "getxattr(" + q(o.a) + ", " + q(o.b) + ", " + n + ")";
    case OpKind::kListxattr:
      return std::string(o.y ? "" : "l") + "listxattr(" + q(o.a) + ", " + n + ")";
    case OpKind::kRemovexattr:
      return std::string(o.y ? "" : "l") + "removexattr(" + q(o.a) + ", " + q(o.b) + ")";
  }
  return "?";
}

// --- builders ------------------------------------------------------------------------------

namespace op {
Op open(std::string p, long f, long m) { return {OpKind::kOpen, std::move(p), "", f, m}; }
Op openat(long d, std::string p, long f, long m) {
  return {OpKind::kOpenat, std::move(p), "", d, f, m};
}
Op close(long fd) { return {OpKind::kClose, "", "", fd}; }
Op read(long fd, long n) { return {OpKind::kRead, "", "", fd, n}; }
Op write(long fd, std::string d) { return {OpKind::kWrite, std::move(d), "", fd}; }
Op pread(long fd, long n, long off) { return {OpKind::kPread, "", "", fd, n, off}; }
Op pwrite(long fd, std::string d, long off) { return {OpKind::kPwrite, std::move(d), "", fd, off}; }
Op lseek(long fd, long off, long wh) { return {OpKind::kLseek, "", "", fd, off, wh}; }
Op ftruncate(long fd, long len) { return {OpKind::kFtruncate, "", "", fd, len}; }
Op truncate(std::string p, long len) { return {OpKind::kTruncate, std::move(p), "", len}; }
Op setxattr(std::string p, std::string name, long value_len, long flags, bool follow) {
  return {OpKind::kSetxattr, std::move(p), std::move(name), flags, follow ? 1 : 0, value_len};
}
Op getxattr(std::string p, std::string name, long size, bool follow) {
  return {OpKind::kGetxattr, std::move(p), std::move(name), size, follow ? 1 : 0};
}
Op listxattr(std::string p, long size, bool follow) {
  return {OpKind::kListxattr, std::move(p), "", size, follow ? 1 : 0};
}
Op removexattr(std::string p, std::string name, bool follow) {
  return {OpKind::kRemovexattr, std::move(p), std::move(name), 0, follow ? 1 : 0};
}
Op fallocate(long fd, long mode, long off, long len) {
  return {OpKind::kFallocate, "", "", fd, mode, off, len};
}
Op fsync(long fd) { return {OpKind::kFsync, "", "", fd}; }
Op dup(long fd) { return {OpKind::kDup, "", "", fd}; }
Op dup2(long fd, long nfd) { return {OpKind::kDup2, "", "", fd, nfd}; }
Op fcntl(long fd, long cmd, long arg) { return {OpKind::kFcntl, "", "", fd, cmd, arg}; }
Op fstat(long fd) { return {OpKind::kFstat, "", "", fd}; }
Op pipe2(long flags) { return {OpKind::kPipe2, "", "", flags}; }
Op mkdir(std::string p, long m) { return {OpKind::kMkdir, std::move(p), "", m}; }
Op mkdirat(long d, std::string p, long m) { return {OpKind::kMkdirat, std::move(p), "", d, m}; }
Op rmdir(std::string p) { return {OpKind::kRmdir, std::move(p), ""}; }
Op unlink(std::string p) { return {OpKind::kUnlink, std::move(p), ""}; }
Op unlinkat(long d, std::string p, long f) { return {OpKind::kUnlinkat, std::move(p), "", d, f}; }
Op rename(std::string a, std::string b) { return {OpKind::kRename, std::move(a), std::move(b)}; }
Op renameat2(std::string a, std::string b, long f) {
  return {OpKind::kRenameat2, std::move(a), std::move(b), f};
}
Op link(std::string a, std::string b) { return {OpKind::kLink, std::move(a), std::move(b)}; }
Op symlink(std::string t, std::string p) { return {OpKind::kSymlink, std::move(t), std::move(p)}; }
Op readlink(std::string p, long n) { return {OpKind::kReadlink, std::move(p), "", n}; }
Op stat(std::string p) { return {OpKind::kStat, std::move(p), ""}; }
Op lstat(std::string p) { return {OpKind::kLstat, std::move(p), ""}; }
Op access(std::string p, long m) { return {OpKind::kAccess, std::move(p), "", m}; }
Op chmod(std::string p, long m) { return {OpKind::kChmod, std::move(p), "", m}; }
Op mkfifo(std::string p, long m) { return {OpKind::kMknodFifo, std::move(p), "", m}; }
Op list(std::string p) { return {OpKind::kListDir, std::move(p), ""}; }
Op chdir(std::string p) { return {OpKind::kChdir, std::move(p), ""}; }
Op fchdir(long fd) { return {OpKind::kFchdir, "", "", fd}; }
Op getcwd(long size) { return {OpKind::kGetcwd, "", "", size}; }
Op umask(long m) { return {OpKind::kUmask, "", "", m}; }
Op utimens(std::string p, long f) { return {OpKind::kUtimens, std::move(p), "", f}; }
}  // namespace op

// --- applying ------------------------------------------------------------------------------

std::string apply(Fs& fs, const Op& o, const CompareOptions& opt) {
  auto data = [](long r, const std::string& s) {
    return r < 0 ? result_str(r) : std::to_string(r) + " " + quote(s);
  };
  auto with_stat = [&](long r, const StatInfo& st) {
    return r < 0 ? result_str(r) : "0 " + to_string(st, opt.dir_sizes);
  };
  std::string s;
  StatInfo st;
  switch (o.kind) {
    case OpKind::kOpen: return result_str(fs.open(o.a, int(o.x), mode_t(o.y)));
    case OpKind::kOpenat: return result_str(fs.openat(int(o.x), o.a, int(o.y), mode_t(o.z)));
    case OpKind::kClose: return result_str(fs.close(int(o.x)));
    case OpKind::kRead: {
      long r = fs.read(int(o.x), size_t(o.y), &s);
      return data(r, s);
    }
    case OpKind::kWrite: return result_str(fs.write(int(o.x), o.a));
    case OpKind::kPread: {
      long r = fs.pread(int(o.x), size_t(o.y), off_t(o.z), &s);
      return data(r, s);
    }
    case OpKind::kPwrite: return result_str(fs.pwrite(int(o.x), o.a, off_t(o.y)));
    case OpKind::kLseek: return result_str(fs.lseek(int(o.x), off_t(o.y), int(o.z)));
    case OpKind::kFtruncate: return result_str(fs.ftruncate(int(o.x), off_t(o.y)));
    case OpKind::kTruncate: return result_str(fs.truncate(o.a, off_t(o.x)));
    case OpKind::kFallocate:
      return result_str(fs.fallocate(int(o.x), int(o.y), off_t(o.z), off_t(o.w)));
    case OpKind::kFsync: return result_str(fs.fsync(int(o.x)));
    case OpKind::kDup: return result_str(fs.dup(int(o.x)));
    case OpKind::kDup2: return result_str(fs.dup2(int(o.x), int(o.y)));
    case OpKind::kFcntl: {
      long r = fs.fcntl(int(o.x), int(o.y), o.z);
      return o.y == F_GETFL && r >= 0 ? octal(r) : result_str(r);
    }
    case OpKind::kFstat: {
      long r = fs.fstat(int(o.x), &st);
      return with_stat(r, st);
    }
    case OpKind::kPipe2: {
      int p[2] = {-1, -1};
      long r = fs.pipe2(p, int(o.x));
      return r < 0 ? result_str(r)
                   : "0 [" + std::to_string(p[0]) + "," + std::to_string(p[1]) + "]";
    }
    case OpKind::kMkdir: return result_str(fs.mkdir(o.a, mode_t(o.x)));
    case OpKind::kMkdirat: return result_str(fs.mkdirat(int(o.x), o.a, mode_t(o.y)));
    case OpKind::kRmdir: return result_str(fs.rmdir(o.a));
    case OpKind::kUnlink: return result_str(fs.unlink(o.a));
    case OpKind::kUnlinkat: return result_str(fs.unlinkat(int(o.x), o.a, int(o.y)));
    case OpKind::kRename: return result_str(fs.rename(o.a, o.b));
    case OpKind::kRenameat2:
      return result_str(fs.renameat2(AT_FDCWD, o.a, AT_FDCWD, o.b, unsigned(o.x)));
    case OpKind::kLink: return result_str(fs.link(o.a, o.b));
    case OpKind::kSymlink: return result_str(fs.symlink(o.a, o.b));
    case OpKind::kReadlink: {
      long r = fs.readlink(o.a, &s, size_t(o.x));
      return data(r, s);
    }
    case OpKind::kStat: {
      long r = fs.stat(o.a, &st);
      return with_stat(r, st);
    }
    case OpKind::kLstat: {
      long r = fs.lstat(o.a, &st);
      return with_stat(r, st);
    }
    case OpKind::kAccess: return result_str(fs.access(o.a, int(o.x)));
    case OpKind::kChmod: return result_str(fs.chmod(o.a, mode_t(o.x)));
    case OpKind::kMknodFifo: return result_str(fs.mknod(o.a, S_IFIFO | mode_t(o.x), 0));
    case OpKind::kListDir: {
      std::vector<Dirent> list;
      long r = fs.list_dir(o.a, &list);
      return r < 0 ? result_str(r) : to_string(list);
    }
    case OpKind::kChdir: return result_str(fs.chdir(o.a));
    case OpKind::kFchdir: return result_str(fs.fchdir(int(o.x)));
    case OpKind::kGetcwd: {
      long r = fs.getcwd(&s, size_t(o.x));
      return r < 0 ? result_str(r) : std::to_string(r) + " " + s;
    }
    case OpKind::kUmask: return octal(fs.umask(mode_t(o.x)));
    case OpKind::kUtimens: {
      const timespec t[2] = {{100, 0}, {200, 0}};
      return result_str(fs.utimensat(AT_FDCWD, o.a, t, int(o.x)));
    }
    case OpKind::kSetxattr:
      return result_str(fs.setxattr(o.a, o.b, std::string(size_t(o.z), 'v'), int(o.x), o.y != 0));
    case OpKind::kGetxattr: {
      long r = fs.getxattr(o.a, o.b, &s, size_t(o.x), o.y != 0);
      return data(r, s);
    }
    case OpKind::kListxattr: {
      std::vector<std::string> names;
      long r = fs.listxattr(o.a, &names, size_t(o.x), o.y != 0);
      std::string all;
      for (const auto& nm : names) all += " " + nm;
      return r < 0 ? result_str(r) : std::to_string(r) + all;
    }
    case OpKind::kRemovexattr: return result_str(fs.removexattr(o.a, o.b, o.y != 0));
  }
  return "?";
}

// --- the tree ------------------------------------------------------------------------------

namespace {

void walk(Fs& fs, const std::string& dir, int depth, const CompareOptions& opt, std::string* out) {
  std::vector<Dirent> list;
  long r = fs.list_dir(dir, &list);
  if (r < 0) {
    *out += dir + " list: " + result_str(r) + "\n";
    return;
  }
  for (const Dirent& d : list) {
    if (d.name == "." || d.name == "..") continue;
    std::string path = (dir == "/" ? "/" : dir + "/") + d.name;
    StatInfo st;
    long sr = fs.lstat(path, &st);
    *out += path + ": " + (sr < 0 ? result_str(sr) : to_string(st, opt.dir_sizes));
    if (sr == 0 && st.is_reg()) {
      std::string all, chunk;
      long fd = fs.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) {
        all = "<" + result_str(fd) + ">";
      } else {
        while (fs.read(int(fd), 65536, &chunk) > 0) all += chunk;
        fs.close(int(fd));
      }
      *out += " " + quote(all);
    } else if (sr == 0 && st.is_lnk()) {
      std::string target;
      long lr = fs.readlink(path, &target);
      *out += " -> " + (lr < 0 ? result_str(lr) : target);
    }
    if (sr == 0) {
      std::vector<std::string> names;
      if (fs.listxattr(path, &names, 65536, false) > 0) {
        for (const std::string& nm : names) {
          std::string v;
          long vr = fs.getxattr(path, nm, &v, 65536, false);
          *out += " [" + nm + "=" + (vr < 0 ? result_str(vr) : quote(v)) + "]";
        }
      }
    }
    *out += "\n";
    if (sr == 0 && st.is_dir() && depth < 10) walk(fs, path, depth + 1, opt, out);
  }
}

}  // namespace

std::string snapshot(Fs& fs, const CompareOptions& opt) {
  StatInfo st;
  long r = fs.lstat("/", &st);
  std::string out = "/: " + (r < 0 ? result_str(r) : to_string(st, opt.dir_sizes)) + "\n";
  walk(fs, "/", 0, opt, &out);
  return out;
}

Trace run(Fs& fs, const Sequence& seq, const CompareOptions& opt) {
  Trace t;
  for (const Op& o : seq) {
    const bool was = fs.escaped();
    t.results.push_back(apply(fs, o, opt));
    if (fs.escaped() && !was) t.results.back() += " [left the root: moved back]";
  }
  t.tree = snapshot(fs, opt);
  return t;
}

long first_difference(const Trace& x, const Trace& y) {
  size_t n = std::min(x.results.size(), y.results.size());
  for (size_t i = 0; i < n; ++i)
    if (x.results[i] != y.results[i]) return long(i);
  if (x.results.size() != y.results.size()) return long(n);
  return x.tree == y.tree ? -1 : long(x.results.size());
}

// --- generating ----------------------------------------------------------------------------

Sequence random_sequence(uint64_t seed, int n) {
  std::mt19937_64 rng(seed * 0x9e3779b97f4a7c15ull + 1);
  auto pick = [&](size_t k) { return size_t(rng() % k); };
  auto chance = [&](int percent) { return int(rng() % 100) < percent; };
  auto one_of = [&](std::initializer_list<long> v) { return *(v.begin() + pick(v.size())); };

  static const char* kParents[] = {"/", "/", "/d/", "/d/e/", "/x/", ""};
  static const char* kNames[] = {"a", "b", "d", "e", "x", "l"};
  static const char* kSuffixes[] = {"/", "/.", "/.."};
  // Never "/" itself: on the host the root is an ordinary directory that could be removed or
  // renamed, on a rump tmpfs it is a mount point (EBUSY/EXDEV instead of EINVAL).
  auto path = [&]() -> std::string {
    if (chance(4)) return chance(50) ? "." : "";
    std::string p = std::string(kParents[pick(6)]) + kNames[pick(6)];
    if (chance(8)) p += kSuffixes[pick(3)];
    return p;
  };
  // Symlink targets stay inside the tree wherever the link is.
  static const char* kTargets[] = {"a",  "d",    "e",    "l",       "d/e",        "/a",
                                   "/d", "/d/e", "/x/a", "nowhere", "/nowhere/a", "b/"};
  auto target = [&]() { return std::string(kTargets[pick(12)]); };
  auto fd = [&]() -> long { return chance(5) ? one_of({-1, 99}) : long(pick(6)); };
  auto data = [&]() -> std::string {
    switch (pick(5)) {
      case 0: return "x";
      case 1: return "hello";
      case 2: return std::string(5000, 'z');
      case 3: return "";
      default: return "0123456789abcdef";
    }
  };
  auto offset = [&]() { return one_of({0, 1, 5, 4096, 4100, 8192, 10000, -1}); };
  static const char* kXattrNames[] = {"user.a", "user.a", "user.b", "trusted.t", "security.s",
                                      "foo.x"};
  auto xattr_name = [&]() { return std::string(kXattrNames[pick(6)]); };
  auto mode = [&]() { return one_of({0644, 0600, 0755, 0777, 0000, 01777, 02755, 0444}); };
  auto open_flags = [&]() {
    long f = one_of({O_RDONLY, O_WRONLY, O_RDWR, O_RDWR, O_PATH});
    if (chance(45)) f |= O_CREAT;
    if (chance(15)) f |= O_EXCL;
    if (chance(15)) f |= O_TRUNC;
    if (chance(15)) f |= O_APPEND;
    if (chance(10) && !(f & O_CREAT)) f |= O_DIRECTORY;  // O_CREAT|O_DIRECTORY changed in 6.4
    if (chance(10)) f |= O_NOFOLLOW;
    return f | O_NONBLOCK;  // FIFOs must not block the run
  };

  struct Choice {
    int weight;
    std::function<Op()> make;
  };
  // clang-format off
  const std::vector<Choice> choices = {
      {15, [&] { return op::open(path(), open_flags(), mode()); }},
      {2, [&] {
         return op::openat(fd(), chance(80) ? kNames[pick(6)] : path(), open_flags(), mode());
       }},
      {6, [&] { return op::close(fd()); }},
      {8, [&] { return op::write(fd(), data()); }},
      {4, [&] { return op::pwrite(fd(), data(), offset()); }},
      {6, [&] { return op::read(fd(), one_of({0, 3, 100, 10000})); }},
      {3, [&] { return op::pread(fd(), one_of({3, 100, 10000}), offset()); }},
      {6, [&] {
         return op::lseek(fd(), offset(),
                          one_of({SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE}));
       }},
      {3, [&] { return op::ftruncate(fd(), one_of({0, 3, 4096, 9000, -1})); }},
      {2, [&] { return op::truncate(path(), one_of({0, 3, 4096, 9000})); }},
      {2, [&] {
         long how = one_of({0, FALLOC_FL_KEEP_SIZE, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
                             FALLOC_FL_PUNCH_HOLE});
         return op::fallocate(fd(), how, offset(), one_of({1, 4096, 8192, 0}));
       }},
      {1, [&] { return op::fsync(fd()); }},
      {2, [&] { return op::dup(fd()); }},
      {2, [&] { return op::dup2(fd(), one_of({3, 7, 0})); }},
      {3, [&] {
         long cmd = one_of({F_GETFL, F_SETFL, F_GETFD, F_SETFD, F_DUPFD, F_DUPFD_CLOEXEC});
         long arg = cmd == F_SETFL   ? one_of({0, O_APPEND, O_NONBLOCK, O_APPEND | O_NONBLOCK})
                    : cmd == F_SETFD ? one_of({0, FD_CLOEXEC})
                                     : one_of({0, 3, 6});
         return op::fcntl(fd(), cmd, arg);
       }},
      {4, [&] { return op::fstat(fd()); }},
      {1, [&] { return op::pipe2(O_NONBLOCK | (chance(50) ? O_CLOEXEC : 0)); }},
      {8, [&] { return op::mkdir(path(), mode()); }},
      {2, [&] { return op::mkdirat(fd(), kNames[pick(6)], mode()); }},
      {5, [&] { return op::rmdir(path()); }},
      {6, [&] { return op::unlink(path()); }},
      {2, [&] { return op::unlinkat(fd(), kNames[pick(6)], chance(50) ? AT_REMOVEDIR : 0); }},
      {8, [&] { return op::rename(path(), path()); }},
      {4, [&] {
         return op::renameat2(path(), path(), one_of({RENAME_NOREPLACE, RENAME_EXCHANGE}));
       }},
      {4, [&] { return op::link(path(), path()); }},
      {5, [&] { return op::symlink(target(), path()); }},
      {3, [&] { return op::readlink(path(), one_of({4096, 2})); }},
      {5, [&] { return op::stat(path()); }},
      {5, [&] { return op::lstat(path()); }},
      {2, [&] { return op::access(path(), one_of({F_OK, R_OK, W_OK, X_OK, R_OK | W_OK})); }},
      {3, [&] { return op::chmod(path(), mode()); }},
      {2, [&] { return op::mkfifo(path(), mode()); }},
      {4, [&] { return op::list(chance(70) ? std::string(kParents[pick(5)]) : path()); }},
      {3, [&] { return op::chdir(chance(60) ? std::string(kParents[pick(5)]) : path()); }},
      {1, [&] { return op::fchdir(fd()); }},
      {2, [&] { return op::getcwd(one_of({4096, 2})); }},
      {1, [&] { return op::umask(one_of({022, 077, 0, 027})); }},
      {1, [&] { return op::utimens(path(), chance(30) ? AT_SYMLINK_NOFOLLOW : 0); }},
      {4, [&] {
         return op::setxattr(path(), xattr_name(), one_of({0, 2, 100}),
                             one_of({0, 0, XATTR_CREATE, XATTR_REPLACE}), chance(80));
       }},
      {3, [&] { return op::getxattr(path(), xattr_name(), one_of({65536, 65536, 0, 1}), chance(80)); }},
      {2, [&] { return op::listxattr(path(), one_of({65536, 65536, 0, 5}), chance(80)); }},
      {2, [&] { return op::removexattr(path(), xattr_name(), chance(80)); }},
  };
  // clang-format on
  int total = 0;
  for (const auto& c : choices) total += c.weight;
  Sequence seq;
  // A little structure to start from, so that later calls find something.
  seq.push_back(op::mkdir("/d"));
  seq.push_back(op::mkdir("/d/e"));
  seq.push_back(op::open("/a", O_CREAT | O_RDWR, 0644));
  while (int(seq.size()) < n) {
    int w = int(pick(size_t(total)));
    for (const auto& c : choices) {
      if (w < c.weight) {
        seq.push_back(c.make());
        break;
      }
      w -= c.weight;
    }
  }
  return seq;
}

// --- shrinking and reporting ---------------------------------------------------------------

Sequence shrink(const Sequence& seq, const std::function<bool(const Sequence&)>& still_fails,
                int max_runs) {
  Sequence cur = seq;
  int runs = 0;
  for (size_t chunk = std::max<size_t>(1, cur.size() / 2);; chunk /= 2) {
    bool progress = true;
    while (progress && runs < max_runs) {
      progress = false;
      for (size_t i = 0; i < cur.size() && runs < max_runs; i += chunk) {
        Sequence cand(cur.begin(), cur.begin() + long(i));
        cand.insert(cand.end(), cur.begin() + long(std::min(cur.size(), i + chunk)), cur.end());
        ++runs;
        if (still_fails(cand)) {
          cur = std::move(cand);
          progress = true;
          break;
        }
      }
    }
    if (chunk <= 1 || runs >= max_runs) break;
  }
  return cur;
}

std::string report(const Sequence& seq, const Trace& host, const Trace& rump,
                   const std::string& rump_name) {
  const long diff = first_difference(host, rump);
  std::string out;
  for (size_t i = 0; i < seq.size(); ++i) {
    const std::string& h = i < host.results.size() ? host.results[i] : "?";
    const std::string& r = i < rump.results.size() ? rump.results[i] : "?";
    char num[32];
    std::snprintf(num, sizeof num, "%3zu ", i);
    out += num + to_string(seq[i]) + "\n      host: " + h;
    if (r != h) out += "\n      " + rump_name + ": " + r;
    if (long(i) == diff) out += "\n      ^^^ first difference";
    out += "\n";
  }
  if (diff == long(seq.size())) {
    out += "the calls agree; the trees afterwards differ:\n--- host\n" + host.tree + "--- " +
           rump_name + "\n" + rump.tree;
  }
  return out;
}

// --- hand-written sequences ----------------------------------------------------------------

// clang-format off
std::vector<NamedSequence> hand_written_sequences() {
  using namespace op;
  constexpr long kCreat = O_CREAT | O_RDWR;
  std::vector<NamedSequence> v;
  v.push_back({"create-write-read",
               {open("/a", kCreat, 0644), write(0, "hello"), lseek(0, 0, SEEK_CUR),
                lseek(0, 0, SEEK_SET), read(0, 10), read(0, 10), fstat(0), close(0), stat("/a"),
                open("/a", O_RDONLY), pread(0, 3, 1), list("/"), close(0), close(0)}});
  v.push_back({"append-and-pwrite",
               {open("/a", kCreat | O_APPEND, 0600), write(0, "abc"), lseek(0, 0, SEEK_SET),
                write(0, "de"), pwrite(0, "X", 0), lseek(0, 0, SEEK_CUR), fcntl(0, F_GETFL),
                fcntl(0, F_SETFL, 0), pwrite(0, "Y", 0), pread(0, 10, 0), fstat(0)}});
  v.push_back({"holes",
               {open("/h", kCreat, 0644), pwrite(0, "b", 10000), lseek(0, 0, SEEK_DATA),
                lseek(0, 0, SEEK_HOLE), lseek(0, 4096, SEEK_DATA), lseek(0, 9000, SEEK_HOLE),
                lseek(0, 10001, SEEK_DATA), pread(0, 16, 4090), ftruncate(0, 20000),
                lseek(0, 10001, SEEK_HOLE), pwrite(0, std::string(12288, 'x'), 0),
                fallocate(0, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 8000),
                lseek(0, 0, SEEK_HOLE), lseek(0, 4096, SEEK_DATA), pread(0, 8, 96),
                fallocate(0, 0, 30000, 100), fstat(0)}});
  v.push_back({"rename-dance",
               {mkdir("/d"), mkdir("/d/e"), mkdir("/x"), open("/a", kCreat), close(0),
                open("/b", kCreat), write(0, "B"), close(0), link("/b", "/b2"),
                rename("/a", "/b"), lstat("/b2"), rename("/b", "/b2"), rename("/d", "/d/e/f"),
                rename("/x", "/d/e"), rename("/d/e", "/x"), rename("/d", "/x/d"),
                lstat("/"), lstat("/x"), renameat2("/b2", "/x", RENAME_NOREPLACE),
                renameat2("/b2", "/x", RENAME_EXCHANGE), lstat("/x"), lstat("/b2/d/.."),
                renameat2("/b2", "/nope", RENAME_EXCHANGE), rename("/b2/", "/c"),
                rename("/x/", "/y/"), list("/"), list("/b2")}});
  v.push_back({"links-and-symlinks",
               {open("/f", kCreat), close(0), link("/f", "/g"), lstat("/f"), unlink("/f"),
                lstat("/g"), mkdir("/d"), link("/d", "/d2"), symlink("g", "/l"),
                symlink("/nowhere", "/dl"), readlink("/l"), readlink("/dl", 3), stat("/l"),
                stat("/dl"), lstat("/dl"), open("/dl", kCreat | O_EXCL),
                open("/l", O_RDONLY | O_NOFOLLOW), open("/l", O_PATH | O_NOFOLLOW), fstat(0),
                open("/dl", kCreat, 0640),
                lstat("/nowhere"), symlink("self", "/self"), stat("/self"), symlink("d", "/ld"),
                open("/ld/x", kCreat), list("/d"), link("/l", "/l2"), lstat("/l2")}});
  v.push_back({"trailing-slashes",
               {open("/f", kCreat), close(0), mkdir("/d"), symlink("d", "/ld"),
                symlink("f", "/lf"), stat("/f/"), lstat("/ld/"), lstat("/lf/"),
                mkdir("/n/"), open("/n2/", kCreat), unlink("/d/"), unlink("/f/"),
                rmdir("/ld/"), rename("/f/", "/g"), rename("/f", "/g/"), link("/f", "/h/"),
                symlink("f", "/s/"), mkfifo("/p/"), symlink("nowhere", "/dl"),
                open("/dl/", kCreat), open("/d/", kCreat | O_EXCL), list("/")}});
  v.push_back({"cwd",
               {mkdir("/d"), mkdir("/d/e"), chdir("/d/e"), getcwd(), getcwd(5), getcwd(6),
                rename("/d", "/x"), getcwd(), open("rel", kCreat), chdir(".."), getcwd(),
                list("e"), chdir("e"), rmdir("/x/e/rel"), unlink("/x/e/rel"), rmdir("/x/e"),
                getcwd(), open("new", kCreat), chdir(".."), getcwd(), fchdir(0)}});
  v.push_back({"umask",
               {umask(077), open("/f", kCreat, 0666), mkdir("/d", 0777), mkfifo("/p", 0666),
                symlink("f", "/l"), umask(0), mkdir("/e", 01777), mkdir("/g", 06777),
                umask(022), lstat("/f"), lstat("/d"), lstat("/p"), lstat("/l"), lstat("/e"),
                lstat("/g")}});
  v.push_back({"dup-and-fcntl",
               {open("/f", kCreat | O_CLOEXEC), dup(0), fcntl(1, F_GETFD), fcntl(0, F_GETFD),
                dup2(0, 5), dup2(0, 0), dup2(9, 3), fcntl(0, F_DUPFD, 3),
                fcntl(0, F_DUPFD_CLOEXEC, 3), fcntl(4, F_GETFD), write(5, "abc"),
                lseek(1, 0, SEEK_CUR), fcntl(0, F_SETFL, O_APPEND | O_NONBLOCK),
                fcntl(1, F_GETFL), close(0), close(1), open("/f", O_RDONLY), close(9),
                fcntl(99, F_GETFL), fcntl(0, 9999)}});
  v.push_back({"pipes",
               {pipe2(O_NONBLOCK), write(1, "abc"), read(0, 10), read(0, 10), fstat(0),
                lseek(0, 0, SEEK_SET), close(1), read(0, 10), pipe2(O_CLOEXEC | O_NONBLOCK),
                fcntl(1, F_GETFD), close(1), write(2, "x"), fcntl(2, F_GETFL)}});
  v.push_back({"errors",
               {mkdir("/d"), open("/d/f", kCreat), close(0), rmdir("/d"), unlink("/d"),
                open("/missing", O_RDONLY), mkdir("/d"), open("/d/f/x", O_RDONLY),
                mkdir("/d/f/x"), rename("/d", "/d/f"), open("/" + std::string(256, 'n'), kCreat),
                mkdir("/" + std::string(255, 'n')), rmdir("/d/."), rmdir("/d/.."),
                rename("/d/.", "/e"), open("/d", O_RDWR), open("/d", O_RDONLY | O_CREAT),
                read(0, 1), write(0, "x"), close(0), close(0), truncate("/d", 0),
                access("/d/f", 8)}});
  v.push_back({"fifo",
               {mkfifo("/p"), open("/p", O_WRONLY | O_NONBLOCK), open("/p", O_RDONLY | O_NONBLOCK),
                open("/p", O_WRONLY | O_NONBLOCK), write(1, "through"), read(0, 100),
                read(0, 100), lstat("/p"), close(1), read(0, 100), fcntl(0, F_GETFL)}});
  v.push_back({"permissions-as-root",
               {open("/f", kCreat, 0000), close(0), access("/f", R_OK | W_OK), access("/f", X_OK),
                chmod("/f", 0100), access("/f", X_OK), open("/f", O_RDWR), chmod("/f", 07777),
                lstat("/f"), chmod("/f", 0170644), lstat("/f"), mkdir("/d", 0), list("/d"),
                open("/d/x", kCreat), lstat("/d/x")}});
  v.push_back({"truncate-and-fallocate",
               {open("/f", kCreat), write(0, "hello world"), ftruncate(0, 5), pread(0, 20, 0),
                ftruncate(0, 8), pread(0, 20, 0), truncate("/f", 2), lseek(0, 0, SEEK_CUR),
                write(0, "!"), pread(0, 20, 0), fallocate(0, FALLOC_FL_KEEP_SIZE, 0, 20000),
                fstat(0), fallocate(0, FALLOC_FL_PUNCH_HOLE, 0, 1), fallocate(0, 0, 0, 0),
                open("/f", O_RDONLY), ftruncate(1, 0), fallocate(1, 0, 0, 1)}});
  std::vector<Op> many{mkdir("/m")};
  for (int i = 0; i < 60; ++i) many.push_back(open("/m/n" + std::to_string(i), kCreat | O_CLOEXEC));
  many.push_back(list("/m"));
  for (int i = 0; i < 60; i += 2) many.push_back(unlink("/m/n" + std::to_string(i)));
  many.push_back(list("/m"));
  many.push_back(lstat("/m"));
  v.push_back({"many-names", many});
  return v;
}
// clang-format on

}  // namespace vfs_suite
