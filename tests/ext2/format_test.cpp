// The ext2 driver's pure pieces: superblock parsing and feature checks on images made by
// mke2fs, crc32c, the htree hashes (against debugfs's dx_hash), directory block checks.
#include "fs/ext2/format.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

#include "ext2/ext2_test_util.h"
#include "fs/ext2/checksum.h"
#include "fs/ext2/dir_block.h"
#include "fs/ext2/superblock.h"
#include "fs/ext2/xattr.h"

namespace {

using namespace rk::fs::ext2;
using ext2test::HostDir;
using ext2test::mkfs;
using ext2test::run;

SuperBlock read_sb(const std::string& img) {
  SuperBlock sb{};
  int fd = ::open(img.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::pread(fd, &sb, sizeof sb, 1024), static_cast<ssize_t>(sizeof sb));
  ::close(fd);
  return sb;
}

TEST(Ext2Format, Crc32cKnownValue) {
  // The standard CRC-32C check value of "123456789" is 0xE3069283 (with the final inversion).
  EXPECT_EQ(~crc32c_raw(~0u, "123456789", 9), 0xE3069283u);
}

TEST(Ext2Format, SuperblockOfEachBlockSize) {
  HostDir d;
  for (int bs : {1024, 2048, 4096}) {
    std::string img = d / ("i" + std::to_string(bs));
    mkfs(img, "ext2", bs, "16M");
    SuperBlock sb = read_sb(img);
    Geometry g;
    const char* why = nullptr;
    ASSERT_TRUE(parse_superblock(sb, 16 << 20, g, &why).ok()) << why;
    EXPECT_EQ(g.block_size, static_cast<uint32_t>(bs));
    EXPECT_EQ(g.blocks_count, uint64_t{16 << 20} / bs);
    EXPECT_EQ(g.first_data_block, bs == 1024 ? 1u : 0u);
    EXPECT_TRUE(g.group_has_super(0));
    EXPECT_TRUE(g.group_has_super(1));
    EXPECT_FALSE(g.group_has_super(2));
    EXPECT_TRUE(g.group_has_super(9));
    EXPECT_TRUE(g.group_has_super(25));
    EXPECT_TRUE(g.group_has_super(49));
    const char* feature = nullptr;
    EXPECT_TRUE(check_features(g, sb, false, &feature).ok()) << feature;
    // A device smaller than the file system says so.
    EXPECT_FALSE(parse_superblock(sb, 1 << 20, g, &why).ok());
    EXPECT_STREQ(why, "file system larger than the device");
  }
}

TEST(Ext2Format, Ext4IsReadOnlyAndMetadataCsumVerified) {
  HostDir d;
  std::string img = d / "e4";
  mkfs(img, "ext4", 4096, "32M");
  SuperBlock sb = read_sb(img);
  Geometry g;
  const char* why = nullptr;
  ASSERT_TRUE(parse_superblock(sb, 32 << 20, g, &why).ok()) << why;
  EXPECT_TRUE(g.metadata_csum);
  const char* feature = nullptr;
  EXPECT_TRUE(check_features(g, sb, true, &feature).ok());
  rk::Result<void> rw = check_features(g, sb, false, &feature);
  ASSERT_FALSE(rw.ok());
  EXPECT_EQ(rw.error(), rk::Errno::kRoFs);
  EXPECT_NE(std::string(feature), "");
  // One flipped bit: the checksum no longer matches.
  sb.s_free_inodes_count ^= 1;
  EXPECT_FALSE(parse_superblock(sb, 32 << 20, g, &why).ok());
  EXPECT_STREQ(why, "superblock checksum mismatch");
}

TEST(Ext2Format, UnknownIncompatRefusesEvenReadOnly) {
  HostDir d;
  std::string img = d / "x";
  mkfs(img, "ext2", 1024, "8M");
  SuperBlock sb = read_sb(img);
  sb.s_feature_incompat |= incompat::kInlineData;
  Geometry g;
  const char* why = nullptr;
  ASSERT_TRUE(parse_superblock(sb, 8 << 20, g, &why).ok());
  const char* feature = nullptr;
  rk::Result<void> r = check_features(g, sb, true, &feature);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), rk::Errno::kInval);
  EXPECT_STREQ(feature, "inline_data");
}

