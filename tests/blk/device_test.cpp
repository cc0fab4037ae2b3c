// Block devices through the public API: an etfs RUMP_ETFS_BLK key is a disk (raw reads and
// writes land in the host file, the device's size bounds them), MBR and GPT tables written by
// sfdisk appear as partition nodes beside the key, and file systems mount from devices with
// Linux's errors (ENOTBLK, EBUSY for a device in use, EACCES for a read-only device).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "blk/host_image.h"
#include "kern/entry.h"
#include "kern/kernel.h"
#include "vfs/buf/bufcache.h"
#include "vfs/memfs/memfs.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"

namespace rk::test {
namespace {

constexpr size_t kMiB = 1024 * 1024;

// "probefs": a file system that needs a device. Its mount reads the device's first block
// through the buffer cache (so a mount really does I/O on the claimed device) and serves an
// empty in-memory tree.
Result<Ref<vfs::FileSystem>> probe_mount(kern::Kernel& k, vfs::Mount& m, const char*, uint32_t,
                                         const char*) {
  if (m.device() == nullptr) return Errno::kNotBlk;
  Result<vfs::BufRef> b = vfs::BufCache::of(k).read(*m.device(), 0, 4096);
  if (!b.ok()) return b.error();
  return vfs::memfs_create(k, m, vfs::MemFsOptions{});
}

vfs::FileSystemType probe_type = {"probefs", true, probe_mount, {}};

class BlockDevices : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(rump_kernel_create(nullptr, &k_), 0);
    prev_ = rump_kernel_switch(k_);
    kern::Kernel& k = *reinterpret_cast<kern::Kernel*>(k_);
    kern::KernelEntry e(k);
    vfs::Vfs::of(k).register_type(probe_type);
    ASSERT_EQ(rump_sys_mkdir("/mnt", 0755), 0);
  }
  void TearDown() override {
    {
      kern::Kernel& k = *reinterpret_cast<kern::Kernel*>(k_);
      kern::KernelEntry e(k);
      vfs::Vfs::of(k).unregister_type(probe_type);
    }
    rump_kernel_switch(prev_);
    EXPECT_EQ(rump_kernel_destroy(k_), 0);
  }

  // The size of the device at path, as lseek(SEEK_END) tells it.
  static off_t device_size(const char* path) {
    int fd = rump_sys_open(path, O_RDONLY);
    if (fd < 0) return -1;
    off_t end = rump_sys_lseek(fd, 0, SEEK_END);
    rump_sys_close(fd);
    return end;
  }

  TempDir dir_;
  rump_kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
};

TEST_F(BlockDevices, EtfsDiskIsABlockDeviceWithRawIo) {
  std::string img = dir_.file("disk.img");
  ASSERT_TRUE(make_file(img, 4 * kMiB));
  ASSERT_EQ(rump_pub_etfs_register("/dev/sdx", img.c_str(), RUMP_ETFS_BLK), 0);

  struct stat st;
  ASSERT_EQ(rump_sys_stat("/dev/sdx", &st), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), 8u);  // sd, as Linux numbers SCSI disks
  EXPECT_EQ(minor(st.st_rdev) % 16, 0u);
  EXPECT_EQ(device_size("/dev/sdx"), static_cast<off_t>(4 * kMiB));

  int fd = rump_sys_open("/dev/sdx", O_RDWR);
  ASSERT_GE(fd, 0);
  std::vector<unsigned char> buf(8192), want = read_host(img, 12345, 8192);
  ASSERT_EQ(rump_sys_pread(fd, buf.data(), buf.size(), 12345), 8192);
  EXPECT_EQ(buf, want);

  std::vector<unsigned char> data(100000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 7);
  ASSERT_EQ(rump_sys_pwrite(fd, data.data(), data.size(), 3 * kMiB), 100000);
  EXPECT_EQ(rump_sys_fsync(fd), 0);
  EXPECT_EQ(read_host(img, 3 * kMiB, data.size()), data);

  // The end of the device: reads stop there, writes get ENOSPC, as on Linux.
  EXPECT_EQ(rump_sys_pread(fd, buf.data(), buf.size(), 4 * kMiB - 100), 100);
  EXPECT_EQ(rump_sys_pread(fd, buf.data(), buf.size(), 4 * kMiB), 0);
  errno = 0;
  EXPECT_EQ(rump_sys_pwrite(fd, buf.data(), 10, 4 * kMiB), -1);
  EXPECT_EQ(errno, ENOSPC);
  // Sequential I/O moves the file position.
  ASSERT_EQ(rump_sys_lseek(fd, 4096, SEEK_SET), 4096);
  ASSERT_EQ(rump_sys_write(fd, "abcd", 4), 4);
  EXPECT_EQ(rump_sys_lseek(fd, 0, SEEK_CUR), 4100);
  EXPECT_EQ(rump_sys_close(fd), 0);
  auto back = read_host(img, 4096, 4);
  EXPECT_EQ(std::string(back.begin(), back.end()), "abcd");
  EXPECT_EQ(rump_pub_etfs_remove("/dev/sdx"), 0);
}

