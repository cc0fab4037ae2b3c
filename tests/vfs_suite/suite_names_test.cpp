// The shared system call suite, part 4: the name space — mkdir, rmdir, unlink, rename,
// renameat2, link, symlink, readlink, mknod, getdents64 — and path lookup: "." and "..",
// symlinks and ELOOP, trailing slashes, ENAMETOOLONG.
#include <dirent.h>
#include <linux/fs.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/vfs_suite/suite.h"

namespace vfs_suite {
namespace {

using Names = std::vector<std::string>;

// --- mkdir, rmdir --------------------------------------------------------------------------

TEST_P(VfsTest, Mkdir) {
  const uint64_t root_links = lst("/").nlink;
  EXPECT_EQ(fs().mkdir("/d", 0777), 0);
  EXPECT_EQ(to_string(lst("/d"), false), "dir 0755 n=2 " + me());
  EXPECT_EQ(lst("/").nlink, root_links + 1) << "the new directory's \"..\"";
  EXPECT_EQ(fs().mkdir("/sticky", 01777), 0);
  EXPECT_EQ(lst("/sticky").perm(), 01755u) << "mkdir keeps the sticky bit";
  EXPECT_EQ(fs().mkdir("/setid", 06777), 0);
  EXPECT_EQ(lst("/setid").perm(), 0755u) << "but not S_ISUID/S_ISGID (outside setgid dirs)";
  EXPECT_EQ(fs().mkdir("/d/e/", 0700), 0) << "a trailing slash is fine";
  EXPECT_EQ(lst("/d").nlink, 3u);
  make_file("/f");
  ASSERT_EQ(fs().symlink("/nowhere", "/dangling"), 0);
  EXPECT_ERR(EEXIST, fs().mkdir("/d", 0755));
  EXPECT_ERR(EEXIST, fs().mkdir("/f", 0755));
  EXPECT_ERR(EEXIST, fs().mkdir("/dangling", 0755)) << "mkdir does not follow";
  EXPECT_ERR(EEXIST, fs().mkdir("/d/.", 0755));
  EXPECT_ERR(EEXIST, fs().mkdir("/d/..", 0755));
  EXPECT_ERR(ENOENT, fs().mkdir("/missing/x", 0755));
  EXPECT_ERR(ENOTDIR, fs().mkdir("/f/x", 0755));
  EXPECT_ERR(ENOENT, fs().mkdir("", 0755));
  int dfd;
  ASSERT_FD(dfd, fs().open("/d", O_RDONLY | O_DIRECTORY));
  EXPECT_EQ(fs().mkdirat(dfd, "x", 0755), 0);
  EXPECT_EQ(names("/d"), (Names{"e", "x"}));
}

TEST_P(VfsTest, Rmdir) {
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  ASSERT_EQ(fs().mkdir("/d/e", 0755), 0);
  make_file("/f");
  ASSERT_EQ(fs().symlink("d", "/ld"), 0);
  const uint64_t root_links = lst("/").nlink;
  EXPECT_ERR(ENOTEMPTY, fs().rmdir("/d"));
  EXPECT_ERR(ENOTDIR, fs().rmdir("/f"));
  EXPECT_ERR(ENOTDIR, fs().rmdir("/ld")) << "rmdir does not follow";
  EXPECT_ERR(ENOTDIR, fs().rmdir("/ld/")) << "not even with a trailing slash";
  EXPECT_ERR(EINVAL, fs().rmdir("/d/e/."));
  EXPECT_ERR(ENOTEMPTY, fs().rmdir("/d/e/.."));
  EXPECT_ERR(ENOENT, fs().rmdir("/missing"));
  EXPECT_ERR(ENOTDIR, fs().rmdir("/f/x"));
  EXPECT_EQ(fs().rmdir("/d/e/"), 0);
  EXPECT_EQ(lst("/d").nlink, 2u);
  EXPECT_EQ(fs().rmdir("/d"), 0);
  EXPECT_EQ(lst("/").nlink, root_links - 1);
  EXPECT_EQ(names("/"), (Names{"f", "ld"}));
}

TEST_P(VfsTest, RmdirOfTheCwd) {
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  ASSERT_EQ(fs().chdir("/d"), 0);
  int dfd;
  ASSERT_FD(dfd, fs().open(".", O_RDONLY));
  EXPECT_ERR(EINVAL, fs().rmdir("."));
  EXPECT_EQ(fs().rmdir("/d"), 0);
  StatInfo s;
  ASSERT_EQ(fs().fstat(dfd, &s), 0);
  EXPECT_EQ(s.nlink, 0u);
  EXPECT_ERR(ENOENT, fs().getcwd(nullptr));
  EXPECT_ERR(ENOENT, fs().open("new", O_CREAT | O_RDWR, 0644)) << "a dead directory";
  EXPECT_ERR(ENOENT, fs().mkdir("new", 0755));
  std::vector<Dirent> list;
  EXPECT_ERR(ENOENT, fs().getdents(dfd, 4096, &list)) << "a dead directory cannot be listed";
  EXPECT_EQ(fs().chdir(".."), 0);
  EXPECT_EQ(cwd(), "/");
}

// --- unlink --------------------------------------------------------------------------------

TEST_P(VfsTest, Unlink) {
  make_file("/f", "data");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  ASSERT_EQ(fs().symlink("f", "/l"), 0);
  ASSERT_EQ(fs().link("/f", "/g"), 0);
  EXPECT_EQ(lst("/f").nlink, 2u);
  EXPECT_EQ(fs().unlink("/g"), 0);
  EXPECT_EQ(lst("/f").nlink, 1u);
  EXPECT_ERR(EISDIR, fs().unlink("/d")) << "Linux: EISDIR (POSIX says EPERM)";
  EXPECT_ERR(ENOENT, fs().unlink("/missing"));
  EXPECT_ERR(ENOTDIR, fs().unlink("/f/"));
  EXPECT_ERR(EISDIR, fs().unlink("/d/"));
  EXPECT_ERR(ENOENT, fs().unlink("/missing/"));
  EXPECT_EQ(fs().unlink("/l"), 0) << "the link, not its target";
  EXPECT_EQ(contents("/f"), "data");
  EXPECT_ERR(EINVAL, fs().unlinkat(AT_FDCWD, "/f", 0x1));
  EXPECT_ERR(ENOTDIR, fs().unlinkat(AT_FDCWD, "/f", AT_REMOVEDIR));
  EXPECT_EQ(fs().unlinkat(AT_FDCWD, "/d", AT_REMOVEDIR), 0);
  EXPECT_EQ(names("/"), Names{"f"});
}

TEST_P(VfsTest, UnlinkedOpenFileLivesOn) {
  make_file("/f", "still here");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDWR));
  EXPECT_EQ(fs().unlink("/f"), 0);
  EXPECT_ERR(ENOENT, fs().lstat("/f", nullptr));
  StatInfo s;
  ASSERT_EQ(fs().fstat(fd, &s), 0);
  EXPECT_EQ(s.nlink, 0u);
  std::string got;
  EXPECT_EQ(fs().pread(fd, 100, 0, &got), 10);
  EXPECT_EQ(got, "still here");
  EXPECT_EQ(fs().pwrite(fd, "!", 10), 1);
  make_file("/f", "new");
  EXPECT_EQ(contents("/f"), "new");
  EXPECT_EQ(fs().pread(fd, 100, 0, &got), 11);
}