TEST(Ext2Format, BadGeometryIsRejected) {
  HostDir d;
  std::string img = d / "x";
  mkfs(img, "ext2", 1024, "8M");
  const SuperBlock good = read_sb(img);
  Geometry g;
  const char* why = nullptr;
  SuperBlock sb = good;
  sb.s_magic = 0;
  EXPECT_FALSE(parse_superblock(sb, 8 << 20, g, &why).ok());
  sb = good;
  sb.s_log_block_size = 20;
  EXPECT_FALSE(parse_superblock(sb, 8 << 20, g, &why).ok());
  sb = good;
  sb.s_blocks_per_group = 0;
  EXPECT_FALSE(parse_superblock(sb, 8 << 20, g, &why).ok());
  sb = good;
  sb.s_inodes_per_group = 0;
  EXPECT_FALSE(parse_superblock(sb, 8 << 20, g, &why).ok());
  sb = good;
  sb.s_inodes_count += 1;
  EXPECT_FALSE(parse_superblock(sb, 8 << 20, g, &why).ok());
  sb = good;
  sb.s_inode_size = 100;
  EXPECT_FALSE(parse_superblock(sb, 8 << 20, g, &why).ok());
}

TEST(Ext2Format, HtreeHashesMatchDebugfs) {
  HostDir d;
  std::string img = d / "x";
  mkfs(img, "ext2", 1024, "8M");
  const char* names[] = {"hello", "a", "lost+found",
                         "a-much-longer-file-name-that-crosses-32-bytes.txt", "\xc3\xa9t\xc3\xa9"};
  struct Alg {
    const char* name;
    uint8_t version;
  } algs[] = {{"legacy", kDxHashLegacy}, {"half_md4", kDxHashHalfMd4}, {"tea", kDxHashTea}};
  for (const char* n : names) {
    for (const Alg& a : algs) {
      std::string out =
          run(std::string("debugfs -R 'dx_hash -h ") + a.name + " " + n + "' " + img).out;
      size_t at = out.find("is 0x");
      ASSERT_NE(at, std::string::npos) << out;
      uint32_t major = std::stoul(out.substr(at + 3), nullptr, 16);
      size_t mat = out.find("minor 0x");
      uint32_t minor = mat == std::string::npos ? 0 : std::stoul(out.substr(mat + 6), nullptr, 16);
      DxHash h;
      ASSERT_TRUE(dx_hash(n, a.version, nullptr, h));
      EXPECT_EQ(h.major, major) << a.name << " " << n;
      EXPECT_EQ(h.minor, minor) << a.name << " " << n;
    }
  }
}

TEST(Ext2Format, DirBlockChecks) {
  uint8_t b[1024] = {};
  auto put = [&](uint32_t off, uint32_t ino, uint16_t rl, const char* name) {
    auto* h = reinterpret_cast<DirEntryHead*>(b + off);
    h->inode = ino;
    h->rec_len = rl;
    h->name_len = static_cast<uint8_t>(strlen(name));
    h->file_type = kFtRegFile;
    memcpy(b + off + 8, name, strlen(name));
  };
  put(0, 2, 12, ".");
  put(12, 2, 12, "..");
  put(24, 12, 1000, "file");
  const char* why = nullptr;
  uint32_t at = 0;
  EXPECT_TRUE(check_dir_block(b, 1024, 100, &why, &at));
  put(24, 12, 1004, "file");  // past the end
  EXPECT_FALSE(check_dir_block(b, 1024, 100, &why, &at));
  EXPECT_EQ(at, 24u);
  put(24, 12, 6, "file");  // shorter than a header
  EXPECT_FALSE(check_dir_block(b, 1024, 100, &why, &at));
  put(24, 12, 1000, "fi/e");
  EXPECT_FALSE(check_dir_block(b, 1024, 100, &why, &at));
  put(24, 101, 1000, "file");  // inode out of range
  EXPECT_FALSE(check_dir_block(b, 1024, 100, &why, &at));
  put(24, 0, 1000, "");  // an empty record is fine
  EXPECT_TRUE(check_dir_block(b, 1024, 100, &why, &at));
  EXPECT_EQ(decode_rec_len(0, 65536), 65536u);
  EXPECT_EQ(encode_rec_len(65536, 65536), 65535);
}

