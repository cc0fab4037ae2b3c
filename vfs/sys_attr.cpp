// Attribute calls: chmod, chown, utimensat, truncate, fallocate, fsync — with Linux's
// permission rules (notify_change, setattr_prepare and friends) and its order of checks.
// Every change is one Vnode::setattr under the vnode's exclusive lock, after the checks made
// under the same lock.
#include "kern/abi/linux.h"
#include "kern/kernel.h"
#include "kern/uio.h"
#include "vfs/access.h"
#include "vfs/mount.h"
#include "vfs/sys.h"
#include "vfs/sys_common.h"

namespace rk::vfs {
namespace {

constexpr uint32_t kGroupExec = 010;  // S_IXGRP

// fallocate(2) modes (Linux's FALLOC_FL_*).
constexpr int kFallocKeepSize = 0x01;
constexpr int kFallocPunchHole = 0x02;
constexpr int kFallocCollapseRange = 0x08;
constexpr int kFallocZeroRange = 0x10;
constexpr int kFallocInsertRange = 0x20;
constexpr int kFallocUnshareRange = 0x40;
constexpr int kFallocWriteZeroes = 0x80;
constexpr int kFallocModeMask = kFallocPunchHole | kFallocCollapseRange | kFallocZeroRange |
                                kFallocInsertRange | kFallocUnshareRange | kFallocWriteZeroes;

int64_t err(Errno e) { return -to_int(e); }

// Linux's in_group_or_capable: in the group, or CAP_FSETID (which follows fsuid 0).
bool in_group_or_capable(const kern::Cred& cred, uint32_t gid) {
  return cred.fsuid == 0 || cred.in_group(gid);
}

// The vnode behind fd for the calls that change the file itself (fchmod, fchown, futimens).
// EBADF, also for O_PATH descriptors (Linux's fdget); EINVAL for pipes and sockets, which have
// no attributes to change here.
Result<Ref<Vnode>> attr_vnode(kern::Lwp& l, int fd) {
  Ref<VnodeFile> f = RK_TRY(vnode_file(l, fd, Errno::kInval));
  if (f->path_only()) return Errno::kBadF;
  return Ref<Vnode>(f->vnode());
}

// chmod_common.
Result<void> do_chmod(kern::Lwp& l, Vnode& v, uint32_t mode) {
  if (v.mount().read_only()) return Errno::kRoFs;
  kern::Cred cred = l.proc().cred();
  kern::WriteGuard g(v.lock());
  Vattr va;
  RK_TRY(v.getattr(va));
  if (va.type == VType::kLnk) return Errno::kOpNotSupp;  // the mode of a symlink never changes
  RK_TRY(check_owner(cred, va));
  SetAttr sa;
  sa.mask = SetAttr::kMode | SetAttr::kCtime;
  sa.mode = mode & kModeMask;
  // Only members of the file's group (or CAP_FSETID) may set the setgid bit.
  if (!in_group_or_capable(cred, va.gid)) sa.mode &= ~kSetGid;
  sa.ctime = now(l.kernel());
  return v.setattr(sa);
}

// chown_common: uid or gid kern::kNoId leave that id alone.
Result<void> do_chown(kern::Lwp& l, Vnode& v, uint32_t uid, uint32_t gid) {
  if (v.mount().read_only()) return Errno::kRoFs;
  kern::Cred cred = l.proc().cred();
  kern::WriteGuard g(v.lock());
  Vattr va;
  RK_TRY(v.getattr(va));
  SetAttr sa;
  sa.mask = SetAttr::kCtime;
  sa.ctime = now(l.kernel());
  if (uid != kern::kNoId) {
    sa.mask |= SetAttr::kUid;
    sa.uid = uid;
  }
  if (gid != kern::kNoId) {
    sa.mask |= SetAttr::kGid;
    sa.gid = gid;
  }
  // A changed owner of a non-directory loses setuid always, and setgid where it means
  // "execute as the group" (group-exec set) or where the caller could not set it itself.
  uint32_t mode = va.mode;
  bool kill = false;
  if (va.type != VType::kDir) {
    if (mode & kSetUid) {
      mode &= ~kSetUid;
      kill = true;
    }
    if ((mode & kSetGid) && ((mode & kGroupExec) || !in_group_or_capable(cred, va.gid))) {
      mode &= ~kSetGid;
      kill = true;
    }
  }
  // setattr_prepare: the owner may "change" the owner to itself and the group to one of its
  // groups; CAP_CHOWN anything.
  bool chown_cap = cred.fsuid == 0;
  if ((sa.mask & SetAttr::kUid) && !chown_cap && !(cred.fsuid == va.uid && uid == va.uid))
    return Errno::kPerm;
  if ((sa.mask & SetAttr::kGid) && !chown_cap &&
      !(cred.fsuid == va.uid && (gid == va.gid || cred.in_group(gid))))
    return Errno::kPerm;
  if (kill) {
    RK_TRY(check_owner(cred, va));
    uint32_t new_gid = (sa.mask & SetAttr::kGid) ? gid : va.gid;
    if (!in_group_or_capable(cred, new_gid)) mode &= ~kSetGid;
    sa.mask |= SetAttr::kMode;
    sa.mode = mode;
  }
  return v.setattr(sa);
}

// vfs_utimes. times: null for "both now"; otherwise as the client gave them.
Result<void> do_utimes(kern::Lwp& l, Vnode& v, const abi::Timespec* times) {
  if (times != nullptr && times[0].tv_nsec == abi::kUtimeNow && times[1].tv_nsec == abi::kUtimeNow)
    times = nullptr;
  if (v.mount().read_only()) return Errno::kRoFs;
  kern::Cred cred = l.proc().cred();
  kern::WriteGuard g(v.lock());
  Vattr va;
  RK_TRY(v.getattr(va));
  Timespec t = now(l.kernel());
  SetAttr sa;
  sa.mask = SetAttr::kCtime;
  sa.ctime = t;
  auto pick = [&](int i, uint32_t bit, Timespec& out) {
    if (times != nullptr && times[i].tv_nsec == abi::kUtimeOmit) return;
    sa.mask |= bit;
    out = (times == nullptr || times[i].tv_nsec == abi::kUtimeNow)
              ? t
              : Timespec{times[i].tv_sec, times[i].tv_nsec};
  };
  pick(0, SetAttr::kAtime, sa.atime);
  pick(1, SetAttr::kMtime, sa.mtime);
  if (times == nullptr) {
    // Touching: the owner, a privileged caller, or anyone who may write the file.
    if (cred.fsuid != 0 && cred.fsuid != va.uid) RK_TRY(check_access(cred, va, kMayWrite));
  } else {
    // Any explicit change (even UTIME_NOW with UTIME_OMIT): owner or privileged only.
    RK_TRY(check_owner(cred, va));
  }
  return v.setattr(sa);
}

bool nsec_valid(int64_t nsec) {
  return nsec == abi::kUtimeNow || nsec == abi::kUtimeOmit || (nsec >= 0 && nsec <= 999999999);
}

// do_truncate: mtime and ctime change even when the size does not (as Linux's tmpfs and ext4
// answer truncate and ftruncate).
Result<void> do_truncate(kern::Lwp& l, Vnode& v, int64_t length) {
  kern::Cred cred = l.proc().cred();
  kern::WriteGuard g(v.lock());
  Vattr va;
  RK_TRY(v.getattr(va));
  SetAttr sa;
  sa.mask = SetAttr::kSize | SetAttr::kMtime | SetAttr::kCtime;
  sa.size = static_cast<uint64_t>(length);
  sa.mtime = sa.ctime = now(l.kernel());
  // Writing to a setuid/setgid file without CAP_FSETID drops those bits (should_remove_suid).
  if (cred.fsuid != 0) {
    uint32_t mode = va.mode;
    if (mode & kSetUid) mode &= ~kSetUid;
    if ((mode & kSetGid) && ((mode & kGroupExec) || !cred.in_group(va.gid))) mode &= ~kSetGid;
    if (mode != va.mode) {
      sa.mask |= SetAttr::kMode;
      sa.mode = mode;
    }
  }
  return v.setattr(sa);
}

Result<Ref<kern::File>> fd_file(kern::Lwp& l, int fd) {
  Ref<kern::File> f = RK_TRY(l.proc().fds().get(fd));
  if (f->flags() & kOPath) return Errno::kBadF;  // fdget does not see O_PATH descriptors
  return f;
}

int64_t do_fsync(kern::Lwp& l, int fd, bool data_only) {
  Result<Ref<kern::File>> got = fd_file(l, fd);
  if (!got.ok()) return err(got.error());
  kern::File& f = *got.value();
  // Pipes, sockets and character devices have no fsync operation.
  if (f.kind() != kern::File::Kind::kVnode) return err(Errno::kInval);
  auto& vf = static_cast<VnodeFile&>(f);
  if (vf.block_device() != nullptr) return sysret(vf.sync_block_device());
  Vnode& v = vf.vnode();
  switch (v.type()) {
    case VType::kChr:
    case VType::kFifo:
    case VType::kSock:
      return err(Errno::kInval);
    default:
      break;
  }
  kern::WriteGuard g(v.lock());
  return sysret(v.fsync(data_only));
}

int64_t do_fchownat(kern::Lwp& l, int dirfd, const char* upath, uint64_t uid, uint64_t gid,
                    int flags) {
  if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath)) return err(Errno::kInval);
  Result<Ref<Vnode>> v = lookup_user(l, dirfd, upath, !(flags & abi::kAtSymlinkNofollow),
                                     flags & abi::kAtEmptyPath);
  if (!v.ok()) return err(v.error());
  return sysret(do_chown(l, *v.value(), static_cast<uint32_t>(uid), static_cast<uint32_t>(gid)));
}

}  // namespace

