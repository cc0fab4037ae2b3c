// Extended attribute calls: setxattr, getxattr, listxattr, removexattr and their l (no
// symlink following) and f (descriptor) forms, with Linux's checks in Linux's order (fs/xattr.c
// and the capability rules of a kernel without a security module):
//   - the name is copied first: empty or longer than 255 bytes is ERANGE; setxattr's flags
//     (EINVAL) and value size (more than 64 KiB: E2BIG) before it; get/list sizes above 64 KiB
//     are cut to 64 KiB;
//   - a read-only mount refuses changes (EROFS);
//   - trusted.* is for privileged processes only (others get ENODATA reading, EPERM writing);
//     security.* anyone may read and only a privileged process change; user.* exists only on
//     regular files and directories (others: ENODATA, EPERM), a sticky directory's only for its
//     owner to change; user.* and unknown namespaces need read (get) or write (set, remove)
//     permission on the file;
//   - the file system answers EOPNOTSUPP for a namespace it lacks; listxattr of a file system
//     without attributes is an empty list.
#include "kern/kernel.h"
#include "kern/uio.h"
#include "vfs/access.h"
#include "vfs/mount.h"
#include "vfs/sys.h"
#include "vfs/sys_common.h"

namespace rk::vfs {
namespace {

constexpr size_t kXattrNameMax = 255;
constexpr size_t kXattrSizeMax = 65536;
constexpr size_t kXattrListMax = 65536;
constexpr int kXattrCreate = 1;
constexpr int kXattrReplace = 2;

int64_t err(Errno e) { return -to_int(e); }

enum class Ns { kUser, kTrusted, kSecurity, kSystem, kOther };

Ns namespace_of(std::string_view name) {
  if (name.starts_with("user.")) return Ns::kUser;
  if (name.starts_with("trusted.")) return Ns::kTrusted;
  if (name.starts_with("security.")) return Ns::kSecurity;
  if (name.starts_with("system.")) return Ns::kSystem;
  return Ns::kOther;
}

struct Name {
  char buf[kXattrNameMax + 1];
  size_t len = 0;
  std::string_view view() const { return {buf, len}; }
};

// import_xattr_name.
Result<void> name_in(kern::Lwp& l, const char* uname, Name& n) {
  Result<size_t> len = kern::copyinstr(l, n.buf, uname, sizeof n.buf);
  if (!len.ok()) return len.error() == Errno::kNameTooLong ? Errno::kRange : len.error();
  if (len.value() == 0) return Errno::kRange;
  n.len = len.value();
  return ok();
}

// xattr_permission, with the capability hook for security.* changes. `write`: set or remove.
Result<void> xattr_permission(const kern::Cred& cred, const Vattr& va, Ns ns, bool write) {
  switch (ns) {
    case Ns::kSecurity:
      return write && !cred.privileged() ? Result<void>(Errno::kPerm) : ok();
    case Ns::kSystem:
      return ok();  // the file system decides (POSIX ACLs: not supported, EOPNOTSUPP)
    case Ns::kTrusted:
      if (!cred.privileged()) return write ? Errno::kPerm : Errno::kNoData;
      break;
    case Ns::kUser:
      if (va.type != VType::kReg && va.type != VType::kDir)
        return write ? Errno::kPerm : Errno::kNoData;
      if (write && va.type == VType::kDir && (va.mode & kSticky) && cred.fsuid != 0 &&
          cred.fsuid != va.uid)
        return Errno::kPerm;
      break;
    case Ns::kOther:
      break;
  }
  return check_access(cred, va, write ? kMayWrite : kMayRead);
}

// A buffer in kernel memory for a value or a list, freed with it.
class KernelBuffer {
 public:
  KernelBuffer(kern::Kmem& kmem, size_t size) : kmem_(kmem), size_(size) {
    if (size_ != 0) p_ = static_cast<char*>(kmem_.alloc(size_, kern::KmFlags::kSleep));
  }
  ~KernelBuffer() {
    if (p_ != nullptr) kmem_.free(p_, size_);
  }
  KernelBuffer(const KernelBuffer&) = delete;
  KernelBuffer& operator=(const KernelBuffer&) = delete;
  char* data() { return p_; }