TEST_F(BlockDevices, WindowAndReadOnlyHostFile) {
  std::string img = dir_.file("win.img");
  ASSERT_TRUE(make_file(img, 2 * kMiB));
  ASSERT_EQ(rump_pub_etfs_register_withsize("/w", img.c_str(), RUMP_ETFS_BLK, kMiB, 65536), 0);
  EXPECT_EQ(device_size("/w"), 65536);
  int fd = rump_sys_open("/w", O_RDONLY);
  ASSERT_GE(fd, 0);
  std::vector<unsigned char> buf(16);
  ASSERT_EQ(rump_sys_pread(fd, buf.data(), 16, 0), 16);
  EXPECT_EQ(buf, read_host(img, kMiB, 16));
  rump_sys_close(fd);

  std::string ro = dir_.file("ro.img");
  ASSERT_TRUE(make_file(ro, kMiB));
  ASSERT_EQ(::chmod(ro.c_str(), 0444), 0);
  if (::access(ro.c_str(), W_OK) == 0) GTEST_SKIP() << "running as root: files are writable";
  ASSERT_EQ(rump_pub_etfs_register("/ro", ro.c_str(), RUMP_ETFS_BLK), 0);
  errno = 0;
  EXPECT_EQ(rump_sys_open("/ro", O_RDWR), -1);
  EXPECT_EQ(errno, EROFS);
  fd = rump_sys_open("/ro", O_RDONLY);
  EXPECT_GE(fd, 0);
  rump_sys_close(fd);
}

