// rump_fuse end to end: ext2 images made by mke2fs (and fresh ones) mounted on the host through
// FUSE, used by ordinary programs (cp -a, tar, find, diff -r, rsync, git), unmounted, then checked
// by e2fsck -fn; permissions of another host user through allow_other; SIGTERM; the command line.
//
// Every test skips, saying why, where /dev/fuse or fusermount3 is missing or mounting is not
// permitted. rump_fuse runs in the foreground (-f) as a child of the test; the fixture's TearDown
// unmounts lazily (fusermount3 -u -z) and stops it even when a test failed.
//
// Under AddressSanitizer the child inherits ASAN_OPTIONS; nothing needs changing (leaks are
// checked at its exit too). Set RUMP_FUSE_TEST_KEEP=1 to keep the test's files.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/fs.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/fuse/fuse_harness.h"

namespace {

using namespace fuse_test;

const std::string kBin = RUMP_FUSE_BIN;

// Everything cp -a keeps, one line a file, sorted (lost+found and directory sizes left out),
// then the modification times of everything but symbolic links, in whole seconds.
std::string describe(const std::string& dir) {
  return sh("cd " + quote(dir) +
            " && find . -mindepth 1 -path ./lost+found -prune -o -printf '%p %y %m %U %G %n %l\\n' | sort")
             .out +
         sh("cd " + quote(dir) + " && find . -mindepth 1 -path ./lost+found -prune -o ! -type d -printf '%p %s\\n' | sort").out +
         sh("cd " + quote(dir) +
            " && find . -mindepth 1 -path ./lost+found -prune -o ! -type l -printf '%p %T@\\n' | sed 's/[.][0-9]*$//' | sort")
             .out;
}

// A sample tree: files (empty, small, 200 KiB of random bytes, one with a hole), symbolic and
// hard links, a fifo, nested directories with other modes, old times.
void make_tree(const std::string& d) {
  Outcome r = sh("mkdir -p " + quote(d) + " && cd " + quote(d) +
                 " && printf 'hello\\n' > a.txt && : > empty && "
                 "dd if=/dev/urandom of=rand bs=1k count=200 status=none && "
                 "truncate -s 1M sparse && printf 'end' >> sparse && "
                 "ln -s a.txt link && ln -s nowhere dangling && ln a.txt hard && mkfifo fifo && "
                 "mkdir -p sub/deep 'with space' && chmod 750 sub && echo deep > sub/deep/f && "
                 "echo sp > 'with space/x y' && chmod 600 sub/deep/f && chmod 4755 rand && "
                 "for i in $(seq 1 40); do echo $i > sub/n$i; done && "
                 "touch -h -d '2020-01-02 03:04:05' sub/deep/f link && touch -d '2019-05-06 07:08:09' sub/deep");
  ASSERT_EQ(r.status, 0) << r.err;
}

// Mounts with rump_fuse -f in a child process; unmounts in TearDown whatever happens.
class FuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = fuse_unavailable(); !why.empty()) GTEST_SKIP() << why;
    if (!FUSE_HAVE_EXT2) GTEST_SKIP() << "the ext2 driver (librumpfs_ext2) is not built";
    if (!have("mke2fs") || !have("e2fsck")) GTEST_SKIP() << "mke2fs or e2fsck missing (e2fsprogs)";
    dir_ = root_dir() + "/" + testing::UnitTest::GetInstance()->current_test_info()->name();
    sh("rm -rf " + quote(dir_));
    ASSERT_EQ(sh("mkdir -p " + quote(dir_) + "/mnt && chmod 755 " + quote(root_dir()) + " " + quote(dir_)).status, 0);
    mnt_ = dir_ + "/mnt";
    img_ = dir_ + "/fs.img";
  }

  void TearDown() override {
    fuse_.reset();  // unmounts lazily and stops it, whatever happened
    if (!dir_.empty() && !HasFailure() && !std::getenv("RUMP_FUSE_TEST_KEEP")) sh("rm -rf " + quote(dir_));
  }

  int stop(int sig) { return fuse_ ? fuse_->stop(sig) : -1; }
  bool mounted() { return FuseProcess(mnt_, "").mounted(); }

  // Starts rump_fuse -f with `args` before IMAGE MOUNTPOINT and waits for the mount. Skips the
  // test when the host does not let us mount.
  void mount(const std::vector<std::string>& args, const std::string& image = "") {
    fuse_ = std::make_unique<FuseProcess>(mnt_, dir_ + "/rump_fuse.stderr");
    bool not_permitted = false;
    std::string err = fuse_->start(args, image.empty() ? img_ : image, &not_permitted);
    if (not_permitted) GTEST_SKIP() << "mounting through FUSE is not permitted here: " << err;
    ASSERT_EQ(err, "");
  }

  // fusermount3 -u, then the program must finish (sync and unmount in its kernel) with status 0.
  void unmount() {
    Outcome r = sh("fusermount3 -u " + quote(mnt_));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(stop(0), 0) << read_file(dir_ + "/rump_fuse.stderr");
    EXPECT_FALSE(mounted());
  }

  // Another host user (uid 1000, through allow_other) meets owner/group/other bits, sticky
  // directories and supplementary groups, and owns what it makes. Needs root (setpriv).
  void expect_permissions_are_the_callers(const std::string& mnt) {
    run_ok("cd " + quote(mnt) + " && mkdir priv pub grp && chmod 700 priv && chmod 1777 pub && "
           "echo s > priv/secret && echo r > readable && chmod 644 readable && "
           "chgrp 1234 grp && chmod 070 grp && echo g > grp/g");
    auto as_user = [&](const std::string& groups, const std::string& cmd) {
      return sh("cd / && setpriv --reuid 1000 --regid 1000 " + groups + " sh -c " + quote(cmd));
    };
    const std::string none = "--clear-groups";
    Outcome r = as_user(none, "cat " + quote(mnt + "/priv/secret"));
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
    r = as_user(none, "cat " + quote(mnt + "/readable"));
    EXPECT_EQ(r.out, "r\n") << r.err;
    r = as_user(none, "echo x > " + quote(mnt + "/readable"));
    EXPECT_NE(r.status, 0);
    r = as_user(none, "touch " + quote(mnt + "/top"));
    EXPECT_NE(r.status, 0);
    r = as_user(none, "echo mine > " + quote(mnt + "/pub/mine") + " && chmod 600 " + quote(mnt + "/pub/mine"));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(sh("stat -c '%u %g %a' " + quote(mnt + "/pub/mine")).out, "1000 1000 600\n");
    // The sticky directory: root's file there is not the user's to remove.
    run_ok("echo root > " + quote(mnt + "/pub/roots"));
    r = as_user(none, "rm -f " + quote(mnt + "/pub/roots"));
    EXPECT_NE(r.status, 0);
    // Supplementary groups count.
    r = as_user(none, "cat " + quote(mnt + "/grp/g"));
    EXPECT_NE(r.status, 0);
    r = as_user("--groups 1234", "cat " + quote(mnt + "/grp/g"));
    EXPECT_EQ(r.out, "g\n") << r.err;
  }

  void expect_fsck_clean() {
    Outcome r = sh("e2fsck -fn " + quote(img_));
    EXPECT_EQ(r.status, 0) << r.out << r.err;
  }

  void run_ok(const std::string& line) {
    Outcome r = sh(line);
    EXPECT_EQ(r.status, 0) << line << "\n" << r.out << r.err;
  }

  std::string dir_, mnt_, img_;
  std::unique_ptr<FuseProcess> fuse_;
};