 private:
  kern::Kmem& kmem_;
  size_t size_;
  char* p_ = nullptr;
};

// The vnode of an f* call: EBADF for O_PATH descriptors (Linux's fdget); pipes and the like
// have no attributes (EOPNOTSUPP, which the calls turn into Linux's answers: see no_node).
Result<Ref<Vnode>> fd_vnode(kern::Lwp& l, int fd) {
  Ref<VnodeFile> f = RK_TRY(vnode_file(l, fd, Errno::kOpNotSupp));
  if (f->path_only()) return Errno::kBadF;
  return Ref<Vnode>(f->vnode());
}

// A pipe's answer, as Linux's pipefs inode (a FIFO without attribute handlers) gives it: user.*
// is refused as for any node that is not a file or directory, the rest is not supported.
Errno no_node(Errno e, std::string_view name, bool write) {
  if (e != Errno::kOpNotSupp || namespace_of(name) != Ns::kUser) return e;
  return write ? Errno::kPerm : Errno::kNoData;
}

// How a call names its file: a path (following symlinks or not) or a descriptor.
struct Target {
  enum Kind { kPath, kLink, kFd } kind;
  uint64_t arg;  // the path pointer or the descriptor
};

Result<Ref<Vnode>> resolve(kern::Lwp& l, const Target& t) {
  if (t.kind == Target::kFd) return fd_vnode(l, iarg(t.arg));
  return lookup_user(l, kAtFdcwd, uptr<const char>(t.arg), t.kind == Target::kPath);
}

// The checks of a change (set or remove) once the file is found: EROFS, then the namespace's
// rules and permissions under the vnode's exclusive lock, which `change` runs under too.
template <typename Change>
int64_t change_checked(kern::Lwp& l, Result<Ref<Vnode>> v, const Name& name, Change&& change) {
  if (!v.ok()) return err(no_node(v.error(), name.view(), true));
  Vnode& vn = *v.value();
  if (vn.mount().read_only()) return err(Errno::kRoFs);
  kern::Cred cred = l.proc().cred();
  kern::WriteGuard g(vn.lock());
  Vattr va;
  if (Result<void> r = vn.getattr(va); !r.ok()) return err(r.error());
  if (Result<void> r = xattr_permission(cred, va, namespace_of(name.view()), true); !r.ok())
    return err(r.error());
  return sysret(change(vn));
}

int64_t do_setxattr(kern::Lwp& l, const Target& t, const char* uname, const void* uvalue,
                    size_t size, int flags) {
  Result<Ref<Vnode>> fdv = t.kind == Target::kFd ? resolve(l, t) : Result<Ref<Vnode>>(Errno::kBadF);
  if (t.kind == Target::kFd && !fdv.ok() && fdv.error() != Errno::kOpNotSupp) return err(fdv.error());
  if (flags & ~(kXattrCreate | kXattrReplace)) return err(Errno::kInval);
  Name name;
  if (Result<void> r = name_in(l, uname, name); !r.ok()) return err(r.error());
  if (size > kXattrSizeMax) return err(Errno::k2Big);
  KernelBuffer value(l.kernel().kmem(), size);
  if (size != 0) {
    if (Result<void> r = kern::copyin(l, value.data(), uvalue, size); !r.ok()) return err(r.error());
  }
  Result<Ref<Vnode>> v = t.kind == Target::kFd ? std::move(fdv) : resolve(l, t);
  return change_checked(l, std::move(v), name, [&](Vnode& vn) {
    return vn.setxattr(name.view(), value.data(), size, flags);
  });
}

int64_t do_getxattr(kern::Lwp& l, const Target& t, const char* uname, void* uvalue, size_t size) {
  Result<Ref<Vnode>> fdv = t.kind == Target::kFd ? resolve(l, t) : Result<Ref<Vnode>>(Errno::kBadF);
  if (t.kind == Target::kFd && !fdv.ok() && fdv.error() != Errno::kOpNotSupp) return err(fdv.error());
  Name name;
  if (Result<void> r = name_in(l, uname, name); !r.ok()) return err(r.error());
  if (size > kXattrSizeMax) size = kXattrSizeMax;
  Result<Ref<Vnode>> v = t.kind == Target::kFd ? std::move(fdv) : resolve(l, t);
  if (!v.ok()) return err(no_node(v.error(), name.view(), false));
  Vnode& vn = *v.value();
  kern::Cred cred = l.proc().cred();
  KernelBuffer value(l.kernel().kmem(), size);
  Result<size_t> len = [&]() -> Result<size_t> {
    kern::ReadGuard g(vn.lock());
    Vattr va;
    RK_TRY(vn.getattr(va));
    RK_TRY(xattr_permission(cred, va, namespace_of(name.view()), false));
    return vn.getxattr(name.view(), value.data(), size);
  }();
  if (!len.ok()) return err(len.error());
  if (size != 0) {
    if (Result<void> r = kern::copyout(l, uvalue, value.data(), len.value()); !r.ok())
      return err(r.error());
  }
  return static_cast<int64_t>(len.value());
}

int64_t do_listxattr(kern::Lwp& l, const Target& t, char* ulist, size_t size) {
  if (size > kXattrListMax) size = kXattrListMax;
  Result<Ref<Vnode>> v = resolve(l, t);
  if (!v.ok()) return v.error() == Errno::kOpNotSupp ? 0 : err(v.error());  // a pipe: none
  Vnode& vn = *v.value();
  kern::Cred cred = l.proc().cred();
  KernelBuffer list(l.kernel().kmem(), size);
  Result<size_t> len = [&]() -> Result<size_t> {
    kern::ReadGuard g(vn.lock());
    return vn.listxattr(cred, list.data(), size);
  }();
  if (!len.ok()) {
    if (len.error() == Errno::kOpNotSupp) return 0;  // no attributes at all: an empty list
    return err(len.error());
  }
  if (size != 0 && len.value() != 0) {
    if (Result<void> r = kern::copyout(l, ulist, list.data(), len.value()); !r.ok())
      return err(r.error());
  }
  return static_cast<int64_t>(len.value());
}

int64_t do_removexattr(kern::Lwp& l, const Target& t, const char* uname) {
  Result<Ref<Vnode>> fdv = t.kind == Target::kFd ? resolve(l, t) : Result<Ref<Vnode>>(Errno::kBadF);
  if (t.kind == Target::kFd && !fdv.ok() && fdv.error() != Errno::kOpNotSupp) return err(fdv.error());
  Name name;
  if (Result<void> r = name_in(l, uname, name); !r.ok()) return err(r.error());
  Result<Ref<Vnode>> v = t.kind == Target::kFd ? std::move(fdv) : resolve(l, t);
  return change_checked(l, std::move(v), name, [&](Vnode& vn) { return vn.removexattr(name.view()); });
}

Target path(uint64_t a) { return {Target::kPath, a}; }
Target link(uint64_t a) { return {Target::kLink, a}; }
Target fd(uint64_t a) { return {Target::kFd, a}; }

}  // namespace

int64_t sys_setxattr(Lwp& l, const SyscallArgs& a) {
  return do_setxattr(l, path(a.a[0]), uptr<const char>(a.a[1]), uptr<const void>(a.a[2]), a.a[3],
                     iarg(a.a[4]));
}
int64_t sys_lsetxattr(Lwp& l, const SyscallArgs& a) {
  return do_setxattr(l, link(a.a[0]), uptr<const char>(a.a[1]), uptr<const void>(a.a[2]), a.a[3],
                     iarg(a.a[4]));
}
int64_t sys_fsetxattr(Lwp& l, const SyscallArgs& a) {
  return do_setxattr(l, fd(a.a[0]), uptr<const char>(a.a[1]), uptr<const void>(a.a[2]), a.a[3],
                     iarg(a.a[4]));
}
int64_t sys_getxattr(Lwp& l, const SyscallArgs& a) {
  return do_getxattr(l, path(a.a[0]), uptr<const char>(a.a[1]), uptr<void>(a.a[2]), a.a[3]);
}
int64_t sys_lgetxattr(Lwp& l, const SyscallArgs& a) {
  return do_getxattr(l, link(a.a[0]), uptr<const char>(a.a[1]), uptr<void>(a.a[2]), a.a[3]);
}
int64_t sys_fgetxattr(Lwp& l, const SyscallArgs& a) {
  return do_getxattr(l, fd(a.a[0]), uptr<const char>(a.a[1]), uptr<void>(a.a[2]), a.a[3]);
}
int64_t sys_listxattr(Lwp& l, const SyscallArgs& a) {
  return do_listxattr(l, path(a.a[0]), uptr<char>(a.a[1]), a.a[2]);
}
int64_t sys_llistxattr(Lwp& l, const SyscallArgs& a) {
  return do_listxattr(l, link(a.a[0]), uptr<char>(a.a[1]), a.a[2]);
}
int64_t sys_flistxattr(Lwp& l, const SyscallArgs& a) {
  return do_listxattr(l, fd(a.a[0]), uptr<char>(a.a[1]), a.a[2]);
}
int64_t sys_removexattr(Lwp& l, const SyscallArgs& a) {
  return do_removexattr(l, path(a.a[0]), uptr<const char>(a.a[1]));
}
int64_t sys_lremovexattr(Lwp& l, const SyscallArgs& a) {
  return do_removexattr(l, link(a.a[0]), uptr<const char>(a.a[1]));
}
int64_t sys_fremovexattr(Lwp& l, const SyscallArgs& a) {
  return do_removexattr(l, fd(a.a[0]), uptr<const char>(a.a[1]));
}

}  // namespace rk::vfs
