// etfs in a kernel without the file system faction (librumpvfs not linked): the calls answer
// ENOSYS, as NetBSD's would fail without rumpvfs.
#include <gtest/gtest.h>
#include <rump/rump.h>

#include <cerrno>

namespace {

TEST(EtfsWithoutVfs, AnswersEnosys) {
  rump_kernel* k;
  ASSERT_EQ(rump_kernel_create("ncpu=1", &k), 0);
  rump_kernel* prev = rump_kernel_switch(k);
  EXPECT_EQ(rump_pub_etfs_register("/x", "/tmp", RUMP_ETFS_DIR), ENOSYS);
  EXPECT_EQ(rump_pub_etfs_register_withsize("/x", "/tmp", RUMP_ETFS_REG, 0, 1), ENOSYS);
  EXPECT_EQ(rump_pub_etfs_remove("/x"), ENOSYS);
  rump_kernel_switch(prev);
  EXPECT_EQ(rump_kernel_destroy(k), 0);
}

}  // namespace
