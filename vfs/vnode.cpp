#include "vfs/vnode.h"

#include "vfs/lockf.h"
#include "vfs/mount.h"

namespace rk::vfs {

Vnode::Vnode(kern::Kernel& kernel, Mount& mount, VType type)
    : kernel_(kernel), mount_(&mount), type_(type), lock_(kernel) {
  mount.ref();
}

Vnode::~Vnode() {
  if (RecordLocks* rl = record_locks_.load(std::memory_order_acquire)) record_locks_free(kernel_, rl);
  mount_->unref();
}

// The defaults answer the way Linux answers when a node does not support the operation.

Result<Ref<Vnode>> Vnode::lookup(std::string_view) { return Errno::kNotDir; }
Result<Ref<Vnode>> Vnode::create(std::string_view, VType, uint32_t, uint32_t, uint32_t, uint64_t) {
  return Errno::kNotDir;
}
Result<Ref<Vnode>> Vnode::symlink(std::string_view, std::string_view, uint32_t, uint32_t) {
  return Errno::kNotDir;
}
Result<void> Vnode::link(std::string_view, Vnode&) { return Errno::kNotDir; }
Result<void> Vnode::remove(std::string_view, Vnode&) { return Errno::kNotDir; }
Result<void> Vnode::rmdir(std::string_view, Vnode&) { return Errno::kNotDir; }
Result<void> Vnode::rename(std::string_view, Vnode&, Vnode&, std::string_view, Vnode*, bool) {
  return Errno::kNotDir;
}
Result<void> Vnode::readdir(uint64_t*, DirSink&) { return Errno::kNotDir; }
Result<void> Vnode::read(Uio&) { return is_dir() ? Errno::kIsDir : Errno::kInval; }
Result<void> Vnode::write(Uio&) { return is_dir() ? Errno::kIsDir : Errno::kInval; }
Result<void> Vnode::readlink(Uio&) { return Errno::kInval; }
Result<void> Vnode::fsync(bool) { return ok(); }
Result<void> Vnode::fallocate(int, uint64_t, uint64_t) { return Errno::kOpNotSupp; }

Result<uint64_t> Vnode::seek_data(uint64_t off, bool hole) {
  Vattr va;
  RK_TRY(getattr(va));
  if (off >= va.size) return Errno::kNxio;
  return hole ? va.size : off;
}

Result<size_t> Vnode::getxattr(std::string_view, void*, size_t) { return Errno::kOpNotSupp; }
Result<size_t> Vnode::listxattr(const kern::Cred&, char*, size_t) { return Errno::kOpNotSupp; }
Result<void> Vnode::setxattr(std::string_view, const void*, size_t, int) {
  return Errno::kOpNotSupp;
}
Result<void> Vnode::removexattr(std::string_view) { return Errno::kOpNotSupp; }

Result<void> Vnode::setattr(const SetAttr&) { return Errno::kOpNotSupp; }

}  // namespace rk::vfs
