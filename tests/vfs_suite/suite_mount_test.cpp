// The shared system call suite, part 6: mount and umount2 of a tmpfs on a directory of the
// file system under test — crossing the mount point both ways, EBUSY, EXDEV, statfs, the size=
// and nr_inodes= limits. (On the host the mounts live in a private mount namespace of the
// test's worker thread, so nothing leaks into the host's tree.)
#include <linux/magic.h>
#include <sys/mount.h>

#include <string>
#include <vector>

#include "tests/vfs_suite/suite.h"

namespace vfs_suite {
namespace {

using Names = std::vector<std::string>;

class MountTest : public VfsTest {
 protected:
  void SetUp() override {
    VfsTest::SetUp();
    if (HasFatalFailure()) return;
    if (!fs().privileged()) GTEST_SKIP() << "mount needs root on the host; run as root";
    ASSERT_EQ(fs().mkdir("/m", 0755), 0);
  }
};

INSTANTIATE_TEST_SUITE_P(All, MountTest, testing::ValuesIn(all_targets()),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(MountTest, MountAndUnmountTmpfs) {
  make_file("/m/hidden", "under");
  const StatInfo covered = lst("/m");
  const StatInfo root = lst("/");
  ASSERT_EQ(fs().mount("tmpfs", "/m", "tmpfs", 0, "size=4m"), 0);
  const StatInfo top = lst("/m");
  EXPECT_NE(top.dev, root.dev) << "another file system";
  EXPECT_EQ(to_string(top), "dir 1777 n=2 s=40 " + me()) << "a fresh tmpfs root";
  EXPECT_EQ(names("/m"), Names{}) << "the mount covers what was there";
  StatfsInfo sf;
  ASSERT_EQ(fs().statfs("/m", &sf), 0);
  EXPECT_EQ(sf.type, TMPFS_MAGIC);
  EXPECT_EQ(sf.bsize, 4096);
  EXPECT_EQ(sf.blocks, 1024u);
  // ".." at the root of the mount leads back to the parent file system.
  EXPECT_EQ(lst("/m/..").ino, root.ino);
  EXPECT_EQ(lst("/m/..").dev, root.dev);
  make_file("/m/f", "on top");
  ASSERT_EQ(fs().chdir("/m"), 0);
  EXPECT_EQ(lst("..").ino, root.ino);
  EXPECT_EQ(cwd(), "/m");
  EXPECT_ERR(EBUSY, fs().umount2("/m", 0)) << "it is the cwd";
  ASSERT_EQ(fs().chdir("/"), 0);
  int fd;
  ASSERT_FD(fd, fs().open("/m/f", O_RDONLY));
  EXPECT_ERR(EBUSY, fs().umount2("/m", 0)) << "a file in it is open";
  EXPECT_EQ(fs().close(fd), 0);
  EXPECT_EQ(fs().umount2("/m", 0), 0);
  EXPECT_EQ(lst("/m").ino, covered.ino);
  EXPECT_EQ(names("/m"), Names{"hidden"});
  EXPECT_ERR(EINVAL, fs().umount2("/m", 0)) << "no longer a mount point";
  EXPECT_ERR(ENOENT, fs().umount2("/missing", 0));
}

TEST_P(MountTest, MountErrors) {
  make_file("/f");
  EXPECT_ERR(ENODEV, fs().mount("none", "/m", "nosuchfs", 0, nullptr));
  EXPECT_ERR(ENOENT, fs().mount("tmpfs", "/missing", "tmpfs", 0, nullptr));
  EXPECT_ERR(ENOTDIR, fs().mount("tmpfs", "/f", "tmpfs", 0, nullptr));
  EXPECT_ERR(EINVAL, fs().mount("tmpfs", "/m", "tmpfs", 0, "size=lots"));
  EXPECT_ERR(EINVAL, fs().umount2("/", 0x100)) << "unknown flags";
  EXPECT_ERR(EINVAL, fs().umount2("/f", 0));
  ASSERT_TRUE(as_user(kAlice, kAliceGroup));
  EXPECT_ERR(EPERM, fs().mount("tmpfs", "/m", "tmpfs", 0, nullptr));
}

TEST_P(MountTest, MountPointsAreBusy) {
  ASSERT_EQ(fs().mount("tmpfs", "/m", "tmpfs", 0, "mode=0755"), 0);
  EXPECT_EQ(lst("/m").perm(), 0755u);
  EXPECT_ERR(EBUSY, fs().rmdir("/m"));
  EXPECT_ERR(EBUSY, fs().rename("/m", "/n"));
  make_file("/f", "x");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  EXPECT_ERR(EXDEV, fs().rename("/f", "/m/f")) << "rename only within one file system";
  EXPECT_ERR(EXDEV, fs().link("/f", "/m/f"));
  EXPECT_ERR(EXDEV, fs().renameat2(AT_FDCWD, "/d", AT_FDCWD, "/m/d", RENAME_NOREPLACE));
  EXPECT_EQ(fs().rename("/f", "/d/f"), 0) << "no EXDEV within one file system";
  // Mounts nest, and the inner one keeps the outer busy.
  ASSERT_EQ(fs().mkdir("/m/inner", 0755), 0);
  ASSERT_EQ(fs().mount("tmpfs", "/m/inner", "tmpfs", 0, nullptr), 0);
  make_file("/m/inner/deep", "d");
  EXPECT_EQ(lst("/m/inner/..").ino, lst("/m").ino);
  EXPECT_ERR(EBUSY, fs().umount2("/m", 0));
  EXPECT_EQ(fs().umount2("/m/inner", 0), 0);
  EXPECT_EQ(fs().umount2("/m", 0), 0);
}

TEST_P(MountTest, LazyUnmountDetachesABusyMount) {
  ASSERT_EQ(fs().mount("tmpfs", "/m", "tmpfs", 0, nullptr), 0);
  make_file("/m/f", "kept");
  int fd;
  ASSERT_FD(fd, fs().open("/m/f", O_RDWR));
  EXPECT_EQ(fs().umount2("/m", MNT_DETACH), 0);
  EXPECT_EQ(names("/m"), Names{}) << "gone from the tree at once";
  std::string s;
  EXPECT_EQ(fs().pread(fd, 10, 0, &s), 4) << "but alive for who holds it";
  EXPECT_EQ(s, "kept");
  EXPECT_EQ(fs().write(fd, "more"), 4);
  EXPECT_EQ(fs().close(fd), 0);
}

TEST_P(MountTest, LazilyUnmountedTreeStaysWholeForItsUsers) {
  // Linux's MNT_DETACH: the tree leaves the namespace at once, but whoever is inside still has
  // all of it (names, new files) until the last user goes; then the mount point is free.
  ASSERT_EQ(fs().mount("tmpfs", "/m", "tmpfs", 0, nullptr), 0);
  ASSERT_EQ(fs().mkdir("/m/d", 0755), 0);
  make_file("/m/d/old", "x");
  int dir;
  ASSERT_FD(dir, fs().open("/m/d", O_RDONLY | O_DIRECTORY));
  EXPECT_EQ(fs().umount2("/m", MNT_DETACH), 0);
  EXPECT_EQ(names("/m"), Names{});
  StatInfo st;
  EXPECT_EQ(fs().fstatat(dir, "old", &st, 0), 0) << "names inside stay";
  int f;
  ASSERT_FD(f, fs().openat(dir, "new", O_CREAT | O_WRONLY, 0644));
  EXPECT_EQ(fs().write(f, "abc"), 3);
  EXPECT_EQ(fs().close(f), 0);
  EXPECT_EQ(fs().fstatat(dir, "new", &st, 0), 0);
  EXPECT_EQ(st.size, 3);
  EXPECT_EQ(fs().close(dir), 0);
  // The last user went: the mount point can be mounted on again.
  ASSERT_EQ(fs().mount("tmpfs", "/m", "tmpfs", 0, nullptr), 0);
  EXPECT_EQ(names("/m"), Names{});
  EXPECT_EQ(fs().umount2("/m", 0), 0);
}

TEST_P(MountTest, SizeLimitGivesEnospcUntilSpaceIsFreed) {
  ASSERT_EQ(fs().mount("tmpfs", "/m", "tmpfs", 0, "size=1m"), 0);
  StatfsInfo sf;
  ASSERT_EQ(fs().statfs("/m", &sf), 0);
  EXPECT_EQ(sf.blocks * uint64_t(sf.bsize), 1u << 20);
  EXPECT_EQ(sf.bfree, sf.blocks);
  int fd;
  ASSERT_FD(fd, fs().open("/m/big", O_CREAT | O_WRONLY, 0644));
  const std::string chunk(64 * 1024, 'x');
  long total = 0, r = 0;
  for (int i = 0; i < 32; ++i) {
    r = fs().write(fd, chunk);
    if (r < 0) break;
    total += r;
  }
  EXPECT_ERR(ENOSPC, r);
  EXPECT_EQ(total, 1 << 20) << "every page, then nothing";
  ASSERT_EQ(fs().statfs("/m", &sf), 0);
  EXPECT_EQ(sf.bfree, 0u);
  EXPECT_ERR(ENOSPC, fs().fallocate(fd, 0, total, 4096));
  EXPECT_EQ(fs().close(fd), 0);
  EXPECT_EQ(fs().unlink("/m/big"), 0);
  ASSERT_EQ(fs().statfs("/m", &sf), 0);
  EXPECT_EQ(sf.bfree, sf.blocks) << "all of it back";
  make_file("/m/again", std::string(512 * 1024, 'y'));
  EXPECT_EQ(lst("/m/again").size, 512 * 1024);
}

TEST_P(MountTest, InodeLimit) {
  ASSERT_EQ(fs().mount("tmpfs", "/m", "tmpfs", 0, "nr_inodes=4"), 0);
  StatfsInfo sf;
  ASSERT_EQ(fs().statfs("/m", &sf), 0);
  EXPECT_EQ(sf.files, 4u);
  EXPECT_EQ(sf.ffree, 3u) << "the root takes one";
  EXPECT_OK(fs().open("/m/a", O_CREAT | O_RDWR, 0644));
  EXPECT_EQ(fs().mkdir("/m/b", 0755), 0);
  EXPECT_EQ(fs().symlink("a", "/m/c"), 0);
  EXPECT_ERR(ENOSPC, fs().open("/m/d", O_CREAT | O_RDWR, 0644));
  EXPECT_ERR(ENOSPC, fs().mkdir("/m/e", 0755));
  // Linux's tmpfs charges every extra hard link against nr_inodes too (shmem_link).
  EXPECT_ERR(ENOSPC, fs().link("/m/a", "/m/hard"));
  EXPECT_EQ(fs().rmdir("/m/b"), 0);
  EXPECT_EQ(fs().link("/m/a", "/m/hard"), 0);
  ASSERT_EQ(fs().statfs("/m", &sf), 0);
  EXPECT_EQ(sf.ffree, 0u);
  EXPECT_ERR(ENOSPC, fs().mkdir("/m/e", 0755));
  EXPECT_EQ(fs().unlink("/m/hard"), 0);
  EXPECT_EQ(fs().mkdir("/m/e", 0755), 0);
}

}  // namespace
}  // namespace vfs_suite
