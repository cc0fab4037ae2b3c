// The shared system call suite, part 7: extended attributes — setxattr, getxattr, listxattr,
// removexattr and their l and f forms: values, flags, names and sizes, namespaces (user.,
// trusted., security., others), symbolic links, special files, pipes, and the permission rules.
// The host (Linux's tmpfs) shows what is expected; every file system runs the same checks.
#include <sys/xattr.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/vfs_suite/suite.h"

namespace vfs_suite {
namespace {

using Names = std::vector<std::string>;

TEST_P(VfsTest, XattrSetGetListRemove) {
  make_file("/f", "data");
  EXPECT_RET(0, fs().setxattr("/f", "user.a", "hello", 0));
  std::string v;
  EXPECT_RET(5, fs().getxattr("/f", "user.a", &v));
  EXPECT_EQ(v, "hello");
  EXPECT_RET(5, fs().getxattr("/f", "user.a", nullptr, 0));  // the size needed
  EXPECT_ERR(ERANGE, fs().getxattr("/f", "user.a", &v, 2));
  EXPECT_ERR(ENODATA, fs().getxattr("/f", "user.missing", &v));
  EXPECT_ERR(EEXIST, fs().setxattr("/f", "user.a", "x", XATTR_CREATE));
  EXPECT_ERR(ENODATA, fs().setxattr("/f", "user.b", "x", XATTR_REPLACE));
  EXPECT_RET(0, fs().setxattr("/f", "user.a", "replaced", XATTR_REPLACE));
  EXPECT_RET(0, fs().setxattr("/f", "user.b", "", XATTR_CREATE));  // an empty value
  EXPECT_RET(0, fs().getxattr("/f", "user.b", &v));
  EXPECT_RET(8, fs().getxattr("/f", "user.a", &v));
  EXPECT_EQ(v, "replaced");
  Names names;
  EXPECT_RET(14, fs().listxattr("/f", &names));
  EXPECT_EQ(names, (Names{"user.a", "user.b"}));
  EXPECT_RET(14, fs().listxattr("/f", nullptr, 0));
  EXPECT_ERR(ERANGE, fs().listxattr("/f", &names, 10));
  EXPECT_RET(0, fs().removexattr("/f", "user.a"));
  EXPECT_ERR(ENODATA, fs().removexattr("/f", "user.a"));
  EXPECT_ERR(ENODATA, fs().getxattr("/f", "user.a", &v));
  EXPECT_RET(7, fs().listxattr("/f", &names));
  EXPECT_EQ(names, (Names{"user.b"}));
  EXPECT_RET(0, fs().removexattr("/f", "user.b"));
  EXPECT_RET(0, fs().listxattr("/f", &names));
  EXPECT_EQ(contents("/f"), "data");  // the data is another thing
  EXPECT_ERR(ENOENT, fs().getxattr("/missing", "user.a", &v));
  EXPECT_ERR(ENOENT, fs().setxattr("/missing", "user.a", "x", 0));
}

TEST_P(VfsTest, XattrManyAndLargeValues) {
  make_file("/f");
  for (int i = 0; i < 20; ++i)
    ASSERT_RET(0, fs().setxattr("/f", "user.n" + std::to_string(i), std::string(i * 7, 'a' + i % 26), 0));
  Names names;
  ASSERT_OK(fs().listxattr("/f", &names));
  EXPECT_EQ(names.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    std::string v;
    EXPECT_RET(i * 7, fs().getxattr("/f", "user.n" + std::to_string(i), &v));
    EXPECT_EQ(v, std::string(i * 7, 'a' + i % 26));
  }
  // A 255-byte name is the longest.
  std::string longest = "user." + std::string(250, 'n');
  EXPECT_RET(0, fs().setxattr("/f", longest, "1", 0));
  EXPECT_RET(1, fs().getxattr("/f", longest, nullptr, 0));
  if (!is_fs("ext2")) {
    // Linux's tmpfs keeps values up to 64 KiB (ext2's must fit a block).
    std::string big(65536, 'v');
    EXPECT_RET(0, fs().setxattr("/f", "user.big", big, 0));
    std::string v;
    EXPECT_RET(65536, fs().getxattr("/f", "user.big", &v, 65536));
    EXPECT_EQ(v, big);
    EXPECT_RET(65536, fs().getxattr("/f", "user.big", &v, 1 << 20));  // cut to 64 KiB, fits
  }
}

TEST_P(VfsTest, XattrNamesFlagsAndSizes) {
  make_file("/f");
  std::string v;
  EXPECT_ERR(ERANGE, fs().setxattr("/f", "", "x", 0));
  EXPECT_ERR(ERANGE, fs().setxattr("/f", "user." + std::string(251, 'n'), "x", 0));
  EXPECT_ERR(ERANGE, fs().getxattr("/f", "user." + std::string(251, 'n'), &v));
  EXPECT_ERR(ERANGE, fs().removexattr("/f", ""));
  EXPECT_ERR(E2BIG, fs().setxattr("/f", "user.a", std::string(65537, 'x'), 0));
  EXPECT_ERR(EINVAL, fs().setxattr("/f", "user.a", "x", 4));
  EXPECT_ERR(EINVAL, fs().setxattr("/missing", "user.a", "x", 4));  // before the lookup
  EXPECT_ERR(ERANGE, fs().getxattr("/missing", "", &v));
  // Namespaces the file systems do not have.
  EXPECT_ERR(EOPNOTSUPP, fs().setxattr("/f", "foo.bar", "x", 0));
  EXPECT_ERR(EOPNOTSUPP, fs().getxattr("/f", "foo.bar", &v));
  EXPECT_ERR(EOPNOTSUPP, fs().setxattr("/f", "system.nothing", "x", 0));
  EXPECT_ERR(EOPNOTSUPP, fs().removexattr("/f", "user"));  // no dot: no namespace
}

TEST_P(VfsTest, XattrOnDirectoriesLinksAndSpecialFiles) {
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  make_file("/f");
  ASSERT_EQ(fs().symlink("f", "/l"), 0);
  ASSERT_EQ(fs().mknod("/p", S_IFIFO | 0644, 0), 0);
  std::string v;
  EXPECT_RET(0, fs().setxattr("/d", "user.dir", "d", 0));
  EXPECT_RET(1, fs().getxattr("/d", "user.dir", &v));
  // Through a symbolic link: the file's. On the link itself: user.* is not allowed.
  EXPECT_RET(0, fs().setxattr("/l", "user.via", "link", 0));
  EXPECT_RET(4, fs().getxattr("/f", "user.via", &v));
  EXPECT_ERR(EPERM, fs().setxattr("/l", "user.on", "x", 0, false));
  EXPECT_ERR(ENODATA, fs().getxattr("/l", "user.via", &v, 65536, false));
  EXPECT_RET(0, fs().listxattr("/l", nullptr, 0, false));
  EXPECT_ERR(EPERM, fs().removexattr("/l", "user.via", false));
  EXPECT_ERR(EPERM, fs().setxattr("/p", "user.x", "x", 0));
  EXPECT_ERR(ENODATA, fs().getxattr("/p", "user.x", &v));
  EXPECT_RET(0, fs().listxattr("/p", nullptr, 0));
}

TEST_P(VfsTest, XattrThroughDescriptors) {
  make_file("/f");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  EXPECT_RET(0, fs().fsetxattr(fd, "user.fd", "via fd", 0));  // no write access needed here
  std::string v;
  EXPECT_RET(6, fs().fgetxattr(fd, "user.fd", &v));
  EXPECT_EQ(v, "via fd");
  Names names;
  EXPECT_RET(8, fs().flistxattr(fd, &names));
  EXPECT_EQ(names, (Names{"user.fd"}));
  EXPECT_RET(0, fs().fremovexattr(fd, "user.fd"));
  EXPECT_ERR(ENODATA, fs().fremovexattr(fd, "user.fd"));
  EXPECT_ERR(EBADF, fs().fgetxattr(99, "user.fd", &v));
  EXPECT_ERR(EBADF, fs().fsetxattr(99, "user.fd", "x", 0));
  int path_fd;
  ASSERT_FD(path_fd, fs().open("/f", O_PATH));
  EXPECT_ERR(EBADF, fs().fgetxattr(path_fd, "user.fd", &v));
  EXPECT_ERR(EBADF, fs().fsetxattr(path_fd, "user.fd", "x", 0));
  EXPECT_ERR(EBADF, fs().flistxattr(path_fd, &names));
  // A pipe has no attributes: user.* is refused as on a FIFO, the rest is not supported.
  int p[2];
  ASSERT_EQ(fs().pipe2(p, 0), 0);
  EXPECT_ERR(EPERM, fs().fsetxattr(p[0], "user.x", "x", 0));
  EXPECT_ERR(ENODATA, fs().fgetxattr(p[0], "user.x", &v));
  EXPECT_ERR(EOPNOTSUPP, fs().fgetxattr(p[0], "foo.x", &v));
  EXPECT_RET(0, fs().flistxattr(p[0], &names));
}

TEST_P(VfsTest, XattrAttributesGoWithTheFile) {
  make_file("/f");
  ASSERT_RET(0, fs().setxattr("/f", "user.a", "1", 0));
  ASSERT_EQ(fs().link("/f", "/g"), 0);
  std::string v;
  EXPECT_RET(1, fs().getxattr("/g", "user.a", &v));  // one file, two names
  ASSERT_EQ(fs().rename("/g", "/h"), 0);
  EXPECT_RET(1, fs().getxattr("/h", "user.a", &v));
  ASSERT_EQ(fs().unlink("/f"), 0);
  ASSERT_EQ(fs().unlink("/h"), 0);
  make_file("/f");  // a new file of the same name starts with none
  EXPECT_RET(0, fs().listxattr("/f", nullptr, 0));
  EXPECT_ERR(ENODATA, fs().getxattr("/f", "user.a", &v));
}

TEST_P(VfsTest, XattrPrivilegedNamespaces) {
  REQUIRE_PRIVILEGED();
  make_file("/f");
  ASSERT_EQ(fs().chmod("/f", 0666), 0);
  EXPECT_RET(0, fs().setxattr("/f", "trusted.t", "root's", 0));
  EXPECT_RET(0, fs().setxattr("/f", "security.s", "label", 0));
  EXPECT_RET(0, fs().setxattr("/f", "user.u", "anyone's", 0));
  Names names;
  ASSERT_OK(fs().listxattr("/f", &names));
  EXPECT_EQ(names, (Names{"security.s", "trusted.t", "user.u"}));
  ASSERT_EQ(fs().mknod("/p", S_IFIFO | 0644, 0), 0);
  EXPECT_RET(0, fs().setxattr("/p", "trusted.t", "fifo", 0));  // trusted.*: any type
  ASSERT_TRUE(as_user(kAlice, kAliceGroup));
  std::string v;
  EXPECT_ERR(ENODATA, fs().getxattr("/f", "trusted.t", &v));
  EXPECT_ERR(EPERM, fs().setxattr("/f", "trusted.x", "x", 0));
  EXPECT_ERR(EPERM, fs().removexattr("/f", "trusted.t"));
  EXPECT_RET(5, fs().getxattr("/f", "security.s", &v));
  EXPECT_ERR(EPERM, fs().setxattr("/f", "security.s", "mine", 0));
  EXPECT_RET(8, fs().getxattr("/f", "user.u", &v));
  ASSERT_OK(fs().listxattr("/f", &names));
  EXPECT_EQ(names, (Names{"security.s", "user.u"}));  // trusted.* hidden
  EXPECT_RET(0, fs().setxattr("/f", "user.u", "alice's", 0));  // 0666: writable
}

TEST_P(VfsTest, XattrPermissionsOfUserNames) {
  REQUIRE_PRIVILEGED();
  make_file("/ro", "", 0644);
  make_file("/none", "", 0600);
  ASSERT_RET(0, fs().setxattr("/ro", "user.a", "1", 0));
  ASSERT_RET(0, fs().setxattr("/none", "user.a", "1", 0));
  ASSERT_EQ(fs().mkdir("/sticky", 01777), 0);
  ASSERT_RET(0, fs().setxattr("/sticky", "user.a", "1", 0));
  ASSERT_EQ(fs().mkdir("/open", 0777), 0);
  ASSERT_EQ(fs().chmod("/open", 0777), 0);
  ASSERT_EQ(fs().chmod("/sticky", 01777), 0);
  ASSERT_TRUE(as_user(kAlice, kAliceGroup));
  std::string v;
  EXPECT_RET(1, fs().getxattr("/ro", "user.a", &v));
  EXPECT_ERR(EACCES, fs().setxattr("/ro", "user.a", "2", 0));
  EXPECT_ERR(EACCES, fs().removexattr("/ro", "user.a"));
  EXPECT_ERR(EACCES, fs().getxattr("/none", "user.a", &v));
  Names names;
  EXPECT_RET(7, fs().listxattr("/none", &names));  // listing needs no permission
  // A sticky directory's user.* is its owner's to change, even if others may write in it.
  EXPECT_ERR(EPERM, fs().setxattr("/sticky", "user.a", "2", 0));
  EXPECT_RET(0, fs().setxattr("/open", "user.a", "2", 0));
  make_file("/open/mine", "", 0400);  // the owner needs write permission too
  EXPECT_ERR(EACCES, fs().setxattr("/open/mine", "user.a", "2", 0));
}

TEST_P(VfsTest, XattrChangesTheCtime) {
  make_file("/f");
  StatInfo before = lst("/f");
  timespec t{};
  t.tv_sec = 1000000;
  timespec times[2] = {t, t};
  ASSERT_EQ(fs().utimensat(AT_FDCWD, "/f", times, 0), 0);
  StatInfo old = lst("/f");
  EXPECT_RET(0, fs().setxattr("/f", "user.a", "1", 0));
  StatInfo after = lst("/f");
  EXPECT_TRUE(after.ctime.tv_sec > old.mtime.tv_sec);
  EXPECT_EQ(after.mtime.tv_sec, 1000000);  // the data did not change
  (void)before;
}

}  // namespace
}  // namespace vfs_suite
