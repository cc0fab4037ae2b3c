#include "kernel_set.h"

#include <cerrno>

#include "rump/rump.h"
#include "rump/rump_syscalls.h"

namespace rk::bench {

int KernelSet::create(uint64_t n) {
  kernels_.reserve(kernels_.size() + n);
  for (uint64_t i = 0; i < n; ++i) {
    rump_kernel* k = nullptr;
    if (int rv = rump_kernel_create(nullptr, &k); rv != 0) return rv;
    kernels_.push_back(k);
  }
  return 0;
}

int KernelSet::getpid_in_each() {
  int error = 0;
  rump_kernel* prev = rump_kernel_switch(nullptr);  // NULL when it was the default
  for (rump_kernel* k : kernels_) {
    rump_kernel_switch(k);
    if (rump_sys_getpid() < 0) {
      error = errno;
      break;
    }
  }
  rump_kernel_switch(prev);
  return error;
}

uint64_t KernelSet::memused() const {
  uint64_t sum = 0;
  for (rump_kernel* k : kernels_) sum += rump_kernel_memused(k);
  return sum;
}

void KernelSet::destroy_all() {
  for (rump_kernel* k : kernels_) rump_kernel_destroy(k);
  kernels_.clear();
}

}  // namespace rk::bench
