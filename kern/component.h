// Components: the pieces a kernel is assembled from (DESIGN.md §4 "Components").
//
// Each component library defines one Component and registers it with RK_COMPONENT when the
// library is loaded (linked in, or dlopen'ed by load_component). The catalogue of registered
// components is process-wide; every kernel created afterwards initialises all of them, each
// after the components it depends on, and shuts them down in reverse order.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include "kern/lib/result.h"
#include "kern/syscall.h"

namespace rk::kern {

class Hyp;
class Kernel;

// A system call a component implements: the kernel routes `nr` to `fn` while it is attached.
struct ComponentSyscall {
  unsigned nr;
  SyscallFn fn;
};

struct Component {
  const char* name;  // "<faction>_<name>": "vfs", "fs_tmpfs", "net_shmif", ...
  std::span<const char* const> depends;  // names of the components it needs first
  // Attaches the component to a kernel; the returned state is handed back to fini and is
  // found with Kernel::component_state(). May fail (ENOMEM, ...): the kernel then fails to boot.
  Result<void*> (*init)(Kernel& k);
  void (*fini)(Kernel& k, void* state);
  std::span<const ComponentSyscall> syscalls;

  // Set by the catalogue.
  uint32_t index = 0;
  Component* next = nullptr;
};

// Adds c to the process-wide catalogue (safe from static initializers and concurrent loads).
void register_component(Component& c);
// The catalogue, newest first, and its size.
Component* catalogue_head();
uint32_t catalogue_size();
const Component* find_component(const char* name);

// Loads a component library by name: "ext2", "fs_ext2" or "librumpfs_ext2.so" all find
// librumpfs_ext2.so. ENOENT (with a line on the console saying why) when it cannot be loaded;
// kernels created afterwards include it.
Result<void> load_component(const Hyp& hyp, const char* name);

struct ComponentRegistrar {
  explicit ComponentRegistrar(Component& c) { register_component(c); }
};

}  // namespace rk::kern

#define RK_COMPONENT_CAT2(a, b) a##b
#define RK_COMPONENT_CAT(a, b) RK_COMPONENT_CAT2(a, b)
// Registers a component when its library loads: RK_COMPONENT(my_component);
#define RK_COMPONENT(component) \
  static ::rk::kern::ComponentRegistrar RK_COMPONENT_CAT(rk_component_registrar_, __LINE__)(component)
