#include "tools/rump_fuse/ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "tools/rump_fuse/creds.h"
#include "tools/rump_fuse/nodes.h"

namespace rump_fuse {

// An open directory: its descriptor and the entries read but not yet given to the host.
struct Dir {
  int fd = -1;
  off_t pos = 0;                // offset of the next entry to give
  std::vector<char> buf;
  size_t at = 0, len = 0;       // unread entries in buf
  std::mutex lock;
};

namespace {

FsState& state(fuse_req_t req) { return *static_cast<FsState*>(fuse_req_userdata(req)); }

// Kernel descriptors handed to the host (fi->fh), and their release.
void handle_opened(FsState& s, int fd, uint64_t node, Dir* d) {
  std::lock_guard g(s.handles_lock);
  s.handles[fd] = FsState::Handle{node, d};
}

// A new descriptor of node's open file (for the caller to close), or -1: for a file that has no
// name left. A copy, because the host may release the original meanwhile.
int dup_handle_of(FsState& s, uint64_t node) {
  std::lock_guard g(s.handles_lock);
  for (const auto& [fd, h] : s.handles)
    if (h.node == node) return rump_sys_dup(fd);
  return -1;
}

// A descriptor to act on node `ino` with when the host gave none and the node has no path left
// (-1: use the path); *owned is set when the caller must close it.
int unnamed_fd(FsState& s, fuse_ino_t ino, const std::string& path, bool* owned) {
  *owned = false;
  if (!path.empty()) return -1;
  int fd = dup_handle_of(s, ino);
  *owned = fd >= 0;
  return fd;
}

void handle_released(FsState& s, int fd) {
  {
    std::lock_guard g(s.handles_lock);
    s.handles.erase(fd);
  }
  rump_sys_close(fd);
}

// Switches the thread to the requester's credentials; false after replying with the error.
bool as_caller(fuse_req_t req) {
  if (int err = become(request_cred(req))) {
    fuse_reply_err(req, err);
    return false;
  }
  return true;
}

#define RF_ENTER(req) \
  if (!as_caller(req)) return

void reply_status(fuse_req_t req, int r) { fuse_reply_err(req, r < 0 ? errno : 0); }

// Looks `name` up in `parent` and fills e (the node's lookup count goes up by one). 0 or errno.
int do_lookup(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_entry_param& e) {
  FsState& s = state(req);
  std::memset(&e, 0, sizeof e);
  std::string p = s.nodes->child_path(parent, name);
  if (rump_sys_lstat(p.c_str(), &e.attr) < 0) return errno;
  e.ino = s.nodes->found(parent, name, e.attr.st_ino);
  e.attr_timeout = s.timeout;
  e.entry_timeout = s.timeout;
  return 0;
}

// With a remote kernel (FsState::chown_created) what a request makes is the connection's
// process's: give it to the caller — the directory's group in a setgid directory — as a kernel
// acting with the caller's credentials would have made it. Set-id bits, which a chown clears,
// are put back. mode 0: a symbolic link.
void give_to_caller(fuse_req_t req, const std::string& path, int fd, mode_t mode) {
  if (!state(req).chown_created) return;
  Cred c = request_cred(req);
  if (c.uid == 0 && c.gid == 0) return;
  gid_t gid = c.gid;
  std::string dir = path.substr(0, path.rfind('/'));
  struct stat parent;
  if (rump_sys_stat(dir.empty() ? "/" : dir.c_str(), &parent) == 0 && (parent.st_mode & S_ISGID))
    gid = static_cast<gid_t>(-1);
  if (fd >= 0) rump_sys_fchown(fd, c.uid, gid);
  else rump_sys_lchown(path.c_str(), c.uid, gid);
  if (mode & (S_ISUID | S_ISGID)) {
    if (fd >= 0) rump_sys_fchmod(fd, mode & 07777);
    else rump_sys_chmod(path.c_str(), mode & 07777);
  }
}

void reply_entry(fuse_req_t req, fuse_ino_t parent, const char* name) {
  fuse_entry_param e;
  if (int err = do_lookup(req, parent, name, e)) {
    fuse_reply_err(req, err);
  } else if (fuse_reply_entry(req, &e) != 0) {
    state(req).nodes->forget(e.ino, 1);
  }
}

void op_init(void* userdata, fuse_conn_info* conn) {
  (void)userdata;
  if (conn->capable & FUSE_CAP_EXPORT_SUPPORT) conn->want &= ~FUSE_CAP_EXPORT_SUPPORT;
  // Permission checks are the kernel's: the host's umask arrives already applied.
  conn->want &= ~FUSE_CAP_DONT_MASK;
}

void op_destroy(void*) { release_thread(); }

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  RF_ENTER(req);
  fuse_entry_param e;
  if (int err = do_lookup(req, parent, name, e)) {
    if (err == ENOENT) {  // a negative entry the host may cache
      std::memset(&e, 0, sizeof e);
      e.entry_timeout = state(req).timeout;
      fuse_reply_entry(req, &e);
      return;
    }
    fuse_reply_err(req, err);
    return;
  }
  if (fuse_reply_entry(req, &e) != 0) state(req).nodes->forget(e.ino, 1);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n) {
  state(req).nodes->forget(ino, n);
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  for (size_t i = 0; i < count; i++) state(req).nodes->forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void reply_attr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  struct stat st;
  int r;
  if (fi) {
    r = rump_sys_fstat(static_cast<int>(fi->fh), &st);
  } else {
    std::string p = state(req).nodes->path(ino);
    bool owned;
    int fd = unnamed_fd(state(req), ino, p, &owned);
    if (fd >= 0) {
      r = rump_sys_fstat(fd, &st);
    } else if (p.empty() && state(req).nodes->last_attributes(ino, &st)) {
      r = 0;
    } else {
      r = rump_sys_lstat(p.c_str(), &st);
    }
    if (owned) rump_sys_close(fd);
  }
  if (r < 0) {
    fuse_reply_err(req, errno);
    return;
  }
  fuse_reply_attr(req, &st, state(req).timeout);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  RF_ENTER(req);
  reply_attr(req, ino, fi);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set,
                fuse_file_info* fi) {
  RF_ENTER(req);
  std::string p = state(req).nodes->path(ino);
  bool owned = false;
  int fd = fi ? static_cast<int>(fi->fh) : unnamed_fd(state(req), ino, p, &owned);
  struct FdCloser {
    int fd;
    bool owned;
    ~FdCloser() {
      if (owned) rump_sys_close(fd);
    }
  } closer{fd, owned};
  int r = 0;
  if (to_set & FUSE_SET_ATTR_MODE) {
    r = fd >= 0 ? rump_sys_fchmod(fd, attr->st_mode) : rump_sys_chmod(p.c_str(), attr->st_mode);
    if (r < 0) return reply_status(req, r);
  }
  if (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) {
    uid_t uid = (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid : static_cast<uid_t>(-1);
    gid_t gid = (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid : static_cast<gid_t>(-1);
    r = fd >= 0 ? rump_sys_fchown(fd, uid, gid) : rump_sys_lchown(p.c_str(), uid, gid);
    if (r < 0) return reply_status(req, r);
  }
  if (to_set & FUSE_SET_ATTR_SIZE) {
    r = fd >= 0 ? rump_sys_ftruncate(fd, attr->st_size) : rump_sys_truncate(p.c_str(), attr->st_size);
    if (r < 0) return reply_status(req, r);
  }
  if (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)) {
    struct timespec tv[2];
    tv[0].tv_sec = tv[1].tv_sec = 0;
    tv[0].tv_nsec = tv[1].tv_nsec = UTIME_OMIT;
    if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
      tv[0].tv_nsec = UTIME_NOW;
    } else if (to_set & FUSE_SET_ATTR_ATIME) {
      tv[0] = attr->st_atim;
    }
    if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
      tv[1].tv_nsec = UTIME_NOW;
    } else if (to_set & FUSE_SET_ATTR_MTIME) {
      tv[1] = attr->st_mtim;
    }
    r = fd >= 0 ? rump_sys_utimensat(fd, nullptr, tv, 0)
                : rump_sys_utimensat(AT_FDCWD, p.c_str(), tv, AT_SYMLINK_NOFOLLOW);
    if (r < 0) return reply_status(req, r);
  }
  reply_attr(req, ino, fi);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino) {
  RF_ENTER(req);
  char buf[PATH_MAX + 1];
  ssize_t n = rump_sys_readlink(state(req).nodes->path(ino).c_str(), buf, PATH_MAX);
  if (n < 0) return reply_status(req, -1);
  buf[n] = '\0';
  fuse_reply_readlink(req, buf);
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t rdev) {
  RF_ENTER(req);
  std::string p = state(req).nodes->child_path(parent, name);
  if (rump_sys_mknod(p.c_str(), mode, rdev) < 0) return reply_status(req, -1);
  give_to_caller(req, p, -1, mode);
  reply_entry(req, parent, name);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  RF_ENTER(req);
  std::string p = state(req).nodes->child_path(parent, name);
  if (rump_sys_mkdir(p.c_str(), mode) < 0) return reply_status(req, -1);
  give_to_caller(req, p, -1, mode);
  reply_entry(req, parent, name);
}

