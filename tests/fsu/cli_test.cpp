// The fsu programs as a user runs them: --help and a man page for every command, one-line
// messages, file system detection, read-only mounts, and the -t tmpfs testing mode.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/fsu/fsu_test.h"

namespace {

using fsu_test::quote;
using fsu_test::sh;

const std::string kBin = FSU_BIN_DIR;
const std::vector<std::string> kCommands = {"cat", "chmod", "chown", "cp", "df", "diff", "du", "ecp",
                                            "exec", "find", "get", "ln", "ls", "mkdir", "mkfifo", "mknod", "mv",
                                            "put", "rm", "rmdir", "stat", "tar", "touch", "write"};

std::string bin(const std::string& cmd) { return quote(kBin + "/fsu_" + cmd); }

TEST(FsuCli, EveryCommandHasHelpAndManPage) {
  for (const std::string& c : kCommands) {
    auto r = sh(bin(c) + " --help");
    EXPECT_EQ(r.status, 0) << c;
    EXPECT_EQ(r.out.rfind("Usage: fsu_" + c + " [-t TYPE] [-o OPTIONS] [--sync] IMAGE[:N] ", 0), 0u)
        << r.out;
    r = sh(bin(c) + " image.img --help");  // after the image too, without opening it
    EXPECT_EQ(r.status, 0) << c;
    std::ifstream man(std::string(FSU_SOURCE_DIR) + "/docs/man/fsu_" + c + ".1");
    ASSERT_TRUE(man.good()) << "docs/man/fsu_" << c << ".1";
    std::stringstream text;
    text << man.rdbuf();
    std::string upper = "FSU_" + c;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(ch));
    EXPECT_NE(text.str().find(".TH " + upper + " 1"), std::string::npos) << c;
  }
  auto r = sh(quote(kBin + "/fsu") + " ls --help");
  EXPECT_EQ(r.status, 0);
  r = sh(quote(kBin + "/fsu") + " --help");
  EXPECT_EQ(r.status, 0);
  for (const std::string& c : kCommands) EXPECT_NE(r.out.find(" " + c), std::string::npos) << c;
}

TEST(FsuCli, OneLineErrors) {
  auto r = sh(quote(kBin + "/fsu") + " nope x");
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.err, "fsu: nope: no such command (try fsu --help)\n");
  r = sh(bin("ls") + " /nonexistent/x.img /");
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.err, "fsu_ls: /nonexistent/x.img: No such file or directory\n");
  r = sh(bin("ls") + " -x img");
  EXPECT_EQ(r.err, "fsu_ls: -x: unknown option (the command's options come after the image)\n");
  r = sh(bin("ls"));
  EXPECT_EQ(r.err, "fsu_ls: missing image operand (try --help)\n");
  r = sh(bin("ls") + " img:0");
  EXPECT_EQ(r.err, "fsu_ls: img:0: bad partition number\n");
  std::string d = fsu_test::host_dir("cli");
  r = sh(bin("ls") + " " + quote(d));
  EXPECT_EQ(r.err, "fsu_ls: " + d + ": Is a directory\n");
}

TEST(FsuCli, DetectsWhatItCannotMount) {
  std::string d = fsu_test::host_dir("detect");
  // ISO 9660: "CD001" at 32769.
  sh("cd " + quote(d) + " && truncate -s 64k iso.img && printf 'CD001' | dd of=iso.img bs=1 seek=32769 conv=notrunc status=none");
  auto r = sh(bin("ls") + " " + quote(d + "/iso.img"));
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.err, "fsu_ls: " + d + "/iso.img: unsupported file system (ISO 9660)\n");
  // FAT, made by mkfs.fat when the host has it; a boot sector by hand otherwise.
  if (sh("command -v mkfs.fat").status == 0) {
    sh("cd " + quote(d) + " && mkfs.fat -C -F 32 fat.img 40000 >/dev/null");
  } else {
    sh("cd " + quote(d) + " && truncate -s 64k fat.img && printf 'FAT32   ' | dd of=fat.img bs=1 seek=82 conv=notrunc status=none"
       " && printf '\\125\\252' | dd of=fat.img bs=1 seek=510 conv=notrunc status=none");
  }
  r = sh(bin("ls") + " " + quote(d + "/fat.img"));
  EXPECT_EQ(r.err, "fsu_ls: " + d + "/fat.img: unsupported file system (FAT32)\n");
  sh("cd " + quote(d) + " && head -c 100000 /dev/zero > zero.img");
  r = sh(bin("cat") + " " + quote(d + "/zero.img") + " /f");
  EXPECT_EQ(r.err, "fsu_cat: " + d + "/zero.img: unrecognised file system (name its type with -t)\n");
  // A partitioned disk without a partition named.
  if (sh("command -v sfdisk").status == 0) {
    sh("cd " + quote(d) + " && truncate -s 4M disk.img && echo 'start=2048, type=83' | sfdisk -q disk.img >/dev/null");
    r = sh(bin("ls") + " " + quote(d + "/disk.img"));
    EXPECT_EQ(r.err, "fsu_ls: " + d + "/disk.img: a partitioned disk (MBR partition table): name a partition as " +
                         d + "/disk.img:N\n");
  }
  r = sh(bin("ls") + " -t nosuchfs " + quote(d + "/zero.img"));
  EXPECT_EQ(r.err, "fsu_ls: " + d + "/zero.img: unsupported file system (no nosuchfs driver in this build)\n");
}

