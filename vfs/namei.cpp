#include "vfs/namei.h"

#include "kern/epoch.h"

#include "kern/file.h"
#include "kern/kernel.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kern/uio.h"
#include "vfs/access.h"
#include "vfs/mount.h"
#include "vfs/vfile.h"
#include "vfs/vfs.h"

namespace rk::vfs {
namespace {

constexpr int kMaxSymlinks = 40;  // Linux's MAXSYMLINKS

bool is_root_of_mount(Vnode& v) { return v.mount().fs().root().get() == &v; }

// ".." from dir, never above the process root, across mount points upward.
Result<Ref<Vnode>> dotdot(kern::Lwp& l, Vfs& vfs, Ref<Vnode> dir, Vnode& proc_root) {
  for (;;) {
    if (dir.get() == &proc_root) return dir;
    if (!is_root_of_mount(*dir)) break;
    RefPtr<Vnode> covered = vfs.covered_by(dir->mount());
    if (!covered) return dir;  // the kernel's root
    dir = Ref<Vnode>(*covered);
  }
  Ref<Vnode> parent = RK_TRY(([&]() -> Result<Ref<Vnode>> {
    kern::ReadGuard g(dir->lock());
    return dir->lookup("..");
  }()));
  return vfs.cross_down(parent);
}

// The walk's working buffer: the rest of the path, rewritten when a symlink is spliced in.
class Walk {
 public:
  Walk(kern::Lwp& l, Vfs& vfs) : l_(l), vfs_(vfs), cred_(l.proc().cred()) {}
  ~Walk() {
    if (buf_ != nullptr) l_.kernel().kmem().free(buf_, kBufSize);
  }

  // Walks `path` from `start`. With `parent`, stops at the last component and fills *parent.
  Result<Ref<Vnode>> run(Ref<Vnode> start, const char* path, unsigned flags, NameiParent* parent);

 private:
  static constexpr size_t kBufSize = 2 * kern::kPathMax;
  Result<void> splice(const char* target, size_t tlen, const char* rest);

