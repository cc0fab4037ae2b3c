// The fixture of the shared system call suite: every TEST_P(VfsTest, ...) runs on the host
// (Linux itself, which checks that the test expects Linux's behaviour) and on every file system
// in kFileSystems.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/vfs_suite/target.h"

namespace vfs_suite {

// A result (or -errno) printed as the test expects it: "ENOENT", "5".
#define EXPECT_RET(expected, call) \
  EXPECT_EQ(::vfs_suite::result_str(call), ::vfs_suite::result_str(expected)) << #call
#define ASSERT_RET(expected, call) \
  ASSERT_EQ(::vfs_suite::result_str(call), ::vfs_suite::result_str(expected)) << #call
#define EXPECT_ERR(err, call) EXPECT_RET(-(err), call)
#define ASSERT_ERR(err, call) ASSERT_RET(-(err), call)
// Success (any result >= 0).
inline testing::AssertionResult IsOk(const char* expr, long r) {
  if (r >= 0) return testing::AssertionSuccess();
  return testing::AssertionFailure() << expr << " failed with " << result_str(r);
}
#define EXPECT_OK(call) EXPECT_PRED_FORMAT1(::vfs_suite::IsOk, call)
#define ASSERT_OK(call) ASSERT_PRED_FORMAT1(::vfs_suite::IsOk, call)
// Assigns a successful result (a descriptor) to var.
#define ASSERT_FD(var, call)                                                     \
  do {                                                                           \
    long r_ = (call);                                                            \
    ASSERT_GE(r_, 0) << #call << " failed with " << ::vfs_suite::result_str(r_); \
    var = int(r_);                                                               \
  } while (0)

// Users and groups the permission tests act as.
inline constexpr uid_t kAlice = 1000, kBob = 1001;
inline constexpr gid_t kAliceGroup = 1000, kBobGroup = 1001, kSharedGroup = 2000,
                       kOtherGroup = 3000;

class VfsTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    fs_ = make_target(GetParam());
    ASSERT_EQ(fs_->setup_error(), "") << "target " << GetParam();
  }
  void TearDown() override {
    if (fs_ != nullptr) {
      EXPECT_FALSE(fs_->escaped()) << "the test climbed above its root";
    }
    fs_.reset();
  }

  Fs& fs() { return *fs_; }
  bool host() const { return fs_->is_host(); }
  bool is_fs(const char* name) const { return fs_->name() == name; }
  // Whether the target's file system is a tmpfs (the host's is).
  bool tmpfs_like() const { return fs_->is_host() || fs_->name() == "tmpfs"; }

  // Creates (or replaces) a file with these contents.
  void make_file(const std::string& path, const std::string& data = "", mode_t mode = 0644);
  // A file's contents ("<errno name>" if it cannot be read).
  std::string contents(const std::string& path);
  // lstat; a default StatInfo (and a failure) if it fails.
  StatInfo lst(const std::string& path);
  StatInfo st(const std::string& path);
  // Names in a directory without "." and "..", sorted; {"<ERRNO>"} on failure.
  std::vector<std::string> names(const std::string& path);
  // The cwd as the test sees it.
  std::string cwd();
  // "u=0 g=0": the owner of what process 0 creates (on a host run without root, the user's).
  std::string me() const;

  // Continues as a new process (child of the current one) with these credentials; false (and
  // a failure) if that did not work.
  bool as_user(uid_t uid, gid_t gid, const std::vector<gid_t>& groups = {});

  std::unique_ptr<Fs> fs_;
};

// Skips the rest of the test when the target cannot do what needs root on the host.
#define REQUIRE_PRIVILEGED()                                                                \
  do {                                                                                      \
    if (!fs().privileged())                                                                 \
      GTEST_SKIP() << "needs root on the host (mount, chroot, set*id, mknod); run as root"; \
  } while (0)

}  // namespace vfs_suite
