// The pure pieces of fs-utils: mode parsing, coreutils' number formats, image probing, the tar
// format, the option parser.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/mount.h"
#include "tools/fsu/probe.h"
#include "tools/fsu/tar_format.h"

namespace {

TEST(FsuPieces, HumanSizesAsCoreutils) {
  EXPECT_EQ(fsu::human_size(0), "0");
  EXPECT_EQ(fsu::human_size(1023), "1023");
  EXPECT_EQ(fsu::human_size(1024), "1.0K");
  EXPECT_EQ(fsu::human_size(1025), "1.1K");
  EXPECT_EQ(fsu::human_size(10239), "10K");
  EXPECT_EQ(fsu::human_size(10241), "11K");
  EXPECT_EQ(fsu::human_size(1048576), "1.0M");
  EXPECT_EQ(fsu::human_size(1048575), "1.0M");
  EXPECT_EQ(fsu::human_size(5000), "4.9K");
}

TEST(FsuPieces, ModeStrings) {
  EXPECT_EQ(fsu::mode_string(S_IFDIR | 0755), "drwxr-xr-x");
  EXPECT_EQ(fsu::mode_string(S_IFREG | 04755), "-rwsr-xr-x");
  EXPECT_EQ(fsu::mode_string(S_IFREG | 02644), "-rw-r-Sr--");
  EXPECT_EQ(fsu::mode_string(S_IFDIR | 01777), "drwxrwxrwt");
  EXPECT_EQ(fsu::mode_string(S_IFLNK | 0777), "lrwxrwxrwx");
}

TEST(FsuPieces, ParseMode) {
  mode_t m;
  ASSERT_TRUE(fsu::parse_mode("755", 0, false, 022, m));
  EXPECT_EQ(m, 0755u);
  ASSERT_TRUE(fsu::parse_mode("u+x,go-w", 0666, false, 022, m));
  EXPECT_EQ(m, 0744u);
  ASSERT_TRUE(fsu::parse_mode("+x", 0644, false, 022, m));  // the umask limits a bare +x
  EXPECT_EQ(m, 0755u);
  ASSERT_TRUE(fsu::parse_mode("a+X", 0644, true, 0, m));
  EXPECT_EQ(m, 0755u);
  ASSERT_TRUE(fsu::parse_mode("a+X", 0644, false, 0, m));
  EXPECT_EQ(m, 0644u);
  ASSERT_TRUE(fsu::parse_mode("g=u", 0740, false, 0, m));
  EXPECT_EQ(m, 0770u);
  EXPECT_FALSE(fsu::parse_mode("u+q", 0, false, 0, m));
  EXPECT_FALSE(fsu::parse_mode("99", 0, false, 0, m));
  EXPECT_FALSE(fsu::parse_mode("", 0, false, 0, m));
}

TEST(FsuPieces, PathNames) {
  EXPECT_EQ(fsu::base_name("/a/b/"), "b");
  EXPECT_EQ(fsu::base_name("/"), "/");
  EXPECT_EQ(fsu::base_name("x"), "x");
  EXPECT_EQ(fsu::dir_name("/a/b"), "/a");
  EXPECT_EQ(fsu::dir_name("/a"), "/");
  EXPECT_EQ(fsu::dir_name("a"), ".");
  EXPECT_EQ(fsu::join("/", "x"), "/x");
  EXPECT_EQ(fsu::join("a", "x"), "a/x");
}

TEST(FsuPieces, ImageSpec) {
  std::string path;
  int part;
  ASSERT_TRUE(fsu::parse_image_spec("disk.img:2", path, part));
  EXPECT_EQ(path, "disk.img");
  EXPECT_EQ(part, 2);
  ASSERT_TRUE(fsu::parse_image_spec("disk.img", path, part));
  EXPECT_EQ(part, 0);
  EXPECT_FALSE(fsu::parse_image_spec("disk.img:0", path, part));
  EXPECT_EQ(fsu::partition_device("/dev/fsu0", 1), "/dev/fsu0p1");
  EXPECT_EQ(fsu::partition_device("/dev/sda", 2), "/dev/sda2");
}

struct Buffer {
  std::vector<uint8_t> d = std::vector<uint8_t>(64 * 1024, 0);
  fsu::ReadAt reader() {
    return [this](uint64_t off, void* buf, size_t len) -> size_t {
      if (off >= d.size()) return 0;
      size_t n = std::min<size_t>(len, d.size() - off);
      std::memcpy(buf, d.data() + off, n);
      return n;
    };
  }
};

TEST(FsuPieces, ProbeRecognisesImages) {
  Buffer ext;
  ext.d[1080] = 0x53;
  ext.d[1081] = 0xEF;
  EXPECT_EQ(fsu::probe_image(ext.reader()).type, "ext2");
  EXPECT_EQ(fsu::probe_image(ext.reader()).description, "ext2");
  ext.d[1024 + 96] = 0x40;  // extents
  EXPECT_EQ(fsu::probe_image(ext.reader()).description, "ext4");
  EXPECT_EQ(fsu::probe_image(ext.reader()).type, "ext4");
  Buffer iso;
  std::memcpy(&iso.d[32769], "CD001", 5);
  EXPECT_EQ(fsu::probe_image(iso.reader()).description, "ISO 9660");
  EXPECT_EQ(fsu::probe_image(iso.reader()).type, "");
  Buffer fat;
  fat.d[510] = 0x55;
  fat.d[511] = 0xAA;
  std::memcpy(&fat.d[82], "FAT32   ", 8);
  EXPECT_EQ(fsu::probe_image(fat.reader()).description, "FAT32");
  Buffer mbr;
  mbr.d[510] = 0x55;
  mbr.d[511] = 0xAA;
  mbr.d[446 + 4] = 0x83;
  mbr.d[446 + 8] = 0x00;
  mbr.d[446 + 9] = 0x08;
  mbr.d[446 + 12] = 0x00;
  mbr.d[446 + 13] = 0x10;
  auto p = fsu::probe_image(mbr.reader());
  EXPECT_TRUE(p.partitioned);
  EXPECT_EQ(p.description, "MBR partition table");
  Buffer none;
  EXPECT_EQ(fsu::probe_image(none.reader()).description, "");
  Buffer tiny;
  tiny.d.resize(100);
  EXPECT_EQ(fsu::probe_image(tiny.reader()).description, "");
}

std::vector<fsu::tar::Header> decode_all(const std::vector<char>& data) {
  fsu::tar::Decoder dec;
  std::vector<fsu::tar::Header> out;
  size_t pos = 0;
  while (pos + fsu::tar::kBlock <= data.size()) {
    fsu::tar::Header h;
    auto s = dec.feed(&data[pos], h);
    pos += fsu::tar::kBlock;
    if (s == fsu::tar::Decoder::Status::kEnd || s == fsu::tar::Decoder::Status::kError) break;
    if (s == fsu::tar::Decoder::Status::kNeedData) {
      size_t n = dec.pending_data();
      dec.feed_extension(std::string(&data[pos], n));
      pos += (n + 511) / 512 * 512;
      continue;
    }
    out.push_back(h);
    pos += (h.type == '0' ? (h.size + 511) / 512 * 512 : 0);
  }
  return out;
}

TEST(FsuPieces, TarHeadersRoundTrip) {
  std::vector<std::string> names = {"a", std::string(100, 'x'), std::string(120, 'y') + "/" + std::string(90, 'z'),
                                    std::string(300, 'w'), "dir/sub/" + std::string(99, 'q')};
  std::vector<char> all;
  for (const std::string& n : names) {
    fsu::tar::Header h;
    h.name = n;
    h.type = '2';
    h.linkname = std::string(150, 'l');
    h.mode = 0777;
    h.uid = 1000;
    h.gid = 100;
    h.mtime = 1234567890;
    h.mtime_nsec = 5;
    auto b = fsu::tar::encode(h);
    ASSERT_EQ(b.size() % 512, 0u);
    all.insert(all.end(), b.begin(), b.end());
  }
  all.resize(all.size() + 1024, 0);
  auto hs = decode_all(all);
  ASSERT_EQ(hs.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(hs[i].name, names[i]);
    EXPECT_EQ(hs[i].linkname, std::string(150, 'l'));
    EXPECT_EQ(hs[i].uid, 1000u);
    EXPECT_EQ(hs[i].mtime, 1234567890);
    EXPECT_EQ(hs[i].mtime_nsec, 5u);
  }
}

TEST(FsuPieces, TarRejectsDamage) {
  fsu::tar::Header h;
  h.name = "f";
  auto b = fsu::tar::encode(h);
  b[10] ^= 1;
  fsu::tar::Decoder dec;
  fsu::tar::Header out;
  EXPECT_EQ(dec.feed(b.data(), out), fsu::tar::Decoder::Status::kError);
  EXPECT_EQ(dec.error(), "bad header checksum");
}

TEST(FsuPieces, OptionParser) {
  fsu::Context ctx;
  ctx.err = std::tmpfile();
  fsu::Parsed p;
  ASSERT_TRUE(fsu::parse_args(ctx, {"-lR", "x", "-m755", "--mode", "644", "--all", "--", "-y"}, "lRm:a",
                              {{"mode", 'm', true}, {"all", 'a', false}}, p));
  EXPECT_TRUE(p.has('l'));
  EXPECT_TRUE(p.has('R'));
  EXPECT_TRUE(p.has('a'));
  EXPECT_EQ(p.value('m'), "644");
  EXPECT_EQ(p.operands, (std::vector<std::string>{"x", "-y"}));
  fsu::Parsed q;
  EXPECT_FALSE(fsu::parse_args(ctx, {"-m"}, "m:", {}, q));
  std::fclose(ctx.err);
}

}  // namespace
