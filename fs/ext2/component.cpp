// The component "fs_ext2": the file system types "ext2", "ext3" and "ext4", one driver, mounted
// from a block device:
//   rump_pub_etfs_register("/dev/img", "/host/disk.img", RUMP_ETFS_BLK);
//   rump_sys_mount("/dev/img", "/mnt", "ext2", 0, NULL);
#include "kern/component.h"

#include "fs/ext2/fs.h"
#include "kern/kernel.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"

namespace rk::fs::ext2 {
namespace {

struct Types {
  vfs::FileSystemType t[3];
};

constexpr const char* kNames[] = {"ext2", "ext3", "ext4"};

Result<void*> ext2_init(kern::Kernel& k) {
  auto* types = k.kmem().create<Types>(kern::KmFlags::kNoSleep);
  if (types == nullptr) return Errno::kNoMem;
  for (int i = 0; i < 3; ++i) {
    types->t[i].name = kNames[i];
    types->t[i].needs_device = true;
    types->t[i].mount = ext2_mount;
    vfs::Vfs::of(k).register_type(types->t[i]);
  }
  return static_cast<void*>(types);
}

void ext2_fini(kern::Kernel& k, void* state) {
  auto* types = static_cast<Types*>(state);
  for (auto& t : types->t) vfs::Vfs::of(k).unregister_type(t);
  k.kmem().destroy(types);
}

constexpr const char* kDepends[] = {"vfs"};

kern::Component kExt2Component{
    .name = "fs_ext2",
    .depends = kDepends,
    .init = ext2_init,
    .fini = ext2_fini,
    .syscalls = {},
};
RK_COMPONENT(kExt2Component);

}  // namespace
}  // namespace rk::fs::ext2
