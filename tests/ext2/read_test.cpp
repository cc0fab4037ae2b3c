// Images made by mke2fs -d from a host tree, for each block size and ext2/ext3/ext4, read back
// through the kernel: every name, type, mode, owner, size, link count, device number, symlink
// target and byte of content matches the source tree.
#include <sys/sysmacros.h>

#include <algorithm>
#include <functional>
#include <set>

#include "ext2/ext2_test_util.h"

namespace {

using namespace ext2test;

constexpr uint64_t kGiB = 1ull << 30;

// The source tree every image is made from. Holes and sizes around block boundaries, every
// level of the block map, fast and slow symlinks, device nodes, hard links, deep and wide
// directories.
void make_tree(const std::string& root, bool huge) {
  auto mk = [&](const std::string& p, mode_t m) {
    ASSERT_EQ(::mkdir((root + "/" + p).c_str(), m), 0) << p;
  };
  auto put = [&](const std::string& p, size_t n, unsigned seed, mode_t m = 0644) {
    write_host(root + "/" + p, pattern(n, seed));
    ::chmod((root + "/" + p).c_str(), m);
  };
  put("empty", 0, 1);
  put("one", 1, 2);
  for (size_t n : {1023, 1024, 1025, 2047, 2048, 4095, 4096, 4097})
    put("s" + std::to_string(n), n, static_cast<unsigned>(n));
  put("indirect", 12 * 4096 + 7, 3, 0600);
  put("dindirect", 300 * 1024 + 3, 4, 0755);
  // Triple indirect with 1 KiB blocks: islands of data in a hole.
  write_host(root + "/tindirect", pattern(5000, 5));
  write_host(root + "/tindirect", pattern(9000, 11), (12 + 256 + 65536 + 3) * 1024ull + 100);
  mk("d", 0755);
  mk("d/e", 0700);
  mk("d/e/f", 0755);
  mk("d/e/f/g", 0755);
  put("d/e/f/g/deep", 100, 6, 04755);
  mk("sticky", 01777);
  // A sparse file: data, a hole, data.
  write_host(root + "/sparse", pattern(5000, 7));
  write_host(root + "/sparse", pattern(3000, 8), 3 * 1024 * 1024);
  if (huge) {
    // Larger than 4 GiB (large_file): two islands of data in a hole.
    write_host(root + "/huge", pattern(100, 9), 0);
    write_host(root + "/huge", pattern(8192, 10), 5 * kGiB - 8192);
  }
  ASSERT_EQ(::symlink("one", (root + "/fast").c_str()), 0);
  ASSERT_EQ(::symlink(std::string(59, 'x').c_str(), (root + "/fast59").c_str()), 0);
  ASSERT_EQ(::symlink(std::string(60, 'y').c_str(), (root + "/slow60").c_str()), 0);
  ASSERT_EQ(::symlink(("d/e/f/g/" + std::string(200, 'z')).c_str(), (root + "/slow").c_str()), 0);
  ASSERT_EQ(::link((root + "/one").c_str(), (root + "/d/hardlink").c_str()), 0);
  ASSERT_EQ(::mknod((root + "/null").c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
  ASSERT_EQ(::mknod((root + "/sda1").c_str(), S_IFBLK | 0660, makedev(8, 1)), 0);
  ASSERT_EQ(::mknod((root + "/bigdev").c_str(), S_IFCHR | 0600, makedev(300, 70000)), 0);
  ASSERT_EQ(::mkfifo((root + "/fifo").c_str(), 0640), 0);
  ASSERT_EQ(::chown((root + "/one").c_str(), 1000, 100), 0);
  ASSERT_EQ(::lchown((root + "/fast").c_str(), 70000, 70001), 0);
  // A wide directory: several blocks of entries (indexed by e2fsck -D in some variants).
  mk("wide", 0755);
  for (int i = 0; i < 400; ++i)
    put("wide/file-with-a-longish-name-" + std::to_string(i), static_cast<size_t>(i),
        static_cast<unsigned>(i));
}

bool same_content(const std::string& host, const std::string& kpath, uint64_t size) {
  if (size <= 16 * 1024 * 1024) return host_read(host) == kread(kpath);
  // Big sparse files: their ends and a window in the middle.
  int hfd = ::open(host.c_str(), O_RDONLY);
  int kfd = rump_sys_open(kpath.c_str(), O_RDONLY);
  bool same = hfd >= 0 && kfd >= 0;
  for (uint64_t at : {uint64_t{0}, size / 2, size - (1 << 20)}) {
    std::string a(1 << 20, 'a'), b(1 << 20, 'b');
    ssize_t na = ::pread(hfd, a.data(), a.size(), static_cast<off_t>(at));
    ssize_t nb = rump_sys_pread(kfd, b.data(), b.size(), static_cast<off_t>(at));
    same = same && na == nb && a == b;
  }
  ::close(hfd);
  rump_sys_close(kfd);
  return same;
}

// Compares the host tree at `host` with the kernel's at `kpath`, recursively.
void compare_tree(const std::string& host, const std::string& kpath, int* files) {
  std::vector<std::string> hnames;
  DIR* d = opendir(host.c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") hnames.push_back(n);
  }
  closedir(d);
  std::sort(hnames.begin(), hnames.end());
  std::vector<std::string> knames = klist(kpath);
  if (kpath == "/mnt")
    knames.erase(std::remove(knames.begin(), knames.end(), "lost+found"), knames.end());
  ASSERT_EQ(hnames, knames) << kpath;
  for (const std::string& n : hnames) {
    std::string hp = host + "/" + n, kp = kpath + "/" + n;
    struct stat hs, ks;
    ASSERT_EQ(::lstat(hp.c_str(), &hs), 0);
    ASSERT_EQ(rump_sys_lstat(kp.c_str(), &ks), 0) << kp << ": " << strerror(errno);
    ++*files;
    EXPECT_EQ(hs.st_mode, ks.st_mode) << kp;
    EXPECT_EQ(hs.st_uid, ks.st_uid) << kp;
    EXPECT_EQ(hs.st_gid, ks.st_gid) << kp;
    if (!S_ISDIR(hs.st_mode)) {
      EXPECT_EQ(hs.st_nlink, ks.st_nlink) << kp;
    }
    if (S_ISREG(hs.st_mode) || S_ISLNK(hs.st_mode)) {
      EXPECT_EQ(hs.st_size, ks.st_size) << kp;
    }
    if (S_ISCHR(hs.st_mode) || S_ISBLK(hs.st_mode)) {
      EXPECT_EQ(major(hs.st_rdev), major(ks.st_rdev)) << kp;
      EXPECT_EQ(minor(hs.st_rdev), minor(ks.st_rdev)) << kp;
    }
    EXPECT_EQ(hs.st_mtime, ks.st_mtime) << kp;
    if (S_ISREG(hs.st_mode)) {
      EXPECT_TRUE(same_content(hp, kp, static_cast<uint64_t>(hs.st_size))) << kp;
      // Holes take no blocks: the image file's block count is not more than the host's
      // (which may have allocated more for its own reasons) plus the map's blocks.
      if (n == "sparse") {
        EXPECT_LT(ks.st_blocks, 64) << kp;
      }
    } else if (S_ISLNK(hs.st_mode)) {
      char a[4096], b[4096];
      ssize_t na = ::readlink(hp.c_str(), a, sizeof a);
      ssize_t nb = rump_sys_readlink(kp.c_str(), b, sizeof b);
      ASSERT_EQ(na, nb) << kp;
      EXPECT_EQ(std::string(a, na), std::string(b, nb)) << kp;
    } else if (S_ISDIR(hs.st_mode)) {
      compare_tree(hp, kp, files);
    }
  }
}

struct Variant {
  const char* name;
  const char* type;
  int bs;
  const char* extra;  // more mke2fs options
  bool index;         // e2fsck -fyD afterwards: hashed directories
  bool huge;          // a > 4 GiB file
};

class Ext2Read : public testing::TestWithParam<Variant> {};

TEST_P(Ext2Read, TreeMatchesSource) {
  const Variant& v = GetParam();
  HostDir tmp;
  std::string src = tmp / "src";
  ASSERT_EQ(::mkdir(src.c_str(), 0755), 0);
  make_tree(src, v.huge);
  std::string img = tmp / "img";
  mkfs(img, v.type, v.bs, "64M", src, v.extra);
  if (v.index) {
    CmdResult r = run("e2fsck -fyD '" + img + "'");
    ASSERT_LE(r.status, 1) << r.out;
    ASSERT_NE(debugfs(img, "htree /wide").find("Root node dump"), std::string::npos);
  }
  Mounted m;
  const bool ext4 = std::string(v.type) == "ext4";
  ASSERT_EQ(m.mount(img, v.type, ext4 ? MS_RDONLY : 0), 0) << m.log();
  int files = 0;
  compare_tree(src, "/mnt", &files);
  EXPECT_GT(files, 400);
  struct statfs sf;
  ASSERT_EQ(rump_sys_statfs("/mnt", &sf), 0);
  EXPECT_EQ(sf.f_type, 0xEF53);
  EXPECT_EQ(sf.f_bsize, v.bs);
  EXPECT_GT(sf.f_bfree, 0u);
  EXPECT_EQ(m.umount(), 0);
  // Mounting and unmounting left the image as clean as it was.
  CmdResult r = fsck(img);
  EXPECT_EQ(r.status, 0) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Images, Ext2Read,
    testing::Values(Variant{"ext2_1k", "ext2", 1024, "", false, true},
                    Variant{"ext2_2k", "ext2", 2048, "", false, false},
                    Variant{"ext2_4k", "ext2", 4096, "", false, true},
                    Variant{"ext2_128_inodes", "ext2", 1024, "-I 128", false, false},
                    Variant{"ext2_revision0", "ext2", 1024, "-r 0", false, false},
                    Variant{"ext2_htree", "ext2", 1024, "", true, false},
                    Variant{"ext3_1k", "ext3", 1024, "", false, false},
                    Variant{"ext3_4k_htree", "ext3", 4096, "", true, false},
                    Variant{"ext4_1k", "ext4", 1024, "", false, false},
                    Variant{"ext4_4k", "ext4", 4096, "", true, true},
                    Variant{"ext4_64bit_flex", "ext4", 4096,
                            "-O 64bit,flex_bg,huge_file,dir_nlink,extra_isize", false, false}),
    [](const testing::TestParamInfo<Variant>& i) { return std::string(i.param.name); });

TEST(Ext2Mount, Ext4ReadWriteRefusedWithFeatureNamed) {
  HostDir tmp;
  std::string img = tmp / "img";
  mkfs(img, "ext4", 4096, "32M");
  Mounted m;
  EXPECT_EQ(m.mount(img, "ext4"), EROFS);
  EXPECT_NE(m.log().find("not supported for writing"), std::string::npos) << m.log();
  EXPECT_EQ(m.mount(img, "ext4", MS_RDONLY), 0) << m.log();
  EXPECT_EQ(ERRNO_OF(rump_sys_mkdir("/mnt/x", 0755)), EROFS);
}

TEST(Ext2Mount, NotExt2IsEinval) {
  HostDir tmp;
  std::string img = tmp / "img";
  write_host(img, std::string(1 << 20, '\0'));
  Mounted m;
  EXPECT_EQ(m.mount(img, "ext2"), EINVAL);
  EXPECT_NE(m.log().find("bad magic"), std::string::npos) << m.log();
}

TEST(Ext2Mount, JournalNeedingRecoveryIsReadOnly) {
  HostDir tmp;
  std::string img = tmp / "img";
  mkfs(img, "ext3", 1024, "16M");
  // Set needs_recovery by hand, as a crash would leave it.
  CmdResult r = run("debugfs -w -R 'feature needs_recovery' '" + img + "'");
  ASSERT_EQ(r.status, 0) << r.out;
  Mounted m;
  EXPECT_EQ(m.mount(img, "ext3"), EROFS);
  EXPECT_NE(m.log().find("needs_recovery"), std::string::npos) << m.log();
  EXPECT_EQ(m.mount(img, "ext3", MS_RDONLY), 0) << m.log();
}

TEST(Ext2Mount, RemountBetweenReadOnlyAndReadWrite) {
  HostDir tmp;
  std::string img = tmp / "img";
  mkfs(img, "ext2", 1024, "8M");
  Mounted m;
  ASSERT_EQ(m.mount(img, "ext2", MS_RDONLY), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_mkdir("/mnt/d", 0755)), EROFS);
  ASSERT_EQ(rump_sys_mount("/dev/img", "/mnt", "ext2", MS_REMOUNT, nullptr), 0) << m.log();
  ASSERT_EQ(rump_sys_mkdir("/mnt/d", 0755), 0);
  ASSERT_EQ(rump_sys_mount("/dev/img", "/mnt", "ext2", MS_REMOUNT | MS_RDONLY, nullptr), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_mkdir("/mnt/e", 0755)), EROFS);
  // Read-only again: the image is clean while still mounted.
  CmdResult r = fsck(img);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(m.umount(), 0);
  EXPECT_NE(debugfs(img, "ls /").find("d"), std::string::npos);
}

TEST(Ext2Mount, UnknownOptionIsEinval) {
  HostDir tmp;
  std::string img = tmp / "img";
  mkfs(img, "ext2", 1024, "8M");
  Mounted m;
  EXPECT_EQ(m.mount(img, "ext2", 0, "bogus_option"), EINVAL);
  EXPECT_EQ(m.mount(img, "ext2", 0, "noatime,user_xattr"), 0) << m.log();
}

}  // namespace
