// The shared system call suite, part 3: attributes — stat, lstat, fstat, fstatat, statx,
// access, faccessat, chmod, chown, utimensat, futimens, truncate, ftruncate, fallocate, fsync,
// fdatasync, sync, statfs, fstatfs.
#include <linux/falloc.h>
#include <linux/magic.h>
#include <sys/sysmacros.h>

#include <string>
#include <vector>

#include "tests/vfs_suite/suite.h"

namespace vfs_suite {
namespace {

bool operator<=(const timespec& a, const timespec& b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
}

// --- stat family ---------------------------------------------------------------------------

TEST_P(VfsTest, StatOfEachType) {
  make_file("/f", "12345");
  ASSERT_EQ(fs().mkdir("/d", 0750), 0);
  ASSERT_EQ(fs().symlink("f", "/l"), 0);
  ASSERT_EQ(fs().symlink("/nowhere/x", "/dangling"), 0);
  ASSERT_EQ(fs().mknod("/p", S_IFIFO | 0640, 0), 0);
  EXPECT_EQ(to_string(lst("/f")), "reg 0644 n=1 s=5 " + me());
  EXPECT_EQ(to_string(lst("/d"), false), "dir 0750 n=2 " + me());
  EXPECT_EQ(to_string(lst("/l")), "lnk 0777 n=1 s=1 " + me());
  EXPECT_EQ(to_string(lst("/dangling")), "lnk 0777 n=1 s=10 " + me());
  EXPECT_EQ(to_string(lst("/p")), "fifo 0640 n=1 s=0 " + me());
  EXPECT_EQ(to_string(st("/l")), "reg 0644 n=1 s=5 " + me());
  EXPECT_EQ(lst("/l").ino == st("/f").ino, false);
  EXPECT_EQ(st("/l").ino, st("/f").ino);
  EXPECT_ERR(ENOENT, fs().stat("/dangling", nullptr));
  EXPECT_ERR(ENOENT, fs().stat("/missing", nullptr));
  EXPECT_ERR(ENOENT, fs().lstat("", nullptr));
  EXPECT_NE(lst("/f").ino, lst("/d").ino);
  EXPECT_EQ(lst("/f").dev, lst("/d").dev);
  if (tmpfs_like()) {
    // Linux's tmpfs counts 20 bytes a directory entry (BOGO_DIRENT_SIZE), 40 when empty.
    EXPECT_EQ(lst("/d").size, 40);
  }
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  StatInfo s;
  ASSERT_EQ(fs().fstat(fd, &s), 0);
  EXPECT_EQ(to_string(s), "reg 0644 n=1 s=5 " + me());
  EXPECT_EQ(s.ino, lst("/f").ino);
  EXPECT_ERR(EBADF, fs().fstat(99, &s));
}

TEST_P(VfsTest, StatOfAChardevNode) {
  REQUIRE_PRIVILEGED();
  ASSERT_EQ(fs().mknod("/null", S_IFCHR | 0600, makedev(1, 3)), 0);
  EXPECT_EQ(to_string(lst("/null")), "chr 0600 n=1 s=0 u=0 g=0 rdev=1:3");
  // It is the device, wherever the node is.
  int fd;
  ASSERT_FD(fd, fs().open("/null", O_RDWR));
  EXPECT_EQ(fs().write(fd, "gone"), 4);
  std::string s;
  EXPECT_EQ(fs().read(fd, 4, &s), 0);
}

TEST_P(VfsTest, Fstatat) {
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  make_file("/d/f", "abc");
  ASSERT_EQ(fs().symlink("f", "/d/l"), 0);
  int dfd, ffd;
  ASSERT_FD(dfd, fs().open("/d", O_RDONLY | O_DIRECTORY));
  ASSERT_FD(ffd, fs().open("/d/f", O_RDONLY));
  StatInfo s;
  ASSERT_EQ(fs().fstatat(dfd, "f", &s, 0), 0);
  EXPECT_EQ(s.size, 3);
  ASSERT_EQ(fs().fstatat(dfd, "l", &s, 0), 0);
  EXPECT_TRUE(s.is_reg());
  ASSERT_EQ(fs().fstatat(dfd, "l", &s, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_TRUE(s.is_lnk());
  ASSERT_EQ(fs().fstatat(ffd, "", &s, AT_EMPTY_PATH), 0);
  EXPECT_EQ(s.size, 3);
  ASSERT_EQ(fs().fstatat(AT_FDCWD, "d/f", &s, 0), 0);
  EXPECT_EQ(s.size, 3);
  EXPECT_ERR(ENOENT, fs().fstatat(ffd, "", &s, 0));
  EXPECT_ERR(ENOTDIR, fs().fstatat(ffd, "x", &s, 0));
  EXPECT_ERR(EINVAL, fs().fstatat(dfd, "f", &s, 0x1));
  EXPECT_ERR(EBADF, fs().fstatat(99, "f", &s, 0));
}

TEST_P(VfsTest, Statx) {
  make_file("/f", "hello");
  ASSERT_EQ(fs().symlink("f", "/l"), 0);
  StatInfo x, s = lst("/f");
  ASSERT_EQ(fs().statx(AT_FDCWD, "/f", 0, STATX_BASIC_STATS, &x), 0);
  EXPECT_EQ(x.statx_mask & STATX_BASIC_STATS, unsigned(STATX_BASIC_STATS));
  EXPECT_EQ(to_string(x), to_string(s));
  EXPECT_EQ(x.ino, s.ino);
  EXPECT_EQ(x.dev, s.dev);
  EXPECT_EQ(x.mtime.tv_sec, s.mtime.tv_sec);
  EXPECT_EQ(x.mtime.tv_nsec, s.mtime.tv_nsec);
  ASSERT_EQ(fs().statx(AT_FDCWD, "/l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &x), 0);
  EXPECT_TRUE(x.is_lnk());
  ASSERT_EQ(fs().statx(AT_FDCWD, "/l", AT_STATX_SYNC_AS_STAT, STATX_SIZE, &x), 0);
  EXPECT_EQ(x.size, 5);
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  ASSERT_EQ(fs().statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &x), 0);
  EXPECT_EQ(x.ino, s.ino);
  EXPECT_ERR(EINVAL, fs().statx(AT_FDCWD, "/f", 0, STATX__RESERVED, &x));
  EXPECT_ERR(EINVAL, fs().statx(AT_FDCWD, "/f", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, 0, &x));
  EXPECT_ERR(EINVAL, fs().statx(AT_FDCWD, "/f", 0x1, STATX_BASIC_STATS, &x));
  EXPECT_ERR(ENOENT, fs().statx(AT_FDCWD, "/missing", 0, STATX_BASIC_STATS, &x));
}

// --- access --------------------------------------------------------------------------------

TEST_P(VfsTest, AccessAsRoot) {
  REQUIRE_PRIVILEGED();
  make_file("/f", "", 0644);
  make_file("/none", "", 0000);
  make_file("/x", "", 0100);
  ASSERT_EQ(fs().symlink("/missing", "/dangling"), 0);
  EXPECT_EQ(fs().access("/f", F_OK), 0);
  EXPECT_ERR(ENOENT, fs().access("/missing", F_OK));
  EXPECT_EQ(fs().access("/none", R_OK | W_OK), 0) << "root reads and writes anything";
  EXPECT_ERR(EACCES, fs().access("/f", X_OK)) << "but executes only with some x bit";
  EXPECT_EQ(fs().access("/x", X_OK), 0);
  EXPECT_ERR(EINVAL, fs().access("/f", 8));
  EXPECT_ERR(ENOENT, fs().access("/dangling", F_OK));
  EXPECT_EQ(fs().faccessat(AT_FDCWD, "/dangling", F_OK, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_EQ(fs().faccessat(AT_FDCWD, "/f", R_OK, AT_EACCESS), 0);
  EXPECT_ERR(EINVAL, fs().faccessat(AT_FDCWD, "/f", R_OK, 0x1));
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  EXPECT_EQ(fs().faccessat(fd, "", R_OK, AT_EMPTY_PATH), 0);
  EXPECT_ERR(ENOTDIR, fs().faccessat(fd, "x", R_OK, 0));
}

TEST_P(VfsTest, AccessUsesTheRealIdsUnlessAtEaccess) {
  REQUIRE_PRIVILEGED();
  make_file("/secret", "", 0600);
  make_file("/alices", "", 0600);
  ASSERT_EQ(fs().chown("/alices", kAlice, kAliceGroup), 0);
  fs().fork_process();
  ASSERT_EQ(fs().setresuid(kAlice, 0, 0), 0);  // real alice, effective root
  EXPECT_ERR(EACCES, fs().access("/secret", R_OK));
  EXPECT_EQ(fs().faccessat(AT_FDCWD, "/secret", R_OK, AT_EACCESS), 0);
  EXPECT_EQ(fs().access("/alices", R_OK | W_OK), 0);
  EXPECT_OK(fs().open("/secret", O_RDONLY)) << "open uses the effective ids";
}

// --- chmod, chown --------------------------------------------------------------------------

TEST_P(VfsTest, Chmod) {
  make_file("/f");
  ASSERT_EQ(fs().symlink("f", "/l"), 0);
  StatInfo before = lst("/f");
  EXPECT_EQ(fs().chmod("/f", 0600), 0);
  EXPECT_EQ(lst("/f").perm(), 0600u);
  EXPECT_TRUE(before.ctime <= lst("/f").ctime);
  EXPECT_EQ(fs().chmod("/f", 07777), 0);
  EXPECT_EQ(lst("/f").perm(), 07777u) << "root may set every bit";
  EXPECT_EQ(fs().chmod("/f", 0170644), 0);
  EXPECT_EQ(to_string(lst("/f")), "reg 0644 n=1 s=0 " + me()) << "type bits are ignored";
  EXPECT_EQ(fs().chmod("/l", 0640), 0);
  EXPECT_EQ(lst("/f").perm(), 0640u) << "chmod follows symlinks";
  EXPECT_EQ(lst("/l").perm(), 0777u);
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  EXPECT_EQ(fs().fchmod(fd, 0444), 0) << "the open mode does not matter";
  EXPECT_EQ(lst("/f").perm(), 0444u);
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  int dfd;
  ASSERT_FD(dfd, fs().open("/d", O_RDONLY));
  make_file("/d/g");
  EXPECT_EQ(fs().fchmodat(dfd, "g", 0604, 0), 0);
  EXPECT_EQ(lst("/d/g").perm(), 0604u);
  EXPECT_ERR(ENOENT, fs().chmod("/missing", 0644));
  EXPECT_ERR(EBADF, fs().fchmod(99, 0644));
  // fchmodat2 (Linux 6.6): AT_SYMLINK_NOFOLLOW works on files, not on links.
  if (!host() || host_kernel_at_least(6, 6)) {
    EXPECT_EQ(fs().fchmodat(AT_FDCWD, "/f", 0600, AT_SYMLINK_NOFOLLOW), 0);
    EXPECT_EQ(lst("/f").perm(), 0600u);
    EXPECT_ERR(EOPNOTSUPP, fs().fchmodat(AT_FDCWD, "/l", 0600, AT_SYMLINK_NOFOLLOW));
    EXPECT_ERR(EINVAL, fs().fchmodat(AT_FDCWD, "/f", 0600, 0x1));
  }
}

TEST_P(VfsTest, ChmodAsAUser) {
  REQUIRE_PRIVILEGED();
  make_file("/roots");
  make_file("/alices");
  ASSERT_EQ(fs().chown("/alices", kAlice, kOtherGroup), 0);
  ASSERT_TRUE(as_user(kAlice, kAliceGroup, {kSharedGroup}));
  EXPECT_ERR(EPERM, fs().chmod("/roots", 0777));
  EXPECT_EQ(fs().chmod("/alices", 0600), 0);
  // Setting S_ISGID on a file of a group one is not in drops the bit silently.
  EXPECT_EQ(fs().chmod("/alices", 02755), 0);
  EXPECT_EQ(lst("/alices").perm(), 0755u);
  EXPECT_EQ(fs().chmod("/alices", 04755), 0);
  EXPECT_EQ(lst("/alices").perm(), 04755u) << "the owner may set S_ISUID";
}

TEST_P(VfsTest, Chown) {
  REQUIRE_PRIVILEGED();
  make_file("/f");
  ASSERT_EQ(fs().symlink("f", "/l"), 0);
  EXPECT_EQ(fs().chown("/f", kAlice, kSharedGroup), 0);
  EXPECT_EQ(to_string(lst("/f")), "reg 0644 n=1 s=0 u=1000 g=2000");
  EXPECT_EQ(fs().chown("/f", uid_t(-1), gid_t(-1)), 0);
  EXPECT_EQ(to_string(lst("/f")), "reg 0644 n=1 s=0 u=1000 g=2000");
  EXPECT_EQ(fs().chown("/f", uid_t(-1), kBobGroup), 0);
  EXPECT_EQ(to_string(lst("/f")), "reg 0644 n=1 s=0 u=1000 g=1001");
  // chown follows links, lchown does not.
  EXPECT_EQ(fs().lchown("/l", kBob, kBobGroup), 0);
  EXPECT_EQ(to_string(lst("/l")), "lnk 0777 n=1 s=1 u=1001 g=1001");
  EXPECT_EQ(lst("/f").uid, kAlice);
  EXPECT_EQ(fs().chown("/l", 0, 0), 0);
  EXPECT_EQ(lst("/f").uid, 0u);
  EXPECT_EQ(lst("/l").uid, kBob);
  EXPECT_EQ(fs().fchownat(AT_FDCWD, "/l", 7, 7, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_EQ(lst("/l").uid, 7u);
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  EXPECT_EQ(fs().fchown(fd, 5, 6), 0);
  EXPECT_EQ(lst("/f").gid, 6u);
  EXPECT_ERR(EINVAL, fs().fchownat(AT_FDCWD, "/f", 0, 0, 0x1));
  EXPECT_ERR(ENOENT, fs().chown("/missing", 0, 0));
}

TEST_P(VfsTest, ChownClearsSetidBitsEvenForRoot) {
  REQUIRE_PRIVILEGED();
  make_file("/f");
  ASSERT_EQ(fs().chmod("/f", 06755), 0);
  EXPECT_EQ(fs().chown("/f", 0, 0), 0);
  EXPECT_EQ(lst("/f").perm(), 0755u) << "even to the same owner";
  // Even chown(-1, -1), on a regular file.
  ASSERT_EQ(fs().chmod("/f", 04755), 0);
  EXPECT_EQ(fs().chown("/f", uid_t(-1), gid_t(-1)), 0);
  EXPECT_EQ(lst("/f").perm(), 0755u);
  // S_ISGID without group execute is not a set-group-ID bit and stays for root.
  ASSERT_EQ(fs().chmod("/f", 02644), 0);
  EXPECT_EQ(fs().chown("/f", kAlice, kAliceGroup), 0);
  EXPECT_EQ(lst("/f").perm(), 02644u);
  // Directories keep theirs.
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  ASSERT_EQ(fs().chmod("/d", 07755), 0);
  EXPECT_EQ(fs().chown("/d", kAlice, kAliceGroup), 0);
  EXPECT_EQ(lst("/d").perm(), 07755u);
}

TEST_P(VfsTest, ChownAsAUser) {
  REQUIRE_PRIVILEGED();
  make_file("/f");
  ASSERT_EQ(fs().chown("/f", kAlice, kAliceGroup), 0);
  ASSERT_TRUE(as_user(kAlice, kAliceGroup, {kSharedGroup}));
  EXPECT_ERR(EPERM, fs().chown("/f", kBob, uid_t(-1))) << "giving a file away";
  EXPECT_EQ(fs().chown("/f", kAlice, uid_t(-1)), 0) << "to oneself is no change";
  EXPECT_EQ(fs().chown("/f", uid_t(-1), kSharedGroup), 0) << "to a group one is in";
  EXPECT_EQ(lst("/f").gid, kSharedGroup);
  EXPECT_ERR(EPERM, fs().chown("/f", uid_t(-1), kOtherGroup));
}

// --- times ---------------------------------------------------------------------------------

TEST_P(VfsTest, Utimensat) {
  make_file("/f");
  ASSERT_EQ(fs().symlink("f", "/l"), 0);
  const timespec t[2] = {{100, 5}, {200, 999999999}};
  EXPECT_EQ(fs().utimensat(AT_FDCWD, "/f", t, 0), 0);
  StatInfo s = lst("/f");
  EXPECT_EQ(s.atime.tv_sec, 100);
  EXPECT_EQ(s.atime.tv_nsec, 5);
  EXPECT_EQ(s.mtime.tv_sec, 200);
  EXPECT_EQ(s.mtime.tv_nsec, 999999999);
  EXPECT_GT(s.ctime.tv_sec, 1000000000) << "ctime is now";
  const timespec omit_now[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
  EXPECT_EQ(fs().utimensat(AT_FDCWD, "/f", omit_now, 0), 0);
  s = lst("/f");
  EXPECT_EQ(s.atime.tv_sec, 100);
  EXPECT_GT(s.mtime.tv_sec, 1000000000);
  // Through the link, or to the link.
  EXPECT_EQ(fs().utimensat(AT_FDCWD, "/l", t, 0), 0);
  EXPECT_EQ(lst("/f").mtime.tv_sec, 200);
  EXPECT_EQ(fs().utimensat(AT_FDCWD, "/l", t, AT_SYMLINK_NOFOLLOW), 0);
  EXPECT_EQ(lst("/l").mtime.tv_sec, 200);
  EXPECT_EQ(fs().utimensat(AT_FDCWD, "/f", nullptr, 0), 0);
  EXPECT_GT(lst("/f").atime.tv_sec, 1000000000);
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  EXPECT_EQ(fs().futimens(fd, t), 0);
  EXPECT_EQ(lst("/f").mtime.tv_sec, 200);
  const timespec bad[2] = {{0, 1000000000}, {0, 0}};
  EXPECT_ERR(EINVAL, fs().utimensat(AT_FDCWD, "/f", bad, 0));
  EXPECT_ERR(EINVAL, fs().utimensat(AT_FDCWD, "/f", t, 0x1));
  EXPECT_ERR(ENOENT, fs().utimensat(AT_FDCWD, "/missing", t, 0));
  EXPECT_ERR(EBADF, fs().futimens(99, t));
}

TEST_P(VfsTest, WritesUpdateMtimeAndCtime) {
  make_file("/f");
  const timespec t[2] = {{100, 0}, {100, 0}};
  ASSERT_EQ(fs().utimensat(AT_FDCWD, "/f", t, 0), 0);
  StatInfo before = lst("/f");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_WRONLY));
  EXPECT_EQ(fs().write(fd, "x"), 1);
  StatInfo after = lst("/f");
  EXPECT_GT(after.mtime.tv_sec, 1000000000);
  EXPECT_TRUE(before.ctime <= after.ctime);
  EXPECT_EQ(after.atime.tv_sec, 100) << "writing does not touch atime";
}

TEST_P(VfsTest, UtimensatPermissions) {
  REQUIRE_PRIVILEGED();
  make_file("/shared");
  make_file("/private");
  ASSERT_EQ(fs().chmod("/shared", 0666), 0);  // (the umask took the bits at creation)
  ASSERT_TRUE(as_user(kBob, kBobGroup));
  const timespec t[2] = {{100, 0}, {100, 0}};
  EXPECT_EQ(fs().utimensat(AT_FDCWD, "/shared", nullptr, 0), 0) << "now: write access will do";
  EXPECT_ERR(EPERM, fs().utimensat(AT_FDCWD, "/shared", t, 0)) << "a given time: the owner";
  EXPECT_ERR(EACCES, fs().utimensat(AT_FDCWD, "/private", nullptr, 0));
}

// --- size ----------------------------------------------------------------------------------

TEST_P(VfsTest, TruncateAndFtruncate) {
  make_file("/f", "hello world");
  EXPECT_EQ(fs().truncate("/f", 5), 0);
  EXPECT_EQ(contents("/f"), "hello");
  EXPECT_EQ(fs().truncate("/f", 8), 0);
  EXPECT_EQ(contents("/f"), std::string("hello\0\0\0", 8));
  EXPECT_ERR(EINVAL, fs().truncate("/f", -1));
  EXPECT_ERR(ENOENT, fs().truncate("/missing", 0));
  EXPECT_ERR(ENOTDIR, fs().truncate("/f/", 0));
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  EXPECT_ERR(EISDIR, fs().truncate("/d", 0));
  int rw, ro, dfd;
  ASSERT_FD(rw, fs().open("/f", O_RDWR));
  ASSERT_FD(ro, fs().open("/f", O_RDONLY));
  ASSERT_FD(dfd, fs().open("/d", O_RDONLY));
  EXPECT_EQ(fs().lseek(rw, 6, SEEK_SET), 6);
  EXPECT_EQ(fs().ftruncate(rw, 2), 0);
  EXPECT_EQ(fs().lseek(rw, 0, SEEK_CUR), 6) << "the offset stays beyond the end";
  EXPECT_EQ(fs().write(rw, "!"), 1);
  EXPECT_EQ(contents("/f"), std::string("he\0\0\0\0!", 7));
  EXPECT_ERR(EINVAL, fs().ftruncate(ro, 0)) << "Linux: EINVAL, not EBADF";
  EXPECT_ERR(EINVAL, fs().ftruncate(dfd, 0));
  EXPECT_ERR(EINVAL, fs().ftruncate(rw, -1));
  EXPECT_ERR(EBADF, fs().ftruncate(99, 0));
}

TEST_P(VfsTest, TruncateNeedsWritePermission) {
  REQUIRE_PRIVILEGED();
  make_file("/f", "data", 0644);
  ASSERT_TRUE(as_user(kAlice, kAliceGroup));
  EXPECT_ERR(EACCES, fs().truncate("/f", 0));
  EXPECT_EQ(contents("/f"), "data");
}

TEST_P(VfsTest, Fallocate) {
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_CREAT | O_RDWR, 0644));
  EXPECT_EQ(fs().fallocate(fd, 0, 0, 8192), 0);
  EXPECT_EQ(lst("/f").size, 8192);
  EXPECT_EQ(contents("/f"), std::string(8192, '\0'));
  EXPECT_EQ(fs().fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 4096), 0);
  EXPECT_EQ(lst("/f").size, 8192);
  EXPECT_EQ(fs().fallocate(fd, 0, 100, 10), 0) << "inside the file: nothing changes";
  EXPECT_EQ(lst("/f").size, 8192);
  // Punching a hole zeroes the range and frees whole pages.
  EXPECT_EQ(fs().pwrite(fd, std::string(12288, 'x'), 0), 12288);
  EXPECT_EQ(fs().fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4000, 4200), 0);
  std::string s;
  EXPECT_EQ(fs().pread(fd, 12288, 0, &s), 12288);
  EXPECT_EQ(s, std::string(4000, 'x') + std::string(4200, '\0') + std::string(4088, 'x'));
  EXPECT_EQ(lst("/f").size, 12288);
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_HOLE), 4096);
  EXPECT_EQ(fs().lseek(fd, 4096, SEEK_DATA), 8192);
  EXPECT_ERR(EOPNOTSUPP, fs().fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10));
  EXPECT_ERR(EINVAL, fs().fallocate(fd, 0, 0, 0));
  EXPECT_ERR(EINVAL, fs().fallocate(fd, 0, -1, 10));
  int ro;
  ASSERT_FD(ro, fs().open("/f", O_RDONLY));
  EXPECT_ERR(EBADF, fs().fallocate(ro, 0, 0, 10));
  int p[2];
  ASSERT_EQ(fs().pipe2(p, 0), 0);
  EXPECT_ERR(ESPIPE, fs().fallocate(p[1], 0, 0, 10));
  if (tmpfs_like()) {
    EXPECT_ERR(EOPNOTSUPP, fs().fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 10));
  }
}

