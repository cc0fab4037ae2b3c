// The MBR/GPT partition table parser (vfs/blk/partition.h): hand-built images
// (MBR with an extended chain, GPT with correct CRCs, odd entry sizes, 4 KiB
// sectors), corruption (bad primary GPT falls back to the backup, both bad
// gives EINVAL, EBR loops end, truncated and randomly damaged images stay in
// bounds under ASan), and images written by the real sfdisk, compared with
// `sfdisk --json`.
#include "vfs/blk/partition.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using rk::Errno;
using rk::vfs::Partition;
using rk::vfs::PartitionTable;
using Kind = rk::vfs::PartitionTable::Kind;

struct Image {
  std::vector<uint8_t> d;
  uint32_t ss = 512;
  int reads = 0;
  uint64_t sectors() const { return d.size() / ss; }
};

bool read_image(void *ctx, uint64_t lba, uint32_t count, void *buf) {
  auto *img = static_cast<Image *>(ctx);
  img->reads++;
  uint64_t off = lba * img->ss;
  uint64_t len = uint64_t{count} * img->ss;
  if (off > img->d.size() || len > img->d.size() - off) return false;
  std::memcpy(buf, img->d.data() + off, len);
  return true;
}

rk::Result<void> parse(Image &img, PartitionTable &t, uint64_t disk_sectors = UINT64_MAX) {
  if (disk_sectors == UINT64_MAX) disk_sectors = img.sectors();
  return rk::vfs::read_partitions(read_image, &img, disk_sectors, img.ss, t);
}

void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void put64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void mbr_entry(Image &img, uint64_t lba, int i, uint8_t type, uint32_t start, uint32_t size,
               uint8_t boot = 0) {
  uint8_t *s = img.d.data() + lba * img.ss;
  uint8_t *e = s + 446 + 16 * i;
  e[0] = boot;
  e[4] = type;
  put32(e + 8, start);
  put32(e + 12, size);
  s[510] = 0x55;
  s[511] = 0xAA;
}

uint32_t crc(const uint8_t *p, size_t n) { return rk::vfs::crc32({p, n}); }

struct GptEntry {
  uint32_t slot;  // 0-based entry number
  uint8_t type;   // fills the type GUID (0: unused)
  uint8_t uuid;
  uint64_t first, last;
};

struct GptLayout {
  uint32_t entry_size = 128;
  uint32_t num_entries = 128;
  uint64_t array_sectors(uint32_t ss) const {
    return (uint64_t{entry_size} * num_entries + ss - 1) / ss;
  }
};

void write_gpt_header(Image &img, uint64_t my, uint64_t alt, uint64_t entries_lba,
                      const GptLayout &l, uint32_t entries_crc) {
  uint64_t n = img.sectors();
  uint8_t *h = img.d.data() + my * img.ss;
  std::memset(h, 0, img.ss);
  std::memcpy(h, "EFI PART", 8);
  put32(h + 8, 0x00010000);
  put32(h + 12, 92);
  put64(h + 24, my);
  put64(h + 32, alt);
  put64(h + 40, 2 + l.array_sectors(img.ss));
  put64(h + 48, n - 2 - l.array_sectors(img.ss));
  for (int i = 0; i < 16; ++i) h[56 + i] = static_cast<uint8_t>(0xD0 + i);
  put64(h + 72, entries_lba);
  put32(h + 80, l.num_entries);
  put32(h + 84, l.entry_size);
  put32(h + 88, entries_crc);
  put32(h + 16, crc(h, 92));
}

// A GPT disk: protective MBR, primary header at 1 and entries at 2, backup
// entries before the backup header at the last LBA.
Image make_gpt(uint64_t sectors, const std::vector<GptEntry> &ents, GptLayout l = {},
               uint32_t ss = 512) {
  Image img;
  img.ss = ss;
  img.d.assign(sectors * ss, 0);
  mbr_entry(img, 0, 0, 0xEE, 1, static_cast<uint32_t>(std::min<uint64_t>(sectors - 1, 0xFFFFFFFF)));
  std::vector<uint8_t> arr(l.array_sectors(ss) * ss, 0);
  for (const GptEntry &e : ents) {
    uint8_t *p = arr.data() + uint64_t{e.slot} * l.entry_size;
    if (e.type != 0) std::memset(p, e.type, 16);
    std::memset(p + 16, e.uuid, 16);
    put64(p + 32, e.first);
    put64(p + 40, e.last);
  }
  uint32_t ecrc = crc(arr.data(), uint64_t{l.entry_size} * l.num_entries);
  uint64_t last = sectors - 1;
  uint64_t backup_array = last - l.array_sectors(ss);
  std::memcpy(img.d.data() + 2 * ss, arr.data(), arr.size());
  std::memcpy(img.d.data() + backup_array * ss, arr.data(), arr.size());
  write_gpt_header(img, 1, last, 2, l, ecrc);
  write_gpt_header(img, last, 1, backup_array, l, ecrc);
  return img;
}