// --- rename --------------------------------------------------------------------------------

TEST_P(VfsTest, RenameFiles) {
  make_file("/a", "A");
  make_file("/b", "B");
  ASSERT_EQ(fs().link("/b", "/b2"), 0);
  EXPECT_EQ(fs().rename("/a", "/c"), 0);
  EXPECT_EQ(names("/"), (Names{"b", "b2", "c"}));
  // Over an existing file: it is replaced, and its other name is left with one link.
  EXPECT_EQ(fs().rename("/c", "/b"), 0);
  EXPECT_EQ(contents("/b"), "A");
  EXPECT_EQ(lst("/b2").nlink, 1u);
  EXPECT_EQ(names("/"), (Names{"b", "b2"}));
  EXPECT_EQ(fs().rename("/b", "/b"), 0) << "onto itself: nothing happens";
  // Two names of one file: POSIX says do nothing, and both names stay.
  ASSERT_EQ(fs().link("/b", "/b3"), 0);
  EXPECT_EQ(fs().rename("/b", "/b3"), 0);
  EXPECT_EQ(names("/"), (Names{"b", "b2", "b3"}));
  EXPECT_ERR(ENOENT, fs().rename("/missing", "/x"));
  EXPECT_ERR(ENOENT, fs().rename("/b", "/missing/x"));
  EXPECT_ERR(ENOTDIR, fs().rename("/b/", "/x"));
  EXPECT_ERR(ENOTDIR, fs().rename("/b", "/x/"));
  EXPECT_ERR(ENOTDIR, fs().rename("/b", "/b2/x"));
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  EXPECT_ERR(EISDIR, fs().rename("/b", "/d"));
  EXPECT_ERR(ENOTDIR, fs().rename("/d", "/b"));
  // Into another directory.
  EXPECT_EQ(fs().rename("/b", "/d/b"), 0);
  EXPECT_EQ(contents("/d/b"), "A");
  // A symlink moves as itself.
  ASSERT_EQ(fs().symlink("d/b", "/l"), 0);
  EXPECT_EQ(fs().rename("/l", "/d/l"), 0);
  std::string target;
  EXPECT_EQ(fs().readlink("/d/l", &target), 3);
  EXPECT_EQ(target, "d/b");
}

