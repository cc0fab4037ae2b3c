// The translating, normalizing half of Fs, shared by every target.
#include "tests/vfs_suite/target.h"

#include <dirent.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace vfs_suite {

const std::string Fs::kEmpty;

std::vector<std::string> all_targets() {
#ifdef RK_SUITE_REMOTE
  // The host's answers are vfs_suite_test's to check; here only the remote kernels run.
  return rump_targets();
#endif
  std::vector<std::string> v{kHost};
  for (const auto& fs : kFileSystems) v.emplace_back(fs.name);
  return v;
}

std::vector<std::string> rump_targets() {
  std::vector<std::string> v;
  for (const auto& fs : kFileSystems) v.emplace_back(fs.name);
  return v;
}

std::string errno_str(int e) {
  const char* n = strerrorname_np(e);
  return n != nullptr ? n : "errno" + std::to_string(e);
}

std::string result_str(long r) { return r < 0 ? errno_str(int(-r)) : std::to_string(r); }

static const char* type_name(uint32_t type) {
  switch (type) {
    case S_IFREG: return "reg";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "lnk";
    case S_IFIFO: return "fifo";
    case S_IFCHR: return "chr";
    case S_IFBLK: return "blk";
    case S_IFSOCK: return "sock";
  }
  return "?";
}

std::string to_string(const StatInfo& s, bool with_dir_size) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %04o n=%llu", type_name(s.type()), s.perm(),
                static_cast<unsigned long long>(s.nlink));
  std::string out = buf;
  if (!s.is_dir() || with_dir_size) out += " s=" + std::to_string(s.size);
  out += " u=" + std::to_string(s.uid) + " g=" + std::to_string(s.gid);
  if (s.type() == S_IFCHR || s.type() == S_IFBLK)
    out += " rdev=" + std::to_string(major(s.rdev)) + ":" + std::to_string(minor(s.rdev));
  return out;
}

static char dtype_char(unsigned t) {
  switch (t) {
    case DT_REG: return 'r';
    case DT_DIR: return 'd';
    case DT_LNK: return 'l';
    case DT_FIFO: return 'p';
    case DT_CHR: return 'c';
    case DT_BLK: return 'b';
    case DT_SOCK: return 's';
    case DT_UNKNOWN: return 'u';
  }
  return '?';
}

std::string to_string(const std::vector<Dirent>& list) {
  std::string s = "{";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) s += ' ';
    s += list[i].name + ':' + dtype_char(list[i].type);
  }
  return s + "}";
}

bool host_kernel_at_least(int major_want, int minor_want) {
  utsname u{};
  if (uname(&u) != 0) return false;
  int maj = 0, min = 0;
  if (std::sscanf(u.release, "%d.%d", &maj, &min) != 2) return false;
  return maj > major_want || (maj == major_want && min >= minor_want);
}

// --- translation ---------------------------------------------------------------------------

Fs::~Fs() = default;

const std::string& Fs::prefix() const {
  size_t i = size_t(current_);
  return i < chrooted_.size() && chrooted_[i] ? kEmpty : root_;
}

std::string Fs::translate(std::string_view p) const {
  if (p.empty() || p[0] != '/') return std::string(p);
  if (p == "/dev" || p.substr(0, 5) == "/dev/") return std::string(p);
  return prefix() + std::string(p);
}

std::string Fs::untranslate(std::string s) const {
  const std::string& pre = prefix();
  if (pre.empty()) return s;
  if (s == pre) return "/";
  if (s.size() > pre.size() && s.compare(0, pre.size(), pre) == 0 && s[pre.size()] == '/')
    return s.substr(pre.size());
  return s;
}

void Fs::on_fork(int child) {
  if (size_t(child) >= chrooted_.size()) chrooted_.resize(size_t(child) + 1, false);
  chrooted_[size_t(child)] = chrooted_[size_t(current_)];
}

void Fs::on_exit(int id) {
  if (size_t(id) < chrooted_.size()) chrooted_[size_t(id)] = false;
}

// --- normalization -------------------------------------------------------------------------

