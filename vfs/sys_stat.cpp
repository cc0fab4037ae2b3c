// stat, lstat, fstat, newfstatat, statx, statfs, fstatfs, access, faccessat(2), readlink(at).
#include "kern/kernel.h"
#include "kern/uio.h"
#include "vfs/access.h"
#include "vfs/mount.h"
#include "vfs/sys.h"
#include "vfs/sys_common.h"

namespace rk::vfs {
namespace {

int64_t stat_vnode(kern::Lwp& l, Result<Ref<Vnode>> v, void* ubuf) {
  if (!v.ok()) return -to_int(v.error());
  Vattr va;
  {
    kern::ReadGuard g(v.value()->lock());
    if (Result<void> r = v.value()->getattr(va); !r.ok()) return -to_int(r.error());
  }
  return sysret(stat_out(l, va, ubuf));
}

// The file a "" path with AT_EMPTY_PATH names: any kind of open file (a pipe too).
int64_t stat_fd(kern::Lwp& l, int fd, void* ubuf, bool statx, unsigned mask) {
  if (fd == kAtFdcwd) {
    Ref<Vnode> cwd = Vfs::of(l.kernel()).cwd_of(l.proc());
    Vattr va;
    {
      kern::ReadGuard g(cwd->lock());
      if (Result<void> r = cwd->getattr(va); !r.ok()) return -to_int(r.error());
    }
    return sysret(statx ? statx_out(l, va, mask, ubuf) : stat_out(l, va, ubuf));
  }
  Result<Ref<kern::File>> f = l.proc().fds().get(fd);
  if (!f.ok()) return -to_int(f.error());
  Vattr va;
  if (Result<void> r = file_attr(*f.value(), va); !r.ok()) return -to_int(r.error());
  return sysret(statx ? statx_out(l, va, mask, ubuf) : stat_out(l, va, ubuf));
}

bool empty_user_path(kern::Lwp& l, const char* upath) {
  char c = 1;
  return upath != nullptr && kern::copyin(l, &c, upath, 1).ok() && c == '\0';
}

int64_t fill_statfs(kern::Lwp& l, Vnode& v, void* ubuf) {
  StatFs st;
  if (Result<void> r = v.mount().fs().statfs(st); !r.ok()) return -to_int(r.error());
  abi::Statfs out;
  mem_set(&out, 0, sizeof out);
  out.f_type = static_cast<int64_t>(st.type);
  out.f_bsize = static_cast<int64_t>(st.bsize);
  out.f_blocks = st.blocks;
  out.f_bfree = st.bfree;
  out.f_bavail = st.bavail;
  out.f_files = st.files;
  out.f_ffree = st.ffree;
  uint64_t dev = v.mount().dev();
  out.f_fsid[0] = static_cast<int32_t>(dev & 0xffffffff);
  out.f_fsid[1] = static_cast<int32_t>(dev >> 32);
  out.f_namelen = static_cast<int64_t>(st.namelen);
  out.f_frsize = static_cast<int64_t>(st.frsize);
  uint32_t mf = v.mount().flags();
  // ST_RDONLY 1, ST_NOSUID 2, ST_NODEV 4, ST_NOEXEC 8, ST_VALID 0x20 as Linux reports them.
  out.f_flags = 0x20 | (mf & (kMsRdonly | kMsNosuid | kMsNodev | kMsNoexec));
  return sysret(kern::copyout(l, ubuf, &out, sizeof out));
}

int64_t do_access(kern::Lwp& l, int dirfd, const char* upath, int mode, int flags) {
  if (mode & ~7) return -to_int(Errno::kInval);
  if (flags & ~(abi::kAtEaccess | abi::kAtSymlinkNofollow | abi::kAtEmptyPath))
    return -to_int(Errno::kInval);
  Result<Ref<Vnode>> v = lookup_user(l, dirfd, upath, !(flags & abi::kAtSymlinkNofollow),
                                     flags & abi::kAtEmptyPath);
  if (!v.ok()) return -to_int(v.error());
  if (mode == 0) return 0;  // F_OK: it exists
  kern::Cred c = l.proc().cred();
  if (!(flags & abi::kAtEaccess)) {
    // access(2) asks about the real ids, with the capabilities they would have.
    c.fsuid = c.ruid;
    c.fsgid = c.rgid;
  }
  return sysret(vnode_access(c, *v.value(), mode));
}

int64_t do_readlink(kern::Lwp& l, int dirfd, const char* upath, char* ubuf, int64_t size) {
  if (size <= 0) return -to_int(Errno::kInval);
  Result<Ref<Vnode>> v = lookup_user(l, dirfd, upath, false, dirfd != kAtFdcwd);
  if (!v.ok()) return -to_int(v.error());
  if (v.value()->type() != VType::kLnk) return -to_int(Errno::kInval);
  IoVec iov{ubuf, static_cast<size_t>(size)};
  kern::Uio uio(l, kern::UioDir::kRead, {&iov, 1}, 0);
  kern::ReadGuard g(v.value()->lock());
  if (Result<void> r = v.value()->readlink(uio); !r.ok()) return -to_int(r.error());
  return static_cast<int64_t>(static_cast<size_t>(size) - uio.resid());
}

}  // namespace

int64_t sys_stat(Lwp& l, const SyscallArgs& a) {
  return stat_vnode(l, lookup_user(l, kAtFdcwd, uptr<const char>(a.a[0]), true), uptr<void>(a.a[1]));
}

int64_t sys_lstat(Lwp& l, const SyscallArgs& a) {
  return stat_vnode(l, lookup_user(l, kAtFdcwd, uptr<const char>(a.a[0]), false), uptr<void>(a.a[1]));
}

int64_t sys_fstat(Lwp& l, const SyscallArgs& a) {
  return stat_fd(l, iarg(a.a[0]), uptr<void>(a.a[1]), false, 0);
}

int64_t sys_newfstatat(Lwp& l, const SyscallArgs& a) {
  int dirfd = iarg(a.a[0]);
  const char* path = uptr<const char>(a.a[1]);
  int flags = iarg(a.a[3]);
  if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath | abi::kAtNoAutomount))
    return -to_int(Errno::kInval);
  if ((flags & abi::kAtEmptyPath) && empty_user_path(l, path))
    return stat_fd(l, dirfd, uptr<void>(a.a[2]), false, 0);
  return stat_vnode(l, lookup_user(l, dirfd, path, !(flags & abi::kAtSymlinkNofollow)),
                    uptr<void>(a.a[2]));
}