struct Collect : XattrVisitor {
  std::map<std::string, std::string> attrs;
  bool visit(uint8_t index, std::string_view name, std::span<const uint8_t> value) override {
    attrs[std::string(xattr_prefix(index)) + std::string(name)] =
        std::string(reinterpret_cast<const char*>(value.data()), value.size());
    return true;
  }
};

std::string read_at(const std::string& img, uint64_t off, size_t n) {
  std::string s(n, '\0');
  int fd = ::open(img.c_str(), O_RDONLY);
  EXPECT_EQ(::pread(fd, s.data(), n, static_cast<off_t>(off)), static_cast<ssize_t>(n));
  ::close(fd);
  return s;
}

TEST(Ext2Format, XattrsInInodeAndBlock) {
  HostDir d;
  std::string src = d / "src";
  ASSERT_EQ(::mkdir(src.c_str(), 0755), 0);
  ext2test::write_host(src + "/f", "x");
  for (const char* isize : {"256", "128"}) {
    std::string img = d / (std::string("img") + isize);
    mkfs(img, "ext2", 1024, "4M", src, std::string("-I ") + isize);
    std::string big(300, 'b');
    ASSERT_EQ(run("debugfs -w -R 'ea_set /f user.color blue' " + img).status, 0);
    ASSERT_EQ(run("debugfs -w -R 'ea_set /f user.big " + big + "' " + img).status, 0);
    ASSERT_EQ(run("debugfs -w -R 'ea_set /f trusted.t 1' " + img).status, 0);
    Collect c;
    const char* why = nullptr;
    // The in-inode area (large inodes only).
    std::string imap = run("debugfs -R 'imap /f' " + img).out;
    uint64_t blk = std::stoull(imap.substr(imap.find("located at block ") + 17));
    uint64_t off = std::stoull(imap.substr(imap.find("offset 0x") + 9), nullptr, 16);
    const uint32_t isz = std::stoul(isize);
    std::string inode = read_at(img, blk * 1024 + off, isz);
    if (isz > 128) {
      uint16_t extra;
      memcpy(&extra, inode.data() + 128, 2);
      ASSERT_TRUE(parse_xattr_ibody(reinterpret_cast<const uint8_t*>(inode.data()) + 128 + extra,
                                    isz - 128 - extra, c, &why))
          << why;
    }
    // The attribute block.
    uint32_t acl;
    memcpy(&acl, inode.data() + 0x68, 4);
    if (acl != 0) {
      std::string b = read_at(img, uint64_t{acl} * 1024, 1024);
      ASSERT_TRUE(parse_xattr_block(reinterpret_cast<const uint8_t*>(b.data()), 1024, c, &why))
          << why;
      // Damage: a value offset past the block is refused, not followed.
      b[32 + 2] = static_cast<char>(0xff);
      b[32 + 3] = static_cast<char>(0xff);
      Collect c2;
      EXPECT_FALSE(parse_xattr_block(reinterpret_cast<const uint8_t*>(b.data()), 1024, c2, &why));
    }
    EXPECT_EQ(c.attrs["user.color"], "blue") << isize;
    EXPECT_EQ(c.attrs["user.big"], big) << isize;
    EXPECT_EQ(c.attrs["trusted.t"], "1") << isize;
  }
}

}  // namespace
