// A linked component that needs a component nobody provides ("test_orphan" needs
// "nonexistent"): no kernel boots in this process, each attempt fails with ENOENT, and
// whatever was initialised before the failure is shut down again.
#include <gtest/gtest.h>

#include <string>

#include "components/test_components.h"
#include "kern/component.h"
#include "kernel_fixture.h"
#include "rump/rump.h"

namespace rk::testcomp {

extern kern::Component kTestOrphan;

namespace {

using kern::Kernel;

// Every init in the record has a matching fini for the same kernel, after it.
void expect_balanced() {
  int inits = 0, finis = 0;
  for (size_t i = 0; i < event_count(); ++i) {
    Event e = event(i);
    if (e.kind == EventKind::kInit) ++inits;
    if (e.kind == EventKind::kFini) ++finis;
  }
  EXPECT_EQ(inits, finis) << "a component initialised by a failed boot was not shut down";
}

TEST(MissingDependency, KernelCreateFailsWithENOENT) {
  ASSERT_NE(kern::find_component(kTestOrphan.name), nullptr);
  clear_events();
  for (unsigned ncpu : {1u, 2u, 4u}) {
    kern::BootParams p;
    p.ncpu = ncpu;
    Result<Kernel*> k = Kernel::create(*rumpuser_posix_ops(), p);
    ASSERT_FALSE(k.ok()) << "booted with a component whose dependency is missing";
    EXPECT_EQ(k.error(), Errno::kNoEnt);
  }
  expect_balanced();
  for (size_t i = 0; i < event_count(); ++i)
    EXPECT_NE(std::string(event(i).component), "test_orphan") << "test_orphan was initialised";
}

TEST(MissingDependency, VerboseBootSaysWhichDependency) {
  kern::BootParams p;
  p.verbose = true;
  testing::internal::CaptureStderr();
  Result<Kernel*> k = Kernel::create(*rumpuser_posix_ops(), p);
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_FALSE(k.ok());
  EXPECT_NE(err.find("test_orphan"), std::string::npos) << err;
  EXPECT_NE(err.find("nonexistent"), std::string::npos) << err;
}

TEST(MissingDependency, CApiReportsENOENT) {
  rump_kernel* k = nullptr;
  EXPECT_EQ(rump_kernel_create(nullptr, &k), ENOENT);
  EXPECT_EQ(rump_kernel_create("ncpu=1,memlimit=1m", &k), ENOENT);
  EXPECT_EQ(rump_init(), ENOENT);
  EXPECT_EQ(rump_kernel_current(), nullptr);
}

TEST(MissingDependency, RepeatedFailuresLeaveNothingBehind) {
  clear_events();
  // LeakSanitizer checks the host's side at exit; here, the components' side.
  for (int i = 0; i < 200; ++i) {
    Result<Kernel*> k = Kernel::create(*rumpuser_posix_ops(), kern::BootParams{});
    ASSERT_FALSE(k.ok());
  }
  expect_balanced();
}

}  // namespace
}  // namespace rk::testcomp
