// The flush policy of a disk (rump_pub_etfs_set_cache), seen from the host: a kernel runs on a
// POSIX host whose syncfd is counted by its flags. A durable disk's fsync reaches the host as a
// data flush, and a large write starts its write-back; a host-cached disk's fsync is only the
// barrier (flags 0), and nothing is started — yet every byte is in the host file when fsync
// returns. Also the API's errors, and that partitions follow their disk.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <vector>

#include "blk/host_image.h"
#include "kern/entry.h"
#include "kern/kernel.h"
#include "kern/params.h"
#include "rump/rumpuser.h"
#include "vfs/blk/blkdev.h"
#include "vfs/vfs.h"

namespace rk::test {
namespace {

constexpr size_t kMiB = 1024 * 1024;

struct SyncCounts {
  std::atomic<int> flush{0};    // RUMPUSER_SYNCFD_WRITE/_BARRIER/_SYNC: the host flushes
  std::atomic<int> start{0};    // RUMPUSER_SYNCFD_START
  std::atomic<int> barrier{0};  // flags 0: waits for earlier bio, flushes nothing
  void reset() { flush = start = barrier = 0; }
};
SyncCounts counts;

int counting_syncfd(void* host, int fd, int flags) {
  if (flags & RUMPUSER_SYNCFD_START) ++counts.start;
  else if (flags == 0) ++counts.barrier;
  else ++counts.flush;
  return rumpuser_posix_ops()->syncfd(host, fd, flags);
}

const rumpuser_ops& counting_ops() {
  static rumpuser_ops ops = [] {
    rumpuser_ops o = *rumpuser_posix_ops();
    o.syncfd = counting_syncfd;
    return o;
  }();
  return ops;
}

class DiskCache : public testing::Test {
 protected:
  void SetUp() override {
    Result<kern::Kernel*> k = kern::Kernel::create(counting_ops(), kern::BootParams{});
    ASSERT_TRUE(k.ok());
    k_ = k.value();
    prev_ = rump_kernel_switch(reinterpret_cast<rump_kernel*>(k_));
    img_ = dir_.file("disk.img");
    ASSERT_TRUE(make_file(img_, 8 * kMiB));
    ASSERT_EQ(rump_pub_etfs_register("/dev/sdx", img_.c_str(), RUMP_ETFS_BLK), 0);
  }
  void TearDown() override {
    rump_kernel_switch(prev_);
    if (k_ != nullptr) {
      EXPECT_EQ(rump_kernel_destroy(reinterpret_cast<rump_kernel*>(k_)), 0);
    }
  }

  // Writes `len` bytes of `seed`'s pattern at `off` of the disk in one call and fsyncs it.
  std::vector<unsigned char> write_and_fsync(size_t off, size_t len, unsigned char seed) {
    std::vector<unsigned char> data(len);
    for (size_t i = 0; i < len; ++i) data[i] = static_cast<unsigned char>(i * 13 + seed);
    int fd = rump_sys_open("/dev/sdx", O_RDWR);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(rump_sys_pwrite(fd, data.data(), len, static_cast<off_t>(off)),
              static_cast<ssize_t>(len));
    EXPECT_EQ(rump_sys_fsync(fd), 0);
    EXPECT_EQ(rump_sys_close(fd), 0);
    return data;
  }

  // One write of `len` bytes straight to the disk's block device, as a file system's large
  // writes reach it (a device node's writes go through the buffer cache in blocks).
  void write_to_device(size_t off, size_t len) {
    struct stat st;
    ASSERT_EQ(rump_sys_stat("/dev/sdx", &st), 0);
    kern::KernelEntry e(*k_);
    Result<Ref<vfs::BlockDevice>> disk = vfs::Vfs::of(*k_).block_devices().find(st.st_rdev);
    ASSERT_TRUE(disk.ok());
    std::vector<unsigned char> data(len, 0x77);
    EXPECT_TRUE(disk.value()->write(off, data.data(), len).ok());
  }