int64_t sys_statx(Lwp& l, const SyscallArgs& a) {
  int dirfd = iarg(a.a[0]);
  const char* path = uptr<const char>(a.a[1]);
  int flags = iarg(a.a[2]);
  auto mask = static_cast<unsigned>(a.a[3]);
  void* ubuf = uptr<void>(a.a[4]);
  if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath | abi::kAtNoAutomount |
                abi::kAtStatxSyncTypeMask))
    return -to_int(Errno::kInval);
  if ((flags & abi::kAtStatxSyncTypeMask) == abi::kAtStatxSyncTypeMask) return -to_int(Errno::kInval);
  if (mask & 0x80000000u) return -to_int(Errno::kInval);  // STATX__RESERVED
  if ((flags & abi::kAtEmptyPath) && (path == nullptr || empty_user_path(l, path)))
    return stat_fd(l, dirfd, ubuf, true, mask);
  Result<Ref<Vnode>> v = lookup_user(l, dirfd, path, !(flags & abi::kAtSymlinkNofollow));
  if (!v.ok()) return -to_int(v.error());
  Vattr va;
  {
    kern::ReadGuard g(v.value()->lock());
    if (Result<void> r = v.value()->getattr(va); !r.ok()) return -to_int(r.error());
  }
  return sysret(statx_out(l, va, mask, ubuf));
}

int64_t sys_statfs(Lwp& l, const SyscallArgs& a) {
  Result<Ref<Vnode>> v = lookup_user(l, kAtFdcwd, uptr<const char>(a.a[0]), true);
  if (!v.ok()) return -to_int(v.error());
  return fill_statfs(l, *v.value(), uptr<void>(a.a[1]));
}

int64_t sys_fstatfs(Lwp& l, const SyscallArgs& a) {
  Result<Ref<VnodeFile>> f = vnode_file(l, iarg(a.a[0]), Errno::kInval);
  if (!f.ok()) return -to_int(f.error());
  return fill_statfs(l, f.value()->vnode(), uptr<void>(a.a[1]));
}

int64_t sys_access(Lwp& l, const SyscallArgs& a) {
  return do_access(l, kAtFdcwd, uptr<const char>(a.a[0]), iarg(a.a[1]), 0);
}

int64_t sys_faccessat(Lwp& l, const SyscallArgs& a) {
  return do_access(l, iarg(a.a[0]), uptr<const char>(a.a[1]), iarg(a.a[2]), 0);
}

int64_t sys_faccessat2(Lwp& l, const SyscallArgs& a) {
  return do_access(l, iarg(a.a[0]), uptr<const char>(a.a[1]), iarg(a.a[2]), iarg(a.a[3]));
}

int64_t sys_readlink(Lwp& l, const SyscallArgs& a) {
  return do_readlink(l, kAtFdcwd, uptr<const char>(a.a[0]), uptr<char>(a.a[1]),
                     static_cast<int64_t>(static_cast<int>(a.a[2])));
}

int64_t sys_readlinkat(Lwp& l, const SyscallArgs& a) {
  return do_readlink(l, iarg(a.a[0]), uptr<const char>(a.a[1]), uptr<char>(a.a[2]),
                     static_cast<int64_t>(static_cast<int>(a.a[3])));
}

}  // namespace rk::vfs