int64_t sys_chmod(Lwp& l, const SyscallArgs& a) {
  Result<Ref<Vnode>> v = lookup_user(l, kAtFdcwd, uptr<const char>(a.a[0]), true);
  if (!v.ok()) return err(v.error());
  return sysret(do_chmod(l, *v.value(), static_cast<uint32_t>(a.a[1])));
}

int64_t sys_fchmod(Lwp& l, const SyscallArgs& a) {
  Result<Ref<Vnode>> v = attr_vnode(l, iarg(a.a[0]));
  if (!v.ok()) return err(v.error());
  return sysret(do_chmod(l, *v.value(), static_cast<uint32_t>(a.a[1])));
}

int64_t sys_fchmodat(Lwp& l, const SyscallArgs& a) {
  // Linux's fchmodat takes no flags (a[3] is not an argument): it always follows symlinks.
  Result<Ref<Vnode>> v = lookup_user(l, iarg(a.a[0]), uptr<const char>(a.a[1]), true);
  if (!v.ok()) return err(v.error());
  return sysret(do_chmod(l, *v.value(), static_cast<uint32_t>(a.a[2])));
}

int64_t sys_fchmodat2(Lwp& l, const SyscallArgs& a) {
  // Linux 6.6's fchmodat2: AT_SYMLINK_NOFOLLOW works on files; a symlink's mode cannot change.
  int flags = iarg(a.a[3]);
  if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath)) return err(Errno::kInval);
  Result<Ref<Vnode>> v = lookup_user(l, iarg(a.a[0]), uptr<const char>(a.a[1]),
                                     !(flags & abi::kAtSymlinkNofollow), flags & abi::kAtEmptyPath);
  if (!v.ok()) return err(v.error());
  if (v.value()->type() == VType::kLnk) return err(Errno::kOpNotSupp);
  return sysret(do_chmod(l, *v.value(), static_cast<uint32_t>(a.a[2])));
}

