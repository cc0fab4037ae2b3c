// Loading a component at run time: librumptest_late.so is built beside librump.so but not
// linked into this program. Kernels created after the load attach it; kernels created before
// do not.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "components/test_components.h"
#include "kern/component.h"
#include "kern/entry.h"
#include "kernel_fixture.h"
#include "rump/rump.h"
#include "rump/rump_syscalls.h"

namespace rk::testcomp {
namespace {

using kern::Kernel;
using test::boot;
using testing::internal::CaptureStderr;
using testing::internal::GetCapturedStderr;

// First in the file: when the whole binary runs in one process, this runs before any load.
TEST(ComponentLoad, LaterKernelsIncludeTheLoadedComponent) {
  if (kern::find_component("test_late") != nullptr)
    GTEST_SKIP() << "test_late was loaded by an earlier test in this process";
  uint32_t before_size = kern::catalogue_size();
  auto early = boot(1);
  ASSERT_NE(early, nullptr);
  EXPECT_FALSE(early->has_component("test_late"));

  CaptureStderr();
  int rv = rump_pub_component_load("test_late");
  std::string err = GetCapturedStderr();
  ASSERT_EQ(rv, 0) << err;
  EXPECT_EQ(err, "") << "a successful load printed something";
  const kern::Component* c = kern::find_component("test_late");
  ASSERT_NE(c, nullptr) << "the library loaded but did not register its component";
  EXPECT_EQ(kern::catalogue_size(), before_size + 1);

  auto late = boot(2);
  ASSERT_NE(late, nullptr);
  EXPECT_TRUE(late->has_component("test_late"));
  EXPECT_FALSE(early->has_component("test_late")) << "a running kernel gained a component";
  auto* magic = static_cast<uint32_t*>(late->component_state(*c));
  ASSERT_NE(magic, nullptr);
  EXPECT_EQ(*magic, kMagicLate);
  EXPECT_EQ(early->component_state(*c), nullptr);

  // Its system call exists only in the later kernel.
  kern::SyscallArgs args{{21, 0, 0, 0, 0, 0}};
  EXPECT_EQ(kern::syscall_enter(*late, kSysTestLate, args), 42);
  EXPECT_EQ(kern::syscall_enter(*early, kSysTestLate, args), -ENOSYS);
}

TEST(ComponentLoad, LoadingTwiceDoesNotRegisterTwice) {
  ASSERT_EQ(rump_pub_component_load("test_late"), 0);
  uint32_t size = kern::catalogue_size();
  ASSERT_EQ(rump_pub_component_load("test_late"), 0);
  ASSERT_EQ(rump_pub_component_load("librumptest_late.so"), 0);
  EXPECT_EQ(kern::catalogue_size(), size);
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->has_component("test_late"));
  int n = 0;
  for (kern::Component* c = kern::catalogue_head(); c != nullptr; c = c->next)
    if (std::string(c->name) == "test_late") ++n;
  EXPECT_EQ(n, 1);
}

TEST(ComponentLoad, ThroughTheCApiAfterLoad) {
  ASSERT_EQ(rump_pub_component_load("test_late"), 0);
  rump_kernel* k = nullptr;
  ASSERT_EQ(rump_kernel_create("ncpu=1", &k), 0);
  rump_kernel* prev = rump_kernel_switch(k);
  EXPECT_EQ(rump_syscall(kSysTestLate, 50, 0, 0, 0, 0, 0), 100);
  rump_kernel_switch(prev);
  EXPECT_EQ(rump_kernel_destroy(k), 0);
}

TEST(ComponentLoad, NonexistentNameIsENOENTWithAMessage) {
  uint32_t size = kern::catalogue_size();
  CaptureStderr();
  int rv = rump_pub_component_load("no_such_component_xyz");
  std::string err = GetCapturedStderr();
  EXPECT_EQ(rv, ENOENT);
  EXPECT_NE(err.find("no_such_component_xyz"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(kern::catalogue_size(), size);

  // The same through the kernel function, with a path that does not exist.
  kern::Hyp hyp = test::posix_hyp();
  CaptureStderr();
  Result<void> r = kern::load_component(hyp, "/nonexistent/dir/librumpfs_nothing.so");
  err = GetCapturedStderr();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno::kNoEnt);
  EXPECT_NE(err.find("librumpfs_nothing.so"), std::string::npos) << err;
}

TEST(ComponentLoad, BadNames) {
  EXPECT_EQ(rump_pub_component_load(nullptr), EINVAL);
  kern::Hyp hyp = test::posix_hyp();
  EXPECT_EQ(kern::load_component(hyp, "").error(), Errno::kInval);
  std::string longname(300, 'x');
  EXPECT_EQ(kern::load_component(hyp, longname.c_str()).error(), Errno::kInval);
}

}  // namespace
}  // namespace rk::testcomp
