// The file system faction uses the kernel's Uio (kern/uio.h) under its own names.
#pragma once

#include "kern/uio.h"

namespace rk::vfs {

using kern::IoVec;
using kern::Uio;
using kern::UioDir;

}  // namespace rk::vfs