TEST_P(VfsTest, RenameDirectories) {
  ASSERT_EQ(fs().mkdir("/p1", 0755), 0);
  ASSERT_EQ(fs().mkdir("/p2", 0755), 0);
  ASSERT_EQ(fs().mkdir("/p1/d", 0755), 0);
  make_file("/p1/d/f", "x");
  EXPECT_EQ(lst("/p1").nlink, 3u);
  EXPECT_EQ(fs().rename("/p1/d", "/p2/d"), 0);
  EXPECT_EQ(lst("/p1").nlink, 2u);
  EXPECT_EQ(lst("/p2").nlink, 3u);
  EXPECT_EQ(lst("/p2/d/..").ino, lst("/p2").ino) << "\"..\" follows the move";
  EXPECT_EQ(contents("/p2/d/f"), "x");
  // Over an empty directory, not over a full one, not into itself.
  ASSERT_EQ(fs().mkdir("/p1/empty", 0755), 0);
  ASSERT_EQ(fs().mkdir("/p1/full", 0755), 0);
  make_file("/p1/full/x");
  EXPECT_ERR(ENOTEMPTY, fs().rename("/p2/d", "/p1/full"));
  EXPECT_EQ(fs().rename("/p2/d", "/p1/empty"), 0);
  EXPECT_EQ(names("/p1"), (Names{"empty", "full"}));
  EXPECT_EQ(lst("/p1").nlink, 4u);
  EXPECT_EQ(lst("/p2").nlink, 2u);
  EXPECT_ERR(EINVAL, fs().rename("/p1", "/p1/empty/sub"));
  EXPECT_ERR(EINVAL, fs().rename("/p1", "/p1/x"));
  EXPECT_ERR(ENOTEMPTY, fs().rename("/p1/empty", "/p1"));
  EXPECT_ERR(EBUSY, fs().rename("/p1/.", "/p1/x"));
  EXPECT_ERR(EBUSY, fs().rename("/p1/empty", "/p1/.."));
  EXPECT_EQ(fs().rename("/p1/empty/", "/p2/moved/"), 0) << "slashes on directories are fine";
  EXPECT_EQ(names("/p2"), Names{"moved"});
}

