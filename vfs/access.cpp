#include "vfs/access.h"

#include "vfs/mount.h"
#include "vfs/vnode.h"

namespace rk::vfs {

Result<void> check_access(const kern::Cred& cred, const Vattr& va, int want) {
  if (cred.fsuid == 0) {
    // CAP_DAC_OVERRIDE: everything but executing a file nobody may execute.
    if ((want & kMayExec) && va.type != VType::kDir && (va.mode & 0111) == 0)
      return Errno::kAcces;
    return ok();
  }
  uint32_t bits;
  if (cred.fsuid == va.uid) bits = (va.mode >> 6) & 7;
  else if (cred.in_group(va.gid)) bits = (va.mode >> 3) & 7;
  else bits = va.mode & 7;
  if ((static_cast<uint32_t>(want) & ~bits) != 0) return Errno::kAcces;
  return ok();
}

Result<void> vnode_access(const kern::Cred& cred, Vnode& v, int want) {
  // fs uid 0 may search any directory: path lookup as root reads no attributes.
  if (cred.fsuid == 0 && want == kMayExec && v.is_dir()) return ok();
  Vattr va;
  {
    kern::ReadGuard g(v.lock());
    RK_TRY(v.getattr(va));
  }
  if ((want & kMayWrite) && v.mount().read_only() &&
      (va.type == VType::kReg || va.type == VType::kDir || va.type == VType::kLnk))
    return Errno::kRoFs;
  return check_access(cred, va, want);
}

Result<void> check_sticky(const kern::Cred& cred, const Vattr& dir, const Vattr& node) {
  if (!(dir.mode & kSticky)) return ok();
  if (cred.fsuid == 0 || cred.fsuid == node.uid || cred.fsuid == dir.uid) return ok();
  return Errno::kPerm;
}

Result<void> check_owner(const kern::Cred& cred, const Vattr& va) {
  if (cred.fsuid == 0 || cred.fsuid == va.uid) return ok();
  return Errno::kPerm;
}

}  // namespace rk::vfs