int64_t sys_chown(Lwp& l, const SyscallArgs& a) {
  return do_fchownat(l, kAtFdcwd, uptr<const char>(a.a[0]), a.a[1], a.a[2], 0);
}

int64_t sys_lchown(Lwp& l, const SyscallArgs& a) {
  return do_fchownat(l, kAtFdcwd, uptr<const char>(a.a[0]), a.a[1], a.a[2],
                     abi::kAtSymlinkNofollow);
}

int64_t sys_fchown(Lwp& l, const SyscallArgs& a) {
  Result<Ref<Vnode>> v = attr_vnode(l, iarg(a.a[0]));
  if (!v.ok()) return err(v.error());
  return sysret(do_chown(l, *v.value(), static_cast<uint32_t>(a.a[1]),
                         static_cast<uint32_t>(a.a[2])));
}

int64_t sys_fchownat(Lwp& l, const SyscallArgs& a) {
  return do_fchownat(l, iarg(a.a[0]), uptr<const char>(a.a[1]), a.a[2], a.a[3], iarg(a.a[4]));
}

int64_t sys_utimensat(Lwp& l, const SyscallArgs& a) {
  int dirfd = iarg(a.a[0]);
  const char* upath = uptr<const char>(a.a[1]);
  const void* utimes = uptr<const void>(a.a[2]);
  int flags = iarg(a.a[3]);
  abi::Timespec times[2];
  if (utimes != nullptr) {
    if (Result<void> r = kern::copyin(l, times, utimes, sizeof times); !r.ok())
      return err(r.error());
    // Nothing to do: not even the path is looked at.
    if (times[0].tv_nsec == abi::kUtimeOmit && times[1].tv_nsec == abi::kUtimeOmit) return 0;
  }
  if (upath == nullptr && dirfd != kAtFdcwd) {
    // futimens: the file dirfd is open on.
    if (flags != 0) return err(Errno::kInval);
    Result<Ref<Vnode>> fv = attr_vnode(l, dirfd);
    if (!fv.ok()) return err(fv.error());
    return utimes != nullptr && (!nsec_valid(times[0].tv_nsec) || !nsec_valid(times[1].tv_nsec))
               ? err(Errno::kInval)
               : sysret(do_utimes(l, *fv.value(), utimes != nullptr ? times : nullptr));
  }
  if (flags & ~(abi::kAtSymlinkNofollow | abi::kAtEmptyPath)) return err(Errno::kInval);
  Result<Ref<Vnode>> pv = lookup_user(l, dirfd, upath, !(flags & abi::kAtSymlinkNofollow),
                                      flags & abi::kAtEmptyPath);
  if (!pv.ok()) return err(pv.error());
  if (utimes != nullptr && (!nsec_valid(times[0].tv_nsec) || !nsec_valid(times[1].tv_nsec)))
    return err(Errno::kInval);
  return sysret(do_utimes(l, *pv.value(), utimes != nullptr ? times : nullptr));
}