void op_symlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
  RF_ENTER(req);
  std::string p = state(req).nodes->child_path(parent, name);
  if (rump_sys_symlink(target, p.c_str()) < 0) return reply_status(req, -1);
  give_to_caller(req, p, -1, 0);
  reply_entry(req, parent, name);
}

void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char* newname) {
  RF_ENTER(req);
  NodeTable& nodes = *state(req).nodes;
  if (rump_sys_link(nodes.path(ino).c_str(), nodes.child_path(newparent, newname).c_str()) < 0)
    return reply_status(req, -1);
  reply_entry(req, newparent, newname);
}

// unlink(2) or rmdir(2); the node loses that name.
void remove_entry(fuse_req_t req, fuse_ino_t parent, const char* name, bool dir) {
  RF_ENTER(req);
  NodeTable& nodes = *state(req).nodes;
  std::string p = nodes.child_path(parent, name);
  struct stat st;
  bool known = rump_sys_lstat(p.c_str(), &st) == 0;
  if ((dir ? rump_sys_rmdir(p.c_str()) : rump_sys_unlink(p.c_str())) < 0)
    return reply_status(req, -1);
  if (known) nodes.unlinked(st.st_ino, parent, name, st);
  fuse_reply_err(req, 0);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_entry(req, parent, name, false);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  remove_entry(req, parent, name, true);
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t newparent,
               const char* newname, unsigned int flags) {
  RF_ENTER(req);
  NodeTable& nodes = *state(req).nodes;
  std::string from = nodes.child_path(parent, name), to = nodes.child_path(newparent, newname);
  struct stat src, dst;
  bool have_src = rump_sys_lstat(from.c_str(), &src) == 0;
  bool have_dst = rump_sys_lstat(to.c_str(), &dst) == 0;
  if (rump_sys_renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) < 0)
    return reply_status(req, -1);
  if (have_src && have_dst && src.st_ino == dst.st_ino) {
    // Two links of one file: rename(2) did nothing.
  } else if (flags & RENAME_EXCHANGE) {
    if (have_src) nodes.moved(src.st_ino, parent, name, newparent, newname);
    if (have_dst) nodes.moved(dst.st_ino, newparent, newname, parent, name);
  } else {
    if (have_dst) nodes.unlinked(dst.st_ino, newparent, newname, dst);
    if (have_src) nodes.moved(src.st_ino, parent, name, newparent, newname);
  }
  fuse_reply_err(req, 0);
}

