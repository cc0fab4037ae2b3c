// Destroying a kernel whose processes still hold files, directories and mounts: the kernel
// frees everything in order (components first, then processes), so the last close of each
// file runs after the VFS itself is gone. Regression: closing a FIFO then crashed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/stat.h>

#include <string>

namespace {

TEST(Teardown, DestroyWithEverythingInUse) {
  rump_kernel* k;
  ASSERT_EQ(rump_kernel_create(nullptr, &k), 0);
  rump_kernel* prev = rump_kernel_switch(k);
  ASSERT_EQ(rump_sys_mkdir("/t", 0755), 0);
  ASSERT_EQ(rump_sys_mount("tmpfs", "/t", "tmpfs", 0, "size=1m"), 0);
  ASSERT_EQ(rump_sys_mknod("/t/fifo", S_IFIFO | 0644, 0), 0);
  EXPECT_GE(rump_sys_open("/t/fifo", O_RDWR), 0);
  int p[2];
  EXPECT_EQ(rump_sys_pipe2(p, 0), 0);
  EXPECT_EQ(rump_sys_write(p[1], "data", 4), 4);
  int fd = rump_sys_open("/t/file", O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_len = 10;
  EXPECT_EQ(rump_sys_fcntl(fd, F_SETLK, &lock), 0);
  EXPECT_GE(rump_sys_open("/dev/zero", O_RDONLY), 0);
  ASSERT_EQ(rump_sys_mkdir("/t/d", 0755), 0);
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFFDG), 0);  // a second process sharing all of it
  EXPECT_EQ(rump_sys_chdir("/t/d"), 0);
  rump_pub_lwproc_switch(nullptr);
  rump_kernel_switch(prev);
  testing::internal::CaptureStderr();
  EXPECT_EQ(rump_kernel_destroy(k), 0);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("leak"), std::string::npos) << err;
}

}  // namespace
