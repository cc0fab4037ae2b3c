// A process's place in the tree: chdir, fchdir, getcwd, chroot, umask.
#include "kern/kernel.h"
#include "kern/uio.h"
#include "vfs/access.h"
#include "vfs/mount.h"
#include "vfs/sys.h"
#include "vfs/sys_common.h"

namespace rk::vfs {
namespace {

// Makes v the process's working directory (or root).
int64_t set_dir(kern::Lwp& l, Ref<Vnode> v, bool root) {
  if (!v->is_dir()) return -to_int(Errno::kNotDir);
  if (Result<void> r = vnode_access(l.proc().cred(), *v, kMayExec); !r.ok()) return -to_int(r.error());
  Vfs& vfs = Vfs::of(l.kernel());
  Result<ProcFs*> fs = vfs.proc_fs(l.proc());
  if (!fs.ok()) return -to_int(fs.error());
  v->mount().busy();
  RefPtr<Vnode> old;
  {
    kern::MutexGuard g(vfs.proc_fs_lock());
    RefPtr<Vnode>& slot = root ? fs.value()->root : fs.value()->cwd;
    old = std::move(slot);
    slot = RefPtr<Vnode>(std::move(v));
  }
  if (old) old->mount().unbusy();
  return 0;
}

// Finds the name of `child` in `parent` by reading the directory.
class FindName final : public DirSink {
 public:
  explicit FindName(uint64_t ino) : ino_(ino) {}
  bool emit(uint64_t ino, VType, std::string_view name, uint64_t) override {
    if (ino == ino_ && name != "." && name != ".." && !found_) {
      found_ = true;
      name_.assign(name);
    }
    return true;
  }
  bool found() const { return found_; }
  std::string_view name() const { return name_.view(); }

 private:
  uint64_t ino_;
  bool found_ = false;
  FixedString<kNameMax + 1> name_;
};

Result<size_t> build_cwd(kern::Lwp& l, char* buf, size_t cap) {
  Vfs& vfs = Vfs::of(l.kernel());
  Ref<Vnode> cur = vfs.cwd_of(l.proc());
  Ref<Vnode> root = vfs.root_of(l.proc());
  {
    Vattr va;
    kern::ReadGuard g(cur->lock());
    RK_TRY(cur->getattr(va));
    if (va.nlink == 0) return Errno::kNoEnt;  // removed: Linux answers ENOENT
  }
  size_t pos = cap;  // the path grows leftwards from the end of buf
  auto prepend = [&](std::string_view s) -> Result<void> {
    if (s.size() + 1 > pos) return Errno::kNameTooLong;
    pos -= s.size();
    mem_copy(buf + pos, s.data(), s.size());
    buf[--pos] = '/';
    return ok();
  };
  for (int depth = 0; cur.get() != root.get(); ++depth) {
    if (depth > 4096) return Errno::kLoop;
    Mount& m = cur->mount();
    if (m.fs().root().get() == cur.get()) {
      RefPtr<Vnode> covered = vfs.covered_by(m);
      if (!covered) {
        RK_TRY(prepend("(unreachable)"));  // outside the process's root, as Linux says it
        ++pos;  // no leading slash before "(unreachable)"
        break;
      }
      cur = Ref<Vnode>(*covered);
      continue;
    }
    Ref<Vnode> parent = RK_TRY(([&]() -> Result<Ref<Vnode>> {
      kern::ReadGuard g(cur->lock());
      return cur->lookup("..");
    }()));
    Vattr va;
    {
      kern::ReadGuard g(cur->lock());
      RK_TRY(cur->getattr(va));
    }
    FindName finder(va.ino);
    uint64_t cookie = 0;
    {
      kern::ReadGuard g(parent->lock());
      RK_TRY(parent->readdir(&cookie, finder));
    }
    if (!finder.found()) return Errno::kNoEnt;
    RK_TRY(prepend(finder.name()));
    cur = std::move(parent);
  }
  if (pos == cap) buf[--pos] = '/';
  size_t len = cap - pos;
  mem_move(buf, buf + pos, len);
  return len;
}

}  // namespace

int64_t sys_chdir(Lwp& l, const SyscallArgs& a) {
  Result<Ref<Vnode>> v = lookup_user(l, kAtFdcwd, uptr<const char>(a.a[0]), true);
  if (!v.ok()) return -to_int(v.error());
  return set_dir(l, std::move(v).value(), false);
}

int64_t sys_fchdir(Lwp& l, const SyscallArgs& a) {
  Result<Ref<VnodeFile>> f = vnode_file(l, iarg(a.a[0]), Errno::kNotDir);
  if (!f.ok()) return -to_int(f.error());
  return set_dir(l, Ref<Vnode>(f.value()->vnode()), false);
}

int64_t sys_chroot(Lwp& l, const SyscallArgs& a) {
  if (!l.proc().cred().privileged()) return -to_int(Errno::kPerm);  // CAP_SYS_CHROOT
  Result<Ref<Vnode>> v = lookup_user(l, kAtFdcwd, uptr<const char>(a.a[0]), true);
  if (!v.ok()) return -to_int(v.error());
  return set_dir(l, std::move(v).value(), true);
}

int64_t sys_getcwd(Lwp& l, const SyscallArgs& a) {
  char* ubuf = uptr<char>(a.a[0]);
  size_t size = a.a[1];
  kern::Kmem& kmem = l.kernel().kmem();
  char* kbuf = static_cast<char*>(kmem.alloc(kern::kPathMax));
  if (kbuf == nullptr) return -to_int(Errno::kNoMem);
  int64_t rv;
  Result<size_t> len = build_cwd(l, kbuf, kern::kPathMax - 1);
  if (!len.ok()) {
    rv = -to_int(len.error());
  } else if (len.value() + 1 > size) {
    rv = -to_int(Errno::kRange);
  } else {
    kbuf[len.value()] = '\0';
    Result<void> c = kern::copyout(l, ubuf, kbuf, len.value() + 1);
    rv = c.ok() ? static_cast<int64_t>(len.value() + 1) : -to_int(c.error());
  }
  kmem.free(kbuf, kern::kPathMax);
  return rv;
}

int64_t sys_umask(Lwp& l, const SyscallArgs& a) {
  Vfs& vfs = Vfs::of(l.kernel());
  Result<ProcFs*> fs = vfs.proc_fs(l.proc());
  if (!fs.ok()) return -to_int(fs.error());
  kern::MutexGuard g(vfs.proc_fs_lock());
  uint32_t old = fs.value()->umask;
  fs.value()->umask = static_cast<uint32_t>(a.a[0]) & 0777;
  return old;
}

}  // namespace rk::vfs