// Open flags the host kernel applies itself. Every write arrives with its offset (the host
// computes the end of file for O_APPEND, and fcntl(F_SETFL) may clear O_APPEND without telling
// us), so the kernel's descriptor must not append on its own.
constexpr int kHostOnlyFlags = O_APPEND;

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  RF_ENTER(req);
  int flags = fi->flags & ~(O_CREAT | O_EXCL | O_NOCTTY | kHostOnlyFlags);
  int fd = rump_sys_open(state(req).nodes->path(ino).c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return reply_status(req, -1);
  fi->fh = static_cast<uint64_t>(fd);
  handle_opened(state(req), fd, ino, nullptr);
  if (fuse_reply_open(req, fi) != 0) handle_released(state(req), fd);
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               fuse_file_info* fi) {
  RF_ENTER(req);
  std::string p = state(req).nodes->child_path(parent, name);
  const int flags = (fi->flags & ~(O_NOCTTY | kHostOnlyFlags)) | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
  int fd;
  if (state(req).chown_created) {
    // Only a file this request made is given to the caller: O_EXCL tells.
    fd = rump_sys_open(p.c_str(), flags | O_EXCL, mode);
    if (fd >= 0) give_to_caller(req, p, fd, mode);
    else if (errno == EEXIST && !(flags & O_EXCL)) fd = rump_sys_open(p.c_str(), flags, mode);
  } else {
    fd = rump_sys_open(p.c_str(), flags, mode);
  }
  if (fd < 0) return reply_status(req, -1);
  fuse_entry_param e;
  if (int err = do_lookup(req, parent, name, e)) {
    rump_sys_close(fd);
    fuse_reply_err(req, err);
    return;
  }
  fi->fh = static_cast<uint64_t>(fd);
  handle_opened(state(req), fd, e.ino, nullptr);
  if (fuse_reply_create(req, &e, fi) != 0) {
    handle_released(state(req), fd);
    state(req).nodes->forget(e.ino, 1);
  }
}

