// Fuzzes the bootstrap parameter parser (rump_kernel_create's params string), and boots a
// kernel with whatever it accepts: no input may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "kern/kernel.h"
#include "kern/params.h"

namespace {

// The POSIX host with a silent console: rejected inputs print a line each.
rumpuser_ops quiet_ops() {
  rumpuser_ops ops = *rumpuser_posix_ops();
  ops.putstr = [](void*, const char*, size_t) {};
  return ops;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const rumpuser_ops ops = quiet_ops();
  std::string params(reinterpret_cast<const char*>(data), size);
  params = params.c_str();  // the C API takes a NUL-terminated string
  rk::kern::Hyp hyp(ops);
  rk::Result<rk::kern::BootParams> p = rk::kern::parse_params(hyp, params.c_str());
  if (!p.ok()) return 0;
  rk::kern::BootParams bp = p.value();
  if (bp.ncpu > 8) bp.ncpu = 8;  // keep each run cheap
  rk::Result<rk::kern::Kernel*> k = rk::kern::Kernel::create(ops, bp);
  if (k.ok()) rk::kern::Kernel::destroy(k.value());
  return 0;
}