int64_t sys_truncate(Lwp& l, const SyscallArgs& a) {
  auto length = static_cast<int64_t>(a.a[1]);
  if (length < 0) return err(Errno::kInval);
  Result<Ref<Vnode>> got = lookup_user(l, kAtFdcwd, uptr<const char>(a.a[0]), true);
  if (!got.ok()) return err(got.error());
  Vnode& v = *got.value();
  if (v.is_dir()) return err(Errno::kIsDir);
  if (v.type() != VType::kReg) return err(Errno::kInval);
  if (v.mount().read_only()) return err(Errno::kRoFs);
  if (Result<void> r = vnode_access(l.proc().cred(), v, kMayWrite); !r.ok()) return err(r.error());
  return sysret(do_truncate(l, v, length));
}

int64_t sys_ftruncate(Lwp& l, const SyscallArgs& a) {
  auto length = static_cast<int64_t>(a.a[1]);
  if (length < 0) return err(Errno::kInval);
  Result<Ref<kern::File>> got = fd_file(l, iarg(a.a[0]));
  if (!got.ok()) return err(got.error());
  kern::File& f = *got.value();
  // Only a regular file opened for writing.
  if (f.kind() != kern::File::Kind::kVnode) return err(Errno::kInval);
  auto& vf = static_cast<VnodeFile&>(f);
  if (vf.vnode().type() != VType::kReg || !vf.writable()) return err(Errno::kInval);
  return sysret(do_truncate(l, vf.vnode(), length));
}

int64_t sys_fallocate(Lwp& l, const SyscallArgs& a) {
  Result<Ref<kern::File>> got = fd_file(l, iarg(a.a[0]));
  if (!got.ok()) return err(got.error());
  kern::File& f = *got.value();
  int mode = iarg(a.a[1]);
  auto offset = static_cast<int64_t>(a.a[2]);
  auto len = static_cast<int64_t>(a.a[3]);
  // vfs_fallocate's checks, in its order.
  if (offset < 0 || len <= 0) return err(Errno::kInval);
  if (mode & ~(kFallocModeMask | kFallocKeepSize)) return err(Errno::kOpNotSupp);
  switch (mode & kFallocModeMask) {
    case 0:  // allocate
    case kFallocUnshareRange:
    case kFallocZeroRange:
      break;
    case kFallocPunchHole:
      if (!(mode & kFallocKeepSize)) return err(Errno::kOpNotSupp);
      break;
    case kFallocCollapseRange:
    case kFallocInsertRange:
    case kFallocWriteZeroes:
      if (mode & kFallocKeepSize) return err(Errno::kOpNotSupp);
      break;
    default:  // modes are exclusive
      return err(Errno::kOpNotSupp);
  }
  bool vnode = f.kind() == kern::File::Kind::kVnode;
  bool writable = vnode ? static_cast<VnodeFile&>(f).writable()
                        : (f.flags() & kOAccmode) != kORdonly;
  if (!writable) return err(Errno::kBadF);
  VType type = vnode ? static_cast<VnodeFile&>(f).vnode().type()
                     : (f.kind() == kern::File::Kind::kPipe ? VType::kFifo : VType::kSock);
  if (type == VType::kFifo) return err(Errno::kSPipe);
  if (type == VType::kDir) return err(Errno::kIsDir);
  if (type != VType::kReg && type != VType::kBlk) return err(Errno::kNoDev);
  int64_t end;
  if (__builtin_add_overflow(offset, len, &end)) return err(Errno::kFBig);
  Vnode& v = static_cast<VnodeFile&>(f).vnode();
  kern::WriteGuard g(v.lock());
  return sysret(v.fallocate(mode, static_cast<uint64_t>(offset), static_cast<uint64_t>(len)));
}

int64_t sys_fsync(Lwp& l, const SyscallArgs& a) { return do_fsync(l, iarg(a.a[0]), false); }

int64_t sys_fdatasync(Lwp& l, const SyscallArgs& a) { return do_fsync(l, iarg(a.a[0]), true); }

}  // namespace rk::vfs
