// Writing ext2 images through the kernel, checked from outside: after each test the image is
// unmounted and `e2fsck -fn` must find it clean; debugfs reads back what was written. A
// randomized sequence of operations (fixed seeds) runs on the image and on a host directory
// side by side: every result must match, and so must the trees at the end.
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "ext2/ext2_test_util.h"

namespace {

using namespace ext2test;

struct Fresh {
  int bs;
  const char* extra;  // more mke2fs options; with any, the inodes are 128 bytes
  const char* name;
};

class Ext2Write : public testing::TestWithParam<Fresh> {
 protected:
  void SetUp() override {
    img_ = tmp_ / "img";
    mkfs(img_, "ext2", GetParam().bs, "32M", "", GetParam().extra);
    ASSERT_EQ(m_.mount(img_), 0) << m_.log();
  }
  // Unmounts and runs e2fsck -fn.
  void check_clean() {
    ASSERT_EQ(m_.umount(), 0);
    CmdResult r = fsck(img_);
    EXPECT_EQ(r.status, 0) << r.out << "\n" << m_.log();
  }
  void kput(const std::string& path, const std::string& data,
            int flags = O_CREAT | O_WRONLY | O_TRUNC) {
    int fd = rump_sys_open(path.c_str(), flags, 0644);
    ASSERT_GE(fd, 0) << path << ": " << strerror(errno);
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n =
          rump_sys_write(fd, data.data() + done, std::min<size_t>(data.size() - done, 100000));
      ASSERT_GT(n, 0) << path << ": " << strerror(errno);
      done += static_cast<size_t>(n);
    }
    ASSERT_EQ(rump_sys_close(fd), 0);
  }
  HostDir tmp_;
  std::string img_;
  Mounted m_;
};

TEST_P(Ext2Write, FilesOfEverySizeReadBackAndCheckClean) {
  const int bs = GetParam().bs;
  std::map<std::string, std::string> files;
  for (size_t n :
       {size_t{0}, size_t{1}, size_t(bs - 1), size_t(bs), size_t(bs + 1), size_t(12 * bs),
        size_t(12 * bs + 1), size_t((12 + bs / 4) * bs + 5), size_t(700000)})
    files["/mnt/f" + std::to_string(n)] = pattern(n, static_cast<unsigned>(n));
  for (auto& [p, d] : files) kput(p, d);
  for (auto& [p, d] : files) EXPECT_EQ(kread(p), d) << p;
  check_clean();
  // The backup superblock and descriptors in group 1 were kept in step: e2fsck from them finds
  // the same clean file system.
  if ((32 << 20) / bs > bs * 8) {  // more than one group
    const int backup = bs * 8 + (bs == 1024 ? 1 : 0);
    CmdResult b = run("e2fsck -fn -b " + std::to_string(backup) + " -B " + std::to_string(bs) +
                      " '" + img_ + "'");
    EXPECT_EQ(b.status, 0) << b.out;
  }
  // debugfs sees the same bytes.
  for (auto& [p, d] : files) {
    std::string out = tmp_ / "out";
    CmdResult r = run("debugfs -R 'dump " + p.substr(4) + " " + out + "' '" + img_ + "'");
    EXPECT_EQ(host_read(out), d) << p << r.out;
  }
  // And they are still there after mounting again.
  ASSERT_EQ(m_.mount(img_), 0);
  for (auto& [p, d] : files) EXPECT_EQ(kread(p), d) << p;
  check_clean();
}