TEST_P(VfsTest, Renameat2NoreplaceAndExchange) {
  make_file("/a", "A");
  make_file("/b", "B");
  EXPECT_ERR(EEXIST, fs().renameat2(AT_FDCWD, "/a", AT_FDCWD, "/b", RENAME_NOREPLACE));
  EXPECT_EQ(fs().renameat2(AT_FDCWD, "/a", AT_FDCWD, "/c", RENAME_NOREPLACE), 0);
  EXPECT_EQ(fs().renameat2(AT_FDCWD, "/c", AT_FDCWD, "/b", RENAME_EXCHANGE), 0);
  EXPECT_EQ(contents("/b"), "A");
  EXPECT_EQ(contents("/c"), "B");
  EXPECT_ERR(ENOENT, fs().renameat2(AT_FDCWD, "/c", AT_FDCWD, "/missing", RENAME_EXCHANGE));
  EXPECT_ERR(EINVAL,
             fs().renameat2(AT_FDCWD, "/c", AT_FDCWD, "/b", RENAME_EXCHANGE | RENAME_NOREPLACE));
  EXPECT_ERR(EINVAL, fs().renameat2(AT_FDCWD, "/c", AT_FDCWD, "/b", 1u << 10));
  // A file and a directory in different directories: link counts follow the directory.
  ASSERT_EQ(fs().mkdir("/p1", 0755), 0);
  ASSERT_EQ(fs().mkdir("/p2", 0755), 0);
  ASSERT_EQ(fs().mkdir("/p1/d", 0755), 0);
  make_file("/p2/f", "F");
  EXPECT_EQ(fs().renameat2(AT_FDCWD, "/p1/d", AT_FDCWD, "/p2/f", RENAME_EXCHANGE), 0);
  EXPECT_TRUE(lst("/p1/d").is_reg());
  EXPECT_TRUE(lst("/p2/f").is_dir());
  EXPECT_EQ(contents("/p1/d"), "F");
  EXPECT_EQ(lst("/p1").nlink, 2u);
  EXPECT_EQ(lst("/p2").nlink, 3u);
  EXPECT_EQ(lst("/p2/f/..").ino, lst("/p2").ino);
  // Exchanging a directory with its own descendant is EINVAL.
  ASSERT_EQ(fs().mkdir("/p2/f/sub", 0755), 0);
  EXPECT_ERR(EINVAL, fs().renameat2(AT_FDCWD, "/p2/f", AT_FDCWD, "/p2/f/sub", RENAME_EXCHANGE));
  int d1;
  ASSERT_FD(d1, fs().open("/p1", O_RDONLY | O_DIRECTORY));
  EXPECT_EQ(fs().renameat(d1, "d", AT_FDCWD, "/p2/fromat"), 0);
  EXPECT_EQ(contents("/p2/fromat"), "F");
}

// --- link ----------------------------------------------------------------------------------

TEST_P(VfsTest, Link) {
  make_file("/f", "data");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  ASSERT_EQ(fs().symlink("f", "/l"), 0);
  EXPECT_EQ(fs().link("/f", "/d/g"), 0);
  EXPECT_EQ(lst("/f").nlink, 2u);
  EXPECT_EQ(lst("/d/g").ino, lst("/f").ino);
  EXPECT_ERR(EEXIST, fs().link("/f", "/d/g"));
  EXPECT_ERR(EPERM, fs().link("/d", "/d2")) << "no hard links to directories";
  EXPECT_ERR(ENOENT, fs().link("/missing", "/x"));
  EXPECT_ERR(ENOENT, fs().link("/f", "/missing/x"));
  EXPECT_ERR(ENOTDIR, fs().link("/f/", "/x"));
  EXPECT_ERR(ENOENT, fs().link("/f", "/x/")) << "a trailing slash cannot name a file";
  // linkat links the symlink itself unless told to follow it.
  EXPECT_EQ(fs().linkat(AT_FDCWD, "/l", AT_FDCWD, "/l2", 0), 0);
  EXPECT_TRUE(lst("/l2").is_lnk());
  EXPECT_EQ(lst("/l").nlink, 2u);
  EXPECT_EQ(fs().linkat(AT_FDCWD, "/l", AT_FDCWD, "/f3", AT_SYMLINK_FOLLOW), 0);
  EXPECT_TRUE(lst("/f3").is_reg());
  EXPECT_EQ(lst("/f").nlink, 3u);
  EXPECT_ERR(EINVAL, fs().linkat(AT_FDCWD, "/f", AT_FDCWD, "/f4", 0x1));
  EXPECT_EQ(fs().unlink("/f"), 0);
  EXPECT_EQ(lst("/d/g").nlink, 2u);
  EXPECT_EQ(contents("/f3"), "data");
}