// An image made by mke2fs -d: its tree reads back exactly, and copies out of it with cp -a and
// tar are the same tree again; then changes through the mount leave a clean image.
TEST_F(FuseTest, Ext2ImageFromMke2fsReadsBackAndCopiesOut) {
  std::string src = dir_ + "/src";
  make_tree(src);
  ASSERT_EQ(sh("mke2fs -q -F -t ext2 -d " + quote(src) + " " + quote(img_) + " 32M").status, 0);
  mount({});
  if (IsSkipped() || HasFatalFailure()) return;
  EXPECT_EQ(describe(mnt_), describe(src));
  run_ok("diff -r --no-dereference " + quote(src) + " " + quote(mnt_) + " -x lost+found -x fifo");
  run_ok("cp -a " + quote(mnt_) + " " + quote(dir_ + "/out"));
  EXPECT_EQ(describe(dir_ + "/out"), describe(src));
  run_ok("mkdir " + quote(dir_ + "/untar") + " && tar -C " + quote(mnt_) + " -cf - . | tar -C " +
         quote(dir_ + "/untar") + " -xpf -");
  EXPECT_EQ(describe(dir_ + "/untar"), describe(src));
  EXPECT_EQ(sh("cd " + quote(mnt_) + " && find . | sort").out,
            sh("cd " + quote(src) + " && { find .; echo ./lost+found; } | sort").out);
  // Some changes: rename a directory, remove, append, chmod, hard link, truncate.
  run_ok("cd " + quote(mnt_) + " && mv sub moved && rm -r 'with space' && echo more >> a.txt && "
         "chmod 640 rand && ln moved/n1 n1link && truncate -s 100 sparse && rm fifo && "
         "cat moved/deep/f hard >/dev/null");
  EXPECT_EQ(read_file(mnt_ + "/hard"), "hello\nmore\n");
  unmount();
  expect_fsck_clean();
}

