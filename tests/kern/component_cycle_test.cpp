// Two linked components that need each other: no kernel boots, with EINVAL, and nothing is
// left initialised.
#include <gtest/gtest.h>

#include <string>

#include "components/test_components.h"
#include "kern/component.h"
#include "kernel_fixture.h"

namespace rk::testcomp {

extern kern::Component kTestCycleX;

namespace {

TEST(DependencyCycle, KernelCreateFailsWithEINVAL) {
  ASSERT_NE(kern::find_component(kTestCycleX.name), nullptr);
  clear_events();
  kern::BootParams p;
  p.verbose = true;
  testing::internal::CaptureStderr();
  Result<kern::Kernel*> k = kern::Kernel::create(*rumpuser_posix_ops(), p);
  std::string err = testing::internal::GetCapturedStderr();
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error(), Errno::kInval);
  EXPECT_NE(err.find("cycle"), std::string::npos) << err;
  int inits = 0, finis = 0;
  for (size_t i = 0; i < event_count(); ++i) {
    if (event(i).kind == EventKind::kInit) ++inits;
    if (event(i).kind == EventKind::kFini) ++finis;
  }
  EXPECT_EQ(inits, finis);
}

}  // namespace
}  // namespace rk::testcomp
