// mount, umount2, sync.
#include "kern/kernel.h"
#include "kern/uio.h"
#include "vfs/mount.h"
#include "vfs/sys.h"
#include "vfs/sys_common.h"

namespace rk::vfs {
namespace {

constexpr uint32_t kMsMgcMask = 0xffff0000;
constexpr uint32_t kMsMgcVal = 0xc0ed0000;
constexpr uint32_t kMntExpire = 4;

}  // namespace

int64_t sys_mount(Lwp& l, const SyscallArgs& a) {
  if (!l.proc().cred().privileged()) return -to_int(Errno::kPerm);
  auto flags = static_cast<uint32_t>(a.a[3]);
  if ((flags & kMsMgcMask) == kMsMgcVal) flags &= ~kMsMgcMask;  // the old magic number
  PathBuf source(l), target(l), type(l), data(l);
  bool have_source = a.a[0] != 0, have_type = a.a[2] != 0, have_data = a.a[4] != 0;
  if (have_source) {
    if (Result<void> r = source.copy_in(uptr<const char>(a.a[0])); !r.ok()) return -to_int(r.error());
  }
  if (Result<void> r = target.copy_in(uptr<const char>(a.a[1])); !r.ok()) return -to_int(r.error());
  if (have_type) {
    if (Result<void> r = type.copy_in(uptr<const char>(a.a[2])); !r.ok()) return -to_int(r.error());
  }
  if (have_data) {
    // Linux copies one page of options; as a string here.
    if (Result<void> r = data.copy_in(uptr<const char>(a.a[4])); !r.ok()) return -to_int(r.error());
  }
  Result<Ref<Vnode>> v = namei(l, kAtFdcwd, target.c_str(), kFollow);
  if (!v.ok()) return -to_int(v.error());
  return sysret(Vfs::of(l.kernel()).mount(l, have_source ? source.c_str() : nullptr, *v.value(),
                                          target.c_str(), have_type ? type.c_str() : nullptr, flags,
                                          have_data ? data.c_str() : nullptr));
}

int64_t sys_umount2(Lwp& l, const SyscallArgs& a) {
  auto flags = static_cast<uint32_t>(a.a[1]);
  if (flags & ~(kMntForce | kMntDetach | kMntExpire | kUmountNofollow)) return -to_int(Errno::kInval);
  if ((flags & kMntExpire) && (flags & (kMntForce | kMntDetach))) return -to_int(Errno::kInval);
  if (!l.proc().cred().privileged()) return -to_int(Errno::kPerm);
  if (flags & kMntExpire) return -to_int(Errno::kAgain);  // first call only marks it, as Linux
  Result<Ref<Vnode>> v = lookup_user(l, kAtFdcwd, uptr<const char>(a.a[0]), !(flags & kUmountNofollow));
  if (!v.ok()) return -to_int(v.error());
  return sysret(Vfs::of(l.kernel()).unmount(l, *v.value(), flags));
}

int64_t sys_sync(Lwp& l, const SyscallArgs&) {
  Vfs::of(l.kernel()).sync_all();
  return 0;
}

}  // namespace rk::vfs
