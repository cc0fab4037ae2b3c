// The component "fs_tmpfs": the file system type "tmpfs", mountable any number of times:
//   rump_sys_mount("tmpfs", "/t", "tmpfs", 0, "size=64m,nr_inodes=1k,mode=755")
// Each mount is a memfs (vfs/memfs) with the limits its options give (memfs.h lists them).
#include "kern/component.h"
#include "kern/kernel.h"
#include "vfs/memfs/memfs.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"

namespace rk::fs {
namespace {

Result<Ref<vfs::FileSystem>> tmpfs_mount(kern::Kernel& k, vfs::Mount& m, const char* source,
                                        uint32_t flags, const char* data) {
  vfs::MemFsOptions opts = RK_TRY(vfs::memfs_parse_options(k, data));
  return vfs::memfs_create(k, m, opts);
}

// The type is per kernel (the Vfs links it into its list): allocated here, the component's
// state.
Result<void*> tmpfs_init(kern::Kernel& k) {
  auto* t = k.kmem().create<vfs::FileSystemType>(kern::KmFlags::kNoSleep);
  if (t == nullptr) return Errno::kNoMem;
  t->name = "tmpfs";
  t->needs_device = false;
  t->mount = tmpfs_mount;
  vfs::Vfs::of(k).register_type(*t);
  return static_cast<void*>(t);
}

void tmpfs_fini(kern::Kernel& k, void* state) {
  auto* t = static_cast<vfs::FileSystemType*>(state);
  vfs::Vfs::of(k).unregister_type(*t);
  k.kmem().destroy(t);
}

constexpr const char* kDepends[] = {"vfs"};

kern::Component kTmpfsComponent{
    .name = "fs_tmpfs",
    .depends = kDepends,
    .init = tmpfs_init,
    .fini = tmpfs_fini,
    .syscalls = {},
};
RK_COMPONENT(kTmpfsComponent);

}  // namespace
}  // namespace rk::fs