  kern::Lwp& l_;
  Vfs& vfs_;
  kern::Cred cred_;
  char* buf_ = nullptr;
};

Result<void> Walk::splice(const char* target, size_t tlen, const char* rest) {
  // New path = target "/" rest. `rest` may point into buf_: build in a fresh buffer.
  size_t rlen = str_length(rest);
  size_t total = tlen + (rlen > 0 ? 1 + rlen : 0);
  if (total >= kern::kPathMax) return Errno::kNameTooLong;
  char* fresh = static_cast<char*>(l_.kernel().kmem().alloc(kBufSize));
  if (fresh == nullptr) return Errno::kNoMem;
  mem_copy(fresh, target, tlen);
  if (rlen > 0) {
    fresh[tlen] = '/';
    mem_copy(fresh + tlen + 1, rest, rlen);
  }
  fresh[total] = '\0';
  if (buf_ != nullptr) l_.kernel().kmem().free(buf_, kBufSize);
  buf_ = fresh;
  return ok();
}

Result<Ref<Vnode>> Walk::run(Ref<Vnode> start, const char* path, unsigned flags,
                             NameiParent* parent) {
  Ref<Vnode> proc_root = vfs_.root_of(l_.proc());
  Ref<Vnode> dir = std::move(start);
  const char* p = path;
  int links = 0;
  char target[kern::kPathMax];
  if (*p == '/') dir = proc_root;
  for (;;) {
    while (*p == '/') ++p;
    const char* comp = p;
    while (*p != '\0' && *p != '/') ++p;
    size_t len = static_cast<size_t>(p - comp);
    const char* rest = p;
    while (*rest == '/') ++rest;
    bool last = *rest == '\0';
    bool trailing = last && rest != p;
    if (len == 0) {
      // Nothing after the slashes: the path names `dir` itself ("/", or "a/" after a symlink).
      if (parent != nullptr) {
        parent->dir = RefPtr<Vnode>(dir);
        parent->name.assign("/");
        parent->trailing_slash = true;
        return dir;
      }
      return dir;
    }
    if (len > kNameMax) return Errno::kNameTooLong;
    if (!dir->is_dir()) return Errno::kNotDir;
    RK_TRY(vnode_access(cred_, *dir, kMayExec));
    std::string_view name(comp, len);
    if (last && parent != nullptr) {
      parent->dir = RefPtr<Vnode>(dir);
      parent->name.assign(name);
      parent->trailing_slash = trailing;
      return dir;
    }
    Ref<Vnode> next = dir;
    if (name == ".") {
      // stays
    } else if (name == "..") {
      next = RK_TRY(dotdot(l_, vfs_, dir, *proc_root));
    } else {
      next = RK_TRY(lookup_in(l_, *dir, name));
    }
    if (next->type() == VType::kLnk && (!last || (flags & kFollow) || trailing)) {
      if (++links > kMaxSymlinks) return Errno::kLoop;
      kern::Uio uio(l_, kern::UioDir::kRead, target, sizeof target - 1, 0);
      {
        kern::ReadGuard g(next->lock());
        RK_TRY(next->readlink(uio));
      }
      size_t tlen = sizeof target - 1 - uio.resid();
      if (tlen == 0) return Errno::kNoEnt;
      // A trailing slash stays with the link: "link/" must name a directory.
      RK_TRY(splice(target, tlen, last ? (trailing ? "/" : "") : rest));
      p = buf_;
      if (*p == '/') dir = proc_root;
      continue;
    }
    dir = std::move(next);
    p = rest;
    if (last) {
      if (trailing && !dir->is_dir()) return Errno::kNotDir;
      return dir;
    }
  }
}

// The walk without locks or references (Linux's RCU walk) for the common case: a caller who
// may search every directory (fs uid 0), names and "." only, no symbolic link to follow, file
// systems that offer lookup_rcu. Everything is read inside one epoch section; only the final
// vnode is referenced. Returns it, or nullptr: the locked walk then does the whole lookup (and
// finds the right error).
RefPtr<Vnode> fast_walk(kern::Lwp& l, Vnode& start, const char* path, unsigned flags) {
  if (l.proc().cred().fsuid != 0) return {};
  kern::EpochSection section(l.kernel().epoch(), l);
  Vnode* dir = &start;
  const char* p = path;
  for (;;) {
    while (*p == '/') ++p;
    const char* comp = p;
    while (*p != '\0' && *p != '/') ++p;
    const size_t len = static_cast<size_t>(p - comp);
    if (len == 0 || len > kNameMax || !dir->is_dir()) return {};
    const std::string_view name(comp, len);
    Vnode* next = dir;
    if (name == "..") return {};
    if (name != ".") {
      next = dir->lookup_rcu(name);
      if (next == nullptr) return {};
      while (Mount* m = next->mounted_here()) {
        next = m->fs().root_rcu();
        if (next == nullptr) return {};
      }
    }
    const char* rest = p;
    while (*rest == '/') ++rest;
    const bool last = *rest == '\0';
    const bool trailing = last && rest != p;
    if (next->type() == VType::kLnk && (!last || (flags & kFollow) || trailing)) return {};
    if (last) {
      if (trailing && !next->is_dir()) return {};
      if (!next->try_ref()) return {};  // on its way out: let the locked walk decide
      return RefPtr<Vnode>(Ref<Vnode>::adopt(*next));
    }
    dir = next;
    p = rest;
  }
}

}  // namespace

PathBuf::PathBuf(kern::Lwp& l) : lwp_(l) {}

PathBuf::~PathBuf() {
  if (buf_ != inline_) lwp_.kernel().kmem().free(buf_, kern::kPathMax);
}

Result<void> PathBuf::copy_in(const char* upath) {
  Result<size_t> n = kern::copyinstr(lwp_, buf_, upath, buf_ == inline_ ? kInline : kern::kPathMax);
  if (n.ok() || n.error() != Errno::kNameTooLong || buf_ != inline_) {
    if (!n.ok()) return n.error();
    return ok();
  }
  // Longer than the inline buffer: again, into a PATH_MAX one.
  char* big = static_cast<char*>(lwp_.kernel().kmem().alloc(kern::kPathMax));
  if (big == nullptr) return Errno::kNoMem;
  buf_ = big;
  RK_TRY(kern::copyinstr(lwp_, buf_, upath, kern::kPathMax));
  return ok();
}

Result<Ref<Vnode>> lookup_in(kern::Lwp& l, Vnode& dir, std::string_view name) {
  Ref<Vnode> v = RK_TRY(([&]() -> Result<Ref<Vnode>> {
    kern::ReadGuard g(dir.lock());
    return dir.lookup(name);
  }()));
  return Vfs::of(l.kernel()).cross_down(std::move(v));
}

Result<Ref<Vnode>> dirfd_vnode(kern::Lwp& l, int dirfd) {
  Vfs& vfs = Vfs::of(l.kernel());
  if (dirfd == kAtFdcwd) return vfs.cwd_of(l.proc());
  Ref<kern::File> f = RK_TRY(l.proc().fds().get(dirfd));
  if (f->kind() != kern::File::Kind::kVnode) return Errno::kNotDir;
  return Ref<Vnode>(static_cast<VnodeFile&>(*f).vnode());
}

Result<Ref<Vnode>> namei(kern::Lwp& l, int dirfd, const char* path, unsigned flags) {
  Vfs& vfs = Vfs::of(l.kernel());
  if (path[0] == '\0') {
    if (!(flags & kEmptyPath)) return Errno::kNoEnt;
    if (dirfd == kAtFdcwd) return vfs.cwd_of(l.proc());
    Ref<kern::File> f = RK_TRY(l.proc().fds().get(dirfd));
    if (f->kind() != kern::File::Kind::kVnode) return Errno::kNotDir;
    return Ref<Vnode>(static_cast<VnodeFile&>(*f).vnode());
  }
  Ref<Vnode> start = path[0] == '/' ? vfs.root_of(l.proc()) : RK_TRY(dirfd_vnode(l, dirfd));
  RefPtr<Vnode> fast = fast_walk(l, *start, path, flags);
  if (fast) return Ref<Vnode>::adopt(*fast.leak());
  Walk w(l, vfs);
  return w.run(std::move(start), path, flags, nullptr);
}

Result<void> namei_parent(kern::Lwp& l, int dirfd, const char* path, NameiParent& out) {
  Vfs& vfs = Vfs::of(l.kernel());
  if (path[0] == '\0') return Errno::kNoEnt;
  Ref<Vnode> start = path[0] == '/' ? vfs.root_of(l.proc()) : RK_TRY(dirfd_vnode(l, dirfd));
  Walk w(l, vfs);
  RK_TRY(w.run(std::move(start), path, 0, &out));
  return ok();
}

Result<void> namei_parent_at(kern::Lwp& l, Vnode& start, const char* path, NameiParent& out) {
  Vfs& vfs = Vfs::of(l.kernel());
  if (path[0] == '\0') return Errno::kNoEnt;
  Ref<Vnode> from = path[0] == '/' ? vfs.root_of(l.proc()) : Ref<Vnode>(start);
  Walk w(l, vfs);
  RK_TRY(w.run(std::move(from), path, 0, &out));
  return ok();
}

}  // namespace rk::vfs