static void from_stat(const struct stat& s, StatInfo* out) {
  *out = StatInfo{};
  out->mode = s.st_mode;
  out->nlink = s.st_nlink;
  out->size = s.st_size;
  out->uid = s.st_uid;
  out->gid = s.st_gid;
  out->rdev = s.st_rdev;
  out->ino = s.st_ino;
  out->dev = s.st_dev;
  out->blocks = s.st_blocks;
  out->atime = s.st_atim;
  out->mtime = s.st_mtim;
  out->ctime = s.st_ctim;
}

static void from_statfs(const struct statfs& s, StatfsInfo* out) {
  out->type = s.f_type;
  out->bsize = s.f_bsize;
  out->frsize = s.f_frsize;
  out->namelen = s.f_namelen;
  out->flags = s.f_flags;
  out->blocks = s.f_blocks;
  out->bfree = s.f_bfree;
  out->bavail = s.f_bavail;
  out->files = s.f_files;
  out->ffree = s.f_ffree;
}

void Fs::fix_link_size(int dirfd, const std::string& tpath, StatInfo* st) {
  if (!st->is_lnk() || prefix().empty()) return;
  char buf[8192];
  long n = sys_readlinkat(dirfd, tpath.c_str(), buf, sizeof buf);
  if (n <= 0) return;
  std::string target(buf, size_t(n));
  st->size = int64_t(untranslate(target).size());
}

long Fs::open(std::string_view path, int flags, mode_t mode) {
  return sys_open(translate(path).c_str(), flags, mode);
}

long Fs::openat(int dirfd, std::string_view path, int flags, mode_t mode) {
  return sys_openat(dirfd, translate(path).c_str(), flags, mode);
}

long Fs::read(int fd, size_t count, std::string* out) {
  std::string buf(count, '\0');
  long r = sys_read(fd, buf.data(), count);
  if (out != nullptr) *out = r > 0 ? buf.substr(0, size_t(r)) : std::string();
  return r;
}

long Fs::pread(int fd, size_t count, off_t off, std::string* out) {
  std::string buf(count, '\0');
  long r = sys_pread(fd, buf.data(), count, off);
  if (out != nullptr) *out = r > 0 ? buf.substr(0, size_t(r)) : std::string();
  return r;
}

long Fs::readv(int fd, const std::vector<size_t>& sizes, std::vector<std::string>* out) {
  std::vector<std::string> bufs;
  std::vector<iovec> iov;
  for (size_t n : sizes) bufs.emplace_back(n, '\0');
  for (auto& b : bufs) iov.push_back({b.data(), b.size()});
  long r = sys_readv(fd, iov.data(), int(iov.size()));
  if (out != nullptr) {
    out->clear();
    size_t left = r > 0 ? size_t(r) : 0;
    for (auto& b : bufs) {
      size_t take = std::min(left, b.size());
      out->push_back(b.substr(0, take));
      left -= take;
    }
  }
  return r;
}

long Fs::writev(int fd, const std::vector<std::string>& bufs) {
  std::vector<iovec> iov;
  for (const auto& b : bufs) iov.push_back({const_cast<char*>(b.data()), b.size()});
  return sys_writev(fd, iov.data(), int(iov.size()));
}

long Fs::stat(std::string_view path, StatInfo* st) {
  struct stat s {};
  std::string t = translate(path);
  long r = sys_stat(t.c_str(), &s);
  if (r == 0 && st != nullptr) from_stat(s, st);
  return r;
}

long Fs::lstat(std::string_view path, StatInfo* st) {
  struct stat s {};
  std::string t = translate(path);
  long r = sys_lstat(t.c_str(), &s);
  if (r == 0 && st != nullptr) {
    from_stat(s, st);
    fix_link_size(AT_FDCWD, t, st);
  }
  return r;
}

long Fs::fstat(int fd, StatInfo* st) {
  struct stat s {};
  long r = sys_fstat(fd, &s);
  if (r == 0 && st != nullptr) {
    from_stat(s, st);
    fix_link_size(fd, "", st);  // an O_PATH|O_NOFOLLOW descriptor of a symlink
  }
  return r;
}

long Fs::fstatat(int dirfd, std::string_view path, StatInfo* st, int flags) {
  struct stat s {};
  std::string t = translate(path);
  long r = sys_fstatat(dirfd, t.c_str(), &s, flags);
  if (r == 0 && st != nullptr) {
    from_stat(s, st);
    fix_link_size(dirfd, t, st);
  }
  return r;
}