  TempDir dir_;
  std::string img_;
  kern::Kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
};

TEST_F(DiskCache, DurableByDefault) {
  counts.reset();
  auto data = write_and_fsync(kMiB, 2 * kMiB, 1);
  EXPECT_GE(counts.flush.load(), 1) << "fsync of a durable disk must flush the host file";
  EXPECT_EQ(read_host(img_, kMiB, data.size()), data);
  counts.reset();
  write_to_device(4 * kMiB, kMiB);
  EXPECT_EQ(counts.start.load(), 1) << "a 1 MiB write should start its write-back at once";
  write_to_device(6 * kMiB, 4096);
  EXPECT_EQ(counts.start.load(), 1) << "small writes are left to the host";
}

// A flush with nothing written since the last one asks nothing of the host: a read-only mount
// must not wait for what another program left dirty in the image file.
TEST_F(DiskCache, FlushWithNothingWrittenAsksNothing) {
  counts.reset();
  int fd = rump_sys_open("/dev/sdx", O_RDWR);
  ASSERT_GE(fd, 0);
  char buf[4096];
  ASSERT_EQ(rump_sys_pread(fd, buf, sizeof buf, 0), 4096);
  EXPECT_EQ(rump_sys_fsync(fd), 0);
  EXPECT_EQ(counts.flush.load() + counts.barrier.load(), 0);
  ASSERT_EQ(rump_sys_pwrite(fd, buf, sizeof buf, 8192), 4096);
  EXPECT_EQ(rump_sys_fsync(fd), 0);
  EXPECT_EQ(counts.flush.load(), 1);
  EXPECT_EQ(rump_sys_fsync(fd), 0);
  EXPECT_EQ(counts.flush.load(), 1) << "the second fsync had nothing new to flush";
  EXPECT_EQ(rump_sys_close(fd), 0);
}

TEST_F(DiskCache, HostCacheStopsAtTheHostFile) {
  ASSERT_EQ(rump_pub_etfs_set_cache("/dev/sdx", RUMP_ETFS_CACHE_HOST), 0);
  counts.reset();
  auto data = write_and_fsync(kMiB, 2 * kMiB, 2);
  EXPECT_EQ(counts.flush.load(), 0) << "a host-cached disk must not flush the host file";
  EXPECT_EQ(counts.start.load(), 0);
  EXPECT_GE(counts.barrier.load(), 1) << "fsync still waits for the writes before it";
  EXPECT_EQ(read_host(img_, kMiB, data.size()), data);
  write_to_device(4 * kMiB, kMiB);
  EXPECT_EQ(counts.start.load(), 0);

  // And back: durable again from the next flush.
  ASSERT_EQ(rump_pub_etfs_set_cache("/dev/sdx", RUMP_ETFS_CACHE_DURABLE), 0);
  counts.reset();
  data = write_and_fsync(4 * kMiB, 256 * 1024, 3);
  EXPECT_GE(counts.flush.load(), 1);
  EXPECT_EQ(read_host(img_, 4 * kMiB, data.size()), data);
}

TEST_F(DiskCache, PartitionsFollowTheirDisk) {
  if (!have_sfdisk()) GTEST_SKIP() << "sfdisk is missing (apt-get install fdisk)";
  ASSERT_EQ(rump_pub_etfs_remove("/dev/sdx"), 0);
  ASSERT_TRUE(sfdisk(img_, "label: dos\n2048,8192,83\n"));
  ASSERT_EQ(rump_pub_etfs_register("/dev/sdx", img_.c_str(), RUMP_ETFS_BLK), 0);
  ASSERT_EQ(rump_pub_etfs_set_cache("/dev/sdx", RUMP_ETFS_CACHE_HOST), 0);
  counts.reset();
  int fd = rump_sys_open("/dev/sdx1", O_RDWR);
  ASSERT_GE(fd, 0);
  std::vector<unsigned char> data(512 * 1024, 0x5a);
  ASSERT_EQ(rump_sys_pwrite(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  EXPECT_EQ(rump_sys_fsync(fd), 0);
  EXPECT_EQ(rump_sys_close(fd), 0);
  EXPECT_EQ(counts.flush.load(), 0);
  EXPECT_EQ(counts.start.load(), 0);
  EXPECT_EQ(read_host(img_, 2048 * 512, data.size()), data);
}

TEST_F(DiskCache, Errors) {
  EXPECT_EQ(rump_pub_etfs_set_cache("/dev/none", RUMP_ETFS_CACHE_HOST), ENOENT);
  EXPECT_EQ(rump_pub_etfs_set_cache("/dev/sdx", static_cast<rump_etfs_cache>(7)), EINVAL);
  EXPECT_EQ(rump_pub_etfs_set_cache(nullptr, RUMP_ETFS_CACHE_HOST), EINVAL);
  EXPECT_EQ(rump_pub_etfs_set_cache("relative", RUMP_ETFS_CACHE_HOST), EINVAL);
  std::string reg = dir_.file("plain");
  ASSERT_TRUE(make_file(reg, 4096));
  ASSERT_EQ(rump_pub_etfs_register("/plain", reg.c_str(), RUMP_ETFS_REG), 0);
  EXPECT_EQ(rump_pub_etfs_set_cache("/plain", RUMP_ETFS_CACHE_HOST), ENOTBLK);
  EXPECT_EQ(rump_pub_etfs_remove("/plain"), 0);
}

}  // namespace
}  // namespace rk::test
