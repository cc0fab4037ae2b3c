// fs-utils end to end on ext2/3/4 images made by mke2fs, checked by e2fsck and debugfs, and
// compared with coreutils, diff and tar on the tree the image was made from. Every test skips,
// saying why, while the ext2 driver is not built or cannot mount the image yet.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/fsu/fsu_test.h"

namespace {

using fsu_test::quote;
using fsu_test::Outcome;
using fsu_test::sh;

const std::string kBin = FSU_BIN_DIR;

std::string bin(const std::string& cmd) { return "TZ=UTC LC_ALL=C " + quote(kBin + "/fsu_" + cmd); }

// Everything cp -a keeps, one line a file, sorted; lost+found and the root's link count (which
// lost+found adds to) left out, times in whole seconds (images with 128-byte inodes have no
// more).
// The root's own times are not compared: mke2fs creates lost+found in it after copying the tree,
// so they are mke2fs's clock, one second past the source's when a second boundary falls between.
std::string describe(const std::string& dir) {
  return sh("cd " + quote(dir) + " && find . -mindepth 1 -path ./lost+found -prune -o -printf '%p %y %m %U %G %s %n %l\\n' | sort").out +
         sh("cd " + quote(dir) + " && find . -mindepth 1 -path ./lost+found -prune -o ! -type l -printf '%p %T@\\n' | sed 's/[.][0-9]*$//' | sort").out;
}

class FsuExt2 : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!FSU_HAVE_EXT2) GTEST_SKIP() << "the ext2 driver (fs/ext2, librumpfs_ext2) is not built yet";
    if (sh("command -v mke2fs && command -v e2fsck && command -v debugfs").status != 0) {
      GTEST_SKIP() << "mke2fs, e2fsck or debugfs missing (apt-get install e2fsprogs)";
    }
    dir_ = fsu_test::host_dir("ext2");
    src_ = dir_ + "/src";
    sh("mkdir " + quote(src_));
    fsu_test::make_tree(src_);
    img_ = dir_ + "/fs.img";
    Outcome r = sh("mke2fs -q -F " + GetParam() + " -d " + quote(src_) + " " + quote(img_) + " 16M");
    ASSERT_EQ(r.status, 0) << r.err;
    r = sh(bin("ls") + " " + quote(img_) + " /");
    if (r.status != 0) GTEST_SKIP() << "the ext2 driver does not mount a mke2fs image yet: " << r.err;
  }
  // Images and trees stay behind for a look when the test failed.
  void TearDown() override {
    if (!dir_.empty() && !HasFailure()) sh("rm -rf " + quote(dir_));
  }
  Outcome fsu(const std::string& cmd, const std::string& args) { return sh(bin(cmd) + " " + quote(img_) + " " + args); }
  void expect_fsck_clean() {
    Outcome r = sh("e2fsck -fn " + quote(img_));
    EXPECT_EQ(r.status, 0) << r.out << r.err;
  }
  std::string dir_, src_, img_;
};

TEST_P(FsuExt2, LsMatchesCoreutils) {
  for (std::string opt : {"-l", "-la", "-lR", "-1", "-ln", "-lh"}) {
    Outcome r = fsu("ls", opt + " /");
    ASSERT_EQ(r.status, 0) << r.err;
    Outcome host = sh("cd " + quote(src_) + " && TZ=UTC LC_ALL=C ls " + opt);
    auto strip = [](const std::string& s) {
      std::istringstream in(s);
      std::string line, out;
      bool skip_block = false;
      while (std::getline(in, line)) {
        if (line.rfind("/lost+found:", 0) == 0 || line.rfind("./lost+found:", 0) == 0) skip_block = true;
        if (skip_block) {
          if (line.empty()) skip_block = false;
          continue;
        }
        if (line.rfind("total", 0) == 0 || line.find("lost+found") != std::string::npos) continue;
        if (!line.empty() && line[0] == 'd') continue;  // directory sizes and the root's link count
        if (line.rfind("/", 0) == 0 && line.back() == ':') line = "." + line.substr(line == "/:" ? 1 : 0);
        if (line == "./:") line = ".:";
        out += line + "\n";
      }
      return out;
    };
    EXPECT_EQ(strip(r.out), strip(host.out)) << "ls " << opt;
  }
}