// --- symlink, readlink ---------------------------------------------------------------------

TEST_P(VfsTest, SymlinkAndReadlink) {
  make_file("/f");
  EXPECT_EQ(fs().symlink("abcdef", "/l"), 0);
  std::string s;
  EXPECT_EQ(fs().readlink("/l", &s), 6);
  EXPECT_EQ(s, "abcdef");
  EXPECT_EQ(fs().readlink("/l", &s, 3), 3) << "truncated silently";
  EXPECT_EQ(s, "abc");
  EXPECT_ERR(EINVAL, fs().readlink("/l", &s, 0));
  EXPECT_ERR(EINVAL, fs().readlink("/f", &s)) << "not a link";
  EXPECT_ERR(ENOENT, fs().readlink("/missing", &s));
  EXPECT_ERR(EEXIST, fs().symlink("x", "/l"));
  EXPECT_ERR(EEXIST, fs().symlink("x", "/f"));
  EXPECT_ERR(ENOENT, fs().symlink("", "/empty"));
  EXPECT_ERR(ENOENT, fs().symlink("x", "/missing/l"));
  EXPECT_ERR(ENOENT, fs().symlink("x", "/newl/"));
  // Absolute targets, and the *at forms.
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  int dfd;
  ASSERT_FD(dfd, fs().open("/d", O_RDONLY | O_DIRECTORY));
  EXPECT_EQ(fs().symlinkat("/f", dfd, "abs"), 0);
  EXPECT_EQ(fs().readlinkat(dfd, "abs", &s), 2);
  EXPECT_EQ(s, "/f");
  EXPECT_EQ(lst("/d/abs").size, 2);
  EXPECT_TRUE(st("/d/abs").is_reg());
  int lfd;
  ASSERT_FD(lfd, fs().open("/l", O_PATH | O_NOFOLLOW));
  EXPECT_EQ(fs().readlinkat(lfd, "", &s), 6) << "an O_PATH descriptor of the link";
  EXPECT_EQ(s, "abcdef");
  // The link's own mode is always 0777, whatever the umask.
  fs().umask(0777);
  EXPECT_EQ(fs().symlink("x", "/masked"), 0);
  EXPECT_EQ(lst("/masked").perm(), 0777u);
}

// --- mknod ---------------------------------------------------------------------------------

TEST_P(VfsTest, Mknod) {
  EXPECT_EQ(fs().mknod("/p", S_IFIFO | 0666, 0), 0);
  EXPECT_EQ(to_string(lst("/p")), "fifo 0644 n=1 s=0 " + me());
  EXPECT_EQ(fs().mknod("/r", S_IFREG | 0600, 0), 0);
  EXPECT_EQ(to_string(lst("/r")), "reg 0600 n=1 s=0 " + me());
  EXPECT_EQ(fs().mknod("/zero", 0640, 0), 0) << "no type: a regular file";
  EXPECT_EQ(to_string(lst("/zero")), "reg 0640 n=1 s=0 " + me());
  EXPECT_EQ(fs().mknod("/s", S_IFSOCK | 0644, 0), 0);
  EXPECT_EQ(lst("/s").type(), unsigned(S_IFSOCK));
  EXPECT_ERR(EPERM, fs().mknod("/d", S_IFDIR | 0755, 0));
  EXPECT_ERR(EINVAL, fs().mknod("/bad", 0150000 | 0644, 0));
  EXPECT_ERR(EEXIST, fs().mknod("/p", S_IFIFO | 0644, 0));
  EXPECT_ERR(ENOENT, fs().mknod("/q/", S_IFIFO | 0644, 0));
  ASSERT_EQ(fs().mkdir("/dir", 0755), 0);
  int dfd;
  ASSERT_FD(dfd, fs().open("/dir", O_RDONLY | O_DIRECTORY));
  EXPECT_EQ(fs().mknodat(dfd, "p", S_IFIFO | 0600, 0), 0);
  EXPECT_EQ(lst("/dir/p").type(), unsigned(S_IFIFO));
  std::vector<Dirent> list;
  ASSERT_EQ(fs().list_dir("/", &list), 0);
  EXPECT_EQ(to_string(list), "{.:d ..:d dir:d p:p r:r s:s zero:r}");
}

