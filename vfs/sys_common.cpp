#include "vfs/sys_common.h"

#include "kern/kernel.h"
#include "kern/uio.h"
#include "vfs/devices.h"
#include "vfs/mount.h"
#include "vfs/pipe.h"

namespace rk::vfs {

Result<Ref<VnodeFile>> vnode_file(kern::Lwp& l, int fd, Errno other) {
  Ref<kern::File> f = RK_TRY(l.proc().fds().get(fd));
  if (f->kind() != kern::File::Kind::kVnode) return other;
  return Ref<VnodeFile>(static_cast<VnodeFile&>(*f));
}

Result<void> file_attr(kern::File& f, Vattr& va) {
  switch (f.kind()) {
    case kern::File::Kind::kVnode: {
      Vnode& v = static_cast<VnodeFile&>(f).vnode();
      kern::ReadGuard g(v.lock());
      return v.getattr(va);
    }
    case kern::File::Kind::kPipe:
      return static_cast<PipeFile&>(f).getattr(va);
    default:
      return Errno::kInval;
  }
}

Result<void> stat_out(kern::Lwp& l, const Vattr& va, void* ustat) {
  abi::Stat st;
  mem_set(&st, 0, sizeof st);
  st.st_dev = va.dev;
  st.st_ino = va.ino;
  st.st_nlink = va.nlink;
  st.st_mode = type_to_ifmt(va.type) | (va.mode & kModeMask);
  st.st_uid = va.uid;
  st.st_gid = va.gid;
  st.st_rdev = va.rdev;
  st.st_size = static_cast<int64_t>(va.size);
  st.st_blksize = va.blksize;
  st.st_blocks = static_cast<int64_t>(va.blocks);
  st.st_atim = {va.atime.sec, va.atime.nsec};
  st.st_mtim = {va.mtime.sec, va.mtime.nsec};
  st.st_ctim = {va.ctime.sec, va.ctime.nsec};
  return kern::copyout(l, ustat, &st, sizeof st);
}

Result<void> statx_out(kern::Lwp& l, const Vattr& va, unsigned mask, void* ustatx) {
  abi::Statx sx;
  mem_set(&sx, 0, sizeof sx);
  sx.stx_mask = abi::kStatxBasicStats | abi::kStatxBtime;
  sx.stx_blksize = va.blksize;
  sx.stx_nlink = static_cast<uint32_t>(va.nlink);
  sx.stx_uid = va.uid;
  sx.stx_gid = va.gid;
  sx.stx_mode = static_cast<uint16_t>(type_to_ifmt(va.type) | (va.mode & kModeMask));
  sx.stx_ino = va.ino;
  sx.stx_size = va.size;
  sx.stx_blocks = va.blocks;
  sx.stx_atime = {va.atime.sec, static_cast<uint32_t>(va.atime.nsec), 0};
  sx.stx_btime = {va.btime.sec, static_cast<uint32_t>(va.btime.nsec), 0};
  sx.stx_ctime = {va.ctime.sec, static_cast<uint32_t>(va.ctime.nsec), 0};
  sx.stx_mtime = {va.mtime.sec, static_cast<uint32_t>(va.mtime.nsec), 0};
  sx.stx_rdev_major = dev_major(va.rdev);
  sx.stx_rdev_minor = dev_minor(va.rdev);
  sx.stx_dev_major = dev_major(va.dev);
  sx.stx_dev_minor = dev_minor(va.dev);
  (void)mask;  // everything basic is always there, as on tmpfs
  return kern::copyout(l, ustatx, &sx, sizeof sx);
}

Result<Ref<Vnode>> lookup_user(kern::Lwp& l, int dirfd, const char* upath, bool follow,
                               bool empty_path_ok) {
  PathBuf path(l);
  RK_TRY(path.copy_in(upath));
  unsigned flags = (follow ? kFollow : 0) | (empty_path_ok ? kEmptyPath : 0);
  return namei(l, dirfd, path.c_str(), flags);
}

Timespec now(kern::Kernel& k) {
  int64_t ns = k.hyp().wall_ns();
  return {ns / 1000000000, ns % 1000000000};
}

}  // namespace rk::vfs