TEST_P(FsuExt2, GetRoundTrip) {
  Outcome r = fsu("get", "-R -p / " + quote(dir_ + "/out"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(describe(dir_ + "/out"), describe(src_));
  EXPECT_EQ(sh("diff -r --no-dereference -x fifo -x lost+found " + quote(src_) + " " + quote(dir_ + "/out")).status, 0);
  r = fsu("cat", "/rand");
  EXPECT_EQ(r.out, sh("cat " + quote(src_ + "/rand")).out);
}

TEST_P(FsuExt2, PutIsCleanForE2fsckAndDebugfs) {
  Outcome r = fsu("put", "-R -p " + quote(src_) + " /in");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_fsck_clean();
  r = sh("debugfs -R 'cat /in/a.txt' " + quote(img_));
  EXPECT_EQ(r.out, "hello\n");
  r = sh("debugfs -R 'cat /in/rand' " + quote(img_) + " 2>/dev/null | cmp - " + quote(src_ + "/rand"));
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  r = sh("debugfs -R 'ls /in' " + quote(img_));
  for (const char* n : {"a.txt", "rand", "sparse", "link", "sub", "fifo", "hard"}) {
    EXPECT_NE(r.out.find(n), std::string::npos) << n << "\n" << r.out;
  }
  // debugfs's long listing and fsu_stat agree on every entry: inode, mode, owner, size.
  r = sh("debugfs -R 'ls -l /in' " + quote(img_) + " 2>/dev/null");
  std::istringstream lines(r.out);
  std::string line, want, names;
  int entries = 0;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    unsigned long ino, mode, uid, gid, size;
    std::string type, date, time, name;
    if (!(f >> ino >> std::oct >> mode >> std::dec >> type >> uid >> gid >> size >> date >> time)) continue;
    std::getline(f >> std::ws, name);
    if (name == "." || name == "..") continue;
    char buf[128];
    std::snprintf(buf, sizeof buf, "%lu %lx %lu %lu %lu\n", ino, mode, uid, gid, size);
    want += buf;
    names += " " + quote("/in/" + name);
    ++entries;
  }
  EXPECT_GE(entries, 10) << r.out;
  EXPECT_EQ(fsu("stat", "-c '%i %f %u %g %s' " + names).out, want);
  r = fsu("get", "-R -p /in " + quote(dir_ + "/back"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(describe(dir_ + "/back"), describe(src_));
  // The 1 MiB hole of /sparse stayed a hole in the image.
  r = fsu("stat", "-c %b /in/sparse");
  EXPECT_LT(std::atoi(r.out.c_str()), 128) << r.out;
}

TEST_P(FsuExt2, ChangesAreCleanForE2fsck) {
  ASSERT_EQ(sh("printf 'written\\n' | " + bin("write") + " " + quote(img_) + " /w").status, 0);
  ASSERT_EQ(fsu("mkdir", "-p /n/e/w").status, 0);
  ASSERT_EQ(fsu("mv", "/w /n/e/w/moved").status, 0);
  ASSERT_EQ(fsu("ln", "-s /n/e/w/moved /sym").status, 0);
  ASSERT_EQ(fsu("chmod", "600 /n/e/w/moved").status, 0);
  ASSERT_EQ(fsu("chown", "123:45 /n/e/w/moved").status, 0);
  ASSERT_EQ(fsu("touch", "-d '2000-01-01 00:00:00' /n/e/w/moved").status, 0);
  ASSERT_EQ(fsu("rm", "-r /sub").status, 0);
  ASSERT_EQ(fsu("mkfifo", "/p2").status, 0);
  ASSERT_EQ(fsu("cp", "-a /rand /rand2").status, 0);
  expect_fsck_clean();
  Outcome r = sh("debugfs -R 'cat /n/e/w/moved' " + quote(img_));
  EXPECT_EQ(r.out, "written\n");
  r = sh("debugfs -R 'stat /n/e/w/moved' " + quote(img_));
  EXPECT_NE(r.out.find("User:   123   Group:    45"), std::string::npos) << r.out;
  r = fsu("stat", "-c '%a %u %g %Y' /n/e/w/moved");
  EXPECT_EQ(r.out, "600 123 45 946684800\n");
  r = fsu("diff", "/rand /rand2");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

TEST_P(FsuExt2, TarMatchesHostTar) {
  Outcome r = fsu("tar", "-c -f " + quote(dir_ + "/img.tar") + " -C / .");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string mine = sh("tar -tf " + quote(dir_ + "/img.tar") + " | grep -v lost+found | sort").out;
  std::string host = sh("cd " + quote(src_) + " && tar -cf - . | tar -tf - | sort").out;
  EXPECT_EQ(mine, host);
  r = fsu("tar", "-x -f " + quote(dir_ + "/img.tar") + " -C /again");
  ASSERT_EQ(r.status, 0) << r.err;
  expect_fsck_clean();
  r = fsu("diff", "-r /sub /again/sub");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

TEST_P(FsuExt2, DfAndStatFs) {
  Outcome r = fsu("df", "");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(img_ + " "), std::string::npos) << r.out;
  r = fsu("stat", "-f /");
  EXPECT_NE(r.out.find("Type: ext2/ext3"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Formats, FsuExt2,
                         ::testing::Values("-t ext2 -b 1024", "-t ext2 -b 2048", "-t ext2 -b 4096",
                                           "-t ext2 -r 0 -b 1024", "-t ext2 -I 128 -b 4096"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::string out;
                           for (char c : n) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return out;
                         });

// Read-only commands on ext3 and ext4 images.
class FsuExt4 : public FsuExt2 {};
TEST_P(FsuExt4, ReadsEveryFile) {
  Outcome r = fsu("get", "-R -p / " + quote(dir_ + "/out"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(describe(dir_ + "/out"), describe(src_));
}
// ext4 cannot be written yet (extents): the refusal is our one line with the driver's reason
// (the kernel may print its own line first). ext3 may be writable, and then stays clean.
TEST_P(FsuExt4, WritesRefusedWithTheDriversReasonOrClean) {
  Outcome r = fsu("mkdir", "/x");
  if (r.status == 0 && GetParam().find("ext4") == std::string::npos) {
    expect_fsck_clean();
    return;
  }
  EXPECT_NE(r.status, 0);
  size_t nl = r.err.size() > 1 ? r.err.rfind('\n', r.err.size() - 2) : std::string::npos;
  std::string last = r.err.substr(nl == std::string::npos ? 0 : nl + 1);
  std::string type = GetParam().find("ext4") != std::string::npos ? "ext4" : "ext3";
  EXPECT_EQ(last.rfind("fsu_mkdir: " + img_ + ": cannot mount as " + type + ": ", 0), 0u) << r.err;
  EXPECT_NE(last.find("feature"), std::string::npos) << r.err;
  EXPECT_EQ(fsu("ls", "/").status, 0);  // read-only commands still work
}
INSTANTIATE_TEST_SUITE_P(Formats, FsuExt4, ::testing::Values("-t ext3", "-t ext4", "-t ext4 -O ^metadata_csum"),
                         [](const auto& info) {
                           std::string out;
                           for (char c : info.param) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return out;
                         });

TEST(FsuExt2Partitions, PartitionOfAnMbrDisk) {
  if (!FSU_HAVE_EXT2) GTEST_SKIP() << "the ext2 driver (fs/ext2, librumpfs_ext2) is not built yet";
  if (sh("command -v sfdisk && command -v mke2fs").status != 0) GTEST_SKIP() << "sfdisk or mke2fs missing";
  std::string d = fsu_test::host_dir("part");
  std::string disk = d + "/disk.img";
  sh("mkdir " + quote(d + "/src") + " && echo in-partition > " + quote(d + "/src/f"));
  Outcome r = sh("truncate -s 20M " + quote(disk) + " && printf 'start=2048, size=16384, type=83\\nstart=18432, type=83\\n' | sfdisk -q " +
             quote(disk) + " && mke2fs -q -F -t ext2 -E offset=" + std::to_string(18432 * 512) + " -d " +
             quote(d + "/src") + " " + quote(disk) + " 1M");
  ASSERT_EQ(r.status, 0) << r.err;
  r = sh(bin("cat") + " " + quote(disk + ":2") + " /f");
  if (r.err.find("no partition") != std::string::npos || r.err.find("does not") != std::string::npos) {
    GTEST_SKIP() << "partitions of a disk are not device nodes of the kernel yet: " << r.err;
  }
  if (r.status != 0 && r.err.find("unsupported") != std::string::npos) GTEST_SKIP() << r.err;
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "in-partition\n");
  r = sh(bin("ls") + " " + quote(disk + ":3") + " /");
  EXPECT_EQ(r.err, "fsu_ls: " + disk + ":3: no partition 3\n");
}

}  // namespace
