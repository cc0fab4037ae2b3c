// Names in directories: mkdir, mknod, rmdir, unlink, rename, link, symlink (and their *at
// forms), getdents64.
#include "kern/kernel.h"
#include "kern/uio.h"
#include "vfs/access.h"
#include "vfs/mount.h"
#include "vfs/sys.h"
#include "vfs/sys_common.h"

namespace rk::vfs {

Result<Ref<Vnode>> create_node(kern::Lwp& l, Vnode& dir, std::string_view name, VType type,
                               uint32_t mode, uint64_t rdev) {
  kern::Cred cred = l.proc().cred();
  RK_TRY(vnode_access(cred, dir, kMayWrite | kMayExec));
  if (dir.mount().read_only()) return Errno::kRoFs;
  kern::WriteGuard g(dir.lock());
  Vattr dva;
  RK_TRY(dir.getattr(dva));
  if (dva.nlink == 0) return Errno::kNoEnt;  // the directory was removed meanwhile
  if (dir.lookup(name).ok()) return Errno::kExist;
  uint32_t gid = cred.fsgid;
  if (dva.mode & kSetGid) {
    gid = dva.gid;
    if (type == VType::kDir) mode |= kSetGid;
  }
  if ((mode & kSetGid) && type != VType::kDir && cred.fsuid != 0 && !cred.in_group(gid))
    mode &= ~kSetGid;
  return dir.create(name, type, mode, cred.fsuid, gid, rdev);
}

namespace {

int64_t do_mknod(kern::Lwp& l, int dirfd, const char* upath, uint32_t mode, uint64_t dev,
                 bool is_mkdir) {
  PathBuf path(l);
  if (Result<void> r = path.copy_in(upath); !r.ok()) return -to_int(r.error());
  VType type = VType::kDir;
  if (!is_mkdir) {
    type = (mode & 0170000) == 0 ? VType::kReg : ifmt_to_type(mode);
    switch (type) {
      case VType::kReg:
      case VType::kFifo:
      case VType::kSock:
        break;
      case VType::kChr:
      case VType::kBlk:
        if (!l.proc().cred().privileged()) return -to_int(Errno::kPerm);  // CAP_MKNOD
        break;
      case VType::kDir:
        return -to_int(Errno::kPerm);
      default:
        return -to_int(Errno::kInval);
    }
  }
  NameiParent np;
  if (Result<void> r = namei_parent(l, dirfd, path.c_str(), np); !r.ok()) return -to_int(r.error());
  if (np.is_dot()) return -to_int(Errno::kExist);
  if (np.trailing_slash && !is_mkdir) {
    // "name/" for a non-directory: an existing name wins with EEXIST, as on Linux.
    return lookup_in(l, *np.dir, np.name.view()).ok() ? -to_int(Errno::kExist)
                                                      : -to_int(Errno::kNoEnt);
  }
  uint32_t umask = Vfs::of(l.kernel()).umask_of(l.proc());
  uint32_t perm = is_mkdir ? (mode & (0777 | kSticky)) & ~umask : (mode & 07777) & ~umask;
  Result<Ref<Vnode>> v = create_node(l, *np.dir, np.name.view(), type, perm, is_mkdir ? 0 : dev);
  return v.ok() ? 0 : -to_int(v.error());
}

// unlink and rmdir.
int64_t do_remove(kern::Lwp& l, int dirfd, const char* upath, bool rmdir) {
  PathBuf path(l);
  if (Result<void> r = path.copy_in(upath); !r.ok()) return -to_int(r.error());
  NameiParent np;
  if (Result<void> r = namei_parent(l, dirfd, path.c_str(), np); !r.ok()) return -to_int(r.error());
  std::string_view name = np.name.view();
  if (rmdir) {
    if (name == ".") return -to_int(Errno::kInval);
    if (name == "..") return -to_int(Errno::kNotEmpty);
    if (name == "/") return -to_int(Errno::kBusy);
  } else if (np.is_dot()) {
    return -to_int(Errno::kIsDir);
  }
  Vnode& dir = *np.dir;
  kern::Cred cred = l.proc().cred();
  if (Result<void> r = vnode_access(cred, dir, kMayWrite | kMayExec); !r.ok()) return -to_int(r.error());
  kern::WriteGuard g(dir.lock());
  Result<Ref<Vnode>> victim_or = dir.lookup(name);
  if (!victim_or.ok()) return -to_int(victim_or.error());
  Ref<Vnode> victim = std::move(victim_or).value();
  if (rmdir && !victim->is_dir()) return -to_int(Errno::kNotDir);
  if (!rmdir && victim->is_dir()) return -to_int(Errno::kIsDir);
  if (!rmdir && np.trailing_slash) return -to_int(Errno::kNotDir);
  if (victim->mounted_here() != nullptr) return -to_int(Errno::kBusy);
  if (dir.mount().read_only()) return -to_int(Errno::kRoFs);
  Vattr dva, vva;
  if (Result<void> r = dir.getattr(dva); !r.ok()) return -to_int(r.error());
  {
    // The victim's lock nests inside its directory's, the VFS's order everywhere.
    kern::ReadGuard vg(victim->lock());
    if (Result<void> r = victim->getattr(vva); !r.ok()) return -to_int(r.error());
  }
  if (Result<void> r = check_sticky(cred, dva, vva); !r.ok()) return -to_int(r.error());
  kern::WriteGuard vg(victim->lock());
  return sysret(rmdir ? dir.rmdir(name, *victim) : dir.remove(name, *victim));
}

// True when `dir` is `node` or lies below it (walking ".." up to the file system's root).
Result<bool> is_within(kern::Lwp& l, Vnode& dir, Vnode& node) {
  Ref<Vnode> cur(dir);
  for (int depth = 0; depth < 4096; ++depth) {
    if (cur.get() == &node) return true;
    if (cur->mount().fs().root().get() == cur.get()) return false;
    Ref<Vnode> up = RK_TRY(([&]() -> Result<Ref<Vnode>> {
      kern::ReadGuard g(cur->lock());
      return cur->lookup("..");
    }()));
    if (up.get() == cur.get()) return false;
    cur = std::move(up);
  }
  return Errno::kLoop;
}

int64_t do_rename(kern::Lwp& l, int olddirfd, const char* uold, int newdirfd, const char* unew,
                  unsigned flags) {
  if (flags & ~(abi::kRenameNoreplace | abi::kRenameExchange | abi::kRenameWhiteout))
    return -to_int(Errno::kInval);
  if ((flags & abi::kRenameNoreplace) && (flags & abi::kRenameExchange)) return -to_int(Errno::kInval);
  if (flags & abi::kRenameWhiteout) return -to_int(Errno::kInval);  // no overlay file systems
  bool exchange = flags & abi::kRenameExchange;
  PathBuf oldp(l), newp(l);
  if (Result<void> r = oldp.copy_in(uold); !r.ok()) return -to_int(r.error());
  if (Result<void> r = newp.copy_in(unew); !r.ok()) return -to_int(r.error());
  NameiParent from, to;
  if (Result<void> r = namei_parent(l, olddirfd, oldp.c_str(), from); !r.ok()) return -to_int(r.error());
  if (Result<void> r = namei_parent(l, newdirfd, newp.c_str(), to); !r.ok()) return -to_int(r.error());
  if (to.is_dot() && (flags & abi::kRenameNoreplace)) return -to_int(Errno::kExist);
  if (from.is_dot() || to.is_dot()) return -to_int(Errno::kBusy);
  Vnode& fdir = *from.dir;
  Vnode& tdir = *to.dir;
  if (&fdir.mount() != &tdir.mount()) return -to_int(Errno::kXDev);
  kern::Cred cred = l.proc().cred();
  if (Result<void> r = vnode_access(cred, fdir, kMayWrite | kMayExec); !r.ok()) return -to_int(r.error());
  if (Result<void> r = vnode_access(cred, tdir, kMayWrite | kMayExec); !r.ok()) return -to_int(r.error());
  if (fdir.mount().read_only()) return -to_int(Errno::kRoFs);

  Vfs& vfs = Vfs::of(l.kernel());
  kern::MutexGuard rename_guard(vfs.rename_lock());  // no directory moves while we check
  Result<Ref<Vnode>> src_or = lookup_in(l, fdir, from.name.view());
  if (!src_or.ok()) return -to_int(src_or.error());
  Ref<Vnode> src = std::move(src_or).value();
  Result<Ref<Vnode>> dst_or = lookup_in(l, tdir, to.name.view());
  if (!dst_or.ok() && dst_or.error() != Errno::kNoEnt) return -to_int(dst_or.error());
  RefPtr<Vnode> dst;
  if (dst_or.ok()) dst = std::move(dst_or).value();

  // The checks in Linux's order: NOREPLACE, EXCHANGE's target, trailing slashes, then the
  // ancestry of the two.
  if ((flags & abi::kRenameNoreplace) && dst) return -to_int(Errno::kExist);
  if (exchange && !dst) return -to_int(Errno::kNoEnt);
  if (exchange && to.trailing_slash && !dst->is_dir()) return -to_int(Errno::kNotDir);
  if (!src->is_dir() && (from.trailing_slash || (!exchange && to.trailing_slash)))
    return -to_int(Errno::kNotDir);
  // A directory cannot move below itself (EINVAL), nor replace a directory it lies below
  // (ENOTEMPTY: that one holds it); Linux checks this before the types.
  if (src->is_dir() && &fdir != &tdir) {
    Result<bool> below = is_within(l, tdir, *src);
    if (!below.ok()) return -to_int(below.error());
    if (below.value()) return -to_int(Errno::kInval);
  }
  if (dst && dst->is_dir() && &fdir != &tdir) {
    Result<bool> below = is_within(l, fdir, *dst);
    if (!below.ok()) return -to_int(below.error());
    if (below.value()) return -to_int(exchange ? Errno::kInval : Errno::kNotEmpty);
  }
  if (dst && dst.get() == src.get()) return 0;  // two names of one file: nothing to do
  if (src->mounted_here() != nullptr || (dst && dst->mounted_here() != nullptr))
    return -to_int(Errno::kBusy);
  if (src->mount().fs().root().get() == src.get()) return -to_int(Errno::kBusy);
  if (!exchange && dst) {
    if (src->is_dir() && !dst->is_dir()) return -to_int(Errno::kNotDir);
    if (!src->is_dir() && dst->is_dir()) return -to_int(Errno::kIsDir);
  }
  // Sticky directories, and write access to a directory whose ".." changes.
  Vattr fva, tva, sva, dva;
  auto attr = [](Vnode& v, Vattr& va) {
    kern::ReadGuard g(v.lock());
    return v.getattr(va);
  };
  if (Result<void> r = attr(fdir, fva); !r.ok()) return -to_int(r.error());
  if (Result<void> r = attr(tdir, tva); !r.ok()) return -to_int(r.error());
  if (Result<void> r = attr(*src, sva); !r.ok()) return -to_int(r.error());
  if (Result<void> r = check_sticky(cred, fva, sva); !r.ok()) return -to_int(r.error());
  if (dst) {
    if (Result<void> r = attr(*dst, dva); !r.ok()) return -to_int(r.error());
    if (Result<void> r = check_sticky(cred, tva, dva); !r.ok()) return -to_int(r.error());
  }
  if (&fdir != &tdir) {
    if (src->is_dir()) {
      if (Result<void> r = check_access(cred, sva, kMayWrite); !r.ok()) return -to_int(r.error());
    }
    if (exchange && dst->is_dir()) {
      if (Result<void> r = check_access(cred, dva, kMayWrite); !r.ok()) return -to_int(r.error());
    }
  }
  // Lock the directories, then the nodes. The rename lock orders renames among themselves,
  // but rmdir and unlink take a directory before the one they remove: an ancestor must come
  // first here too (Linux's lock_rename), or renaming out of a directory while its parent
  // removes it deadlocks. Unrelated directories: any order.
  if (&fdir == &tdir) {
    kern::WriteGuard g(fdir.lock());
    return sysret(fdir.rename(from.name.view(), *src, tdir, to.name.view(), dst.get(), exchange));
  }
  Result<bool> to_above = is_within(l, fdir, tdir);
  if (!to_above.ok()) return -to_int(to_above.error());
  Vnode& first = to_above.value() ? tdir : fdir;
  Vnode& second = to_above.value() ? fdir : tdir;
  kern::WriteGuard g1(first.lock());
  kern::WriteGuard g2(second.lock());
  return sysret(fdir.rename(from.name.view(), *src, tdir, to.name.view(), dst.get(), exchange));
}

int64_t do_link(kern::Lwp& l, int olddirfd, const char* uold, int newdirfd, const char* unew,
                int flags) {
  if (flags & ~(abi::kAtSymlinkFollow | abi::kAtEmptyPath)) return -to_int(Errno::kInval);
  Result<Ref<Vnode>> src_or = lookup_user(l, olddirfd, uold, flags & abi::kAtSymlinkFollow,
                                          flags & abi::kAtEmptyPath);
  if (!src_or.ok()) return -to_int(src_or.error());
  Ref<Vnode> src = std::move(src_or).value();
  // Linux looks at the new name before it refuses a directory.
  PathBuf newp(l);
  if (Result<void> r = newp.copy_in(unew); !r.ok()) return -to_int(r.error());
  NameiParent to;
  if (Result<void> r = namei_parent(l, newdirfd, newp.c_str(), to); !r.ok()) return -to_int(r.error());
  if (to.is_dot()) return -to_int(Errno::kExist);
  if (lookup_in(l, *to.dir, to.name.view()).ok()) return -to_int(Errno::kExist);
  if (to.trailing_slash) return -to_int(Errno::kNoEnt);
  if (src->is_dir()) return -to_int(Errno::kPerm);
  Vnode& dir = *to.dir;
  if (&dir.mount() != &src->mount()) return -to_int(Errno::kXDev);
  kern::Cred cred = l.proc().cred();
  if (Result<void> r = vnode_access(cred, dir, kMayWrite | kMayExec); !r.ok()) return -to_int(r.error());
  if (dir.mount().read_only()) return -to_int(Errno::kRoFs);
  // fs.protected_hardlinks (on by default): only the owner, or someone who may read and write
  // a plain file, may link to it.
  Vattr sva;
  {
    kern::ReadGuard g(src->lock());
    if (Result<void> r = src->getattr(sva); !r.ok()) return -to_int(r.error());
  }
  if (cred.fsuid != 0 && cred.fsuid != sva.uid) {
    bool safe = sva.type == VType::kReg && !(sva.mode & kSetUid) &&
                !((sva.mode & kSetGid) && (sva.mode & 010)) &&
                check_access(cred, sva, kMayRead | kMayWrite).ok();
    if (!safe) return -to_int(Errno::kPerm);
  }
  if (sva.nlink == 0) return -to_int(Errno::kNoEnt);  // already unlinked
  kern::WriteGuard g(dir.lock());
  if (dir.lookup(to.name.view()).ok()) return -to_int(Errno::kExist);
  kern::WriteGuard sg(src->lock());
  return sysret(dir.link(to.name.view(), *src));
}

int64_t do_symlink(kern::Lwp& l, const char* utarget, int dirfd, const char* upath) {
  PathBuf target(l), path(l);
  if (Result<void> r = target.copy_in(utarget); !r.ok()) return -to_int(r.error());
  if (target.c_str()[0] == '\0') return -to_int(Errno::kNoEnt);
  if (Result<void> r = path.copy_in(upath); !r.ok()) return -to_int(r.error());
  NameiParent np;
  if (Result<void> r = namei_parent(l, dirfd, path.c_str(), np); !r.ok()) return -to_int(r.error());
  if (np.is_dot()) return -to_int(Errno::kExist);
  if (np.trailing_slash) {
    return lookup_in(l, *np.dir, np.name.view()).ok() ? -to_int(Errno::kExist)
                                                      : -to_int(Errno::kNoEnt);
  }
  Vnode& dir = *np.dir;
  kern::Cred cred = l.proc().cred();
  if (Result<void> r = vnode_access(cred, dir, kMayWrite | kMayExec); !r.ok()) return -to_int(r.error());
  if (dir.mount().read_only()) return -to_int(Errno::kRoFs);
  kern::WriteGuard g(dir.lock());
  if (dir.lookup(np.name.view()).ok()) return -to_int(Errno::kExist);
  Vattr dva;
  if (Result<void> r = dir.getattr(dva); !r.ok()) return -to_int(r.error());
  uint32_t gid = (dva.mode & kSetGid) ? dva.gid : cred.fsgid;
  Result<Ref<Vnode>> v = dir.symlink(np.name.view(), target.c_str(), cred.fsuid, gid);
  return v.ok() ? 0 : -to_int(v.error());
}

}  // namespace

int64_t sys_mkdir(Lwp& l, const SyscallArgs& a) {
  return do_mknod(l, kAtFdcwd, uptr<const char>(a.a[0]), static_cast<uint32_t>(a.a[1]), 0, true);
}
int64_t sys_mkdirat(Lwp& l, const SyscallArgs& a) {
  return do_mknod(l, iarg(a.a[0]), uptr<const char>(a.a[1]), static_cast<uint32_t>(a.a[2]), 0, true);
}
int64_t sys_mknod(Lwp& l, const SyscallArgs& a) {
  return do_mknod(l, kAtFdcwd, uptr<const char>(a.a[0]), static_cast<uint32_t>(a.a[1]),
                  static_cast<uint32_t>(a.a[2]), false);
}
int64_t sys_mknodat(Lwp& l, const SyscallArgs& a) {
  return do_mknod(l, iarg(a.a[0]), uptr<const char>(a.a[1]), static_cast<uint32_t>(a.a[2]),
                  static_cast<uint32_t>(a.a[3]), false);
}
int64_t sys_rmdir(Lwp& l, const SyscallArgs& a) {
  return do_remove(l, kAtFdcwd, uptr<const char>(a.a[0]), true);
}
int64_t sys_unlink(Lwp& l, const SyscallArgs& a) {
  return do_remove(l, kAtFdcwd, uptr<const char>(a.a[0]), false);
}
int64_t sys_unlinkat(Lwp& l, const SyscallArgs& a) {
  int flags = iarg(a.a[2]);
  if (flags & ~abi::kAtRemovedir) return -to_int(Errno::kInval);
  return do_remove(l, iarg(a.a[0]), uptr<const char>(a.a[1]), flags & abi::kAtRemovedir);
}
int64_t sys_rename(Lwp& l, const SyscallArgs& a) {
  return do_rename(l, kAtFdcwd, uptr<const char>(a.a[0]), kAtFdcwd, uptr<const char>(a.a[1]), 0);
}
int64_t sys_renameat(Lwp& l, const SyscallArgs& a) {
  return do_rename(l, iarg(a.a[0]), uptr<const char>(a.a[1]), iarg(a.a[2]),
                   uptr<const char>(a.a[3]), 0);
}
int64_t sys_renameat2(Lwp& l, const SyscallArgs& a) {
  return do_rename(l, iarg(a.a[0]), uptr<const char>(a.a[1]), iarg(a.a[2]),
                   uptr<const char>(a.a[3]), static_cast<unsigned>(a.a[4]));
}
int64_t sys_link(Lwp& l, const SyscallArgs& a) {
  return do_link(l, kAtFdcwd, uptr<const char>(a.a[0]), kAtFdcwd, uptr<const char>(a.a[1]), 0);
}
int64_t sys_linkat(Lwp& l, const SyscallArgs& a) {
  return do_link(l, iarg(a.a[0]), uptr<const char>(a.a[1]), iarg(a.a[2]), uptr<const char>(a.a[3]),
                 iarg(a.a[4]));
}
int64_t sys_symlink(Lwp& l, const SyscallArgs& a) {
  return do_symlink(l, uptr<const char>(a.a[0]), kAtFdcwd, uptr<const char>(a.a[1]));
}
int64_t sys_symlinkat(Lwp& l, const SyscallArgs& a) {
  return do_symlink(l, uptr<const char>(a.a[0]), iarg(a.a[1]), uptr<const char>(a.a[2]));
}

int64_t sys_getdents64(Lwp& l, const SyscallArgs& a) {
  Result<Ref<VnodeFile>> f = vnode_file(l, iarg(a.a[0]), Errno::kNotDir);
  if (!f.ok()) return -to_int(f.error());
  if (f.value()->path_only()) return -to_int(Errno::kBadF);
  return sysret(f.value()->getdents(l, uptr<void>(a.a[1]), a.a[2]));
}

}  // namespace rk::vfs