// Without --sync a command leaves the image's changes to the host, as cp does (no fdatasync:
// RUMP_ETFS_CACHE_HOST); with it, the image is on stable storage when the command ends.
TEST(FsuCli, SyncMakesTheImageDurable) {
  if (sh("command -v strace").status != 0) GTEST_SKIP() << "strace missing (apt-get install strace)";
  std::string d = fsu_test::host_dir("sync");
  auto r = sh("cd " + quote(d) + " && PATH=$PATH:/usr/sbin:/sbin mke2fs -q -F -t ext2 img 8M" +
              " && head -c 1000000 /dev/urandom >f");
  ASSERT_EQ(r.status, 0) << r.err;
  auto traced = [&](const std::string& opts, const std::string& dst) {
    // LeakSanitizer cannot run under ptrace.
    auto t = sh("cd " + quote(d) + " && ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" +
                " strace -f -qq -e trace=fsync,fdatasync,sync_file_range" +
                " -o trace " + bin("put") + opts + " img f " + dst + " && cat trace");
    EXPECT_EQ(t.status, 0) << t.err;
    return t.out;
  };
  std::string plain = traced("", "/a");
  EXPECT_EQ(plain.find("fdatasync("), std::string::npos) << plain;
  EXPECT_EQ(plain.find("fsync("), std::string::npos) << plain;
  EXPECT_EQ(plain.find("sync_file_range("), std::string::npos) << plain;
  std::string synced = traced(" --sync", "/b");
  EXPECT_NE(synced.find("fdatasync("), std::string::npos) << synced;
  r = sh("cd " + quote(d) + " && PATH=$PATH:/usr/sbin:/sbin e2fsck -fn img");
  EXPECT_EQ(r.status, 0) << r.out;
  for (const char* name : {"/a", "/b"}) {
    r = sh(bin("cat") + " " + quote(d + "/img") + " " + name + " | cmp - " + quote(d + "/f"));
    EXPECT_EQ(r.status, 0) << name << ": " << r.out << r.err;
  }
}

TEST(FsuCli, TmpfsTestingModeAndReadOnly) {
  std::string d = fsu_test::host_dir("tmpfsmode");
  fsu_test::make_tree(d);
  auto r = sh("TZ=UTC LC_ALL=C " + bin("ls") + " -t tmpfs " + quote(d) + " -l /");
  ASSERT_EQ(r.status, 0) << r.err;
  auto host = sh("cd " + quote(d) + " && TZ=UTC LC_ALL=C ls -l");
  // Only the directories' sizes and the totals are the file system's own.
  auto strip = [](std::string s) {
    std::istringstream in(s);
    std::string line, out;
    while (std::getline(in, line)) {
      if (line.rfind("total", 0) == 0 || line[0] == 'd') continue;
      out += line + "\n";
    }
    return out;
  };
  EXPECT_EQ(strip(r.out), strip(host.out));
  r = sh(bin("mkdir") + " -t tmpfs -o ro none /x");
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.err, "fsu_mkdir: /x: Read-only file system\n");
  r = sh(bin("mkdir") + " -t tmpfs none /x");
  EXPECT_EQ(r.status, 0) << r.err;
  r = sh("printf data | " + bin("write") + " -t tmpfs " + quote(d) + " /new");
  EXPECT_EQ(r.status, 0) << r.err;
  r = sh(bin("cat") + " -t tmpfs " + quote(d) + " a.txt sub/deep/f");
  EXPECT_EQ(r.out, "hello\ndeep\n");
}

// A long copy shows a progress line on a terminal, and nothing when stderr is not one.
TEST(FsuCli, ProgressLineOnlyOnATerminal) {
  if (sh("command -v script").status != 0) GTEST_SKIP() << "script(1) missing (bsdutils)";
  std::string d = fsu_test::host_dir("progress");
  sh("head -c 20M /dev/zero > " + quote(d + "/big"));
  // Shown at once rather than after half a second, so that the test does not depend on speed.
  auto r = sh("script -qc " + quote("FSU_PROGRESS_AFTER_MS=0 " + bin("put") + " -t tmpfs none " + quote(d + "/big") + " /big") + " /dev/null");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("fsu_put: " + d + "/big: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" of 20.0 MiB ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\r\033[K"), std::string::npos) << "the line is erased at the end";
  r = sh("FSU_PROGRESS_AFTER_MS=0 " + bin("put") + " -t tmpfs none " + quote(d + "/big") + " /big");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.err, "");
  sh("rm -f " + quote(d + "/big"));
}

// On a terminal ls lays names out in columns and quotes the ones the shell would misread;
// fsu_ls must look the same. script(1) gives both a terminal of the same width.
TEST(FsuCli, LsOnATerminalLooksLikeLs) {
  if (sh("command -v script").status != 0) GTEST_SKIP() << "script(1) missing (bsdutils)";
  std::string d = fsu_test::host_dir("tty");
  sh("cd " + quote(d) + " && touch 'with space' \"it's\" 'a$b' plain 'x\"y' && ln -s 'with space' lnk"
     " && for i in $(seq 1 60); do touch file$i; done");
  for (std::string opt : {"", "-l", "-1", "-A", "-r"}) {
    auto in_tty = [&](const std::string& cmd) {
      return sh("script -qc " + quote("stty cols 70; TZ=UTC LC_ALL=C " + cmd) + " /dev/null | tr -d '\\r' | grep -v '^total'").out;
    };
    std::string mine = in_tty(bin("ls") + " -t tmpfs " + quote(d) + " " + opt + " /");
    std::string host = in_tty("cd " + quote(d) + " && ls " + opt);
    EXPECT_EQ(mine, host) << "ls " << opt;
  }
}

}  // namespace