void op_read(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  RF_ENTER(req);
  std::unique_ptr<char[]> buf(new char[size ? size : 1]);
  ssize_t n = rump_sys_pread(static_cast<int>(fi->fh), buf.get(), size, off);
  if (n < 0) return reply_status(req, -1);
  fuse_reply_buf(req, buf.get(), static_cast<size_t>(n));
}

void op_write(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off,
              fuse_file_info* fi) {
  RF_ENTER(req);
  ssize_t n = rump_sys_pwrite(static_cast<int>(fi->fh), buf, size, off);
  if (n < 0) return reply_status(req, -1);
  fuse_reply_write(req, static_cast<size_t>(n));
}

void op_flush(fuse_req_t req, fuse_ino_t, fuse_file_info*) { fuse_reply_err(req, 0); }

void op_release(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  // The descriptor table is shared by every credential's process: any lwp may close it.
  RF_ENTER(req);
  handle_released(state(req), static_cast<int>(fi->fh));
  fuse_reply_err(req, 0);
}

void op_fsync(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
  RF_ENTER(req);
  int fd = static_cast<int>(fi->fh);
  reply_status(req, datasync ? rump_sys_fdatasync(fd) : rump_sys_fsync(fd));
}


Dir* dir_of(fuse_file_info* fi) { return reinterpret_cast<Dir*>(static_cast<uintptr_t>(fi->fh)); }

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  RF_ENTER(req);
  int fd = rump_sys_open(state(req).nodes->path(ino).c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return reply_status(req, -1);
  auto* d = new Dir;
  d->fd = fd;
  d->buf.resize(32768);
  fi->fh = reinterpret_cast<uintptr_t>(d);
  handle_opened(state(req), fd, ino, d);
  if (fuse_reply_open(req, fi) != 0) {
    handle_released(state(req), fd);
    delete d;
  }
}

