// Components registering (as a library loaded at run time does) while kernels boot: each kernel
// attaches a consistent snapshot of the catalogue — every component registered before
// Kernel::create began, and nothing half-seen. Its own binary: the components it registers
// join every kernel of the process.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "kern/component.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

constexpr int kComponents = 400;

int g_token;
Result<void*> init_token(Kernel&) { return static_cast<void*>(&g_token); }

struct RaceComponents {
  char names[kComponents][16];
  Component c[kComponents];
  RaceComponents() {
    for (int i = 0; i < kComponents; ++i) {
      std::snprintf(names[i], sizeof names[i], "race_%d", i);
      c[i].name = names[i];
      c[i].init = init_token;
      c[i].fini = nullptr;
    }
  }
};

TEST(ComponentRace, RegisteringWhileKernelsBoot) {
  static RaceComponents rc;  // registered components must outlive the process's kernels
  std::atomic<int> registered{0};
  std::atomic<bool> done{false};
  std::thread loader([&] {
    for (int i = 0; i < kComponents; ++i) {
      register_component(rc.c[i]);
      registered.store(i + 1);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    done = true;
  });
  int kernels = 0, failures = 0, incomplete = 0;
  while (!done.load() || kernels < 20) {
    int before = registered.load();
    Result<Kernel*> k = Kernel::create(*rumpuser_posix_ops(), BootParams{});
    if (!k.ok()) {
      ++failures;
      continue;
    }
    ++kernels;
    for (int i = 0; i < before; ++i) {
      if (!k.value()->has_component(rc.names[i])) {
        ++incomplete;
        ADD_FAILURE() << "a kernel created after " << rc.names[i] << " registered does not have it";
        break;
      }
    }
    Kernel::destroy(k.value());
    if (failures + incomplete > 5) break;
  }
  test::join_or_die(loader, "component loader");
  EXPECT_EQ(failures, 0) << "Kernel::create failed while components were registering";
  EXPECT_EQ(incomplete, 0);
  auto k = test::boot(1);
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->has_component("race_0"));
  EXPECT_TRUE(k->has_component("race_399"));
}

}  // namespace
}  // namespace rk::kern
