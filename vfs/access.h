// Permission checks, as Linux's generic_permission() for a process whose capabilities follow
// its fs uid: fsuid 0 may read and write anything and search any directory, and execute a file
// that has at least one execute bit.
#pragma once

#include "kern/cred.h"
#include "kern/lib/result.h"
#include "vfs/types.h"

namespace rk::vfs {

class Vnode;

inline constexpr int kMayExec = 1;
inline constexpr int kMayWrite = 2;
inline constexpr int kMayRead = 4;

// EACCES when `cred` may not do `want` (kMay* bits) to a node with attributes va.
Result<void> check_access(const kern::Cred& cred, const Vattr& va, int want);
// The same on a vnode, plus EROFS for writing to a read-only mount.
Result<void> vnode_access(const kern::Cred& cred, Vnode& v, int want);

// May cred remove or rename `node` out of directory `dir`? (The sticky bit: only the owner
// of the node or of the directory, or a privileged process.) EPERM otherwise.
Result<void> check_sticky(const kern::Cred& cred, const Vattr& dir, const Vattr& node);

// Owner or privileged (CAP_FOWNER): for chmod, utimes with explicit times, and the like. EPERM.
Result<void> check_owner(const kern::Cred& cred, const Vattr& va);

}  // namespace rk::vfs