TEST_P(Ext2Write, NamespaceOperations) {
  ASSERT_EQ(rump_sys_mkdir("/mnt/a", 0755), 0);
  ASSERT_EQ(rump_sys_mkdir("/mnt/a/b", 0700), 0);
  ASSERT_EQ(rump_sys_mkdir("/mnt/c", 0755), 0);
  kput("/mnt/a/b/file", "hello");
  ASSERT_EQ(rump_sys_symlink("file", "/mnt/a/b/fast"), 0);
  std::string long_target(300, 'q');
  ASSERT_EQ(rump_sys_symlink(long_target.c_str(), "/mnt/a/slow"), 0);
  ASSERT_EQ(rump_sys_link("/mnt/a/b/file", "/mnt/c/hard"), 0);
  ASSERT_EQ(rump_sys_mknod("/mnt/c/null", S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(rump_sys_mknod("/mnt/c/big", S_IFBLK | 0600, makedev(259, 300000)), 0);
  ASSERT_EQ(rump_sys_mknod("/mnt/c/fifo", S_IFIFO | 0600, 0), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_mkdir("/mnt/a", 0755)), EEXIST);
  EXPECT_EQ(ERRNO_OF(rump_sys_rmdir("/mnt/a")), ENOTEMPTY);
  EXPECT_EQ(ERRNO_OF(rump_sys_rename("/mnt/a", "/mnt/a/b/x")), EINVAL);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/mnt/c/hard", &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(st.st_size, 5);
  ASSERT_EQ(rump_sys_stat("/mnt/a", &st), 0);
  EXPECT_EQ(st.st_nlink, 3u);
  ASSERT_EQ(rump_sys_lstat("/mnt/c/big", &st), 0);
  EXPECT_EQ(major(st.st_rdev), 259u);
  EXPECT_EQ(minor(st.st_rdev), 300000u);
  // Moving a directory between parents fixes both link counts and its "..".
  ASSERT_EQ(rump_sys_rename("/mnt/a/b", "/mnt/c/b2"), 0);
  ASSERT_EQ(rump_sys_stat("/mnt/a", &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
  ASSERT_EQ(rump_sys_stat("/mnt/c", &st), 0);
  EXPECT_EQ(st.st_nlink, 3u);
  EXPECT_EQ(kread("/mnt/c/b2/../b2/fast"), "hello");
  // Replacing a file and an empty directory.
  kput("/mnt/c/other", "other");
  ASSERT_EQ(rump_sys_rename("/mnt/c/other", "/mnt/c/hard"), 0);
  EXPECT_EQ(kread("/mnt/c/hard"), "other");
  ASSERT_EQ(rump_sys_stat("/mnt/c/b2/file", &st), 0);
  EXPECT_EQ(st.st_nlink, 1u);
  ASSERT_EQ(rump_sys_mkdir("/mnt/a/empty", 0755), 0);
  ASSERT_EQ(rump_sys_rename("/mnt/c/b2", "/mnt/a/empty"), 0);
  EXPECT_EQ(kread("/mnt/a/empty/file"), "hello");
  // Exchange.
  ASSERT_EQ(rump_sys_renameat2(AT_FDCWD, "/mnt/a/empty", AT_FDCWD, "/mnt/c/hard", RENAME_EXCHANGE),
            0);
  EXPECT_EQ(kread("/mnt/a/empty"), "other");
  EXPECT_EQ(kread("/mnt/c/hard/file"), "hello");
  char buf[512];
  ssize_t n = rump_sys_readlink("/mnt/a/slow", buf, sizeof buf);
  ASSERT_EQ(n, 300);
  EXPECT_EQ(std::string(buf, n), long_target);
  // Attributes.
  // chown first: as on Linux, chown clears the setuid bit.
  ASSERT_EQ(rump_sys_chown("/mnt/a/empty", 70000, 80000), 0);
  ASSERT_EQ(rump_sys_chmod("/mnt/a/empty", 04711), 0);
  struct timespec ts[2] = {{1000, 5}, {2000000000, 123456789}};
  ASSERT_EQ(rump_sys_utimensat(AT_FDCWD, "/mnt/a/empty", ts, 0), 0);
  ASSERT_EQ(rump_sys_stat("/mnt/a/empty", &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04711u);
  EXPECT_EQ(st.st_uid, 70000u);
  EXPECT_EQ(st.st_gid, 80000u);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000000000);
  const bool small_inodes = std::string(GetParam().extra).find("-I 128") != std::string::npos ||
                            std::string(GetParam().extra) == "-r 0";
  EXPECT_EQ(st.st_mtim.tv_nsec, small_inodes ? 0 : 123456789);
  // Unlinking an open file keeps it readable until closed.
  int fd = rump_sys_open("/mnt/a/empty", O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(rump_sys_unlink("/mnt/a/empty"), 0);
  char c[5];
  EXPECT_EQ(rump_sys_pread(fd, c, 5, 0), 5);
  EXPECT_EQ(std::string(c, 5), "other");
  rump_sys_close(fd);
  ASSERT_EQ(rump_sys_unlink("/mnt/c/hard/fast"), 0);
  ASSERT_EQ(rump_sys_unlink("/mnt/c/hard/file"), 0);
  ASSERT_EQ(rump_sys_rmdir("/mnt/c/hard"), 0);
  check_clean();
  std::string ls = debugfs(img_, "ls -l /c");
  EXPECT_NE(ls.find("null"), std::string::npos) << ls;
  EXPECT_EQ(ls.find("hard"), std::string::npos) << ls;
}

TEST_P(Ext2Write, TruncateAndSparse) {
  const int bs = GetParam().bs;
  std::string data = pattern(300 * 1024, 7);
  kput("/mnt/t", data);
  ASSERT_EQ(rump_sys_truncate("/mnt/t", 5000), 0);
  ASSERT_EQ(rump_sys_truncate("/mnt/t", 100000), 0);
  std::string want = data.substr(0, 5000) + std::string(95000, '\0');
  EXPECT_EQ(kread("/mnt/t"), want);
  // A write far out leaves a hole.
  int fd = rump_sys_open("/mnt/t", O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(rump_sys_pwrite(fd, "end", 3, 50 << 20), 3);
  rump_sys_close(fd);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/mnt/t", &st), 0);
  EXPECT_EQ(st.st_size, (50 << 20) + 3);
  EXPECT_LT(st.st_blocks * 512, 200000 + 8 * bs);
  ASSERT_EQ(rump_sys_truncate("/mnt/t", 0), 0);
  ASSERT_EQ(rump_sys_stat("/mnt/t", &st), 0);
  EXPECT_EQ(st.st_blocks, 0);
  check_clean();
}

TEST_P(Ext2Write, FaultingWriteLeavesNoBlocksPastTheEnd) {
  int fd = rump_sys_open("/mnt/f", O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(rump_sys_write(fd, "abc", 3), 3);
  // Far out (indirect blocks needed) from a bad buffer: nothing written, nothing left behind.
  EXPECT_EQ(ERRNO_OF(rump_sys_pwrite(fd, nullptr, 5000, 3 << 20)), EFAULT);
  // The same with a write large enough to go straight to the disk.
  EXPECT_EQ(ERRNO_OF(rump_sys_pwrite(fd, nullptr, 1 << 20, 4 << 20)), EFAULT);
  struct stat st;
  ASSERT_EQ(rump_sys_fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 3);
  rump_sys_close(fd);
  check_clean();
}

TEST_P(Ext2Write, LargeFileOver4GiB) {
  int fd = rump_sys_open("/mnt/big", O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  const off_t at = (5LL << 30) + 17;
  ASSERT_EQ(rump_sys_pwrite(fd, "tail", 4, at), 4);
  char b[4];
  ASSERT_EQ(rump_sys_pread(fd, b, 4, at), 4);
  EXPECT_EQ(std::string(b, 4), "tail");
  rump_sys_close(fd);
  check_clean();
  std::string st = debugfs(img_, "stat /big");
  EXPECT_NE(st.find("Size: " + std::to_string(at + 4)), std::string::npos) << st;
  EXPECT_NE(debugfs(img_, "stats").find("large_file"), std::string::npos);
}

TEST_P(Ext2Write, FullDiskIsEnospcAndStaysConsistent) {
  std::string chunk = pattern(1 << 20, 3);
  int fd = rump_sys_open("/mnt/fill", O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ssize_t n;
  int err = 0;
  for (int i = 0; i < 64; ++i) {
    n = rump_sys_write(fd, chunk.data(), chunk.size());
    if (n < 0) {
      err = errno;
      break;
    }
  }
  EXPECT_EQ(err, ENOSPC);
  rump_sys_close(fd);
  // Many small files until the inodes or blocks run out.
  int made = 0;
  for (int i = 0; i < 20000; ++i) {
    int f = rump_sys_open(("/mnt/s" + std::to_string(i)).c_str(), O_CREAT | O_WRONLY, 0644);
    if (f < 0) {
      EXPECT_EQ(errno, ENOSPC);
      break;
    }
    rump_sys_close(f);
    ++made;
  }
  EXPECT_GT(made, 0);
  ASSERT_EQ(rump_sys_unlink("/mnt/fill"), 0);
  struct statfs sf;
  ASSERT_EQ(rump_sys_statfs("/mnt", &sf), 0);
  EXPECT_GT(sf.f_bfree * sf.f_bsize, 20u << 20);
  check_clean();
}

TEST_P(Ext2Write, IndexedDirectoryStaysValid) {
  if (std::string(GetParam().extra) == "-r 0") GTEST_SKIP() << "revision 0 has no dir_index";
  ASSERT_EQ(m_.umount(), 0);
  // Populate a wide directory with debugfs-independent means: mke2fs -d, then e2fsck -D.
  std::string src = tmp_ / "src";
  ASSERT_EQ(::mkdir(src.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((src + "/wide").c_str(), 0755), 0);
  for (int i = 0; i < 500; ++i) write_host(src + "/wide/entry-number-" + std::to_string(i), "x");
  mkfs(img_, "ext2", GetParam().bs, "32M", src, GetParam().extra);
  CmdResult r = run("e2fsck -fyD '" + img_ + "'");
  ASSERT_LE(r.status, 1) << r.out;
  ASSERT_NE(debugfs(img_, "htree /wide").find("Root node dump"), std::string::npos);
  ASSERT_EQ(m_.mount(img_), 0);
  EXPECT_EQ(kread("/mnt/wide/entry-number-321"), "x");
  for (int i = 0; i < 500; i += 3)
    ASSERT_EQ(rump_sys_unlink(("/mnt/wide/entry-number-" + std::to_string(i)).c_str()), 0);
  for (int i = 0; i < 200; ++i) kput("/mnt/wide/new-" + std::to_string(i), "y");
  EXPECT_EQ(klist("/mnt/wide").size(), 500u - 167u + 200u);
  EXPECT_EQ(ERRNO_OF(rump_sys_access("/mnt/wide/entry-number-3", F_OK)), ENOENT);
  EXPECT_EQ(kread("/mnt/wide/entry-number-4"), "x");
  check_clean();
}

TEST_P(Ext2Write, SequentialBigFile) {
  // 24 MiB through 1 MiB writes and reads: contents survive, and the time is printed.
  std::string chunk = pattern(1 << 20, 9);
  auto t0 = std::chrono::steady_clock::now();
  int fd = rump_sys_open("/mnt/big", O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  for (int i = 0; i < 24; ++i) {
    chunk[0] = static_cast<char>(i);
    ASSERT_EQ(rump_sys_write(fd, chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
  }
  ASSERT_EQ(rump_sys_fsync(fd), 0);
  rump_sys_close(fd);
  auto t1 = std::chrono::steady_clock::now();
  fd = rump_sys_open("/mnt/big", O_RDONLY);
  std::string back(1 << 20, '\0');
  for (int i = 0; i < 24; ++i) {
    ASSERT_EQ(rump_sys_read(fd, back.data(), back.size()), static_cast<ssize_t>(back.size()));
    chunk[0] = static_cast<char>(i);
    ASSERT_TRUE(back == chunk) << i;
  }
  rump_sys_close(fd);
  auto t2 = std::chrono::steady_clock::now();
  using ms = std::chrono::milliseconds;
  std::printf("24 MiB: write+fsync %lld ms, read %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<ms>(t1 - t0).count()),
              static_cast<long long>(std::chrono::duration_cast<ms>(t2 - t1).count()));
  check_clean();
}

TEST_P(Ext2Write, StreamingReadsAndWritesAgreeWithTheCache) {
  // Large reads and writes move whole blocks straight to and from the disk; small ones go
  // through the cache. Mixed on one file, each must see what the other did.
  const int bs = GetParam().bs;
  std::string want = pattern(3 << 20, 1);
  kput("/mnt/s", want);  // 100000-byte writes: whole blocks direct, the edges cached
  int fd = rump_sys_open("/mnt/s", O_RDWR);
  ASSERT_GE(fd, 0);
  auto pw = [&](const std::string& d, off_t at) {
    ASSERT_EQ(rump_sys_pwrite(fd, d.data(), d.size(), at), static_cast<ssize_t>(d.size()));
    want.replace(static_cast<size_t>(at), d.size(), d);
  };
  auto pr = [&](size_t len, off_t at) {
    std::string b(len, '\0');
    EXPECT_EQ(rump_sys_pread(fd, b.data(), len, at), static_cast<ssize_t>(len));
    return b;
  };
  // A small write leaves a dirty block in the cache; a large read over it returns it.
  pw(pattern(3000, 2), (1 << 20) + 10);
  EXPECT_TRUE(pr(want.size(), 0) == want);
  // A large aligned write over cached blocks; small reads then see the new bytes.
  pw(pattern(1 << 20, 3), (1 << 20) - 2 * bs);
  EXPECT_EQ(pr(100, (1 << 20) + 10), want.substr((1 << 20) + 10, 100));
  EXPECT_EQ(pr(bs, (2 << 20) - 3 * bs), want.substr((2 << 20) - 3 * bs, bs));
  // Unaligned large writes and reads, and one past the end that grows the file.
  pw(pattern(700001, 4), 12345);
  pw(pattern(300000, 5), static_cast<off_t>(want.size()) - 1000);
  EXPECT_TRUE(pr(want.size() - 777, 777) == want.substr(777));
  ASSERT_EQ(rump_sys_close(fd), 0);
  EXPECT_TRUE(kread("/mnt/s") == want);
  check_clean();
  std::string out = tmp_ / "out";
  CmdResult r = run("debugfs -R 'dump /s " + out + "' '" + img_ + "'");
  EXPECT_TRUE(host_read(out) == want) << r.out;
}

TEST_P(Ext2Write, LargeWritesFillHolesBesideMappedBlocks) {
  // Large writes allocate runs of blocks at once: over holes, over blocks already there, and
  // across the indirect blocks' boundaries, the map and the bitmaps must stay right.
  const int bs = GetParam().bs;
  int fd = rump_sys_open("/mnt/h", O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  std::string want(6 << 20, '\0');
  auto pw = [&](const std::string& d, off_t at) {
    ASSERT_EQ(rump_sys_pwrite(fd, d.data(), d.size(), at), static_cast<ssize_t>(d.size()));
    want.replace(static_cast<size_t>(at), d.size(), d);
  };
  // Islands of mapped blocks in a sparse file, then large writes over them and the holes.
  for (off_t at : {off_t{0}, off_t{5 * bs}, off_t{40 * bs}, off_t(1 << 20) + 3 * bs,
                   off_t(6 << 20) - bs})
    pw(pattern(bs, static_cast<unsigned>(at)), at);
  pw(pattern(3 << 20, 8), 2 * bs);
  pw(pattern((1 << 20) + 5, 9), (4 << 20) + bs / 2);
  std::string back(want.size(), '\0');
  ASSERT_EQ(rump_sys_pread(fd, back.data(), back.size(), 0), static_cast<ssize_t>(back.size()));
  EXPECT_TRUE(back == want);
  ASSERT_EQ(rump_sys_close(fd), 0);
  check_clean();
  std::string out = tmp_ / "out";
  CmdResult r = run("debugfs -R 'dump /h " + out + "' '" + img_ + "'");
  EXPECT_TRUE(host_read(out) == want) << r.out;
}

TEST_P(Ext2Write, ManyFilesInOneDirectory) {
  // 3000 names in one directory: created, found, listed, half removed; timed.
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3000; ++i) {
    int fd = rump_sys_open(("/mnt/many-files-entry-" + std::to_string(i)).c_str(),
                           O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0) << i << ": " << strerror(errno);
    rump_sys_close(fd);
  }
  auto t1 = std::chrono::steady_clock::now();
  struct stat st;
  for (int i = 0; i < 3000; ++i)
    ASSERT_EQ(rump_sys_stat(("/mnt/many-files-entry-" + std::to_string(i)).c_str(), &st), 0);
  auto t2 = std::chrono::steady_clock::now();
  EXPECT_EQ(klist("/mnt").size(), 3001u);
  for (int i = 0; i < 3000; i += 2)
    ASSERT_EQ(rump_sys_unlink(("/mnt/many-files-entry-" + std::to_string(i)).c_str()), 0);
  using ms = std::chrono::milliseconds;
  std::printf("3000 files: create %lld ms, stat %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<ms>(t1 - t0).count()),
              static_cast<long long>(std::chrono::duration_cast<ms>(t2 - t1).count()));
  check_clean();
}

// A manual measurement (--gtest_also_run_disabled_tests): 1 GiB in and out of a 4 KiB image.
TEST(Ext2Throughput, DISABLED_OneGiB) {
  HostDir tmp;
  std::string img = tmp / "img";
  mkfs(img, "ext2", 4096, "1200M");
  Mounted m;
  ASSERT_EQ(m.mount(img), 0);
  std::string chunk = pattern(1 << 20, 5);
  auto t0 = std::chrono::steady_clock::now();
  int fd = rump_sys_open("/mnt/big", O_CREAT | O_WRONLY, 0644);
  for (int i = 0; i < 1024; ++i) ASSERT_EQ(rump_sys_write(fd, chunk.data(), chunk.size()), 1 << 20);
  ASSERT_EQ(rump_sys_fsync(fd), 0);
  rump_sys_close(fd);
  auto t1 = std::chrono::steady_clock::now();
  fd = rump_sys_open("/mnt/big", O_RDONLY);
  std::string back(1 << 20, '\0');
  for (int i = 0; i < 1024; ++i) ASSERT_EQ(rump_sys_read(fd, back.data(), back.size()), 1 << 20);
  rump_sys_close(fd);
  auto t2 = std::chrono::steady_clock::now();
  using ms = std::chrono::milliseconds;
  std::printf("1 GiB: write+fsync %lld ms, read %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<ms>(t1 - t0).count()),
              static_cast<long long>(std::chrono::duration_cast<ms>(t2 - t1).count()));
}

TEST(Ext2Teardown, KernelDestroyedWhileMountedLeavesACleanImage) {
  HostDir tmp;
  std::string img = tmp / "img";
  mkfs(img, "ext2", 1024, "16M");
  rump_kernel* k = nullptr;
  ASSERT_EQ(rump_kernel_create("ncpu=2", &k), 0);
  rump_kernel* prev = rump_kernel_switch(k);
  ASSERT_EQ(rump_pub_etfs_register("/dev/img", img.c_str(), RUMP_ETFS_BLK), 0);
  ASSERT_EQ(rump_sys_mkdir("/mnt", 0755), 0);
  ASSERT_EQ(rump_sys_mount("/dev/img", "/mnt", "ext2", 0, nullptr), 0);
  ASSERT_EQ(rump_sys_mkdir("/mnt/d", 0755), 0);
  int fd = rump_sys_open("/mnt/d/open", O_CREAT | O_RDWR, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(rump_sys_write(fd, "still open", 10), 10);
  // And a file that has no name any more but is still open: freed when the kernel goes.
  int gone = rump_sys_open("/mnt/d/gone", O_CREAT | O_RDWR, 0644);
  ASSERT_GE(gone, 0);
  ASSERT_EQ(rump_sys_write(gone, std::string(50000, 'g').data(), 50000), 50000);
  ASSERT_EQ(rump_sys_unlink("/mnt/d/gone"), 0);
  ASSERT_EQ(rump_sys_chdir("/mnt/d"), 0);
  rump_kernel_switch(prev);
  ASSERT_EQ(rump_kernel_destroy(k), 0);  // with the file open and the cwd inside
  CmdResult r = fsck(img);
  EXPECT_EQ(r.status, 0) << r.out;
  std::string out = tmp / "out";
  run("debugfs -R 'dump /d/open " + out + "' '" + img + "'");
  EXPECT_EQ(host_read(out), "still open");
}

// --- randomized, against a host directory ----------------------------------------------------

struct Twin {
  std::string host;  // host root
  std::string kern;  // kernel root
};

int host_errno(int rc) { return rc == -1 ? errno : 0; }

void compare_trees(const std::string& h, const std::string& k) {
  std::vector<std::string> hn;
  DIR* d = opendir(h.c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") hn.push_back(n);
  }
  closedir(d);
  std::sort(hn.begin(), hn.end());
  std::vector<std::string> kn = klist(k);
  if (k == "/mnt") kn.erase(std::remove(kn.begin(), kn.end(), "lost+found"), kn.end());
  ASSERT_EQ(hn, kn) << k;
  for (const std::string& n : hn) {
    struct stat hs, ks;
    ASSERT_EQ(::lstat((h + "/" + n).c_str(), &hs), 0);
    ASSERT_EQ(rump_sys_lstat((k + "/" + n).c_str(), &ks), 0) << k + "/" + n;
    EXPECT_EQ(hs.st_mode, ks.st_mode) << k + "/" + n;
    EXPECT_EQ(hs.st_nlink, ks.st_nlink) << k + "/" + n;
    if (!S_ISDIR(hs.st_mode)) {
      EXPECT_EQ(hs.st_size, ks.st_size) << k + "/" + n;
    }
    if (S_ISREG(hs.st_mode)) {
      EXPECT_EQ(host_read(h + "/" + n), kread(k + "/" + n)) << k + "/" + n;
    }
    if (S_ISDIR(hs.st_mode)) compare_trees(h + "/" + n, k + "/" + n);
  }
}

class Ext2Random : public testing::TestWithParam<std::tuple<int, unsigned>> {};

TEST_P(Ext2Random, SequenceMatchesHostAndChecksClean) {
  const auto [bs, seed] = GetParam();
  HostDir tmp;
  std::string img = tmp / "img";
  std::string host = tmp / "host";
  ASSERT_EQ(::mkdir(host.c_str(), 0755), 0);
  mkfs(img, "ext2", bs, "32M");
  Mounted m;
  ASSERT_EQ(m.mount(img), 0) << m.log();
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  // Paths are drawn from a small name space so that operations collide often. Seeds from 100
  // on use wide directories instead (hundreds of long names: the in-memory directory index).
  const char* names[] = {"a", "b", "c", "dir1", "dir2", "x"};
  const bool wide = seed >= 100;
  auto path = [&]() {
    std::string p;
    if (wide) {
      p = std::string("/") + names[pick(3) + 3];
      if (pick(4) != 0) p += "/a-fairly-long-file-name-to-fill-blocks-" + std::to_string(pick(400));
      return p;
    }
    int depth = pick(3);
    for (int i = 0; i <= depth; ++i) p += std::string("/") + names[pick(6)];
    return p;
  };
  for (int step = 0; step < (wide ? 4000 : 1500); ++step) {
    const std::string p = path(), q = path();
    const std::string hp = host + p, kp = "/mnt" + p, hq = host + q, kq = "/mnt" + q;
    int he = 0, ke = 0;
    std::string what;
    switch (pick(10)) {
      case 0:
      case 1: {
        what = "write";
        size_t len = static_cast<size_t>(pick(3) == 0 ? pick(200000) : pick(3000));
        off_t off = pick(4) == 0 ? pick(100000) : 0;
        std::string data = pattern(len, rng());
        int hfd = ::open(hp.c_str(), O_CREAT | O_WRONLY, 0644);
        int kfd = rump_sys_open(kp.c_str(), O_CREAT | O_WRONLY, 0644);
        he = hfd < 0 ? errno : 0;
        ke = kfd < 0 ? errno : 0;
        if (hfd >= 0 && kfd >= 0) {
          ssize_t a = ::pwrite(hfd, data.data(), data.size(), off);
          ssize_t b = rump_sys_pwrite(kfd, data.data(), data.size(), off);
          EXPECT_EQ(a, b) << "step " << step;
        }
        if (hfd >= 0) ::close(hfd);
        if (kfd >= 0) rump_sys_close(kfd);
        break;
      }
      case 2: {
        what = "truncate";
        off_t len = pick(150000);
        he = host_errno(::truncate(hp.c_str(), len));
        ke = host_errno(rump_sys_truncate(kp.c_str(), len));
        break;
      }
      case 3:
        what = "rename";
        he = host_errno(::rename(hp.c_str(), hq.c_str()));
        ke = host_errno(rump_sys_rename(kp.c_str(), kq.c_str()));
        break;
      case 4:
        what = "unlink";
        he = host_errno(::unlink(hp.c_str()));
        ke = host_errno(rump_sys_unlink(kp.c_str()));
        break;
      case 5:
      case 6:
        what = "mkdir";
        he = host_errno(::mkdir(hp.c_str(), 0755));
        ke = host_errno(rump_sys_mkdir(kp.c_str(), 0755));
        break;
      case 7:
        what = "rmdir";
        he = host_errno(::rmdir(hp.c_str()));
        ke = host_errno(rump_sys_rmdir(kp.c_str()));
        break;
      case 8: {
        what = "symlink";
        std::string target = pick(2) ? std::string("t") : std::string(100 + pick(200), 's');
        he = host_errno(::symlink(target.c_str(), hp.c_str()));
        ke = host_errno(rump_sys_symlink(target.c_str(), kp.c_str()));
        break;
      }
      case 9:
        what = "link";
        he = host_errno(::link(hp.c_str(), hq.c_str()));
        ke = host_errno(rump_sys_link(kp.c_str(), kq.c_str()));
        break;
    }
    ASSERT_EQ(he, ke) << "step " << step << " " << what << " " << p << " " << q << "\n" << m.log();
  }
  compare_trees(host, "/mnt");
  ASSERT_EQ(m.umount(), 0);
  CmdResult r = fsck(img);
  EXPECT_EQ(r.status, 0) << r.out << m.log();
  // debugfs's own copy of the tree matches too.
  std::string out = tmp / "out";
  ASSERT_EQ(::mkdir(out.c_str(), 0755), 0);
  run("debugfs -R 'rdump / " + out + "' '" + img + "'");
  CmdResult diff =
      run("diff -r --no-dereference '" + host + "' '" + out + "' | grep -v lost+found");
  EXPECT_EQ(diff.out, "") << diff.out;
  // And the kernel reads the same after mounting again.
  ASSERT_EQ(m.mount(img), 0);
  compare_trees(host, "/mnt");
}

// Extended attributes written through the kernel: e2fsck finds the blocks, hashes and counts
// right and debugfs reads the values; removing every attribute frees the block again.
TEST_P(Ext2Write, ExtendedAttributesCheckCleanAndReadBack) {
  kput("/mnt/f", "data");
  ASSERT_EQ(rump_sys_mkdir("/mnt/d", 0755), 0);
  ASSERT_EQ(rump_sys_setxattr("/mnt/f", "user.mime_type", "text/plain", 10, 0), 0);
  ASSERT_EQ(rump_sys_setxattr("/mnt/f", "trusted.t", "T", 1, 0), 0);
  ASSERT_EQ(rump_sys_setxattr("/mnt/f", "security.s", "", 0, 0), 0);
  std::string big(GetParam().bs / 2, 'b');
  ASSERT_EQ(rump_sys_setxattr("/mnt/d", "user.big", big.data(), big.size(), 0), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_setxattr("/mnt/d", "user.big2", big.data(), big.size(), 0)), ENOSPC);
  EXPECT_EQ(ERRNO_OF(rump_sys_setxattr("/mnt/d", "user.huge", std::string(GetParam().bs + 1, 'h').data(),
                                       GetParam().bs + 1, 0)), ERANGE);
  ASSERT_EQ(rump_sys_setxattr("/mnt/f", "user.mime_type", "text/html", 9, XATTR_REPLACE), 0);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/mnt/f", &st), 0);
  EXPECT_EQ(st.st_blocks, 2 * (GetParam().bs / 1024) * 2) << "a data block and an attribute block";
  check_clean();
  EXPECT_NE(debugfs(img_, "ea_get /f user.mime_type").find("text/html"), std::string::npos)
      << debugfs(img_, "ea_list /f");
  EXPECT_NE(debugfs(img_, "ea_list /f").find("trusted.t"), std::string::npos);
  EXPECT_NE(debugfs(img_, "ea_get /d user.big").find("bbbb"), std::string::npos);
  // Mounted again: the same; then everything removed, and the blocks are free again.
  ASSERT_EQ(m_.mount(img_), 0);
  char buf[64];
  ASSERT_EQ(rump_sys_getxattr("/mnt/f", "user.mime_type", buf, sizeof buf), 9);
  EXPECT_EQ(std::string(buf, 9), "text/html");
  ASSERT_EQ(rump_sys_removexattr("/mnt/f", "user.mime_type"), 0);
  ASSERT_EQ(rump_sys_removexattr("/mnt/f", "trusted.t"), 0);
  ASSERT_EQ(rump_sys_removexattr("/mnt/f", "security.s"), 0);
  ASSERT_EQ(rump_sys_removexattr("/mnt/d", "user.big"), 0);
  ASSERT_EQ(rump_sys_stat("/mnt/f", &st), 0);
  EXPECT_EQ(st.st_blocks, 2 * (GetParam().bs / 1024));
  EXPECT_EQ(rump_sys_listxattr("/mnt/f", buf, sizeof buf), 0);
  // A file removed with its attributes frees both blocks.
  ASSERT_EQ(rump_sys_setxattr("/mnt/f", "user.again", "1", 1, 0), 0);
  ASSERT_EQ(rump_sys_unlink("/mnt/f"), 0);
  check_clean();
}

// Attributes mke2fs -d copied from a host tree: a small one in the inode's own area, a large one
// in a block. Both read back; changing the one in the inode moves it to the block, removing the
// other leaves the area and the block consistent for e2fsck.
TEST(Ext2Xattr, InInodeAndBlockAttributesFromMke2fs) {
  HostDir tmp;
  std::string src = tmp / "src", img = tmp / "img";
  ASSERT_EQ(::mkdir(src.c_str(), 0755), 0);
  write_host(src + "/f", "hi\n");
  std::string large(3000, 's');
  if (::setxattr((src + "/f").c_str(), "user.color", "blue", 4, 0) != 0 ||
      ::setxattr((src + "/f").c_str(), "user.size", large.data(), large.size(), 0) != 0)
    GTEST_SKIP() << "the host directory takes no user.* attributes: " << strerror(errno);
  mkfs(img, "ext2", 4096, "16M", src);
  if (debugfs(img, "ea_list /f").find("user.color") == std::string::npos)
    GTEST_SKIP() << "this mke2fs does not copy extended attributes";
  Mounted m;
  ASSERT_EQ(m.mount(img), 0) << m.log();
  char buf[4096];
  ASSERT_EQ(rump_sys_getxattr("/mnt/f", "user.color", buf, sizeof buf), 4);
  EXPECT_EQ(std::string(buf, 4), "blue");
  ASSERT_EQ(rump_sys_getxattr("/mnt/f", "user.size", buf, sizeof buf), 3000);
  EXPECT_EQ(std::string(buf, 3000), large);
  ssize_t n = rump_sys_listxattr("/mnt/f", buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(buf, size_t(n)).find("user.color"), std::string::npos);
  EXPECT_NE(std::string(buf, size_t(n)).find("user.size"), std::string::npos);
  ASSERT_EQ(rump_sys_setxattr("/mnt/f", "user.color", "green", 5, XATTR_REPLACE), 0);
  ASSERT_EQ(rump_sys_removexattr("/mnt/f", "user.size"), 0);
  ASSERT_EQ(rump_sys_setxattr("/mnt/f", "user.new", "n", 1, XATTR_CREATE), 0);
  ASSERT_EQ(rump_sys_getxattr("/mnt/f", "user.color", buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "green");
  EXPECT_EQ(ERRNO_OF(rump_sys_getxattr("/mnt/f", "user.size", buf, sizeof buf)), ENODATA);
  ASSERT_EQ(m.umount(), 0);
  CmdResult r = fsck(img);
  EXPECT_EQ(r.status, 0) << r.out;
  std::string list = debugfs(img, "ea_list /f");
  EXPECT_NE(list.find("user.color (5) = \"green\""), std::string::npos) << list;
  EXPECT_NE(list.find("user.new (1) = \"n\""), std::string::npos) << list;
  EXPECT_EQ(list.find("user.size"), std::string::npos) << list;
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, Ext2Write,
    testing::Values(Fresh{1024, "", "1k"}, Fresh{2048, "", "2k"}, Fresh{4096, "", "4k"},
                    Fresh{1024, "-I 128", "1k_small_inodes"}, Fresh{1024, "-r 0", "1k_revision0"},
                    Fresh{4096, "-O has_journal", "4k_ext3_journal"}),
    [](const testing::TestParamInfo<Fresh>& i) { return std::string(i.param.name); });

INSTANTIATE_TEST_SUITE_P(Seeds, Ext2Random,
                         testing::Combine(testing::Values(1024, 4096),
                                          testing::Values(1u, 2u, 3u, 101u, 102u)),
                         [](const testing::TestParamInfo<std::tuple<int, unsigned>>& i) {
                           return "bs" + std::to_string(std::get<0>(i.param)) + "_seed" +
                                  std::to_string(std::get<1>(i.param));
                         });

}  // namespace
