// Components linked into the program: librumptest_a ("test_a"), librumptest_b ("test_b",
// which needs test_a and test_c) and "test_c", defined here. Every kernel this process creates
// attaches all three, in dependency order, and detaches them in reverse.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "components/test_components.h"
#include "kern/component.h"
#include "kern/entry.h"
#include "kernel_fixture.h"
#include "rump/rump.h"
#include "rump/rump_syscalls.h"

namespace rk::testcomp {
namespace {

Result<void*> init_c(kern::Kernel& k) { return new_state(k, kMagicC, "test_c", nullptr); }
void fini_c(kern::Kernel& k, void* state) { delete_state(k, state, "test_c"); }

// Defined in the program, so registered after both libraries' components.
kern::Component kTestC{
    .name = "test_c",
    .depends = {},
    .init = init_c,
    .fini = fini_c,
    .syscalls = {},
};
RK_COMPONENT(kTestC);

using kern::Kernel;
using test::boot;

// The events recorded for kernel k, as "init test_a", "fini test_b", ...
std::vector<std::string> events_of(const Kernel* k) {
  std::vector<std::string> out;
  for (size_t i = 0; i < event_count(); ++i) {
    Event e = event(i);
    if (e.kernel != k) continue;
    const char* kind = e.kind == EventKind::kInit ? "init " : e.kind == EventKind::kFini ? "fini " : "failed ";
    out.push_back(std::string(kind) + e.component);
  }
  return out;
}

TEST(Components, CatalogueHasTheLinkedComponents) {
  EXPECT_NE(kern::find_component("test_a"), nullptr);
  EXPECT_NE(kern::find_component("test_b"), nullptr);
  EXPECT_NE(kern::find_component("test_c"), nullptr);
  EXPECT_EQ(kern::find_component("test_d"), nullptr);
  EXPECT_EQ(kern::find_component("test_a"), &kTestA);
  EXPECT_GE(kern::catalogue_size(), 3u);
  // Registration order, newest first: the program's own component after the libraries'.
  std::vector<std::string> names;
  for (kern::Component* c = kern::catalogue_head(); c != nullptr; c = c->next) names.push_back(c->name);
  auto pos = [&](const char* n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  EXPECT_LT(pos("test_c"), pos("test_b")) << "test_c should have registered after test_b";
  EXPECT_LT(pos("test_b"), pos("test_a"));
  // Indexes are distinct.
  EXPECT_NE(kTestA.index, kTestB.index);
  EXPECT_NE(kTestB.index, kTestC.index);
}

TEST(Components, InitInDependencyOrderFiniInReverse) {
  clear_events();
  set_fail_b_init(false);
  const Kernel* id = nullptr;
  {
    auto k = boot(2);
    ASSERT_NE(k, nullptr);
    id = k.get();
    EXPECT_TRUE(k->has_component("test_a"));
    EXPECT_TRUE(k->has_component("test_b"));
    EXPECT_TRUE(k->has_component("test_c"));
    EXPECT_FALSE(k->has_component("test_late"));
    EXPECT_FALSE(k->has_component("nonexistent"));
    EXPECT_EQ(events_of(id), (std::vector<std::string>{"init test_a", "init test_c", "init test_b"}));
  }
  EXPECT_EQ(events_of(id), (std::vector<std::string>{"init test_a", "init test_c", "init test_b",
                                                     "fini test_b", "fini test_c", "fini test_a"}));
}

TEST(Components, StateIsPerKernel) {
  set_fail_b_init(false);
  auto k1 = boot(1);
  auto k2 = boot(2);
  ASSERT_NE(k1, nullptr);
  ASSERT_NE(k2, nullptr);
  auto* a1 = static_cast<State*>(k1->component_state(kTestA));
  auto* a2 = static_cast<State*>(k2->component_state(kTestA));
  auto* b1 = static_cast<State*>(k1->component_state(kTestB));
  auto* c1 = static_cast<State*>(k1->component_state(kTestC));
  ASSERT_NE(a1, nullptr);
  ASSERT_NE(a2, nullptr);
  ASSERT_NE(b1, nullptr);
  ASSERT_NE(c1, nullptr);
  EXPECT_NE(a1, a2);
  EXPECT_EQ(a1->magic, kMagicA);
  EXPECT_EQ(a1->kernel, k1.get());
  EXPECT_EQ(a2->kernel, k2.get());
  EXPECT_EQ(b1->magic, kMagicB);
  EXPECT_EQ(b1->dependency_state, a1) << "test_b did not find test_a's state in its own kernel";
  EXPECT_EQ(c1->magic, kMagicC);
  // Destroying one kernel detaches its components only.
  clear_events();
  const Kernel* id1 = k1.get();
  k1.reset();
  EXPECT_EQ(events_of(id1).size(), 3u);
  EXPECT_TRUE(events_of(k2.get()).empty());
  EXPECT_EQ(static_cast<State*>(k2->component_state(kTestA))->magic, kMagicA);
}

TEST(Components, MemoryOfComponentsIsAccounted) {
  set_fail_b_init(false);
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  // Three States live in the kernel's memory.
  EXPECT_GE(k->kmem().used(), 3 * sizeof(State));
}

TEST(Components, SystemCallThroughKernelEntry) {
  set_fail_b_init(false);
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  EXPECT_NE(k->syscall_handler(kSysTestB), nullptr);
  EXPECT_EQ(k->syscall_handler(kSysTestB + 2), nullptr);
  EXPECT_EQ(k->syscall_handler(kern::kSyscallMax), nullptr);
  kern::SyscallArgs args{{20, 22, 0, 0, 0, 0}};
  EXPECT_EQ(kern::syscall_enter(*k, kSysTestB, args), 42);
  args.a[0] = static_cast<uint64_t>(-1);
  EXPECT_EQ(kern::syscall_enter(*k, kSysTestB, args), -EINVAL);
  EXPECT_EQ(kern::syscall_enter(*k, kSysTestB + 2, args), -ENOSYS);
}

TEST(Components, SystemCallThroughTheCApi) {
  set_fail_b_init(false);
  rump_kernel* k = nullptr;
  ASSERT_EQ(rump_kernel_create("ncpu=1", &k), 0);
  rump_kernel* prev = rump_kernel_switch(k);
  errno = 0;
  EXPECT_EQ(rump_syscall(kSysTestB, 40, 2, 0, 0, 0, 0), 42);
  EXPECT_EQ(rump_syscall(kSysTestB, -5, 2, 0, 0, 0, 0), -1);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(rump_syscall(kSysTestB + 2, 0, 0, 0, 0, 0, 0), -1);
  EXPECT_EQ(errno, ENOSYS);
  // Linux's own calls still work beside the component's.
  EXPECT_EQ(rump_sys_getpid(), 1);
  rump_kernel_switch(prev);
  EXPECT_EQ(rump_kernel_destroy(k), 0);
}

TEST(Components, FailingInitUndoesTheOthers) {
  clear_events();
  set_fail_b_init(true);
  Result<Kernel*> r = Kernel::create(*rumpuser_posix_ops(), kern::BootParams{});
  set_fail_b_init(false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno::kIo) << "the component's own error is returned";
  // Exactly what initialised was shut down again, in reverse.
  std::vector<std::string> got;
  for (size_t i = 0; i < event_count(); ++i) {
    Event e = event(i);
    got.push_back(std::string(e.kind == EventKind::kInit ? "init " : e.kind == EventKind::kFini ? "fini " : "failed ") + e.component);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"init test_a", "init test_c", "failed test_b",
                                           "fini test_c", "fini test_a"}));
  // And the next kernel boots.
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->has_component("test_b"));
}

TEST(Components, ManyKernelsWithComponents) {
  set_fail_b_init(false);
  for (int i = 0; i < 100; ++i) {
    auto k = boot(1 + i % 3);
    ASSERT_NE(k, nullptr);
    ASSERT_EQ(kern::syscall_enter(*k, kSysTestB, kern::SyscallArgs{{1, 2, 0, 0, 0, 0}}), 3);
  }
}

}  // namespace
}  // namespace rk::testcomp