long Fs::statx(int dirfd, std::string_view path, int flags, unsigned mask, StatInfo* st) {
  struct statx x {};
  std::string t = translate(path);
  long r = sys_statx(dirfd, t.c_str(), flags, mask, &x);
  if (r == 0 && st != nullptr) {
    *st = StatInfo{};
    st->statx_mask = x.stx_mask;
    st->mode = x.stx_mode;
    st->nlink = x.stx_nlink;
    st->size = int64_t(x.stx_size);
    st->uid = x.stx_uid;
    st->gid = x.stx_gid;
    st->rdev = makedev(x.stx_rdev_major, x.stx_rdev_minor);
    st->ino = x.stx_ino;
    st->dev = makedev(x.stx_dev_major, x.stx_dev_minor);
    st->blocks = int64_t(x.stx_blocks);
    st->atime = {x.stx_atime.tv_sec, x.stx_atime.tv_nsec};
    st->mtime = {x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec};
    st->ctime = {x.stx_ctime.tv_sec, x.stx_ctime.tv_nsec};
    fix_link_size(dirfd, t, st);
  }
  return r;
}

long Fs::access(std::string_view path, int mode) {
  return sys_access(translate(path).c_str(), mode);
}
long Fs::faccessat(int dirfd, std::string_view path, int mode, int flags) {
  return sys_faccessat(dirfd, translate(path).c_str(), mode, flags);
}
long Fs::setxattr(std::string_view path, std::string_view name, std::string_view value, int flags,
                  bool follow) {
  return sys_setxattr(translate(path).c_str(), std::string(name).c_str(), value.data(),
                      value.size(), flags, follow);
}
long Fs::fsetxattr(int fd, std::string_view name, std::string_view value, int flags) {
  return sys_fsetxattr(fd, std::string(name).c_str(), value.data(), value.size(), flags);
}
long Fs::getxattr(std::string_view path, std::string_view name, std::string* out, size_t size,
                  bool follow) {
  std::string buf(size, '\0');
  long r = sys_getxattr(translate(path).c_str(), std::string(name).c_str(),
                        size ? buf.data() : nullptr, size, follow);
  if (out != nullptr) *out = r > 0 && size != 0 ? buf.substr(0, size_t(r)) : std::string();
  return r;
}
long Fs::fgetxattr(int fd, std::string_view name, std::string* out, size_t size) {
  std::string buf(size, '\0');
  long r = sys_fgetxattr(fd, std::string(name).c_str(), size ? buf.data() : nullptr, size);
  if (out != nullptr) *out = r > 0 && size != 0 ? buf.substr(0, size_t(r)) : std::string();
  return r;
}
namespace {
// "a\0b\0" -> {"a", "b"}, sorted (file systems list in their own order).
std::vector<std::string> split_names(const std::string& buf, long len) {
  std::vector<std::string> names;
  size_t at = 0;
  while (len > 0 && at < size_t(len)) {
    size_t end = buf.find('\0', at);
    if (end == std::string::npos || end >= size_t(len)) end = size_t(len);
    names.push_back(buf.substr(at, end - at));
    at = end + 1;
  }
  std::sort(names.begin(), names.end());
  return names;
}
}  // namespace
long Fs::listxattr(std::string_view path, std::vector<std::string>* out, size_t size, bool follow) {
  std::string buf(size, '\0');
  long r = sys_listxattr(translate(path).c_str(), size ? buf.data() : nullptr, size, follow);
  if (out != nullptr) *out = size != 0 ? split_names(buf, r) : std::vector<std::string>();
  return r;
}
long Fs::flistxattr(int fd, std::vector<std::string>* out, size_t size) {
  std::string buf(size, '\0');
  long r = sys_flistxattr(fd, size ? buf.data() : nullptr, size);
  if (out != nullptr) *out = size != 0 ? split_names(buf, r) : std::vector<std::string>();
  return r;
}
long Fs::removexattr(std::string_view path, std::string_view name, bool follow) {
  return sys_removexattr(translate(path).c_str(), std::string(name).c_str(), follow);
}
long Fs::fremovexattr(int fd, std::string_view name) {
  return sys_fremovexattr(fd, std::string(name).c_str());
}

