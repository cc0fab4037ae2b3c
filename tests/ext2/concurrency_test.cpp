// Threads racing over shared directories of one ext2 mount (create, write, rename, link,
// unlink, mkdir, rmdir); afterwards the image must be clean for e2fsck and all the space back.
#include <sys/statfs.h>

#include <atomic>
#include <functional>
#include <random>
#include <thread>

#include "ext2/ext2_test_util.h"

namespace {

using namespace ext2test;

TEST(Ext2Concurrency, RacingNamespaceOperationsLeaveACleanImage) {
  HostDir tmp;
  std::string img = tmp / "img";
  mkfs(img, "ext2", 1024, "32M");
  rump_kernel* k = nullptr;
  ASSERT_EQ(rump_kernel_create("ncpu=2", &k), 0);
  rump_kernel* prev = rump_kernel_switch(k);
  ASSERT_EQ(rump_pub_etfs_register("/dev/img", img.c_str(), RUMP_ETFS_BLK), 0);
  ASSERT_EQ(rump_sys_mkdir("/mnt", 0755), 0);
  ASSERT_EQ(rump_sys_mount("/dev/img", "/mnt", "ext2", 0, nullptr), 0);
  for (int d = 0; d < 3; ++d)
    ASSERT_EQ(rump_sys_mkdir(("/mnt/d" + std::to_string(d)).c_str(), 0755), 0);
  struct statfs before;
  ASSERT_EQ(rump_sys_statfs("/mnt", &before), 0);
  std::atomic<long> ops{0};
  auto worker = [&](unsigned seed) {
    rump_kernel_switch(k);
    ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
    std::mt19937 rng(seed);
    auto name = [&]() {
      std::string p = "/mnt/d" + std::to_string(rng() % 3) + "/n" + std::to_string(rng() % 8);
      if (rng() % 3 == 0) p += "/m" + std::to_string(rng() % 4);
      return p;
    };
    for (int i = 0; i < 3000; ++i) {
      std::string p = name(), q = name();
      switch (rng() % 8) {
        case 0: {
          int fd = rump_sys_open(p.c_str(), O_CREAT | O_WRONLY, 0644);
          if (fd >= 0) {
            std::string data(rng() % 5000, 'd');
            rump_sys_write(fd, data.data(), data.size());
            rump_sys_close(fd);
          }
          break;
        }
        case 1:
          rump_sys_mkdir(p.c_str(), 0755);
          break;
        case 2:
          rump_sys_rename(p.c_str(), q.c_str());
          break;
        case 3:
          rump_sys_unlink(p.c_str());
          break;
        case 4:
          rump_sys_rmdir(p.c_str());
          break;
        case 5:
          rump_sys_link(p.c_str(), q.c_str());
          break;
        case 6:
          rump_sys_symlink("target", p.c_str());
          break;
        case 7: {
          struct stat st;
          rump_sys_stat(p.c_str(), &st);
          break;
        }
      }
      ++ops;
    }
    rump_pub_lwproc_releaselwp();
    rump_kernel_switch(nullptr);
  };
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 6; ++t) threads.emplace_back(worker, t + 1);
  for (auto& t : threads) t.join();
  rump_kernel_switch(k);
  // Remove everything the workers made.
  std::function<void(const std::string&)> rm_rf = [&](const std::string& p) {
    struct stat st;
    if (rump_sys_lstat(p.c_str(), &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
      for (const std::string& n : klist(p)) rm_rf(p + "/" + n);
      EXPECT_EQ(rump_sys_rmdir(p.c_str()), 0) << p << ": " << strerror(errno);
    } else {
      EXPECT_EQ(rump_sys_unlink(p.c_str()), 0) << p << ": " << strerror(errno);
    }
  };
  for (int d = 0; d < 3; ++d)
    for (const std::string& n : klist("/mnt/d" + std::to_string(d)))
      rm_rf("/mnt/d" + std::to_string(d) + "/" + n);
  struct statfs after;
  ASSERT_EQ(rump_sys_statfs("/mnt", &after), 0);
  EXPECT_EQ(after.f_bfree, before.f_bfree) << "blocks leaked";
  EXPECT_EQ(after.f_ffree, before.f_ffree) << "inodes leaked";
  ASSERT_EQ(rump_sys_umount2("/mnt", 0), 0);
  rump_kernel_switch(prev);
  rump_kernel_destroy(k);
  CmdResult r = fsck(img);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_GT(ops.load(), 0);
}

}  // namespace