std::vector<GptEntry> sample_entries() {
  return {
      {0, 0x11, 0xA1, 100, 199},     // partition 1
      {1, 0, 0xA2, 300, 399},        // unused type: skipped
      {2, 0x22, 0xA3, 400, 400},     // partition 3: one sector
      {3, 0x33, 0xA4, 500, 100000},  // past the disk: skipped
      {4, 0x44, 0xA5, 900, 800},     // last < first: skipped
      {5, 0x55, 0xA6, 600, 899},     // partition 6
  };
}

void expect_sample(const PartitionTable &t) {
  EXPECT_EQ(t.kind, Kind::kGpt);
  ASSERT_EQ(t.count, 3u);
  EXPECT_EQ(t.parts[0].index, 1u);
  EXPECT_EQ(t.parts[0].first_lba, 100u);
  EXPECT_EQ(t.parts[0].sectors, 100u);
  EXPECT_TRUE(t.parts[0].gpt);
  EXPECT_EQ(t.parts[0].type_guid[0], 0x11);
  EXPECT_EQ(t.parts[0].type_guid[15], 0x11);
  EXPECT_EQ(t.parts[0].unique_guid[7], 0xA1);
  EXPECT_EQ(t.parts[1].index, 3u);
  EXPECT_EQ(t.parts[1].first_lba, 400u);
  EXPECT_EQ(t.parts[1].sectors, 1u);
  EXPECT_EQ(t.parts[2].index, 6u);
  EXPECT_EQ(t.parts[2].first_lba, 600u);
  EXPECT_EQ(t.parts[2].sectors, 300u);
  EXPECT_EQ(t.parts[2].unique_guid[0], 0xA6);
}

TEST(Crc32, KnownValues) {
  const char *s = "123456789";
  EXPECT_EQ(rk::vfs::crc32({reinterpret_cast<const uint8_t *>(s), 9}), 0xCBF43926u);
  EXPECT_EQ(rk::vfs::crc32({}), 0u);
  uint32_t a = rk::vfs::crc32({reinterpret_cast<const uint8_t *>(s), 4});
  EXPECT_EQ(rk::vfs::crc32({reinterpret_cast<const uint8_t *>(s) + 4, 5}, a), 0xCBF43926u);
}

TEST(Partition, NoTable) {
  Image img;
  img.d.assign(64 * 512, 0);
  PartitionTable t;
  ASSERT_TRUE(parse(img, t).ok());
  EXPECT_EQ(t.kind, Kind::kNone);
  EXPECT_EQ(t.count, 0u);
  ASSERT_TRUE(parse(img, t, 0).ok());  // an empty disk
  EXPECT_EQ(t.count, 0u);
}

TEST(Partition, BadArguments) {
  Image img;
  img.d.assign(64 * 512, 0);
  PartitionTable t;
  for (uint32_t ss : {0u, 256u, 513u, 1000u, 8192u}) {
    rk::Result<void> r = rk::vfs::read_partitions(read_image, &img, 64, ss, t);
    ASSERT_FALSE(r.ok()) << ss;
    EXPECT_EQ(r.error(), Errno::kInval);
  }
  rk::Result<void> r = rk::vfs::read_partitions(nullptr, &img, 64, 512, t);
  EXPECT_EQ(r.error(), Errno::kInval);
  // Sector 0 unreadable: EIO.
  Image small;
  r = rk::vfs::read_partitions(read_image, &small, 64, 512, t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno::kIo);
}