TEST_P(VfsTest, FifoOpenRules) {
  ASSERT_EQ(fs().mknod("/p", S_IFIFO | 0644, 0), 0);
  EXPECT_ERR(ENXIO, fs().open("/p", O_WRONLY | O_NONBLOCK)) << "no reader";
  int r, w;
  ASSERT_FD(r, fs().open("/p", O_RDONLY | O_NONBLOCK));
  ASSERT_FD(w, fs().open("/p", O_WRONLY | O_NONBLOCK));
  EXPECT_EQ(fs().write(w, "through"), 7);
  std::string s;
  EXPECT_EQ(fs().read(r, 100, &s), 7);
  EXPECT_EQ(s, "through");
  EXPECT_ERR(EAGAIN, fs().read(r, 100, &s));
  EXPECT_EQ(lst("/p").size, 0);
}

TEST_P(VfsTest, MknodOfDevicesNeedsPrivilege) {
  REQUIRE_PRIVILEGED();
  ASSERT_EQ(fs().mkdir("/pub", 0755), 0);
  ASSERT_EQ(fs().chmod("/pub", 0777), 0);
  ASSERT_TRUE(as_user(kAlice, kAliceGroup));
  EXPECT_ERR(EPERM, fs().mknod("/pub/null", S_IFCHR | 0666, makedev(1, 3)));
  EXPECT_EQ(fs().mknod("/pub/fifo", S_IFIFO | 0666, 0), 0) << "anyone makes a FIFO";
  EXPECT_EQ(lst("/pub/fifo").uid, kAlice);
}

// --- getdents64 ----------------------------------------------------------------------------

TEST_P(VfsTest, GetdentsListsEveryTypeWithItsInode) {
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  make_file("/d/file");
  ASSERT_EQ(fs().mkdir("/d/sub", 0755), 0);
  ASSERT_EQ(fs().symlink("file", "/d/link"), 0);
  ASSERT_EQ(fs().mknod("/d/fifo", S_IFIFO | 0644, 0), 0);
  std::vector<Dirent> list;
  ASSERT_EQ(fs().list_dir("/d", &list), 0);
  EXPECT_EQ(to_string(list), "{.:d ..:d fifo:p file:r link:l sub:d}");
  for (const Dirent& d : list) {
    SCOPED_TRACE(d.name);
    EXPECT_EQ(d.ino, lst("/d/" + d.name).ino) << "d_ino is st_ino";
  }
  EXPECT_EQ(fs().unlink("/d/file"), 0);
  EXPECT_EQ(names("/d"), (Names{"fifo", "link", "sub"}));
}

TEST_P(VfsTest, GetdentsInSmallPiecesSeesEachNameOnce) {
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  std::set<std::string> want{".", ".."};
  for (int i = 0; i < 300; ++i) {
    std::string n = "entry_with_a_longish_name_" + std::to_string(i);
    make_file("/d/" + n);
    want.insert(n);
  }
  int fd;
  ASSERT_FD(fd, fs().open("/d", O_RDONLY | O_DIRECTORY));
  std::multiset<std::string> seen;
  int calls = 0;
  for (;;) {
    std::vector<Dirent> chunk;
    long r = fs().getdents(fd, 512, &chunk);
    ASSERT_GE(r, 0) << result_str(r);
    if (r == 0) break;
    ASSERT_LE(r, 512);
    ++calls;
    for (auto& d : chunk) seen.insert(d.name);
  }
  EXPECT_GT(calls, 10);
  EXPECT_EQ(seen.size(), want.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), want);
  std::vector<Dirent> chunk;
  EXPECT_EQ(fs().getdents(fd, 512, &chunk), 0) << "still at the end";
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_SET), 0) << "rewinddir";
  EXPECT_GT(fs().getdents(fd, 512, &chunk), 0);
  EXPECT_EQ(chunk.front().name, ".");
}

