// Character devices every kernel has: /dev/null, /dev/zero, /dev/full, /dev/random,
// /dev/urandom, with Linux's device numbers (major 1). The table is constant; device nodes in
// any file system reach it through their rdev.
//
// (The memory devices live here until the device faction, dev/, grows a device switch of its
// own; then they move there unchanged.)
#pragma once

#include <cstdint>

#include "kern/lib/result.h"

namespace rk::kern {
class Lwp;
class Uio;
}  // namespace rk::kern

namespace rk::vfs {

class Vfs;

// Linux's dev_t as mknod(2) and stat(2) carry it (the kernel's "new" 32-bit encoding).
inline constexpr uint32_t dev_major(uint64_t dev) { return (dev & 0xfff00) >> 8; }
inline constexpr uint32_t dev_minor(uint64_t dev) { return (dev & 0xff) | ((dev >> 12) & 0xfff00); }
inline constexpr uint64_t make_dev(uint32_t major, uint32_t minor) {
  return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

struct CharDevice {
  const char* name;
  uint32_t major;
  uint32_t minor;
  Result<void> (*read)(kern::Lwp& l, kern::Uio& uio);
  Result<void> (*write)(kern::Lwp& l, kern::Uio& uio);
};

// The driver for rdev, or nullptr (opening such a node: ENXIO, as Linux).
const CharDevice* find_char_device(uint64_t rdev);

// Creates /dev and the nodes of the devices above in the root file system.
Result<void> make_dev_nodes(Vfs& vfs);

}  // namespace rk::vfs
