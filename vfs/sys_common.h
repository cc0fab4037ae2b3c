// Helpers shared by the file system calls.
#pragma once

#include "kern/abi/linux.h"
#include "kern/file.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kern/sys.h"
#include "vfs/namei.h"
#include "vfs/vfile.h"
#include "vfs/vfs.h"

namespace rk::vfs {

using kern::sysret;

template <typename T>
T* uptr(uint64_t a) {
  return reinterpret_cast<T*>(a);
}
inline int iarg(uint64_t a) { return static_cast<int>(a); }

// The open file behind fd, when it is an open vnode. EBADF; ENOTDIR-free: other kinds of file
// answer `other` (EINVAL, ESPIPE, ... as the call wants).
Result<Ref<VnodeFile>> vnode_file(kern::Lwp& l, int fd, Errno other);

// Attributes of any open file (fstat): vnodes, pipes.
Result<void> file_attr(kern::File& f, Vattr& va);

// Fills Linux's struct stat / statx from attributes and copies it out.
Result<void> stat_out(kern::Lwp& l, const Vattr& va, void* ustat);
Result<void> statx_out(kern::Lwp& l, const Vattr& va, unsigned mask, void* ustatx);

// Resolves (dirfd, path) copied in from the client, following symlinks unless `nofollow`.
Result<Ref<Vnode>> lookup_user(kern::Lwp& l, int dirfd, const char* upath, bool follow,
                               bool empty_path_ok = false);

// The time now as file systems store it.
Timespec now(kern::Kernel& k);

}  // namespace rk::vfs

namespace rk::vfs {

// Creates `name` in dir for the calling process, as Linux does: permission to write and search
// dir (EACCES), EROFS, EEXIST; owner = fs uid; group = dir's group in a setgid directory (and
// directories inherit the setgid bit), else the fs gid; mode has the umask applied by the
// caller; a setgid bit the creator may not set is dropped. Takes dir's lock itself.
Result<Ref<Vnode>> create_node(kern::Lwp& l, Vnode& dir, std::string_view name, VType type,
                               uint32_t mode, uint64_t rdev);

}  // namespace rk::vfs
