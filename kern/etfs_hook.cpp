#include "kern/etfs_hook.h"

#include "kern/entry.h"
#include "kern/kernel.h"

namespace rk::kern {

namespace {

// Runs op(ops) inside k, or answers why it cannot.
template <typename Op>
int call(Kernel& k, Op op) {
  if (k.halted()) return to_int(Errno::kNxio);
  const EtfsOps* ops = k.etfs_ops();
  if (ops == nullptr) return to_int(Errno::kNoSys);
  KernelEntry e(k);
  if (e.lwp_or_null() == nullptr) return to_int(Errno::kNoMem);
  return op(*ops);
}

}  // namespace

int etfs_register(Kernel& k, const char* key, const char* hostpath, int type, uint64_t begin,
                  uint64_t size) {
  return call(k, [&](const EtfsOps& ops) { return ops.reg(k, key, hostpath, type, begin, size); });
}

int etfs_remove(Kernel& k, const char* key) {
  return call(k, [&](const EtfsOps& ops) { return ops.remove(k, key); });
}

int etfs_set_cache(Kernel& k, const char* key, int mode) {
  return call(k, [&](const EtfsOps& ops) { return ops.set_cache(k, key, mode); });
}

}  // namespace rk::kern