long Fs::chmod(std::string_view path, mode_t mode) {
  return sys_chmod(translate(path).c_str(), mode);
}
long Fs::fchmodat(int dirfd, std::string_view path, mode_t mode, int flags) {
  return sys_fchmodat(dirfd, translate(path).c_str(), mode, flags);
}
long Fs::chown(std::string_view path, uid_t uid, gid_t gid) {
  return sys_chown(translate(path).c_str(), uid, gid);
}
long Fs::lchown(std::string_view path, uid_t uid, gid_t gid) {
  return sys_lchown(translate(path).c_str(), uid, gid);
}
long Fs::fchownat(int dirfd, std::string_view path, uid_t uid, gid_t gid, int flags) {
  return sys_fchownat(dirfd, translate(path).c_str(), uid, gid, flags);
}
long Fs::utimensat(int dirfd, std::string_view path, const timespec* times, int flags) {
  return sys_utimensat(dirfd, translate(path).c_str(), times, flags);
}
long Fs::truncate(std::string_view path, off_t len) {
  return sys_truncate(translate(path).c_str(), len);
}

long Fs::statfs(std::string_view path, StatfsInfo* out) {
  struct statfs s {};
  long r = sys_statfs(translate(path).c_str(), &s);
  if (r == 0 && out != nullptr) from_statfs(s, out);
  return r;
}

long Fs::fstatfs(int fd, StatfsInfo* out) {
  struct statfs s {};
  long r = sys_fstatfs(fd, &s);
  if (r == 0 && out != nullptr) from_statfs(s, out);
  return r;
}

long Fs::mkdir(std::string_view path, mode_t mode) {
  return sys_mkdir(translate(path).c_str(), mode);
}
long Fs::mkdirat(int dirfd, std::string_view path, mode_t mode) {
  return sys_mkdirat(dirfd, translate(path).c_str(), mode);
}
long Fs::rmdir(std::string_view path) { return sys_rmdir(translate(path).c_str()); }
long Fs::unlink(std::string_view path) { return sys_unlink(translate(path).c_str()); }
long Fs::unlinkat(int dirfd, std::string_view path, int flags) {
  return sys_unlinkat(dirfd, translate(path).c_str(), flags);
}
long Fs::rename(std::string_view from, std::string_view to) {
  return sys_rename(translate(from).c_str(), translate(to).c_str());
}
long Fs::renameat(int fromfd, std::string_view from, int tofd, std::string_view to) {
  return sys_renameat(fromfd, translate(from).c_str(), tofd, translate(to).c_str());
}
long Fs::renameat2(int fromfd, std::string_view from, int tofd, std::string_view to,
                   unsigned flags) {
  return sys_renameat2(fromfd, translate(from).c_str(), tofd, translate(to).c_str(), flags);
}
long Fs::link(std::string_view from, std::string_view to) {
  return sys_link(translate(from).c_str(), translate(to).c_str());
}
long Fs::linkat(int fromfd, std::string_view from, int tofd, std::string_view to, int flags) {
  return sys_linkat(fromfd, translate(from).c_str(), tofd, translate(to).c_str(), flags);
}
long Fs::symlink(std::string_view target, std::string_view path) {
  // An absolute target is translated like any path (it is resolved later, in the tree).
  return sys_symlink(translate(target).c_str(), translate(path).c_str());
}
long Fs::symlinkat(std::string_view target, int dirfd, std::string_view path) {
  return sys_symlinkat(translate(target).c_str(), dirfd, translate(path).c_str());
}

long Fs::readlink(std::string_view path, std::string* out, size_t bufsiz) {
  return readlinkat(AT_FDCWD, path, out, bufsiz);
}

long Fs::readlinkat(int dirfd, std::string_view path, std::string* out, size_t bufsiz) {
  std::string t = translate(path);
  if (bufsiz == 0) return sys_readlinkat(dirfd, t.c_str(), nullptr, 0);  // Linux: EINVAL
  // Read all of it, take the root off, then truncate as readlink(2) would have.
  std::string buf(8192, '\0');
  long r = sys_readlinkat(dirfd, t.c_str(), buf.data(), buf.size());
  if (r < 0) return r;
  std::string s = untranslate(buf.substr(0, size_t(r)));
  if (s.size() > bufsiz) s.resize(bufsiz);
  if (out != nullptr) *out = s;
  return long(s.size());
}

