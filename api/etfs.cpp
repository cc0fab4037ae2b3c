// rump_pub_etfs_*: host files inside the current kernel (NetBSD's rump_etfs(3)). The work is
// done by the file system faction, reached through the kernel (kern/etfs_hook.h).
#include "api/current.h"
#include "kern/etfs_hook.h"
#include "kern/kernel.h"
#include "rump/rump.h"

using namespace rk;

extern "C" {

int rump_pub_etfs_register(const char* key, const char* hostpath, enum rump_etfs_type ftype) {
  return rump_pub_etfs_register_withsize(key, hostpath, ftype, 0, RUMP_ETFS_SIZE_ENDOFF);
}

int rump_pub_etfs_register_withsize(const char* key, const char* hostpath,
                                    enum rump_etfs_type ftype, uint64_t begin, uint64_t size) {
  kern::Kernel* k = api::current_kernel();
  if (k == nullptr) return to_int(Errno::kNxio);
  if (key == nullptr || hostpath == nullptr) return to_int(Errno::kInval);
  return kern::etfs_register(*k, key, hostpath, static_cast<int>(ftype), begin, size);
}

int rump_pub_etfs_remove(const char* key) {
  kern::Kernel* k = api::current_kernel();
  if (k == nullptr) return to_int(Errno::kNxio);
  if (key == nullptr) return to_int(Errno::kInval);
  return kern::etfs_remove(*k, key);
}

int rump_pub_etfs_set_cache(const char* key, enum rump_etfs_cache mode) {
  kern::Kernel* k = api::current_kernel();
  if (k == nullptr) return to_int(Errno::kNxio);
  if (key == nullptr) return to_int(Errno::kInval);
  return kern::etfs_set_cache(*k, key, static_cast<int>(mode));
}

}  // extern "C"