struct KDirent {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Fills `out` with the entries from `off` on; the bytes used, or -errno.
ssize_t fill_readdir(fuse_req_t req, fuse_ino_t ino, std::vector<char>& out, off_t off, Dir* d,
                     bool plus) {
  const size_t size = out.size();
  std::lock_guard g(d->lock);
  if (off != d->pos) {
    if (rump_sys_lseek(d->fd, off, SEEK_SET) < 0) return -errno;
    d->pos = off;
    d->at = d->len = 0;
  }
  size_t used = 0;
  for (;;) {
    if (d->at >= d->len) {
      ssize_t n = rump_sys_getdents64(d->fd, d->buf.data(), d->buf.size());
      if (n < 0) {
        if (used == 0) return -errno;
        break;
      }
      if (n == 0) break;
      d->at = 0;
      d->len = static_cast<size_t>(n);
    }
    auto* de = reinterpret_cast<KDirent*>(d->buf.data() + d->at);
    const char* name = de->d_name;
    size_t need;
    if (plus) {
      fuse_entry_param e;
      std::memset(&e, 0, sizeof e);
      bool dot = std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0;
      if (dot) {
        e.attr.st_ino = de->d_ino;
        e.attr.st_mode = static_cast<mode_t>(de->d_type) << 12;
      } else if (do_lookup(req, ino, name, e) != 0) {
        // Gone since getdents: skip it.
        d->at += de->d_reclen;
        d->pos = de->d_off;
        continue;
      }
      need = fuse_add_direntry_plus(req, out.data() + used, size - used, name, &e, de->d_off);
      if (need > size - used) {
        if (!dot) state(req).nodes->forget(e.ino, 1);
        break;
      }
    } else {
      struct stat st;
      std::memset(&st, 0, sizeof st);
      st.st_ino = de->d_ino;
      st.st_mode = static_cast<mode_t>(de->d_type) << 12;
      need = fuse_add_direntry(req, out.data() + used, size - used, name, &st, de->d_off);
      if (need > size - used) break;
    }
    used += need;
    d->at += de->d_reclen;
    d->pos = de->d_off;
  }
  return static_cast<ssize_t>(used);
}

void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi,
                bool plus) {
  RF_ENTER(req);
  std::vector<char> out(size);
  // The reply comes after the Dir is let go: once the host has its entries it may close the
  // directory, and releasedir (on another thread) frees the Dir. Unlocking its mutex after the
  // reply once wrote into freed memory the kernel had reused.
  ssize_t used = fill_readdir(req, ino, out, off, dir_of(fi), plus);
  if (used < 0) {
    fuse_reply_err(req, static_cast<int>(-used));
    return;
  }
  fuse_reply_buf(req, out.data(), static_cast<size_t>(used));
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  do_readdir(req, ino, size, off, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  RF_ENTER(req);
  Dir* d = dir_of(fi);
  handle_released(state(req), d->fd);
  delete d;
  fuse_reply_err(req, 0);
}

void op_fsyncdir(fuse_req_t req, fuse_ino_t, int datasync, fuse_file_info* fi) {
  RF_ENTER(req);
  int fd = dir_of(fi)->fd;
  reply_status(req, datasync ? rump_sys_fdatasync(fd) : rump_sys_fsync(fd));
}

// Extended attributes: the l* calls on the node's path (the host has followed any symbolic
// link already: a node that is a link means the link itself), the f* calls on an open
// descriptor for a node with no name left.
struct XattrTarget {
  std::string path;
  int fd = -1;
  bool owned = false;
  XattrTarget(fuse_req_t req, fuse_ino_t ino) : path(state(req).nodes->path(ino)) {
    fd = unnamed_fd(state(req), ino, path, &owned);
  }
  ~XattrTarget() {
    if (owned) rump_sys_close(fd);
  }
  XattrTarget(const XattrTarget&) = delete;
  XattrTarget& operator=(const XattrTarget&) = delete;
};

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size,
                 int flags) {
  RF_ENTER(req);
  XattrTarget t(req, ino);
  int r = t.fd >= 0 ? rump_sys_fsetxattr(t.fd, name, value, size, flags)
                    : rump_sys_lsetxattr(t.path.c_str(), name, value, size, flags);
  reply_status(req, r);
}

// The host asks with size 0 for the size needed, then with a buffer.
void reply_sized(fuse_req_t req, ssize_t n, const std::vector<char>& buf, size_t size) {
  if (n < 0) return reply_status(req, -1);
  if (size == 0) {
    fuse_reply_xattr(req, static_cast<size_t>(n));
    return;
  }
  fuse_reply_buf(req, buf.data(), static_cast<size_t>(n));
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  RF_ENTER(req);
  XattrTarget t(req, ino);
  std::vector<char> buf(size);
  ssize_t n = t.fd >= 0 ? rump_sys_fgetxattr(t.fd, name, size ? buf.data() : nullptr, size)
                        : rump_sys_lgetxattr(t.path.c_str(), name, size ? buf.data() : nullptr, size);
  reply_sized(req, n, buf, size);
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  RF_ENTER(req);
  XattrTarget t(req, ino);
  std::vector<char> buf(size);
  ssize_t n = t.fd >= 0 ? rump_sys_flistxattr(t.fd, size ? buf.data() : nullptr, size)
                        : rump_sys_llistxattr(t.path.c_str(), size ? buf.data() : nullptr, size);
  reply_sized(req, n, buf, size);
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  RF_ENTER(req);
  XattrTarget t(req, ino);
  int r = t.fd >= 0 ? rump_sys_fremovexattr(t.fd, name) : rump_sys_lremovexattr(t.path.c_str(), name);
  reply_status(req, r);
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
  RF_ENTER(req);
  struct statfs sf;
  if (rump_sys_statfs(state(req).root.c_str(), &sf) < 0) return reply_status(req, -1);
  struct statvfs sv;
  std::memset(&sv, 0, sizeof sv);
  sv.f_bsize = static_cast<unsigned long>(sf.f_bsize);
  sv.f_frsize = sf.f_frsize ? static_cast<unsigned long>(sf.f_frsize) : sv.f_bsize;
  sv.f_blocks = sf.f_blocks;
  sv.f_bfree = sf.f_bfree;
  sv.f_bavail = sf.f_bavail;
  sv.f_files = sf.f_files;
  sv.f_ffree = sf.f_ffree;
  sv.f_favail = sf.f_ffree;
  sv.f_namemax = static_cast<unsigned long>(sf.f_namelen);
  fuse_reply_statfs(req, &sv);
}

