// The file system calls the vfs component implements (the table is in component.cpp).
#pragma once

#include "kern/syscall.h"

namespace rk::vfs {

using kern::Lwp;
using kern::SyscallArgs;

// sys_open.cpp
int64_t sys_open(Lwp& l, const SyscallArgs& a);
int64_t sys_openat(Lwp& l, const SyscallArgs& a);
// sys_rw.cpp
int64_t sys_read(Lwp& l, const SyscallArgs& a);
int64_t sys_write(Lwp& l, const SyscallArgs& a);
int64_t sys_pread64(Lwp& l, const SyscallArgs& a);
int64_t sys_pwrite64(Lwp& l, const SyscallArgs& a);
int64_t sys_readv(Lwp& l, const SyscallArgs& a);
int64_t sys_writev(Lwp& l, const SyscallArgs& a);
int64_t sys_lseek(Lwp& l, const SyscallArgs& a);
// sys_stat.cpp
int64_t sys_stat(Lwp& l, const SyscallArgs& a);
int64_t sys_lstat(Lwp& l, const SyscallArgs& a);
int64_t sys_fstat(Lwp& l, const SyscallArgs& a);
int64_t sys_newfstatat(Lwp& l, const SyscallArgs& a);
int64_t sys_statx(Lwp& l, const SyscallArgs& a);
int64_t sys_statfs(Lwp& l, const SyscallArgs& a);
int64_t sys_fstatfs(Lwp& l, const SyscallArgs& a);
int64_t sys_access(Lwp& l, const SyscallArgs& a);
int64_t sys_faccessat(Lwp& l, const SyscallArgs& a);
int64_t sys_faccessat2(Lwp& l, const SyscallArgs& a);
int64_t sys_readlink(Lwp& l, const SyscallArgs& a);
int64_t sys_readlinkat(Lwp& l, const SyscallArgs& a);
// sys_dir.cpp
int64_t sys_mkdir(Lwp& l, const SyscallArgs& a);
int64_t sys_mkdirat(Lwp& l, const SyscallArgs& a);
int64_t sys_mknod(Lwp& l, const SyscallArgs& a);
int64_t sys_mknodat(Lwp& l, const SyscallArgs& a);
int64_t sys_rmdir(Lwp& l, const SyscallArgs& a);
int64_t sys_unlink(Lwp& l, const SyscallArgs& a);
int64_t sys_unlinkat(Lwp& l, const SyscallArgs& a);
int64_t sys_rename(Lwp& l, const SyscallArgs& a);
int64_t sys_renameat(Lwp& l, const SyscallArgs& a);
int64_t sys_renameat2(Lwp& l, const SyscallArgs& a);
int64_t sys_link(Lwp& l, const SyscallArgs& a);
int64_t sys_linkat(Lwp& l, const SyscallArgs& a);
int64_t sys_symlink(Lwp& l, const SyscallArgs& a);
int64_t sys_symlinkat(Lwp& l, const SyscallArgs& a);
int64_t sys_getdents64(Lwp& l, const SyscallArgs& a);
// sys_cwd.cpp
int64_t sys_chdir(Lwp& l, const SyscallArgs& a);
int64_t sys_fchdir(Lwp& l, const SyscallArgs& a);
int64_t sys_getcwd(Lwp& l, const SyscallArgs& a);
int64_t sys_chroot(Lwp& l, const SyscallArgs& a);
int64_t sys_umask(Lwp& l, const SyscallArgs& a);
// sys_mount.cpp
int64_t sys_mount(Lwp& l, const SyscallArgs& a);
int64_t sys_umount2(Lwp& l, const SyscallArgs& a);
int64_t sys_sync(Lwp& l, const SyscallArgs& a);
// sys_attr.cpp
int64_t sys_chmod(Lwp& l, const SyscallArgs& a);
int64_t sys_fchmod(Lwp& l, const SyscallArgs& a);
int64_t sys_fchmodat(Lwp& l, const SyscallArgs& a);
int64_t sys_fchmodat2(Lwp& l, const SyscallArgs& a);
int64_t sys_chown(Lwp& l, const SyscallArgs& a);
int64_t sys_lchown(Lwp& l, const SyscallArgs& a);
int64_t sys_fchown(Lwp& l, const SyscallArgs& a);
int64_t sys_fchownat(Lwp& l, const SyscallArgs& a);
int64_t sys_utimensat(Lwp& l, const SyscallArgs& a);
int64_t sys_truncate(Lwp& l, const SyscallArgs& a);
int64_t sys_ftruncate(Lwp& l, const SyscallArgs& a);
int64_t sys_fallocate(Lwp& l, const SyscallArgs& a);
int64_t sys_fsync(Lwp& l, const SyscallArgs& a);
int64_t sys_fdatasync(Lwp& l, const SyscallArgs& a);
// sys_fd.cpp
int64_t sys_dup(Lwp& l, const SyscallArgs& a);
int64_t sys_dup2(Lwp& l, const SyscallArgs& a);
int64_t sys_dup3(Lwp& l, const SyscallArgs& a);
int64_t sys_fcntl(Lwp& l, const SyscallArgs& a);
int64_t sys_pipe(Lwp& l, const SyscallArgs& a);
int64_t sys_pipe2(Lwp& l, const SyscallArgs& a);

// sys_xattr.cpp
int64_t sys_setxattr(Lwp& l, const SyscallArgs& a);
int64_t sys_lsetxattr(Lwp& l, const SyscallArgs& a);
int64_t sys_fsetxattr(Lwp& l, const SyscallArgs& a);
int64_t sys_getxattr(Lwp& l, const SyscallArgs& a);
int64_t sys_lgetxattr(Lwp& l, const SyscallArgs& a);
int64_t sys_fgetxattr(Lwp& l, const SyscallArgs& a);
int64_t sys_listxattr(Lwp& l, const SyscallArgs& a);
int64_t sys_llistxattr(Lwp& l, const SyscallArgs& a);
int64_t sys_flistxattr(Lwp& l, const SyscallArgs& a);
int64_t sys_removexattr(Lwp& l, const SyscallArgs& a);
int64_t sys_lremovexattr(Lwp& l, const SyscallArgs& a);
int64_t sys_fremovexattr(Lwp& l, const SyscallArgs& a);

}  // namespace rk::vfs
