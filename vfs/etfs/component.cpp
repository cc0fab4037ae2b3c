// The component "vfs_etfs": etfs (etfs.h) in every kernel that has the VFS. It is part of
// librumpvfs, so a kernel has etfs exactly when it has a file system tree; the C API
// (api/etfs.cpp) reaches it through the operations it installs in the kernel
// (kern/etfs_hook.h).
#include "kern/component.h"
#include "kern/etfs_hook.h"
#include "kern/kernel.h"
#include "vfs/etfs/etfs.h"
#include "vfs/etfs/registry.h"

namespace rk::vfs {

namespace {

int op_register(kern::Kernel& k, const char* key, const char* hostpath, int type,
                uint64_t begin, uint64_t size) {
  Result<void> r = vfs::etfs_register(k, key, hostpath, type, begin, size);
  return r.ok() ? 0 : to_int(r.error());
}

int op_remove(kern::Kernel& k, const char* key) {
  Result<void> r = vfs::etfs_remove(k, key);
  return r.ok() ? 0 : to_int(r.error());
}

int op_set_cache(kern::Kernel& k, const char* key, int mode) {
  Result<void> r = vfs::etfs_set_cache(k, key, mode);
  return r.ok() ? 0 : to_int(r.error());
}

constexpr kern::EtfsOps kOps = {op_register, op_remove, op_set_cache};

Result<void*> etfs_init(kern::Kernel& k) {
  auto* reg = k.kmem().create<EtfsRegistry>(kern::KmFlags::kNoSleep, k);
  if (reg == nullptr) return Errno::kNoMem;
  reg->init();
  k.set_etfs_ops(&kOps);
  return static_cast<void*>(reg);
}

void etfs_fini(kern::Kernel& k, void* state) {
  auto* reg = static_cast<EtfsRegistry*>(state);
  k.set_etfs_ops(nullptr);
  reg->shutdown();
  k.kmem().destroy(reg);
}

constexpr const char* kDepends[] = {"vfs"};

}  // namespace

// Not const: the catalogue links it into its list. registry.cpp finds its state by it.
kern::Component kEtfsComponent{
    .name = "vfs_etfs",
    .depends = kDepends,
    .init = etfs_init,
    .fini = etfs_fini,
    .syscalls = {},
};
RK_COMPONENT(kEtfsComponent);

}  // namespace rk::vfs
