// etfs, "extra-terrestrial file system": host files inside a kernel's tree, as NetBSD's
// rump_etfs(3) (the C API in <rump/rump.h> documents what a user sees).
//
// Design. Each registration is a mount: a file system of type "etfs" (EtfsFs, fs.h) whose
// root is the node standing for the host file or directory (EtfsNode, node.h), mounted over
// the key's name in the tree. Path lookup crosses into it the way it crosses any mount, so
// nothing in namei or in the file system that holds the name needs to know about etfs, and the
// VFS's rules for mount points give the right answers for free: the node has a device number
// of its own, link(2) to it is EXDEV, renaming or removing the name is EBUSY, an open file or a
// working directory keeps it busy (rump_pub_etfs_remove answers EBUSY, as Linux's umount), and
// /proc/mounts lists it. A key's host file is opened once, at registration (the files of an
// etfs directory when first read or written, node.h); reads and writes go to it through the
// hypercalls, with the virtual CPU given back, and nothing is cached. The mounts are made and
// unmade with the kernel's own credentials (an lwp of proc0), whoever the calling process is:
// etfs is the host's doing.
//
// The name in the tree. A directory key is mounted on an empty directory made at the key. A
// file or device key needs a name of its own type (readdir reports it with its type, unlink
// says EBUSY), but the VFS mounts only on directories: so the mount is made on an unnamed
// directory (made and removed at once inside the key's directory, under its lock, so no one
// sees it) and the name made at the key — a node of the key's type — is pointed at the mount
// with Vnode::set_mounted_here, which is all path lookup looks at. The file system clears that
// pointer when it is unmounted (fs.h).
//
// NetBSD differences. NetBSD matches keys against whole paths looked up from its root
// directory, without directories: a key's directories need not exist and its name appears in
// no listing. Here the key is a name in the tree: its missing directories are created, it is
// listed, and it is found from any directory and through any path that leads to it. NetBSD
// compares the rest of the key verbatim ("/a//b" is not "/a/b"); here repeated slashes count as
// one. NetBSD lists an etfs directory as empty; here its host entries are listed (the
// dir_read hypercall), and shows a host subdirectory of a RUMP_ETFS_DIR as an empty directory;
// here it is not shown. NetBSD's mapped files keep the size they had at registration; here an
// unwindowed regular file has the host file's size of the moment. NetBSD leaves it to the
// caller not to remove a key in use; here removal answers EBUSY then.
#pragma once

#include <cstdint>

#include "kern/lib/result.h"

namespace rk::kern {
class Kernel;
}

namespace rk::vfs {

// The types of <rump/rump.h> (NetBSD's order and values).
enum class EtfsType : int { kReg = 0, kBlk = 1, kChr = 2, kDir = 3, kDirSubdirs = 4 };
inline constexpr uint64_t kEtfsSizeEndOff = UINT64_MAX;  // RUMP_ETFS_SIZE_ENDOFF

// The major number of etfs devices: Linux's first "local/experimental use" number.
inline constexpr uint32_t kEtfsMajor = 240;

// statfs f_type of an etfs mount ("ETFS"; Linux has no such file system).
inline constexpr uint64_t kEtfsMagic = 0x45544653;

// rump_pub_etfs_register_withsize and rump_pub_etfs_remove for kernel k, called inside it (on a
// virtual CPU, as any lwp: the work is done with the kernel's own credentials). The errors are
// <rump/rump.h>'s. The kernel must have the etfs component (component.cpp).
Result<void> etfs_register(kern::Kernel& k, const char* key, const char* hostpath, int type,
                           uint64_t begin, uint64_t size);
Result<void> etfs_remove(kern::Kernel& k, const char* key);
// rump_pub_etfs_set_cache: mode is a rump_etfs_cache value.
Result<void> etfs_set_cache(kern::Kernel& k, const char* key, int mode);

}  // namespace rk::vfs