void op_access(fuse_req_t req, fuse_ino_t ino, int mask) {
  RF_ENTER(req);
  reply_status(req, rump_sys_faccessat(AT_FDCWD, state(req).nodes->path(ino).c_str(), mask,
                                       AT_SYMLINK_NOFOLLOW));
}

void op_fallocate(fuse_req_t req, fuse_ino_t, int mode, off_t off, off_t len, fuse_file_info* fi) {
  RF_ENTER(req);
  reply_status(req, rump_sys_fallocate(static_cast<int>(fi->fh), mode, off, len));
}

void op_lseek(fuse_req_t req, fuse_ino_t, off_t off, int whence, fuse_file_info* fi) {
  RF_ENTER(req);
  off_t r = rump_sys_lseek(static_cast<int>(fi->fh), off, whence);
  if (r < 0) return reply_status(req, -1);
  fuse_reply_lseek(req, r);
}

void op_copy_file_range(fuse_req_t req, fuse_ino_t, off_t off_in, fuse_file_info* fi_in,
                        fuse_ino_t, off_t off_out, fuse_file_info* fi_out, size_t len, int flags) {
  RF_ENTER(req);
  if (flags != 0) {
    fuse_reply_err(req, EINVAL);
    return;
  }
  // Read and write inside the kernel, in pieces.
  constexpr size_t kChunk = 1 << 20;
  std::unique_ptr<char[]> buf(new char[kChunk]);
  size_t done = 0;
  while (done < len) {
    size_t want = len - done < kChunk ? len - done : kChunk;
    ssize_t n = rump_sys_pread(static_cast<int>(fi_in->fh), buf.get(), want,
                               off_in + static_cast<off_t>(done));
    if (n < 0) {
      if (done == 0) return reply_status(req, -1);
      break;
    }
    if (n == 0) break;
    ssize_t w = rump_sys_pwrite(static_cast<int>(fi_out->fh), buf.get(), static_cast<size_t>(n),
                                off_out + static_cast<off_t>(done));
    if (w < 0) {
      if (done == 0) return reply_status(req, -1);
      break;
    }
    done += static_cast<size_t>(w);
    if (w < n) break;
  }
  fuse_reply_write(req, done);
}

fuse_lowlevel_ops make_ops() {
  fuse_lowlevel_ops o;
  std::memset(&o, 0, sizeof o);
  o.init = op_init;
  o.destroy = op_destroy;
  o.lookup = op_lookup;
  o.forget = op_forget;
  o.forget_multi = op_forget_multi;
  o.getattr = op_getattr;
  o.setattr = op_setattr;
  o.readlink = op_readlink;
  o.mknod = op_mknod;
  o.mkdir = op_mkdir;
  o.symlink = op_symlink;
  o.link = op_link;
  o.unlink = op_unlink;
  o.rmdir = op_rmdir;
  o.rename = op_rename;
  o.open = op_open;
  o.create = op_create;
  o.read = op_read;
  o.write = op_write;
  o.flush = op_flush;
  o.release = op_release;
  o.fsync = op_fsync;
  o.opendir = op_opendir;
  o.readdir = op_readdir;
  o.readdirplus = op_readdirplus;
  o.releasedir = op_releasedir;
  o.fsyncdir = op_fsyncdir;
  o.statfs = op_statfs;
  o.access = op_access;
  o.fallocate = op_fallocate;
  o.lseek = op_lseek;
  o.copy_file_range = op_copy_file_range;
  o.setxattr = op_setxattr;
  o.getxattr = op_getxattr;
  o.listxattr = op_listxattr;
  o.removexattr = op_removexattr;
  return o;
}

}  // namespace

void close_unreleased(FsState& s) {
  std::unordered_map<int, FsState::Handle> left;
  {
    std::lock_guard g(s.handles_lock);
    left.swap(s.handles);
  }
  for (auto& [fd, h] : left) {
    rump_sys_close(fd);
    delete h.dir;
  }
}

const fuse_lowlevel_ops& operations() {
  static const fuse_lowlevel_ops ops = make_ops();
  return ops;
}

}  // namespace rump_fuse
