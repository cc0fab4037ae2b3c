#include "vfs/devices.h"

#include "kern/kernel.h"
#include "kern/lib/string.h"
#include "kern/random.h"
#include "kern/uio.h"
#include "vfs/vfs.h"

namespace rk::vfs {
namespace {

Result<void> null_read(kern::Lwp&, kern::Uio&) { return ok(); }  // always at end of file

Result<void> null_write(kern::Lwp&, kern::Uio& uio) {
  // Everything is accepted and dropped without being copied.
  uio.skip(uio.resid());
  return ok();
}

Result<void> zero_read(kern::Lwp&, kern::Uio& uio) { return uio.zero(uio.resid()); }

Result<void> full_write(kern::Lwp&, kern::Uio&) { return Errno::kNoSpc; }

Result<void> random_read(kern::Lwp& l, kern::Uio& uio) { return kern::random_read(l, uio); }

// Writing to the random devices mixes into the pool on Linux; the host's pool is not ours to
// feed, so the data is accepted and dropped.
Result<void> random_write(kern::Lwp& l, kern::Uio& uio) { return null_write(l, uio); }

constexpr CharDevice kDevices[] = {
    {"null", 1, 3, null_read, null_write},
    {"zero", 1, 5, zero_read, null_write},
    {"full", 1, 7, zero_read, full_write},
    {"random", 1, 8, random_read, random_write},
    {"urandom", 1, 9, random_read, random_write},
};

}  // namespace

const CharDevice* find_char_device(uint64_t rdev) {
  for (const CharDevice& d : kDevices)
    if (make_dev(d.major, d.minor) == rdev) return &d;
  return nullptr;
}

Result<void> make_dev_nodes(Vfs& vfs) {
  Ref<Vnode> root = vfs.root();
  Ref<Vnode> dev = RK_TRY(([&]() -> Result<Ref<Vnode>> {
    kern::WriteGuard g(root->lock());
    return root->create("dev", VType::kDir, 0755, 0, 0, 0);
  }()));
  kern::WriteGuard g(dev->lock());
  for (const CharDevice& d : kDevices)
    RK_TRY(dev->create(d.name, VType::kChr, 0666, 0, 0, make_dev(d.major, d.minor)));
  return ok();
}

}  // namespace rk::vfs