TEST_P(VfsTest, GetdentsErrors) {
  make_file("/f");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  int ffd, dfd;
  ASSERT_FD(ffd, fs().open("/f", O_RDONLY));
  ASSERT_FD(dfd, fs().open("/d", O_RDONLY));
  std::vector<Dirent> list;
  EXPECT_ERR(ENOTDIR, fs().getdents(ffd, 4096, &list));
  EXPECT_ERR(EBADF, fs().getdents(99, 4096, &list));
  EXPECT_ERR(EINVAL, fs().getdents(dfd, 8, &list)) << "too small for one entry";
}

// --- path lookup ---------------------------------------------------------------------------

TEST_P(VfsTest, DotAndDotDot) {
  ASSERT_EQ(fs().mkdir("/a", 0755), 0);
  ASSERT_EQ(fs().mkdir("/a/b", 0755), 0);
  make_file("/a/b/f", "x");
  make_file("/g");
  EXPECT_EQ(contents("/a/./b/../b/f"), "x");
  EXPECT_EQ(contents("//a//b///f"), "x");
  EXPECT_EQ(contents("a/b/../../a/b/f"), "x");
  EXPECT_EQ(lst("/a/b/..").ino, lst("/a").ino);
  EXPECT_EQ(lst("/a/.").ino, lst("/a").ino);
  EXPECT_EQ(lst("/a/b/../..").ino, lst("/").ino);
  EXPECT_ERR(ENOTDIR, fs().lstat("/g/.", nullptr));
  EXPECT_ERR(ENOTDIR, fs().lstat("/g/..", nullptr));
  EXPECT_ERR(ENOENT, fs().lstat("/missing/..", nullptr));
  // ".." of a symlinked directory is the target's parent, not the link's.
  ASSERT_EQ(fs().symlink("a/b", "/lb"), 0);
  EXPECT_EQ(lst("/lb/..").ino, lst("/a").ino);
}

TEST_P(VfsTest, SymlinkChainsEndWithEloopAfter40) {
  make_file("/f", "end");
  // l1 -> l2 -> ... -> l41 -> f: opening l<k> follows 42 - k links.
  for (int i = 1; i <= 41; ++i) {
    std::string target = i == 41 ? "f" : "l" + std::to_string(i + 1);
    ASSERT_EQ(fs().symlink(target, "/l" + std::to_string(i)), 0);
  }
  EXPECT_EQ(contents("/l2"), "end") << "40 links are followed";
  EXPECT_EQ(contents("/l1"), "<ELOOP>") << "41 are too many";
  EXPECT_ERR(ELOOP, fs().stat("/l1", nullptr));
  EXPECT_EQ(fs().lstat("/l1", nullptr), 0);
  // Loops, also in the middle of a path; the count covers every link of the lookup.
  ASSERT_EQ(fs().symlink("self", "/self"), 0);
  ASSERT_EQ(fs().symlink("pong", "/ping"), 0);
  ASSERT_EQ(fs().symlink("ping", "/pong"), 0);
  EXPECT_ERR(ELOOP, fs().stat("/self", nullptr));
  EXPECT_ERR(ELOOP, fs().open("/ping", O_RDONLY));
  EXPECT_ERR(ELOOP, fs().stat("/ping/x", nullptr));
  EXPECT_ERR(ELOOP, fs().open("/self", O_CREAT | O_RDWR, 0644));
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  ASSERT_EQ(fs().symlink("d", "/ld"), 0);
  std::string path = "/ld";
  for (int i = 0; i < 40; ++i) path += "/../ld";
  EXPECT_ERR(ELOOP, fs().stat(path, nullptr)) << "41 links in one path";
  path = "/ld";
  for (int i = 0; i < 39; ++i) path += "/../ld";
  EXPECT_EQ(fs().stat(path, nullptr), 0) << "40 links in one path";
}