TEST(Partition, MbrPrimaryAndExtendedChain) {
  Image img;
  img.d.assign(16384 * 512, 0);
  mbr_entry(img, 0, 0, 0x83, 2048, 1000, 0x80);
  mbr_entry(img, 0, 1, 0x0f, 4096, 8192);
  mbr_entry(img, 0, 2, 0x83, 16000, 1000);  // runs past the disk: truncated
  mbr_entry(img, 0, 3, 0x83, 20000, 100);   // starts past the disk: skipped
  // First EBR: a data partition relative to the EBR, a link relative to the
  // extended start.
  mbr_entry(img, 4096, 0, 0x83, 63, 100);
  mbr_entry(img, 4096, 1, 0x05, 2000, 500);
  // Second EBR at 6096: a data partition, garbage in entry 3 (outside its
  // link), no link.
  mbr_entry(img, 6096, 0, 0x07, 10, 200);
  mbr_entry(img, 6096, 2, 0x83, 400,
            150);                         // 400 + 150 > 500 (the link size): ignored
  mbr_entry(img, 6096, 3, 0x83, 20, 30);  // inside: used
  PartitionTable t;
  ASSERT_TRUE(parse(img, t).ok());
  EXPECT_EQ(t.kind, Kind::kMbr);
  std::vector<std::pair<uint32_t, std::pair<uint64_t, uint64_t>>> got;
  for (uint32_t i = 0; i < t.count; ++i) {
    got.push_back({t.parts[i].index, {t.parts[i].first_lba, t.parts[i].sectors}});
    EXPECT_FALSE(t.parts[i].gpt);
  }
  decltype(got) want = {{1, {2048, 1000}}, {2, {4096, 8192}}, {5, {4159, 100}},
                        {6, {6106, 200}},  {7, {6116, 30}},   {3, {16000, 384}}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(t.parts[0].mbr_type, 0x83);
  EXPECT_EQ(t.parts[1].mbr_type, 0x0f);
  EXPECT_EQ(t.parts[3].mbr_type, 0x07);
}

TEST(Partition, EbrLoopsEnd) {
  // An EBR linking to itself, with a data partition each time round: bounded.
  Image img;
  img.d.assign(4096 * 512, 0);
  mbr_entry(img, 0, 0, 0x05, 1000, 2000);
  mbr_entry(img, 1000, 0, 0x83, 1, 10);
  mbr_entry(img, 1000, 1, 0x05, 0, 100);
  PartitionTable t;
  ASSERT_TRUE(parse(img, t).ok());
  EXPECT_LE(t.count, rk::vfs::kMaxPartitions);
  EXPECT_GT(t.count, 1u);
  EXPECT_LT(img.reads, 200);
  // Two EBRs linking to each other with no data partitions.
  Image img2;
  img2.d.assign(4096 * 512, 0);
  mbr_entry(img2, 0, 0, 0x85, 1000, 2000);
  mbr_entry(img2, 1000, 1, 0x05, 10, 100);
  mbr_entry(img2, 1010, 1, 0x05, 0, 100);
  ASSERT_TRUE(parse(img2, t).ok());
  EXPECT_EQ(t.count, 1u);  // the extended partition itself
  EXPECT_LT(img2.reads, 200);
}

TEST(Partition, GarbageBootIndicatorIsNoTable) {
  Image img;
  img.d.assign(64 * 512, 0);
  mbr_entry(img, 0, 0, 0x83, 1, 10, 0x12);
  PartitionTable t;
  ASSERT_TRUE(parse(img, t).ok());
  EXPECT_EQ(t.kind, Kind::kNone);
  EXPECT_EQ(t.count, 0u);
}

TEST(Partition, Gpt) {
  Image img = make_gpt(2048, sample_entries());
  PartitionTable t;
  ASSERT_TRUE(parse(img, t).ok());
  expect_sample(t);
}

TEST(Partition, GptOddEntrySizeStraddlesSectors) {
  GptLayout l;
  l.entry_size = 384;  // a multiple of 128 that does not divide the sector
  l.num_entries = 7;
  Image img = make_gpt(2048, sample_entries(), l);
  PartitionTable t;
  ASSERT_TRUE(parse(img, t).ok());
  expect_sample(t);
}

TEST(Partition, Gpt4KSectors) {
  Image img = make_gpt(2048, sample_entries(), {}, 4096);
  PartitionTable t;
  ASSERT_TRUE(parse(img, t).ok());
  expect_sample(t);
}

TEST(Partition, GptBadPrimaryUsesBackup) {
  PartitionTable t;
  {
    Image img = make_gpt(2048, sample_entries());
    img.d[512 + 40] ^= 1;  // header CRC no longer matches
    ASSERT_TRUE(parse(img, t).ok());
    expect_sample(t);
  }
  {
    Image img = make_gpt(2048, sample_entries());
    img.d[2 * 512 + 33] ^= 1;  // primary entry array CRC no longer matches
    ASSERT_TRUE(parse(img, t).ok());
    expect_sample(t);
  }
  {
    Image img = make_gpt(2048, sample_entries());
    std::memset(img.d.data() + 512, 0, 512);  // primary header gone
    ASSERT_TRUE(parse(img, t).ok());
    expect_sample(t);
  }
}

TEST(Partition, GptBothBadIsInval) {
  Image img = make_gpt(2048, sample_entries());
  img.d[512 + 40] ^= 1;
  img.d[2047 * 512 + 40] ^= 1;
  PartitionTable t;
  rk::Result<void> r = parse(img, t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno::kInval);
  EXPECT_EQ(t.count, 0u);
  // Primary entries and backup header bad.
  Image img2 = make_gpt(2048, sample_entries());
  img2.d[2 * 512] ^= 1;
  img2.d[2047 * 512] ^= 1;
  r = parse(img2, t);
  EXPECT_EQ(r.error(), Errno::kInval);
  EXPECT_EQ(t.count, 0u);
}

TEST(Partition, GptHeaderFieldsChecked) {
  // Each bad field, with the CRC made right again, is rejected in the primary
  // (the backup is broken too, so the whole table fails).
  struct Case {
    const char *what;
    size_t off;
    uint64_t value;
    int width;
  };
  const Case cases[] = {
      {"revision", 8, 0x00020000, 4},
      {"header size small", 12, 91, 4},
      {"header size big", 12, 513, 4},
      {"my_lba", 24, 2, 8},
      {"last usable", 48, 5000, 8},
      {"entry size", 84, 100, 4},
      {"entry size big", 84, 8192, 4},
      {"entries past disk", 72, 2040, 8},
      {"entry count huge", 80, 0xFFFFFFFF, 4},
  };
  for (const Case &c : cases) {
    Image img = make_gpt(2048, sample_entries());
    img.d[2047 * 512] ^= 1;
    uint8_t *h = img.d.data() + 512;
    if (c.width == 4)
      put32(h + c.off, static_cast<uint32_t>(c.value));
    else
      put64(h + c.off, c.value);
    put32(h + 16, 0);
    put32(h + 16, crc(h, std::min<uint32_t>(92, 92)));
    PartitionTable t;
    rk::Result<void> r = parse(img, t);
    EXPECT_FALSE(r.ok()) << c.what;
  }
}

TEST(Partition, TruncatedAndDamagedImagesStayInBounds) {
  Image full = make_gpt(256, {{0, 0x11, 1, 40, 99}, {1, 0x22, 2, 100, 200}});
  PartitionTable t;
  for (uint64_t n = 0; n <= 256; ++n) {
    Image img = full;
    img.d.resize(n * 512);
    // Claims the full size (reads past the end fail) and the truncated size.
    (void)parse(img, t, 256);
    EXPECT_LE(t.count, 2u);
    (void)parse(img, t);
    EXPECT_LE(t.count, 2u);
  }
  Image mbr;
  mbr.d.assign(256 * 512, 0);
  mbr_entry(mbr, 0, 0, 0x05, 10, 200);
  mbr_entry(mbr, 10, 0, 0x83, 1, 10);
  mbr_entry(mbr, 10, 1, 0x05, 20, 50);
  mbr_entry(mbr, 30, 0, 0x83, 1, 10);
  std::mt19937 rng(12345);
  for (int iter = 0; iter < 3000; ++iter) {
    Image img = (iter % 2) ? full : mbr;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) {
      // Mostly the interesting sectors: 0, 1, 2, 10, 30, the last.
      static const uint64_t hot[] = {0, 1, 2, 10, 30, 255};
      uint64_t s = hot[rng() % 6];
      img.d[s * 512 + rng() % 512] = static_cast<uint8_t>(rng());
    }
    img.d.resize(img.d.size() - (rng() % 4 == 0 ? (rng() % 256) * 512 : 0));
    (void)parse(img, t, 256);
    ASSERT_LE(t.count, rk::vfs::kMaxPartitions);
  }
}