// A fresh, empty image: trees copied in with cp -a, tar and rsync, a git repository; they
// survive unmounting, read back on a read-only mount, and e2fsck finds the image clean.
TEST_F(FuseTest, FreshImageTakesHostPrograms) {
  std::string src = dir_ + "/src";
  make_tree(src);
  sh("cp -a " + quote(RK_SOURCE_DIR "/tools") + " " + quote(src + "/tools"));
  ASSERT_EQ(sh("mke2fs -q -F -t ext2 " + quote(img_) + " 64M").status, 0);
  mount({});
  if (IsSkipped() || HasFatalFailure()) return;
  run_ok("cp -a " + quote(src) + " " + quote(mnt_ + "/cp"));
  EXPECT_EQ(describe(mnt_ + "/cp"), describe(src));
  run_ok("mkdir " + quote(mnt_ + "/tar") + " && tar -C " + quote(src) + " -cf - . | tar -C " +
         quote(mnt_ + "/tar") + " -xpf -");
  EXPECT_EQ(describe(mnt_ + "/tar"), describe(src));
  if (have("rsync")) {
    run_ok("rsync -aH " + quote(src + "/") + " " + quote(mnt_ + "/rsync/"));
    EXPECT_EQ(describe(mnt_ + "/rsync"), describe(src));
  }
  if (have("git")) {
    run_ok("cd " + quote(mnt_) + " && git init -q repo && cd repo && cp -a " + quote(src + "/tools") +
           " . && git add -A && git -c user.name=t -c user.email=t@t commit -qm first && "
           "git mv tools moved && git -c user.name=t -c user.email=t@t commit -qm second && "
           "git status --porcelain && git fsck --no-progress");
    EXPECT_EQ(sh("cd " + quote(mnt_ + "/repo") + " && git log --oneline | wc -l").out, "2\n");
  }
  run_ok("diff -r --no-dereference -x fifo " + quote(src) + " " + quote(mnt_ + "/cp"));
  unmount();
  expect_fsck_clean();

  // Again, read-only: everything is there and nothing can change.
  mount({"-o", "ro"});
  if (IsSkipped() || HasFatalFailure()) return;
  EXPECT_EQ(describe(mnt_ + "/tar"), describe(src));
  Outcome r = sh("touch " + quote(mnt_ + "/new"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.err.find("Read-only file system"), std::string::npos) << r.err;
  unmount();
  expect_fsck_clean();
}

// The system calls a program makes on files: holes, fallocate, copy_file_range, renameat2 with
// RENAME_NOREPLACE and RENAME_EXCHANGE, statfs, extended attributes (kept in the image).
TEST_F(FuseTest, FileCalls) {
  ASSERT_EQ(sh("mke2fs -q -F -t ext2 " + quote(img_) + " 16M").status, 0);
  mount({});
  if (IsSkipped() || HasFatalFailure()) return;
  std::string f = mnt_ + "/holes";
  int fd = ::open(f.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::pwrite(fd, "x", 1, 1 << 20), 1);
  off_t data = ::lseek(fd, 0, SEEK_DATA);
  EXPECT_GE(data, 4096);  // the first MiB is a hole
  EXPECT_LE(data, 1 << 20);
  EXPECT_EQ(::lseek(fd, 0, SEEK_HOLE), 0);
  if (::fallocate(fd, 0, 0, 8192) == 0) {
    EXPECT_EQ(::lseek(fd, 0, SEEK_DATA), 0);
  } else {
    EXPECT_EQ(errno, EOPNOTSUPP) << std::strerror(errno);
  }
  int out = ::open((mnt_ + "/copy").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(out, 0);
  loff_t in_off = 0, out_off = 0;
  ssize_t n = ::copy_file_range(fd, &in_off, out, &out_off, (1 << 20) + 1, 0);
  EXPECT_EQ(n, (1 << 20) + 1) << std::strerror(errno);
  char c = 0;
  EXPECT_EQ(::pread(out, &c, 1, 1 << 20), 1);
  EXPECT_EQ(c, 'x');
  ::close(out);
  ::close(fd);

  ASSERT_EQ(sh("cd " + quote(mnt_) + " && echo a > a && echo b > b").status, 0);
  auto rename2 = [&](const char* from, const char* to, unsigned flags) {
    return ::syscall(SYS_renameat2, AT_FDCWD, (mnt_ + "/" + from).c_str(), AT_FDCWD,
                     (mnt_ + "/" + to).c_str(), flags);
  };
  EXPECT_EQ(rename2("a", "b", RENAME_NOREPLACE), -1);
  EXPECT_EQ(errno, EEXIST);
  EXPECT_EQ(rename2("a", "b", RENAME_EXCHANGE), 0) << std::strerror(errno);
  EXPECT_EQ(read_file(mnt_ + "/a"), "b\n");
  EXPECT_EQ(read_file(mnt_ + "/b"), "a\n");
  EXPECT_EQ(rename2("a", "c", RENAME_NOREPLACE), 0);
  EXPECT_EQ(read_file(mnt_ + "/c"), "b\n");

  // A file known by two names keeps working when the name it was last seen by goes.
  run_ok("cd " + quote(mnt_) + " && echo two > t1 && ln t1 t2 && rm t2 && cat t1 >/dev/null && "
         "chmod 600 t1 && stat -c %a t1 && mkdir d && ln t1 d/t3 && mv d e && rm t1 && cat e/t3");
  EXPECT_EQ(read_file(mnt_ + "/e/t3"), "two\n");

  Outcome r = sh("stat -f -c '%b %S' " + quote(mnt_));
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out, "0 0\n");
  r = sh("mkfifo " + quote(mnt_ + "/p") + " && stat -c %F " + quote(mnt_ + "/p"));
  EXPECT_EQ(r.out, "fifo\n") << r.err;
  // Extended attributes: the kernel's, so e2fsck and debugfs see them in the image.
  const std::string xf = mnt_ + "/c";
  char v[64];
  EXPECT_EQ(::getxattr(xf.c_str(), "user.x", v, sizeof v), -1);
  EXPECT_EQ(errno, ENODATA) << std::strerror(errno);
  ASSERT_EQ(::setxattr(xf.c_str(), "user.x", "value", 5, XATTR_CREATE), 0) << std::strerror(errno);
  EXPECT_EQ(::setxattr(xf.c_str(), "user.x", "again", 5, XATTR_CREATE), -1);
  EXPECT_EQ(errno, EEXIST);
  ASSERT_EQ(::setxattr(xf.c_str(), "user.y", "", 0, 0), 0);
  EXPECT_EQ(::getxattr(xf.c_str(), "user.x", nullptr, 0), 5);
  ASSERT_EQ(::getxattr(xf.c_str(), "user.x", v, sizeof v), 5);
  EXPECT_EQ(std::string(v, 5), "value");
  EXPECT_EQ(::getxattr(xf.c_str(), "user.x", v, 2), -1);
  EXPECT_EQ(errno, ERANGE);
  ssize_t ln = ::listxattr(xf.c_str(), v, sizeof v);
  EXPECT_EQ(std::string(v, ln > 0 ? size_t(ln) : 0), std::string("user.x\0user.y\0", 14));
  ASSERT_EQ(::removexattr(xf.c_str(), "user.y"), 0);
  EXPECT_EQ(::removexattr(xf.c_str(), "user.y"), -1);
  EXPECT_EQ(errno, ENODATA);
  EXPECT_EQ(::setxattr(xf.c_str(), "foo.bar", "x", 1, 0), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  // On an open file with no name left.
  int xfd = ::open(xf.c_str(), O_RDONLY);
  ASSERT_GE(xfd, 0);
  ASSERT_EQ(::link(xf.c_str(), (mnt_ + "/c2").c_str()), 0);
  ASSERT_EQ(::unlink(xf.c_str()), 0);
  ASSERT_EQ(::unlink((mnt_ + "/c2").c_str()), 0);
  EXPECT_EQ(::fgetxattr(xfd, "user.x", v, sizeof v), 5) << std::strerror(errno);
  ::close(xfd);
  ASSERT_EQ(::setxattr((mnt_ + "/holes").c_str(), "user.kept", "yes", 3, 0), 0);
  unmount();
  expect_fsck_clean();
  EXPECT_NE(sh("debugfs -R 'ea_get /holes user.kept' " + quote(img_)).out.find("yes"), std::string::npos);
}

// Requests run with the caller's credentials in the kernel: another host user (allow_other)
// meets the image's permissions, and what it creates is its own.
TEST_F(FuseTest, PermissionsAreTheCallers) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user (setpriv)";
  if (!have("setpriv")) GTEST_SKIP() << "setpriv is missing (util-linux)";
  ASSERT_EQ(sh("mke2fs -q -F -t ext2 " + quote(img_) + " 16M").status, 0);
  mount({"-o", "allow_other"});
  if (IsSkipped() || HasFatalFailure()) return;
  expect_permissions_are_the_callers(mnt_);
  unmount();
  expect_fsck_clean();
}

// SIGTERM unmounts: the host mount goes, and the image is clean once the program exits.
TEST_F(FuseTest, SigtermSyncsAndUnmounts) {
  ASSERT_EQ(sh("mke2fs -q -F -t ext2 " + quote(img_) + " 16M").status, 0);
  mount({});
  if (IsSkipped() || HasFatalFailure()) return;
  run_ok("cd " + quote(mnt_) + " && mkdir -p a/b && seq 1 100000 > a/b/numbers && cp a/b/numbers a/copy");
  // A program still has a file and a directory open: the kernel's descriptors behind them are
  // closed at the end, or the kernel could not unmount (EBUSY).
  pid_t holder = ::fork();
  ASSERT_GE(holder, 0);
  if (holder == 0) {
    int f = ::open((mnt_ + "/a/copy").c_str(), O_RDONLY);
    int d = ::open((mnt_ + "/a/b").c_str(), O_RDONLY | O_DIRECTORY);
    if (f < 0 || d < 0) _exit(1);
    ::pause();
    _exit(0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(stop(SIGTERM), 0) << read_file(dir_ + "/rump_fuse.stderr");
  ::kill(holder, SIGKILL);
  int hs = 0;
  ::waitpid(holder, &hs, 0);
  EXPECT_TRUE(WIFSIGNALED(hs)) << "the holder could not open its files";
  sh("fusermount3 -u -z " + quote(mnt_));  // the program unmounted it already; in case not
  EXPECT_FALSE(mounted());
  expect_fsck_clean();
  if (have("debugfs")) {
    Outcome r = sh("debugfs -R 'cat /a/copy' " + quote(img_) + " | tail -1");
    EXPECT_EQ(r.out, "100000\n");
  }
}

// Several programs at once: the requests run on several threads and virtual CPUs.
TEST_F(FuseTest, ConcurrentPrograms) {
  ASSERT_EQ(sh("mke2fs -q -F -t ext2 " + quote(img_) + " 64M").status, 0);
  mount({});
  if (IsSkipped() || HasFatalFailure()) return;
  const std::string tree = RK_SOURCE_DIR "/tools";
  std::string jobs;
  for (int i = 0; i < 4; i++) {
    std::string d = quote(mnt_ + "/c" + std::to_string(i));
    jobs += "(cp -a " + quote(tree) + " " + d + " && diff -r " + quote(tree) + " " + d + " && mv " + d + " " + d +
            "x && tar -C " + d + "x -cf - . | tar -tf - >/dev/null) & ";
  }
  run_ok(jobs + "wait");
  for (int i = 0; i < 4; i++) run_ok("diff -r " + quote(tree) + " " + quote(mnt_ + "/c" + std::to_string(i) + "x"));
  run_ok("rm -rf " + quote(mnt_ + "/c0x") + " " + quote(mnt_ + "/c1x") + " & rm -rf " + quote(mnt_ + "/c2x") + " & wait");
  unmount();
  expect_fsck_clean();
}

// Directories listed while other programs remove them: the host closes a directory as soon as
// it has its entries, so releasedir runs while the readdir that answered may still be finishing.
// rump_fuse once unlocked the freed directory handle after replying, corrupting whatever the
// kernel had allocated there (release builds crashed within a second; the TSan build reports it).
TEST_F(FuseTest, DirectoriesListedWhileOthersRemoveThem) {
  mount({"-t", "tmpfs"}, "none");
  if (IsSkipped() || HasFatalFailure()) return;
  const std::string tree = RK_SOURCE_DIR "/vfs";
  std::string jobs;
  for (int i = 0; i < 4; i++) {
    std::string d = quote(mnt_ + "/l" + std::to_string(i));
    jobs += "(for r in 1 2 3; do cp -a " + quote(tree) + " " + d + " && ls -lR " + d + " >/dev/null && find " +
            quote(mnt_) + " >/dev/null 2>&1; rm -rf " + d + " || exit 1; done) & ";
  }
  run_ok(jobs + "wait");
  run_ok("test -z \"$(ls -A " + quote(mnt_) + ")\"");
  unmount();
}

// A file that loses its last name while open: the host asks for its attributes (fstat, fchmod)
// by node, without a handle, and the node has no path left.
TEST_F(FuseTest, UnlinkedWhileOpen) {
  ASSERT_EQ(sh("mke2fs -q -F -t ext2 " + quote(img_) + " 16M").status, 0);
  mount({});
  if (IsSkipped() || HasFatalFailure()) return;
  std::string f = mnt_ + "/f";
  int fd = ::open(f.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::write(fd, "abc", 3), 3);
  ASSERT_EQ(::unlink(f.c_str()), 0);
  struct stat st;
  ASSERT_EQ(::fstat(fd, &st), 0) << std::strerror(errno);
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_EQ(st.st_size, 3);
  EXPECT_EQ(::fchmod(fd, 0600), 0) << std::strerror(errno);
  ASSERT_EQ(::fstat(fd, &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  // A new file of the same name is another file.
  int fd2 = ::open(f.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd2, 0);
  struct stat st2;
  ASSERT_EQ(::fstat(fd2, &st2), 0);
  EXPECT_EQ(st2.st_size, 0);
  EXPECT_NE(st2.st_ino, st.st_ino);
  ::close(fd2);
  ::close(fd);
  unmount();
  expect_fsck_clean();
}

// --server: a directory of a running rump_server, through librumpclient (rump_fuse_remote).
// Ordinary programs work on it, a second mount shows a subdirectory alone, what the mounts
// wrote stays in the server's kernel after they go, and other host users get the host's
// permission checks on the kernel's modes and owners, and own what they make.
TEST_F(FuseTest, ServerDirectory) {
  const std::string bin = kBin.substr(0, kBin.rfind('/'));
  if (::access((bin + "/rump_fuse_remote").c_str(), X_OK) != 0 ||
      ::access((bin + "/rump_allserver").c_str(), X_OK) != 0)
    GTEST_SKIP() << "rump_fuse_remote or rump_allserver is not built (librumpclient)";
  const std::string url = "unix://" + dir_ + "/k.sock";
  const std::string env = "RUMP_SERVER=" + quote(url) + " ";
  ASSERT_EQ(sh(quote(bin + "/rump_allserver") + " " + quote(url)).status, 0);
  struct Halt {
    std::string cmd;
    ~Halt() { sh(cmd); }
  } halt{env + quote(bin + "/rump.halt")};

  std::string src = dir_ + "/src";
  make_tree(src);
  mount({"--server", url, "-o", "allow_other"}, "/");
  if (IsSkipped() || HasFatalFailure()) return;
  run_ok("mkdir " + quote(mnt_ + "/top") + " && cp -a " + quote(src) + " " + quote(mnt_ + "/top/cp"));
  EXPECT_EQ(describe(mnt_ + "/top/cp"), describe(src));
  run_ok("diff -r --no-dereference -x fifo " + quote(src) + " " + quote(mnt_ + "/top/cp"));
  EXPECT_NE(sh("ls " + quote(mnt_)).out.find("dev"), std::string::npos);  // the kernel's root

  // A subdirectory alone, on a second mount point.
  {
    std::string mnt2 = dir_ + "/mnt2";
    ASSERT_EQ(sh("mkdir -p " + quote(mnt2)).status, 0);
    FuseProcess sub(mnt2, dir_ + "/sub.stderr");
    bool not_permitted = false;
    ASSERT_EQ(sub.start({"--server", url}, "/top/cp/sub/", &not_permitted), "");
    EXPECT_EQ(sh("cat " + quote(mnt2 + "/deep/f")).out, "deep\n");
    EXPECT_NE(sh("ls " + quote(mnt2)).out.find("n40"), std::string::npos);
    ASSERT_EQ(sh("fusermount3 -u " + quote(mnt2)).status, 0);
    EXPECT_EQ(sub.stop(0), 0) << read_file(sub.errors_path());
  }
  if (::geteuid() == 0 && have("setpriv")) expect_permissions_are_the_callers(mnt_);
  unmount();

  // The kernel kept it all: mounted again, everything is there.
  mount({"--server", url}, "/top");
  if (HasFatalFailure()) return;
  EXPECT_EQ(describe(mnt_ + "/cp"), describe(src));
  unmount();
}

TEST_F(FuseTest, ServerUnreachableOrPathWrong) {
  const std::string bin = kBin.substr(0, kBin.rfind('/'));
  if (::access((bin + "/rump_fuse_remote").c_str(), X_OK) != 0)
    GTEST_SKIP() << "rump_fuse_remote is not built (librumpclient)";
  Outcome r = sh(quote(kBin) + " --server unix://" + quote(dir_ + "/none.sock") + " / " + quote(mnt_));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot reach the kernel"), std::string::npos) << r.err;
  r = sh(quote(kBin) + " --server unix://x -t ext2 / " + quote(mnt_));
  EXPECT_EQ(r.status, 2) << r.err;
  if (::access((bin + "/rump_allserver").c_str(), X_OK) != 0) return;
  const std::string url = "unix://" + dir_ + "/k.sock";
  ASSERT_EQ(sh(quote(bin + "/rump_allserver") + " " + quote(url)).status, 0);
  r = sh(quote(kBin) + " --server " + quote(url) + " /missing " + quote(mnt_));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("/missing: No such file or directory"), std::string::npos) << r.err;
  r = sh(quote(kBin) + " --server " + quote(url) + " relative " + quote(mnt_));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("absolute"), std::string::npos) << r.err;
  sh("RUMP_SERVER=" + quote(url) + " " + quote(bin + "/rump.halt"));
  EXPECT_FALSE(mounted());
}

// tmpfs: no image, a fresh file system (-t tmpfs none).
TEST_F(FuseTest, TmpfsWithoutImage) {
  mount({"-t", "tmpfs"}, "none");
  if (IsSkipped() || HasFatalFailure()) return;
  run_ok("cp -a " + quote(RK_SOURCE_DIR "/tools/rump_fuse") + " " + quote(mnt_ + "/x") + " && diff -r " +
         quote(RK_SOURCE_DIR "/tools/rump_fuse") + " " + quote(mnt_ + "/x"));
  unmount();
}

// The command line: --help, usage errors, --server (not implemented), images it cannot mount.
TEST(FuseCli, HelpAndErrors) {
  Outcome r = sh(quote(kBin) + " --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Usage: rump_fuse"), std::string::npos);
  r = sh(quote(kBin) + " only-one");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("rump_fuse: missing operand"), std::string::npos) << r.err;
  r = sh(quote(kBin) + " -x a b");
  EXPECT_EQ(r.status, 2);
  r = sh(quote(kBin) + " --server");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("option '--server' requires an argument"), std::string::npos) << r.err;
  std::string d = root_dir() + "/cli";
  sh("mkdir -p " + quote(d + "/mnt") + " && head -c 1048576 /dev/zero > " + quote(d + "/zero.img"));
  r = sh(quote(kBin) + " -f " + quote(d + "/zero.img") + " " + quote(d + "/mnt"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("unrecognised file system"), std::string::npos) << r.err;
  r = sh(quote(kBin) + " -f " + quote(d + "/missing.img") + " " + quote(d + "/mnt"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "rump_fuse: " + d + "/missing.img: No such file or directory\n");
  sh("rm -rf " + quote(d));
}

}  // namespace
