// rump_fuse's node table (tools/rump_fuse/nodes.h): FUSE node ids for the kernel's files.
#include "tools/rump_fuse/nodes.h"

#include <fuse_lowlevel.h>
#include <gtest/gtest.h>

namespace rump_fuse {
namespace {

constexpr ino_t kRootIno = 2;

struct stat file_stat(ino_t ino, nlink_t links, mode_t mode = S_IFREG | 0644) {
  struct stat st {};
  st.st_ino = ino;
  st.st_nlink = links;
  st.st_mode = mode;
  return st;
}

TEST(NodeTable, PathsFollowNamesAndRenames) {
  NodeTable t("/mnt", kRootIno);
  uint64_t d = t.found(FUSE_ROOT_ID, "d", 10);
  uint64_t f = t.found(d, "f", 11);
  EXPECT_EQ(t.path(f), "/mnt/d/f");
  t.moved(10, FUSE_ROOT_ID, "d", FUSE_ROOT_ID, "e");
  EXPECT_EQ(t.path(f), "/mnt/e/f");
  EXPECT_EQ(t.child_path(d, "g"), "/mnt/e/g");
  EXPECT_EQ(t.found(FUSE_ROOT_ID, "e", 10), d);  // the same file: the same node
  EXPECT_EQ(t.found(FUSE_ROOT_ID, "..", kRootIno), FUSE_ROOT_ID);
}

TEST(NodeTable, HardLinksKeepTheNodeUntilTheLastName) {
  NodeTable t("/mnt", kRootIno);
  uint64_t a = t.found(FUSE_ROOT_ID, "a", 20);
  EXPECT_EQ(t.found(FUSE_ROOT_ID, "b", 20), a);
  EXPECT_EQ(t.path(a), "/mnt/b");  // the latest name first
  struct stat none;
  EXPECT_FALSE(t.last_attributes(a, &none));
  t.unlinked(20, FUSE_ROOT_ID, "b", file_stat(20, 2));
  EXPECT_EQ(t.path(a), "/mnt/a");
  t.unlinked(20, FUSE_ROOT_ID, "a", file_stat(20, 1));
  EXPECT_EQ(t.path(a), "");
  struct stat st;
  ASSERT_TRUE(t.last_attributes(a, &st));
  EXPECT_EQ(st.st_nlink, 0u);
  EXPECT_EQ(st.st_ino, 20u);
}

// The file system gives a freed inode number to a new file while the host still knows the old
// node (an open file, a removed directory, a FORGET not yet sent): the new file must get a new
// node. Reusing the old one made a new directory the host's removed one (ENOENT inside it).
TEST(NodeTable, AReusedInodeNumberIsANewNode) {
  NodeTable t("/mnt", kRootIno);
  uint64_t old = t.found(FUSE_ROOT_ID, "d", 30);
  t.unlinked(30, FUSE_ROOT_ID, "d", file_stat(30, 2, S_IFDIR | 0755));
  uint64_t fresh = t.found(FUSE_ROOT_ID, "n", 30);
  EXPECT_NE(fresh, old);
  EXPECT_EQ(t.path(old), "");
  EXPECT_EQ(t.path(fresh), "/mnt/n");
  t.forget(old, 1);  // the host lets go of the old one; the new one stays
  EXPECT_EQ(t.path(fresh), "/mnt/n");
  t.forget(fresh, 1);
}

TEST(NodeTable, ForgottenNodesGoButParentsStayWhileNamed) {
  NodeTable t("/mnt", kRootIno);
  uint64_t d = t.found(FUSE_ROOT_ID, "d", 40);
  uint64_t f = t.found(d, "f", 41);
  t.forget(d, 1);  // still the parent of f
  EXPECT_EQ(t.path(f), "/mnt/d/f");
  t.forget(f, 1);
  uint64_t d2 = t.found(FUSE_ROOT_ID, "d", 40);
  EXPECT_EQ(t.path(d2), "/mnt/d");
  t.forget(d2, 1);
}

}  // namespace
}  // namespace rump_fuse