// sfdisk
// ---------------------------------------------------------------------------------

struct SfPart {
  uint64_t start, size;
};

std::string run(const std::string &cmd) {
  std::string out;
  FILE *f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

uint64_t number_after(const std::string &s, size_t from, const std::string &key, size_t *end) {
  size_t p = s.find(key, from);
  if (p == std::string::npos) return UINT64_MAX;
  p += key.size();
  while (p < s.size() && (s[p] == ' ' || s[p] == ':')) ++p;
  *end = p;
  return std::strtoull(s.c_str() + p, nullptr, 10);
}

// index -> (start, size) from `sfdisk --json`.
std::map<uint32_t, SfPart> sfdisk_json(const std::string &img) {
  std::map<uint32_t, SfPart> parts;
  std::string js = run("sfdisk --json '" + img + "'");
  size_t pos = 0;
  while ((pos = js.find("\"node\"", pos)) != std::string::npos) {
    size_t q1 = js.find('"', pos + 6);
    size_t q2 = js.find('"', q1 + 1);
    std::string node = js.substr(q1 + 1, q2 - q1 - 1);
    size_t d = node.size();
    while (d > 0 && node[d - 1] >= '0' && node[d - 1] <= '9') --d;
    uint32_t index = static_cast<uint32_t>(std::strtoul(node.c_str() + d, nullptr, 10));
    size_t e1 = q2, e2 = q2;
    uint64_t start = number_after(js, q2, "\"start\"", &e1);
    uint64_t size = number_after(js, q2, "\"size\"", &e2);
    parts[index] = {start, size};
    pos = q2;
  }
  return parts;
}

class Sfdisk : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v sfdisk >/dev/null 2>&1") != 0)
      GTEST_SKIP() << "sfdisk not installed (Debian package fdisk): skipping "
                      "comparison with it";
    path_ = ::testing::TempDir() + "/rk_partition_test_" + std::to_string(getpid()) + ".img";
  }
  void TearDown() override {
    if (!path_.empty()) std::remove(path_.c_str());
  }

  void make(const std::string &script, uint64_t mib) {
    std::remove(path_.c_str());
    std::string cmd = "truncate -s " + std::to_string(mib) + "M '" + path_ + "' && printf '" +
                      script + "' | sfdisk -q '" + path_ + "' >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

  void compare(Kind kind) {
    std::map<uint32_t, SfPart> want = sfdisk_json(path_);
    ASSERT_FALSE(want.empty());
    Image img;
    FILE *f = std::fopen(path_.c_str(), "rb");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 0, SEEK_END);
    img.d.resize(static_cast<size_t>(std::ftell(f)));
    std::fseek(f, 0, SEEK_SET);
    ASSERT_EQ(std::fread(img.d.data(), 1, img.d.size(), f), img.d.size());
    std::fclose(f);
    PartitionTable t;
    ASSERT_TRUE(parse(img, t).ok());
    EXPECT_EQ(t.kind, kind);
    std::map<uint32_t, SfPart> got;
    for (uint32_t i = 0; i < t.count; ++i)
      got[t.parts[i].index] = {t.parts[i].first_lba, t.parts[i].sectors};
    ASSERT_EQ(got.size(), want.size());
    for (const auto &[index, p] : want) {
      ASSERT_TRUE(got.count(index)) << index;
      EXPECT_EQ(got[index].start, p.start) << index;
      EXPECT_EQ(got[index].size, p.size) << index;
    }
  }

  std::string path_;
};

TEST_F(Sfdisk, Gpt) {
  make("label: gpt\\n,10M\\n,20M\\n,1M\\n", 64);
  compare(Kind::kGpt);
}

TEST_F(Sfdisk, DosWithExtended) {
  std::string n = "x";  // sfdisk takes the partition number from the trailing digits
  make("label: dos\\n" + n + "1 : size=10M, type=83\\n" + n + "2 : size=40M, type=5\\n" + n +
           "5 : size=5M, type=83\\n" + n + "6 : size=5M, type=7\\n" + n +
           "7 : size=5M, type=83\\n" + n + "3 : size=4M, type=83\\n",
       64);
  compare(Kind::kMbr);
}

}  // namespace