TEST_P(VfsTest, FsyncFdatasyncSync) {
  make_file("/f", "x");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  int fd, dfd, ro;
  ASSERT_FD(fd, fs().open("/f", O_RDWR));
  ASSERT_FD(ro, fs().open("/f", O_RDONLY));
  ASSERT_FD(dfd, fs().open("/d", O_RDONLY));
  EXPECT_EQ(fs().fsync(fd), 0);
  EXPECT_EQ(fs().fdatasync(fd), 0);
  EXPECT_EQ(fs().fsync(ro), 0);
  EXPECT_EQ(fs().fsync(dfd), 0);
  EXPECT_ERR(EBADF, fs().fsync(99));
  EXPECT_ERR(EBADF, fs().fdatasync(99));
  int p[2];
  ASSERT_EQ(fs().pipe2(p, 0), 0);
  EXPECT_ERR(EINVAL, fs().fsync(p[0]));
  fs().sync();
  EXPECT_EQ(contents("/f"), "x");
}

// --- statfs --------------------------------------------------------------------------------

TEST_P(VfsTest, Statfs) {
  make_file("/f");
  StatfsInfo a, b;
  ASSERT_EQ(fs().statfs("/", &a), 0);
  EXPECT_EQ(a.namelen, 255);
  EXPECT_GT(a.bsize, 0);
  EXPECT_GE(a.blocks, a.bfree);
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  ASSERT_EQ(fs().fstatfs(fd, &b), 0);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.bsize, b.bsize);
  if (tmpfs_like()) {
    EXPECT_EQ(a.type, TMPFS_MAGIC);
    EXPECT_EQ(a.bsize, 4096);
  }
  if (is_fs("tmpfs")) {
    EXPECT_EQ(a.blocks * uint64_t(a.bsize), 64u << 20) << "mounted with size=64m";
  }
  EXPECT_ERR(ENOENT, fs().statfs("/missing", &a));
  EXPECT_ERR(ENOTDIR, fs().statfs("/f/", &a));
  EXPECT_ERR(EBADF, fs().fstatfs(99, &a));
}

}  // namespace
}  // namespace vfs_suite
