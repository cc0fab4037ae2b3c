// The "vfs" component: every kernel linked with librumpvfs gets a file system tree.
#include "kern/abi/linux.h"
#include "kern/component.h"
#include "kern/kernel.h"
#include "vfs/sys.h"
#include "vfs/vfs.h"

namespace rk::vfs {
namespace {

using namespace rk::abi;

Result<void*> vfs_init(kern::Kernel& k) {
  Vfs* vfs = k.kmem().create<Vfs>(kern::KmFlags::kNoSleep, k);
  if (vfs == nullptr) return Errno::kNoMem;
  Result<void> r = vfs->init();
  if (!r.ok()) {
    vfs->shutdown();
    k.kmem().destroy(vfs);
    return r.error();
  }
  return static_cast<void*>(vfs);
}

void vfs_fini(kern::Kernel& k, void* state) {
  auto* vfs = static_cast<Vfs*>(state);
  vfs->shutdown();
  k.kmem().destroy(vfs);
}

constexpr kern::ComponentSyscall kSyscalls[] = {
    {kSysRead, sys_read},
    {kSysWrite, sys_write},
    {kSysOpen, sys_open},
    {kSysStat, sys_stat},
    {kSysFstat, sys_fstat},
    {kSysLstat, sys_lstat},
    {kSysLseek, sys_lseek},
    {kSysPread64, sys_pread64},
    {kSysPwrite64, sys_pwrite64},
    {kSysReadv, sys_readv},
    {kSysWritev, sys_writev},
    {kSysAccess, sys_access},
    {kSysPipe, sys_pipe},
    {kSysDup, sys_dup},
    {kSysDup2, sys_dup2},
    {kSysFcntl, sys_fcntl},
    {kSysFsync, sys_fsync},
    {kSysFdatasync, sys_fdatasync},
    {kSysTruncate, sys_truncate},
    {kSysFtruncate, sys_ftruncate},
    {kSysGetcwd, sys_getcwd},
    {kSysChdir, sys_chdir},
    {kSysFchdir, sys_fchdir},
    {kSysRename, sys_rename},
    {kSysMkdir, sys_mkdir},
    {kSysRmdir, sys_rmdir},
    {kSysLink, sys_link},
    {kSysUnlink, sys_unlink},
    {kSysSymlink, sys_symlink},
    {kSysReadlink, sys_readlink},
    {kSysChmod, sys_chmod},
    {kSysFchmod, sys_fchmod},
    {kSysChown, sys_chown},
    {kSysFchown, sys_fchown},
    {kSysLchown, sys_lchown},
    {kSysUmask, sys_umask},
    {kSysMknod, sys_mknod},
    {kSysStatfs, sys_statfs},
    {kSysFstatfs, sys_fstatfs},
    {kSysChroot, sys_chroot},
    {kSysSync, sys_sync},
    {kSysMount, sys_mount},
    {kSysUmount2, sys_umount2},
    {kSysGetdents64, sys_getdents64},
    {kSysOpenat, sys_openat},
    {kSysMkdirat, sys_mkdirat},
    {kSysMknodat, sys_mknodat},
    {kSysFchownat, sys_fchownat},
    {kSysNewfstatat, sys_newfstatat},
    {kSysUnlinkat, sys_unlinkat},
    {kSysRenameat, sys_renameat},
    {kSysLinkat, sys_linkat},
    {kSysSymlinkat, sys_symlinkat},
    {kSysReadlinkat, sys_readlinkat},
    {kSysFchmodat, sys_fchmodat},
    {kSysFaccessat, sys_faccessat},
    {kSysUtimensat, sys_utimensat},
    {kSysFallocate, sys_fallocate},
    {kSysDup3, sys_dup3},
    {kSysPipe2, sys_pipe2},
    {kSysRenameat2, sys_renameat2},
    {kSysStatx, sys_statx},
    {kSysFaccessat2, sys_faccessat2},
    {kSysFchmodat2, sys_fchmodat2},
    {kSysSetxattr, sys_setxattr},
    {kSysLsetxattr, sys_lsetxattr},
    {kSysFsetxattr, sys_fsetxattr},
    {kSysGetxattr, sys_getxattr},
    {kSysLgetxattr, sys_lgetxattr},
    {kSysFgetxattr, sys_fgetxattr},
    {kSysListxattr, sys_listxattr},
    {kSysLlistxattr, sys_llistxattr},
    {kSysFlistxattr, sys_flistxattr},
    {kSysRemovexattr, sys_removexattr},
    {kSysLremovexattr, sys_lremovexattr},
    {kSysFremovexattr, sys_fremovexattr},
};

}  // namespace

// Not const: the catalogue links it into its list.
kern::Component kVfsComponent = {"vfs", {}, vfs_init, vfs_fini, kSyscalls};
RK_COMPONENT(kVfsComponent);

}  // namespace rk::vfs
