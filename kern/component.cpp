#include "kern/component.h"

#include <atomic>
#include <string_view>

#include "kern/hyp.h"
#include "kern/lib/format.h"

namespace rk::kern {
namespace {

// The catalogue (DESIGN.md §3: one of the two process-wide things). Components are pushed
// onto a lock-free list when their library loads and never leave it: a loaded library is never
// unloaded.
struct Catalogue {
  std::atomic<Component*> head{nullptr};
  std::atomic<uint32_t> size{0};
};

Catalogue& catalogue() {
  // Constant-initialised, so it exists before any static initializer registers into it.
  static constinit Catalogue c;
  return c;
}

}  // namespace

void register_component(Component& c) {
  Catalogue& cat = catalogue();
  c.index = cat.size.fetch_add(1, std::memory_order_relaxed);
  Component* head = cat.head.load(std::memory_order_relaxed);
  do {
    c.next = head;
  } while (!cat.head.compare_exchange_weak(head, &c, std::memory_order_release,
                                           std::memory_order_relaxed));
}

Component* catalogue_head() { return catalogue().head.load(std::memory_order_acquire); }

uint32_t catalogue_size() { return catalogue().size.load(std::memory_order_acquire); }

const Component* find_component(const char* name) {
  for (Component* c = catalogue_head(); c != nullptr; c = c->next)
    if (std::string_view(c->name) == name) return c;
  return nullptr;
}

Result<void> load_component(const Hyp& hyp, const char* name) {
  std::string_view n(name);
  if (n.empty() || n.size() > 200) return Errno::kInval;
  char file[256];
  char err[512];
  err[0] = '\0';
  if (n.find('/') != std::string_view::npos || n.ends_with(".so")) {
    format(file, sizeof file, "%s", name);
    if (hyp.ops().dl_open(hyp.host(), file, err, sizeof err) == 0) return ok();
  } else {
    // "ext2" -> librumpfs_ext2.so, librumpnet_ext2.so, ...; "fs_ext2" -> librumpfs_ext2.so.
    static constexpr const char* kFactions[] = {"", "fs_", "net_", "dev_", "vfs_", "kern_"};
    for (const char* faction : kFactions) {
      format(file, sizeof file, "librump%s%s.so", faction, name);
      if (hyp.ops().dl_open(hyp.host(), file, err, sizeof err) == 0) return ok();
    }
  }
  char line[800];
  format(line, sizeof line, "rump: cannot load component %s: %s\n", name, err);
  hyp.putstr(line);
  return Errno::kNoEnt;
}

}  // namespace rk::kern
