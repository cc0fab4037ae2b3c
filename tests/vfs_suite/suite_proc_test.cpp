// The shared system call suite, part 5: what belongs to a process — cwd (chdir, fchdir,
// getcwd), root (chroot), umask — and permission checks with its credentials: owner, group
// and other bits, search permission, sticky and setgid directories.
#include <string>
#include <vector>

#include "tests/vfs_suite/suite.h"

namespace vfs_suite {
namespace {

using Names = std::vector<std::string>;

// --- cwd -----------------------------------------------------------------------------------

TEST_P(VfsTest, ChdirAndRelativePaths) {
  EXPECT_EQ(cwd(), "/");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  make_file("/f");
  EXPECT_EQ(fs().chdir("/d"), 0);
  EXPECT_EQ(cwd(), "/d");
  make_file("here", "x");
  EXPECT_EQ(contents("/d/here"), "x");
  EXPECT_EQ(fs().chdir(".."), 0);
  EXPECT_EQ(cwd(), "/");
  EXPECT_EQ(fs().chdir("d/."), 0);
  EXPECT_EQ(cwd(), "/d");
  EXPECT_ERR(ENOTDIR, fs().chdir("/f"));
  EXPECT_ERR(ENOENT, fs().chdir("/missing"));
  EXPECT_ERR(ENOENT, fs().chdir(""));
  EXPECT_EQ(cwd(), "/d") << "failed chdirs change nothing";
  int root, file;
  ASSERT_FD(root, fs().open("/", O_RDONLY | O_DIRECTORY));
  ASSERT_FD(file, fs().open("/f", O_RDONLY));
  EXPECT_EQ(fs().fchdir(root), 0);
  EXPECT_EQ(cwd(), "/");
  EXPECT_ERR(ENOTDIR, fs().fchdir(file));
  EXPECT_ERR(EBADF, fs().fchdir(99));
}

TEST_P(VfsTest, Getcwd) {
  ASSERT_EQ(fs().mkdir("/a", 0755), 0);
  ASSERT_EQ(fs().mkdir("/a/b", 0755), 0);
  ASSERT_EQ(fs().chdir("/a/b"), 0);
  std::string s;
  EXPECT_EQ(fs().getcwd(&s), 5) << "the length with the NUL";
  EXPECT_EQ(s, "/a/b");
  EXPECT_ERR(ERANGE, fs().getcwd(&s, 4));
  EXPECT_EQ(fs().getcwd(&s, 5), 5);
  // Renaming a parent renames the cwd.
  EXPECT_EQ(fs().rename("/a", "/renamed"), 0);
  EXPECT_EQ(cwd(), "/renamed/b");
  EXPECT_EQ(fs().rename("/renamed/b", "/b2"), 0);
  EXPECT_EQ(cwd(), "/b2");
}

TEST_P(VfsTest, CwdIsPerProcess) {
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  ASSERT_EQ(fs().mkdir("/e", 0755), 0);
  const int child = fs().fork_process();
  EXPECT_EQ(cwd(), "/") << "inherited";
  ASSERT_EQ(fs().chdir("/d"), 0);
  make_file("mine");
  fs().switch_process(0);
  EXPECT_EQ(cwd(), "/");
  EXPECT_EQ(names("/d"), Names{"mine"});
  ASSERT_EQ(fs().chdir("/e"), 0);
  fs().switch_process(child);
  EXPECT_EQ(cwd(), "/d");
  fs().fork_process();
  EXPECT_EQ(cwd(), "/d") << "a grandchild starts where its parent is";
}

// --- umask ---------------------------------------------------------------------------------

TEST_P(VfsTest, Umask) {
  EXPECT_EQ(fs().umask(077), 022);
  EXPECT_EQ(fs().umask(077), 077);
  make_file("/f", "", 0666);
  EXPECT_EQ(lst("/f").perm(), 0600u);
  ASSERT_EQ(fs().mkdir("/d", 0777), 0);
  EXPECT_EQ(lst("/d").perm(), 0700u);
  ASSERT_EQ(fs().mknod("/p", S_IFIFO | 0666, 0), 0);
  EXPECT_EQ(lst("/p").perm(), 0600u);
  EXPECT_EQ(fs().umask(0), 077);
  ASSERT_EQ(fs().mkdir("/all", 0777), 0);
  EXPECT_EQ(lst("/all").perm(), 0777u);
  EXPECT_EQ(fs().chmod("/f", 0666), 0) << "chmod ignores the umask";
  EXPECT_EQ(lst("/f").perm(), 0666u);
  EXPECT_EQ(fs().umask(07777), 0);
  EXPECT_EQ(fs().umask(022), 0777) << "only the permission bits are kept";
}

TEST_P(VfsTest, UmaskIsPerProcess) {
  fs().umask(027);
  const int child = fs().fork_process();
  EXPECT_EQ(fs().umask(077), 027) << "inherited";
  fs().switch_process(0);
  EXPECT_EQ(fs().umask(027), 027) << "the child's change stays in the child";
  fs().switch_process(child);
  make_file("/f", "", 0666);
  EXPECT_EQ(lst("/f").perm(), 0600u);
}

// --- chroot --------------------------------------------------------------------------------

TEST_P(VfsTest, ChrootConfinesDotDot) {
  REQUIRE_PRIVILEGED();
  ASSERT_EQ(fs().mkdir("/jail", 0755), 0);
  ASSERT_EQ(fs().mkdir("/jail/sub", 0755), 0);
  make_file("/jail/inside", "in");
  make_file("/outside", "out");
  make_file("/f");
  EXPECT_ERR(ENOTDIR, fs().chroot("/f"));
  EXPECT_ERR(ENOENT, fs().chroot("/missing"));
  const int jailed = fs().fork_process();
  ASSERT_EQ(fs().chdir("/jail"), 0);
  ASSERT_EQ(fs().chroot("/jail"), 0);
  // From here on the process's paths are the kernel's own.
  EXPECT_EQ(cwd(), "/");
  EXPECT_EQ(contents("/inside"), "in");
  EXPECT_ERR(ENOENT, fs().stat("/outside", nullptr));
  EXPECT_EQ(lst("/..").ino, lst("/").ino) << "\"..\" of the root is the root";
  EXPECT_EQ(lst("/sub/../../..").ino, lst("/").ino);
  EXPECT_EQ(fs().chdir("/sub"), 0);
  EXPECT_EQ(fs().chdir("../../../.."), 0);
  EXPECT_EQ(cwd(), "/");
  EXPECT_EQ(names("/.."), (Names{"inside", "sub"}));
  // Absolute symlinks resolve inside the new root.
  ASSERT_EQ(fs().symlink("/inside", "/sub/link"), 0);
  EXPECT_EQ(contents("/sub/link"), "in");
  // Children inherit the root; other processes keep theirs.
  fs().fork_process();
  EXPECT_ERR(ENOENT, fs().stat("/outside", nullptr));
  fs().switch_process(0);
  EXPECT_EQ(contents("/outside"), "out");
  EXPECT_EQ(contents("/jail/sub/link"), "<ENOENT>") << "/inside is not at the top here";
  fs().switch_process(jailed);
  ASSERT_TRUE(as_user(kAlice, kAliceGroup));
  EXPECT_ERR(EPERM, fs().chroot("/sub"));
}

// --- permissions ---------------------------------------------------------------------------

// Creates path as root with an owner, a group and a mode (after the umask had its say).
void make_owned(Fs& fs, const std::string& path, bool dir, uid_t uid, gid_t gid, mode_t mode) {
  if (dir) {
    ASSERT_EQ(fs.mkdir(path, 0700), 0) << path;
  } else {
    long fd = fs.open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    ASSERT_GE(fd, 0) << path << ": " << result_str(fd);
    fs.close(int(fd));
  }
  ASSERT_EQ(fs.chown(path, uid, gid), 0) << path;
  ASSERT_EQ(fs.chmod(path, mode), 0) << path;
}

TEST_P(VfsTest, PermissionBitsOfOwnerGroupOther) {
  REQUIRE_PRIVILEGED();
  make_owned(fs(), "/none", false, 0, 0, 0000);
  make_owned(fs(), "/owner_denied", false, kAlice, kSharedGroup, 0070);
  make_owned(fs(), "/group_rw", false, 0, kSharedGroup, 0640);
  make_owned(fs(), "/other_r", false, 0, 0, 0604);
  EXPECT_OK(fs().open("/none", O_RDWR)) << "root";
  ASSERT_TRUE(as_user(kAlice, kAliceGroup, {kSharedGroup}));
  EXPECT_ERR(EACCES, fs().open("/none", O_RDONLY));
  EXPECT_ERR(EACCES, fs().open("/none", O_WRONLY));
  EXPECT_EQ(fs().access("/none", F_OK), 0) << "it exists, though";
  // The owner's bits decide for the owner, even when the group's would allow.
  EXPECT_ERR(EACCES, fs().open("/owner_denied", O_RDONLY));
  EXPECT_OK(fs().open("/group_rw", O_RDONLY)) << "a supplementary group";
  EXPECT_ERR(EACCES, fs().open("/group_rw", O_WRONLY));
  EXPECT_OK(fs().open("/other_r", O_RDONLY));
  EXPECT_ERR(EACCES, fs().open("/other_r", O_RDWR));
  EXPECT_ERR(EACCES, fs().open("/other_r", O_RDONLY | O_TRUNC));
  fs().switch_process(0);
  ASSERT_TRUE(as_user(kBob, kBobGroup, {kSharedGroup}));
  EXPECT_OK(fs().open("/owner_denied", O_RDONLY)) << "bob is in the group";
  fs().switch_process(0);
  ASSERT_TRUE(as_user(kBob, kBobGroup));
  EXPECT_ERR(EACCES, fs().open("/group_rw", O_RDONLY));
}

TEST_P(VfsTest, DirectoryPermissions) {
  REQUIRE_PRIVILEGED();
  make_owned(fs(), "/private", true, 0, 0, 0700);
  make_file("/private/x");
  make_owned(fs(), "/searchonly", true, 0, 0, 0711);
  make_file("/searchonly/known", "k");
  make_owned(fs(), "/listonly", true, 0, 0, 0744);
  make_file("/listonly/y");
  make_owned(fs(), "/readonly", true, 0, 0, 0755);
  make_file("/readonly/victim");
  make_owned(fs(), "/open", true, 0, 0, 0777);
  make_file("/open/roots", "r");
  ASSERT_TRUE(as_user(kAlice, kAliceGroup));
  EXPECT_ERR(EACCES, fs().stat("/private/x", nullptr));
  EXPECT_ERR(EACCES, fs().stat("/private/missing", nullptr)) << "EACCES before ENOENT";
  EXPECT_ERR(EACCES, fs().chdir("/private"));
  EXPECT_ERR(EACCES, fs().open("/private", O_RDONLY));
  // x without r: names can be used but not listed.
  EXPECT_EQ(contents("/searchonly/known"), "k");
  EXPECT_ERR(EACCES, fs().open("/searchonly", O_RDONLY));
  EXPECT_EQ(fs().chdir("/searchonly"), 0);
  EXPECT_EQ(fs().chdir("/"), 0);
  // r without x: names can be listed but not used.
  EXPECT_EQ(names("/listonly"), Names{"y"});
  EXPECT_ERR(EACCES, fs().stat("/listonly/y", nullptr));
  // Creating and removing need write and search on the directory, not rights on the file.
  EXPECT_ERR(EACCES, fs().open("/readonly/new", O_CREAT | O_RDWR, 0644));
  EXPECT_ERR(EACCES, fs().unlink("/readonly/victim"));
  EXPECT_ERR(EACCES, fs().mkdir("/readonly/d", 0755));
  EXPECT_ERR(EACCES, fs().rename("/readonly/victim", "/open/v"));
  EXPECT_EQ(fs().unlink("/open/roots"), 0) << "root's file, alice's right";
  EXPECT_EQ(fs().mkdir("/open/mine", 0755), 0);
  EXPECT_EQ(to_string(lst("/open/mine"), false), "dir 0755 n=2 u=1000 g=1000");
}

TEST_P(VfsTest, MovingADirectoryNeedsWriteOnIt) {
  REQUIRE_PRIVILEGED();
  make_owned(fs(), "/open", true, 0, 0, 0777);
  make_owned(fs(), "/open/rootdir", true, 0, 0, 0755);
  make_owned(fs(), "/open/elsewhere", true, 0, 0, 0777);
  ASSERT_TRUE(as_user(kAlice, kAliceGroup));
  // Its ".." must change, and that is a write to the directory itself.
  EXPECT_ERR(EACCES, fs().rename("/open/rootdir", "/open/elsewhere/rootdir"));
  EXPECT_EQ(fs().rename("/open/rootdir", "/open/renamed"), 0) << "same parent: no \"..\" change";
}

TEST_P(VfsTest, StickyDirectories) {
  REQUIRE_PRIVILEGED();
  make_owned(fs(), "/tmp", true, 0, 0, 01777);
  make_owned(fs(), "/bobs", true, kBob, kBobGroup, 01777);
  const int alice = fs().fork_process();
  ASSERT_EQ(fs().become(kAlice, kAliceGroup), 0);
  make_file("/tmp/a", "alice");
  make_file("/bobs/a", "alice");
  ASSERT_EQ(fs().mkdir("/tmp/adir", 0777), 0);
  fs().switch_process(0);
  ASSERT_TRUE(as_user(kBob, kBobGroup));
  EXPECT_ERR(EPERM, fs().unlink("/tmp/a"));
  EXPECT_ERR(EPERM, fs().rename("/tmp/a", "/tmp/b"));
  EXPECT_ERR(EPERM, fs().rmdir("/tmp/adir"));
  make_file("/tmp/b", "bob");
  EXPECT_ERR(EPERM, fs().rename("/tmp/b", "/tmp/a")) << "nor replace it";
  EXPECT_EQ(fs().unlink("/tmp/b"), 0) << "his own";
  EXPECT_EQ(fs().unlink("/bobs/a"), 0) << "in his own directory";
  fs().switch_process(alice);
  EXPECT_EQ(fs().rename("/tmp/a", "/tmp/a2"), 0);
  EXPECT_EQ(fs().unlink("/tmp/a2"), 0);
  fs().switch_process(0);
  EXPECT_EQ(fs().rmdir("/tmp/adir"), 0) << "root";
}

TEST_P(VfsTest, SetgidDirectories) {
  REQUIRE_PRIVILEGED();
  make_owned(fs(), "/sg", true, 0, kSharedGroup, 02777);
  ASSERT_TRUE(as_user(kAlice, kAliceGroup, {kSharedGroup}));
  make_file("/sg/f");
  EXPECT_EQ(to_string(lst("/sg/f")), "reg 0644 n=1 s=0 u=1000 g=2000") << "the dir's group";
  ASSERT_EQ(fs().mkdir("/sg/sub", 0755), 0);
  EXPECT_EQ(to_string(lst("/sg/sub"), false), "dir 2755 n=2 u=1000 g=2000")
      << "subdirectories inherit S_ISGID";
  make_file("/sg/sub/deeper");
  EXPECT_EQ(lst("/sg/sub/deeper").gid, kSharedGroup);
  make_file("/sg/sgid", "", 02755);
  EXPECT_EQ(lst("/sg/sgid").perm(), 02755u) << "alice is in the group";
  fs().switch_process(0);
  ASSERT_TRUE(as_user(kBob, kBobGroup));
  make_file("/sg/bobs", "", 02755);
  EXPECT_EQ(to_string(lst("/sg/bobs")), "reg 0755 n=1 s=0 u=1001 g=2000")
      << "S_ISGID dropped: bob is not in the group the file gets";
  ASSERT_EQ(fs().mkdir("/sg/bobsdir", 0755), 0);
  EXPECT_EQ(lst("/sg/bobsdir").perm(), 02755u) << "directories inherit it regardless";
}

TEST_P(VfsTest, PlainDirectoriesGiveTheCreatorsGroup) {
  REQUIRE_PRIVILEGED();
  make_owned(fs(), "/plain", true, 0, kSharedGroup, 0777);
  ASSERT_TRUE(as_user(kAlice, kAliceGroup, {kSharedGroup}));
  make_file("/plain/f");
  EXPECT_EQ(lst("/plain/f").gid, kAliceGroup);
  make_file("/plain/g", "", 02755);
  EXPECT_EQ(lst("/plain/g").perm(), 02755u) << "her own group";
}

}  // namespace
}  // namespace vfs_suite
