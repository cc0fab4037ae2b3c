// Many kernels at once, for the memory and scaling benchmarks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

struct rump_kernel;

namespace rk::bench {

// Owns the kernels it creates; destroys whatever is left when it goes away.
class KernelSet {
 public:
  KernelSet() = default;
  KernelSet(const KernelSet&) = delete;
  KernelSet& operator=(const KernelSet&) = delete;
  ~KernelSet() { destroy_all(); }

  // Boots n more kernels with default parameters. 0, or the errno of the first that failed
  // (the ones booted before it stay in the set).
  int create(uint64_t n);
  // Switches the calling thread to each kernel in turn and makes one getpid call there, then
  // switches back to the thread's previous kernel. 0, or the errno of the first failed call.
  int getpid_in_each();
  // Sum of rump_kernel_memused() over the set, in bytes.
  uint64_t memused() const;
  void destroy_all();

  size_t size() const { return kernels_.size(); }

 private:
  std::vector<rump_kernel*> kernels_;
};

}  // namespace rk::bench