TEST_P(VfsTest, TrailingSlashes) {
  make_file("/f");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  ASSERT_EQ(fs().symlink("d", "/ld"), 0);
  ASSERT_EQ(fs().symlink("f", "/lf"), 0);
  EXPECT_ERR(ENOTDIR, fs().stat("/f/", nullptr));
  EXPECT_ERR(ENOTDIR, fs().lstat("/f/", nullptr));
  EXPECT_ERR(ENOTDIR, fs().open("/f/", O_RDONLY));
  EXPECT_ERR(ENOTDIR, fs().access("/f/", F_OK));
  EXPECT_TRUE(st("/d/").is_dir());
  EXPECT_TRUE(st("/d//").is_dir());
  EXPECT_TRUE(lst("/ld/").is_dir()) << "a trailing slash follows the link";
  EXPECT_ERR(ENOTDIR, fs().lstat("/lf/", nullptr));
  EXPECT_ERR(ENOENT, fs().lstat("/missing/", nullptr));
  EXPECT_EQ(fs().chdir("/ld/"), 0);
  EXPECT_EQ(cwd(), "/d");
}

TEST_P(VfsTest, NameTooLong) {
  const std::string n255(255, 'n'), n256(256, 'n');
  make_file("/" + n255, "ok");
  EXPECT_EQ(contents("/" + n255), "ok");
  EXPECT_EQ(fs().mkdir("/d" + n255.substr(1), 0755), 0);
  EXPECT_ERR(ENAMETOOLONG, fs().open("/" + n256, O_CREAT | O_RDWR, 0644));
  EXPECT_ERR(ENAMETOOLONG, fs().open("/" + n256, O_RDONLY));
  EXPECT_ERR(ENAMETOOLONG, fs().mkdir("/" + n256, 0755));
  EXPECT_ERR(ENAMETOOLONG, fs().lstat("/" + n256, nullptr)) << "even if it does not exist";
  EXPECT_ERR(ENAMETOOLONG, fs().lstat("/" + n256 + "/x", nullptr));
  EXPECT_ERR(ENAMETOOLONG, fs().symlink("x", "/" + n256));
  EXPECT_ERR(ENAMETOOLONG, fs().rename("/" + n255, "/" + n256));
  std::vector<Dirent> list;
  ASSERT_EQ(fs().list_dir("/", &list), 0);
  EXPECT_EQ(list.size(), 4u) << "., .., and the two 255-byte names";
}

TEST_P(VfsTest, PathTooLong) {
  make_file("/f", "x");
  // Relative paths (the target's root adds nothing to them): 4095 bytes and the NUL fit in
  // PATH_MAX, 4096 bytes do not. Slashes make up the length.
  auto path_of = [](size_t len) { return "." + std::string(len - 2, '/') + "f"; };
  ASSERT_EQ(path_of(4095).size(), 4095u);
  EXPECT_EQ(contents(path_of(4095)), "x");
  EXPECT_ERR(ENAMETOOLONG, fs().lstat(path_of(4096), nullptr));
  EXPECT_ERR(ENAMETOOLONG, fs().open(path_of(5000), O_RDONLY));
  EXPECT_ERR(ENAMETOOLONG, fs().open("/" + std::string(5000, 'a'), O_RDONLY));
  // A link's target may be at most 4095 bytes.
  EXPECT_EQ(fs().symlink(std::string(4095, 't'), "/long"), 0);
  EXPECT_EQ(lst("/long").size, 4095);
  EXPECT_ERR(ENAMETOOLONG, fs().symlink(std::string(4096, 't'), "/toolong"));
}

}  // namespace
}  // namespace vfs_suite