long Fs::mknod(std::string_view path, mode_t mode, dev_t dev) {
  return sys_mknod(translate(path).c_str(), mode, dev);
}
long Fs::mknodat(int dirfd, std::string_view path, mode_t mode, dev_t dev) {
  return sys_mknodat(dirfd, translate(path).c_str(), mode, dev);
}

long Fs::getdents(int fd, size_t bufsiz, std::vector<Dirent>* out) {
  std::vector<char> buf(bufsiz + 8);
  long r = sys_getdents64(fd, buf.data(), bufsiz);
  if (out != nullptr) out->clear();
  if (r <= 0 || out == nullptr) return r;
  // struct linux_dirent64: ino, off, reclen, type, name
  for (long pos = 0; pos < r;) {
    const char* p = buf.data() + pos;
    uint64_t ino;
    uint16_t reclen;
    std::memcpy(&ino, p, 8);
    std::memcpy(&reclen, p + 16, 2);
    Dirent d;
    d.ino = ino;
    d.type = static_cast<unsigned char>(p[18]);
    d.name = std::string(p + 19, strnlen(p + 19, size_t(reclen) - 19));
    out->push_back(std::move(d));
    if (reclen == 0) break;  // a broken record: stop rather than spin
    pos += reclen;
  }
  return r;
}

long Fs::list_dir(std::string_view path, std::vector<Dirent>* out) {
  long fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fd;
  out->clear();
  for (int rounds = 0; rounds < 100000; ++rounds) {
    std::vector<Dirent> chunk;
    long r = getdents(int(fd), 4096, &chunk);
    if (r < 0) {
      close(int(fd));
      return r;
    }
    if (r == 0) break;
    out->insert(out->end(), chunk.begin(), chunk.end());
  }
  close(int(fd));
  std::sort(out->begin(), out->end());
  return 0;
}

long Fs::chdir(std::string_view path) {
  long r = sys_chdir(translate(path).c_str());
  if (r == 0) check_escape();
  return r;
}

long Fs::fchdir(int fd) {
  long r = sys_fchdir(fd);
  if (r == 0) check_escape();
  return r;
}

void Fs::check_escape() {
  const std::string& pre = prefix();
  if (pre.empty()) return;  // chrooted (or no root): the kernel confines the process
  char buf[8192];
  if (sys_getcwd(buf, sizeof buf) < 0) return;  // a removed cwd is not an escape
  std::string raw(buf);
  if (raw == pre || raw.compare(0, pre.size() + 1, pre + "/") == 0) return;
  escaped_ = true;
  sys_chdir(pre.c_str());
}

long Fs::getcwd(std::string* out, size_t size) {
  const std::string& pre = prefix();
  std::string buf(size + pre.size() + 1, '\0');
  long r = sys_getcwd(buf.data(), size + pre.size());
  if (r < 0) return r;
  std::string raw(buf.c_str());
  std::string s = untranslate(raw);
  if (s == raw && !pre.empty()) {
    // Outside the root (only reachable after an escape that check_escape undid; or the
    // "(unreachable)" form Linux gives for a cwd outside the process's root).
    s = "<outside the root: " + raw + ">";
  } else if (s.size() + 1 > size) {
    return -ERANGE;
  }
  if (out != nullptr) *out = s;
  return long(s.size() + 1);
}

long Fs::chroot(std::string_view path) {
  long r = sys_chroot(translate(path).c_str());
  if (r == 0) {
    if (size_t(current_) >= chrooted_.size()) chrooted_.resize(size_t(current_) + 1, false);
    chrooted_[size_t(current_)] = true;
  }
  return r;
}

long Fs::mount(std::string_view source, std::string_view target, std::string_view type,
               unsigned long flags, const char* data) {
  std::string s(source), ty(type);
  return sys_mount(s.c_str(), translate(target).c_str(), ty.c_str(), flags, data);
}

long Fs::umount2(std::string_view target, int flags) {
  return sys_umount2(translate(target).c_str(), flags);
}

long Fs::become(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
  if (long r = setgroups(groups); r < 0) return r;
  if (long r = setresgid(gid, gid, gid); r < 0) return r;
  return setresuid(uid, uid, uid);
}

}  // namespace vfs_suite
