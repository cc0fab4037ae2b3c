// Damaged images: the driver never crashes or hangs; the operation that meets the damage fails
// with EUCLEAN (or EIO) and the kernel log says what was wrong. Targeted damage first, then
// random bytes over the metadata of a small image for many fixed seeds (ASan watches).
#include <random>

#include "ext2/ext2_test_util.h"
#include "ext2/ext2_walk.h"

namespace {

using namespace ext2test;

class Ext2Corrupt : public testing::Test {
 protected:
  void SetUp() override {
    std::string src = tmp_ / "src";
    ASSERT_EQ(::mkdir(src.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((src + "/sub").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((src + "/wide").c_str(), 0755), 0);
    write_host(src + "/a", "hello");
    write_host(src + "/sub/big", pattern(300000, 1));
    for (int i = 0; i < 60; ++i) write_host(src + "/wide/name-number-" + std::to_string(i), "w");
    ASSERT_EQ(::symlink(std::string(80, 't').c_str(), (src + "/longlink").c_str()), 0);
    base_ = tmp_ / "base";
    mkfs(base_, "ext2", 1024, "1M", src, "-N 96");
    run("e2fsck -fyD '" + base_ + "'");
    image_ = host_read(base_);
    ASSERT_EQ(image_.size(), 1u << 20);
  }
  // A copy of the image with `edit` applied, as a file.
  std::string damaged(const std::function<void(std::string&)>& edit) {
    std::string img = image_;
    edit(img);
    std::string p = tmp_ / ("img" + std::to_string(n_++));
    write_host(p, img);
    return p;
  }
  uint32_t inode_of(const std::string& path) {
    std::string out = debugfs(base_, "stat " + path);
    size_t at = out.find("Inode: ");
    return at == std::string::npos ? 0 : static_cast<uint32_t>(std::stoul(out.substr(at + 7)));
  }
  uint32_t block_of(const std::string& path) {
    std::string out = debugfs(base_, "bmap " + path + " 0");
    return static_cast<uint32_t>(std::stoul(out.substr(out.rfind('\n', out.size() - 2) + 1)));
  }
  // The byte offset of inode ino in the image (1 KiB blocks, group 0).
  size_t inode_offset(uint32_t ino) {
    std::string out = debugfs(base_, "imap <" + std::to_string(ino) + ">");
    size_t at = out.find("located at block ");
    uint64_t blk = std::stoull(out.substr(at + 17));
    size_t off = out.find("offset 0x");
    uint64_t o = std::stoull(out.substr(off + 9), nullptr, 16);
    return blk * 1024 + o;
  }
  HostDir tmp_;
  std::string base_;
  std::string image_;
  int n_ = 0;
};

TEST_F(Ext2Corrupt, BadDirectoryRecordIsEuclean) {
  const uint32_t blk = block_of("/sub");
  std::string img = damaged([&](std::string& s) {
    s[blk * 1024 + 4] = 3;  // "."'s rec_len: not a multiple of 4
    s[blk * 1024 + 5] = 0;
  });
  Mounted m;
  ASSERT_EQ(m.mount(img), 0) << m.log();
  EXPECT_EQ(ERRNO_OF(rump_sys_open("/mnt/sub/big", O_RDONLY)), EUCLEAN);
  EXPECT_NE(m.log().find("bad record length"), std::string::npos) << m.log();
  EXPECT_EQ(kread("/mnt/a"), "hello");  // the rest still works
}

TEST_F(Ext2Corrupt, IndirectPointerOutOfRangeIsEuclean) {
  const size_t at = inode_offset(inode_of("/sub/big"));
  std::string img = damaged([&](std::string& s) {
    uint32_t bad = 0x7fffffff;
    memcpy(&s[at + 0x28 + 12 * 4], &bad, 4);  // i_block[12], the indirect block
  });
  Mounted m;
  ASSERT_EQ(m.mount(img), 0) << m.log();
  int fd = rump_sys_open("/mnt/sub/big", O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[4096];
  EXPECT_EQ(rump_sys_pread(fd, buf, sizeof buf, 0), static_cast<ssize_t>(sizeof buf));
  EXPECT_EQ(ERRNO_OF(rump_sys_pread(fd, buf, sizeof buf, 200000)), EUCLEAN);
  rump_sys_close(fd);
  EXPECT_NE(m.log().find("out of range"), std::string::npos) << m.log();
  // Deleting it must not free someone else's blocks.
  EXPECT_EQ(rump_sys_unlink("/mnt/sub/big"), 0);
  EXPECT_EQ(m.umount(), 0);
}

TEST_F(Ext2Corrupt, SharedBlocksInAMapStopTheTruncate) {
  // Every pointer of big's indirect block names the same data block: deleting the file frees
  // it once, finds it free the second time, and stops there.
  const size_t at = inode_offset(inode_of("/sub/big"));
  std::string img = damaged([&](std::string& s) {
    uint32_t ind;
    memcpy(&ind, &s[at + 0x28 + 12 * 4], 4);
    uint32_t first;
    memcpy(&first, &s[size_t{ind} * 1024], 4);
    for (int i = 0; i < 256; ++i) memcpy(&s[size_t{ind} * 1024 + 4 * i], &first, 4);
  });
  Mounted m;
  ASSERT_EQ(m.mount(img), 0);
  EXPECT_EQ(rump_sys_unlink("/mnt/sub/big"), 0);
  struct statfs sf;
  ASSERT_EQ(rump_sys_statfs("/mnt", &sf), 0);  // the inode is released by now
  EXPECT_NE(m.log().find("already free"), std::string::npos) << m.log();
  EXPECT_EQ(kread("/mnt/a"), "hello");
}

TEST_F(Ext2Corrupt, DeletedInodeInDirectoryIsEuclean) {
  const size_t at = inode_offset(inode_of("/a"));
  std::string img = damaged([&](std::string& s) {
    s[at + 0x1A] = 0;
    s[at + 0x1B] = 0;
  });
  Mounted m;
  ASSERT_EQ(m.mount(img), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_open("/mnt/a", O_RDONLY)), EUCLEAN);
  EXPECT_NE(m.log().find("no links"), std::string::npos) << m.log();
}

TEST_F(Ext2Corrupt, RootNotADirectoryFailsTheMountWithoutLeaks) {
  std::string img = damaged([](std::string&) {});
  ASSERT_EQ(run("debugfs -w -R 'sif <2> mode 0100644' '" + img + "'").status, 0);
  Mounted m;
  EXPECT_EQ(m.mount(img), EUCLEAN);
  EXPECT_NE(m.log().find("root inode is not a directory"), std::string::npos) << m.log();
  // (LeakSanitizer and the kernel's own accounting see what the failed mount left.)
}

TEST_F(Ext2Corrupt, DotDotLoopDoesNotHangRename) {
  // sub's ".." names sub itself: moving the root's child into sub must end, not loop.
  const uint32_t blk = block_of("/sub");
  const uint32_t sub = inode_of("/sub");
  std::string img = damaged([&](std::string& s) { memcpy(&s[blk * 1024 + 12], &sub, 4); });
  Mounted m;
  ASSERT_EQ(m.mount(img), 0);
  ASSERT_EQ(rump_sys_mkdir("/mnt/d", 0755), 0);
  int e = ERRNO_OF(rump_sys_rename("/mnt/d", "/mnt/sub/d"));
  EXPECT_TRUE(e == EUCLEAN || e == 0) << e;
}

TEST_F(Ext2Corrupt, Ext4ChecksumsCatchDamage) {
  // metadata_csum: a flipped byte in a directory block's names or in an inode is caught.
  std::string src = tmp_ / "src4";
  ASSERT_EQ(::mkdir(src.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((src + "/sub").c_str(), 0755), 0);
  write_host(src + "/sub/file", "contents");
  std::string img = tmp_ / "e4";
  mkfs(img, "ext4", 1024, "8M", src);
  std::string out = debugfs(img, "bmap /sub 0");
  const uint64_t blk = std::stoull(out.substr(out.rfind('\n', out.size() - 2) + 1));
  std::string bytes = host_read(img);
  const size_t name_at = bytes.find("file", blk * 1024);
  ASSERT_NE(name_at, std::string::npos);
  ASSERT_LT(name_at, (blk + 1) * 1024);
  bytes[name_at] = 'F';  // still a valid name: only the checksum can tell
  std::string bad = tmp_ / "e4bad";
  write_host(bad, bytes);
  Mounted m;
  ASSERT_EQ(m.mount(bad, "ext4", MS_RDONLY), 0) << m.log();
  EXPECT_EQ(ERRNO_OF(rump_sys_open("/mnt/sub/Fil", O_RDONLY)), EUCLEAN);
  EXPECT_NE(m.log().find("checksum mismatch"), std::string::npos) << m.log();
}

TEST_F(Ext2Corrupt, RandomMetadataDamage) {
  for (unsigned seed = 1; seed <= 150; ++seed) {
    std::mt19937 rng(seed);
    std::string img = damaged([&](std::string& s) {
      int n = 1 + static_cast<int>(rng() % 12);
      for (int i = 0; i < n; ++i) {
        // Mostly the first 40 KiB: superblock, descriptors, bitmaps, inode table, first
        // directory blocks.
        size_t at = (rng() % 4 == 0) ? rng() % s.size() : 1024 + rng() % (40 * 1024);
        s[at] = static_cast<char>(rng() % 3 == 0 ? 0xff : rng());
      }
    });
    Mounted m;
    const bool rw = m.mount(img) == 0;
    const bool mounted = rw || m.mount(img, "ext2", MS_RDONLY) == 0;
    if (mounted) {
      ext2walk::Budget b;
      ext2walk::walk("/mnt", b, 0);
      if (rw) ext2walk::scribble("/mnt");
      m.umount();
    }
    ::unlink(img.c_str());
  }
}

}  // namespace
