// open(2), openat(2).
#include "kern/kernel.h"
#include "vfs/access.h"
#include "vfs/mount.h"
#include "vfs/sys.h"
#include "vfs/sys_common.h"

namespace rk::vfs {
namespace {

constexpr uint32_t kKnownFlags = kOAccmode | kOCreat | kOExcl | kONoctty | kOTrunc | kOAppend |
                                 kONonblock | kODsync | kODirect | kOLargefile | kODirectory |
                                 kONofollow | kONoatime | kOCloexec | kOSync | kOPath | 020000000;

int may_for(uint32_t flags) {
  int want = 0;
  uint32_t acc = flags & kOAccmode;
  if (acc == kORdonly || acc == kORdwr) want |= kMayRead;
  if (acc == kOWronly || acc == kORdwr) want |= kMayWrite;
  if (flags & kOTrunc) want |= kMayWrite;
  return want;
}

// Finds or creates the file for O_CREAT. A dangling symlink in the last place is followed and
// its target created, as Linux does (unless O_EXCL or O_NOFOLLOW).
Result<Ref<Vnode>> open_create(kern::Lwp& l, int dirfd, const char* path, uint32_t flags,
                               uint32_t mode, bool* created) {
  NameiParent np;
  RK_TRY(namei_parent(l, dirfd, path, np));
  for (int links = 0;; ++links) {
    if (np.is_dot()) return (flags & kOExcl) ? Errno::kExist : Errno::kIsDir;
    // A trailing slash is refused before the last name is even looked up (Linux's
    // open_last_lookups): "dangling/" must not create the symlink's target.
    if (np.trailing_slash) return Errno::kIsDir;
    Result<Ref<Vnode>> existing = lookup_in(l, *np.dir, np.name.view());
    if (existing.ok()) {
      Ref<Vnode> v = std::move(existing).value();
      if (flags & kOExcl) return Errno::kExist;
      if (v->type() == VType::kLnk && !(flags & kONofollow)) {
        if (links >= 40) return Errno::kLoop;
        // Follow it: resolve the target relative to the link's directory.
        char target[kern::kPathMax];
        kern::Uio uio(l, kern::UioDir::kRead, target, sizeof target - 1, 0);
        {
          kern::ReadGuard g(v->lock());
          RK_TRY(v->readlink(uio));
        }
        size_t tlen = sizeof target - 1 - uio.resid();
        target[tlen] = '\0';
        if (tlen == 0) return Errno::kNoEnt;
        NameiParent next;
        RK_TRY(namei_parent_at(l, *np.dir, target, next));
        np = std::move(next);
        continue;
      }
      if (v->is_dir()) return Errno::kIsDir;
      return v;
    }
    if (existing.error() != Errno::kNoEnt) return existing.error();
    Ref<Vnode> v = RK_TRY(create_node(l, *np.dir, np.name.view(), VType::kReg, mode, 0));
    *created = true;
    return v;
  }
}

int64_t do_open(kern::Lwp& l, int dirfd, const char* upath, uint32_t flags, uint32_t mode) {
  if (flags & ~kKnownFlags) flags &= kKnownFlags;  // Linux ignores unknown open flags
  if ((flags & kOTmpfile) == kOTmpfile) return -to_int(Errno::kOpNotSupp);
  // Since Linux 6.4 O_CREAT|O_DIRECTORY is refused rather than half-honoured.
  if ((flags & kOCreat) && (flags & kODirectory)) return -to_int(Errno::kInval);
  if (flags & kOPath) flags &= kOPath | kODirectory | kONofollow | kOCloexec;
  PathBuf path(l);
  if (Result<void> r = path.copy_in(upath); !r.ok()) return -to_int(r.error());
  mode &= 07777 & ~Vfs::of(l.kernel()).umask_of(l.proc());
  bool created = false;
  Result<Ref<Vnode>> found = (flags & kOCreat) && !(flags & kOPath)
                                 ? open_create(l, dirfd, path.c_str(), flags, mode, &created)
                                 : namei(l, dirfd, path.c_str(), (flags & kONofollow) ? 0 : kFollow);
  if (!found.ok()) return -to_int(found.error());
  Ref<Vnode> v = std::move(found).value();
  if (v->type() == VType::kLnk && !(flags & kOPath))  // O_NOFOLLOW met a symlink
    return -to_int((flags & kODirectory) ? Errno::kNotDir : Errno::kLoop);
  if ((flags & kODirectory) && !v->is_dir()) return -to_int(Errno::kNotDir);
  if (!(flags & kOPath)) {
    if (v->is_dir() && ((flags & kOAccmode) != kORdonly || (flags & kOTrunc)))
      return -to_int(Errno::kIsDir);
    if ((flags & kOAccmode) == 3) return -to_int(Errno::kInval);
    if (!created) {
      if (Result<void> r = vnode_access(l.proc().cred(), *v, may_for(flags)); !r.ok())
        return -to_int(r.error());
    }
    if ((flags & kOTrunc) && v->type() == VType::kReg && !created) {
      SetAttr sa;
      sa.mask = SetAttr::kSize | SetAttr::kMtime | SetAttr::kCtime;
      sa.size = 0;
      sa.mtime = sa.ctime = now(l.kernel());
      kern::WriteGuard g(v->lock());
      if (Result<void> r = v->setattr(sa); !r.ok()) return -to_int(r.error());
    }
  }
  uint32_t keep = flags & ~(kOCreat | kOExcl | kONoctty | kOTrunc | kOCloexec);
  Result<Ref<VnodeFile>> f = VnodeFile::create(l.kernel(), std::move(v), keep | kOLargefile);
  if (!f.ok()) return -to_int(f.error());
  return sysret(l.proc().fds().install(Ref<kern::File>(*f.value()), 0, flags & kOCloexec));
}

}  // namespace

int64_t sys_open(Lwp& l, const SyscallArgs& a) {
  return do_open(l, kAtFdcwd, uptr<const char>(a.a[0]), static_cast<uint32_t>(a.a[1]),
                 static_cast<uint32_t>(a.a[2]));
}

int64_t sys_openat(Lwp& l, const SyscallArgs& a) {
  return do_open(l, iarg(a.a[0]), uptr<const char>(a.a[1]), static_cast<uint32_t>(a.a[2]),
                 static_cast<uint32_t>(a.a[3]));
}

}  // namespace rk::vfs