TEST_F(BlockDevices, MbrPartitionsAppearBesideTheKey) {
  if (!have_sfdisk()) GTEST_SKIP() << "sfdisk is missing (apt-get install fdisk)";
  std::string img = dir_.file("mbr.img");
  ASSERT_TRUE(make_file(img, 16 * kMiB));
  ASSERT_TRUE(sfdisk(img, "label: dos\nstart=2048, size=4096, type=83\n"
                          "start=8192, size=8192, type=83\n"));
  ASSERT_EQ(rump_pub_etfs_register("/dev/sdy", img.c_str(), RUMP_ETFS_BLK), 0);
  struct stat disk, p1, p2;
  ASSERT_EQ(rump_sys_stat("/dev/sdy", &disk), 0);
  ASSERT_EQ(rump_sys_stat("/dev/sdy1", &p1), 0);
  ASSERT_EQ(rump_sys_stat("/dev/sdy2", &p2), 0);
  EXPECT_TRUE(S_ISBLK(p1.st_mode));
  EXPECT_EQ(p1.st_rdev, disk.st_rdev + 1);  // sda -> sda1, as Linux numbers them
  EXPECT_EQ(p2.st_rdev, disk.st_rdev + 2);
  EXPECT_EQ(device_size("/dev/sdy1"), 4096 * 512);
  EXPECT_EQ(device_size("/dev/sdy2"), 8192 * 512);
  errno = 0;
  EXPECT_EQ(rump_sys_access("/dev/sdy3", F_OK), -1);
  EXPECT_EQ(errno, ENOENT);

  // Partition I/O lands at the partition's place in the host file, and stays inside it.
  int fd = rump_sys_open("/dev/sdy2", O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(rump_sys_pwrite(fd, "partition two", 13, 512), 13);
  ASSERT_EQ(rump_sys_fsync(fd), 0);
  auto back = read_host(img, 8192 * 512 + 512, 13);
  EXPECT_EQ(std::string(back.begin(), back.end()), "partition two");
  char c;
  EXPECT_EQ(rump_sys_pread(fd, &c, 1, 8192 * 512), 0);
  rump_sys_close(fd);

  // Removing the key takes the partitions with it.
  EXPECT_EQ(rump_pub_etfs_remove("/dev/sdy"), 0);
  EXPECT_EQ(rump_sys_access("/dev/sdy1", F_OK), -1);
  EXPECT_EQ(rump_sys_access("/dev/sdy", F_OK), -1);
}

TEST_F(BlockDevices, GptPartitionsAndNamesEndingInADigit) {
  if (!have_sfdisk()) GTEST_SKIP() << "sfdisk is missing (apt-get install fdisk)";
  std::string img = dir_.file("gpt.img");
  ASSERT_TRUE(make_file(img, 16 * kMiB));
  ASSERT_TRUE(sfdisk(img, "label: gpt\nstart=2048, size=2048\nstart=4096, size=10240\n"));
  ASSERT_EQ(rump_pub_etfs_register("/dev/nvme0n1", img.c_str(), RUMP_ETFS_BLK), 0);
  EXPECT_EQ(device_size("/dev/nvme0n1p1"), 2048 * 512);
  EXPECT_EQ(device_size("/dev/nvme0n1p2"), 10240 * 512);
  EXPECT_EQ(rump_pub_etfs_remove("/dev/nvme0n1"), 0);
}

TEST_F(BlockDevices, MountFromADeviceClaimsIt) {
  if (!have_sfdisk()) GTEST_SKIP() << "sfdisk is missing (apt-get install fdisk)";
  std::string img = dir_.file("claim.img");
  ASSERT_TRUE(make_file(img, 8 * kMiB));
  ASSERT_TRUE(sfdisk(img, "label: dos\nstart=2048, size=4096, type=83\n"));
  ASSERT_EQ(rump_pub_etfs_register("/dev/sdz", img.c_str(), RUMP_ETFS_BLK), 0);
  ASSERT_EQ(rump_sys_mkdir("/mnt2", 0755), 0);

  // What is not a block device.
  ASSERT_EQ(rump_sys_mknod("/notblk", S_IFREG | 0644, 0), 0);
  errno = 0;
  EXPECT_EQ(rump_sys_mount("/notblk", "/mnt", "probefs", 0, nullptr), -1);
  EXPECT_EQ(errno, ENOTBLK);
  errno = 0;
  EXPECT_EQ(rump_sys_mount("/dev/missing", "/mnt", "probefs", 0, nullptr), -1);
  EXPECT_EQ(errno, ENOENT);
  // A node for a device nobody registered.
  ASSERT_EQ(rump_sys_mknod("/dev/nodisk", S_IFBLK | 0600, makedev(8, 240)), 0);
  errno = 0;
  EXPECT_EQ(rump_sys_mount("/dev/nodisk", "/mnt", "probefs", 0, nullptr), -1);
  EXPECT_EQ(errno, ENXIO);

  // A partition mounted: not again, not its whole disk, and the key stays.
  ASSERT_EQ(rump_sys_mount("/dev/sdz1", "/mnt", "probefs", 0, nullptr), 0);
  errno = 0;
  EXPECT_EQ(rump_sys_mount("/dev/sdz1", "/mnt2", "probefs", 0, nullptr), -1);
  EXPECT_EQ(errno, EBUSY);
  errno = 0;
  EXPECT_EQ(rump_sys_mount("/dev/sdz", "/mnt2", "probefs", 0, nullptr), -1);
  EXPECT_EQ(errno, EBUSY);
  EXPECT_EQ(rump_pub_etfs_remove("/dev/sdz"), EBUSY);
  // A node made by mknod with the partition's number is the same device.
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/dev/sdz1", &st), 0);
  ASSERT_EQ(rump_sys_mknod("/dev/alias", S_IFBLK | 0600, st.st_rdev), 0);
  errno = 0;
  EXPECT_EQ(rump_sys_mount("/dev/alias", "/mnt2", "probefs", 0, nullptr), -1);
  EXPECT_EQ(errno, EBUSY);

  // Unmounted, it is free again.
  ASSERT_EQ(rump_sys_umount2("/mnt", 0), 0);
  ASSERT_EQ(rump_sys_mount("/dev/alias", "/mnt2", "probefs", MS_RDONLY, nullptr), 0);
  ASSERT_EQ(rump_sys_umount2("/mnt2", 0), 0);
  ASSERT_EQ(rump_sys_mount("/dev/sdz", "/mnt", "probefs", 0, nullptr), 0);
  ASSERT_EQ(rump_sys_umount2("/mnt", 0), 0);
  EXPECT_EQ(rump_pub_etfs_remove("/dev/sdz"), 0);
}

TEST_F(BlockDevices, ReadOnlyDeviceMountsOnlyReadOnly) {
  std::string ro = dir_.file("ro.img");
  ASSERT_TRUE(make_file(ro, kMiB));
  ASSERT_EQ(::chmod(ro.c_str(), 0444), 0);
  if (::access(ro.c_str(), W_OK) == 0) GTEST_SKIP() << "running as root: files are writable";
  ASSERT_EQ(rump_pub_etfs_register("/dev/ro", ro.c_str(), RUMP_ETFS_BLK), 0);
  errno = 0;
  EXPECT_EQ(rump_sys_mount("/dev/ro", "/mnt", "probefs", 0, nullptr), -1);
  EXPECT_EQ(errno, EACCES);  // mount(2): a read-only block device without MS_RDONLY
  ASSERT_EQ(rump_sys_mount("/dev/ro", "/mnt", "probefs", MS_RDONLY, nullptr), 0);
  ASSERT_EQ(rump_sys_umount2("/mnt", 0), 0);
}

TEST_F(BlockDevices, KernelDestroyWithAMountedDevice) {
  // Teardown order: etfs lets go of its keys before the VFS unmounts; the mount keeps its
  // device until then.
  std::string img = dir_.file("busy.img");
  ASSERT_TRUE(make_file(img, kMiB));
  ASSERT_EQ(rump_pub_etfs_register("/dev/busy", img.c_str(), RUMP_ETFS_BLK), 0);
  ASSERT_EQ(rump_sys_mount("/dev/busy", "/mnt", "probefs", 0, nullptr), 0);
  int fd = rump_sys_open("/dev/busy", O_RDONLY);
  EXPECT_GE(fd, 0);
  // TearDown destroys the kernel with both still there.
}

}  // namespace
}  // namespace rk::test
