// The shared system call suite, part 1: the fixture, open(2) and its flags, and file I/O
// (read/write/pread/pwrite/readv/writev/lseek, holes, SEEK_DATA/SEEK_HOLE).
//
// Every TEST_P runs on the host (Linux itself: this is how we know the expectations are
// Linux's) and on every file system in kFileSystems. The other parts: suite_fd_test.cpp
// (descriptors, pipes, locks, devices), suite_attr_test.cpp (attributes), suite_names_test.cpp
// (the name space and path lookup), suite_proc_test.cpp (cwd, root, umask, permissions) and
// suite_mount_test.cpp (mounts).
#include "tests/vfs_suite/suite.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace vfs_suite {

// --- the fixture -------------------------------------------------------------------------

void VfsTest::make_file(const std::string& path, const std::string& data, mode_t mode) {
  long fd = fs().open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, mode);
  ASSERT_GE(fd, 0) << "make_file(" << path << "): " << result_str(fd);
  if (!data.empty()) {
    EXPECT_EQ(fs().write(int(fd), data), long(data.size())) << path;
  }
  EXPECT_EQ(fs().close(int(fd)), 0);
}

std::string VfsTest::contents(const std::string& path) {
  long fd = fs().open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "<" + result_str(fd) + ">";
  std::string all, chunk;
  for (;;) {
    long r = fs().read(int(fd), 65536, &chunk);
    if (r < 0) {
      all = "<" + result_str(r) + ">";
      break;
    }
    if (r == 0) break;
    all += chunk;
  }
  fs().close(int(fd));
  return all;
}

StatInfo VfsTest::lst(const std::string& path) {
  StatInfo s;
  long r = fs().lstat(path, &s);
  EXPECT_EQ(r, 0) << "lstat(" << path << "): " << result_str(r);
  return s;
}

StatInfo VfsTest::st(const std::string& path) {
  StatInfo s;
  long r = fs().stat(path, &s);
  EXPECT_EQ(r, 0) << "stat(" << path << "): " << result_str(r);
  return s;
}

std::vector<std::string> VfsTest::names(const std::string& path) {
  std::vector<Dirent> list;
  long r = fs().list_dir(path, &list);
  if (r < 0) return {"<" + result_str(r) + ">"};
  std::vector<std::string> out;
  for (const auto& d : list)
    if (d.name != "." && d.name != "..") out.push_back(d.name);
  return out;
}

std::string VfsTest::cwd() {
  std::string s;
  long r = fs().getcwd(&s);
  return r < 0 ? "<" + result_str(r) + ">" : s;
}

std::string VfsTest::me() const {
  if (fs_->privileged()) return "u=0 g=0";
  return "u=" + std::to_string(geteuid()) + " g=" + std::to_string(getegid());
}

bool VfsTest::as_user(uid_t uid, gid_t gid, const std::vector<gid_t>& groups) {
  fs().fork_process();
  long r = fs().become(uid, gid, groups);
  EXPECT_EQ(r, 0) << "become(" << uid << ", " << gid << "): " << result_str(r);
  return r == 0;
}

INSTANTIATE_TEST_SUITE_P(All, VfsTest, testing::ValuesIn(all_targets()),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

namespace {

constexpr int kLargefile = 0100000;  // O_LARGEFILE as the x86-64 kernel reports it in F_GETFL

// --- open --------------------------------------------------------------------------------

TEST_P(VfsTest, OpenCreatesWithTheLowestDescriptorAndTheUmask) {
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_CREAT | O_RDWR, 0666));
  EXPECT_EQ(fd, 0) << "a fresh process has no descriptors";
  StatInfo s;
  ASSERT_EQ(fs().fstat(fd, &s), 0);
  EXPECT_EQ(to_string(s), "reg 0644 n=1 s=0 " + me());
  int fd2;
  ASSERT_FD(fd2, fs().open("/g", O_CREAT | O_WRONLY, 0777));
  EXPECT_EQ(fd2, 1);
  EXPECT_EQ(lst("/g").perm(), 0755u);
  EXPECT_EQ(fs().close(fd), 0);
  ASSERT_FD(fd, fs().open("/g", O_RDONLY));
  EXPECT_EQ(fd, 0) << "the lowest free descriptor is reused";
  // The mode is only used when the file is created.
  ASSERT_FD(fd2, fs().open("/g", O_CREAT | O_RDWR, 0600));
  EXPECT_EQ(lst("/g").perm(), 0755u);
  EXPECT_EQ(names("/"), (std::vector<std::string>{"f", "g"}));
}

TEST_P(VfsTest, OpenMissingPaths) {
  EXPECT_ERR(ENOENT, fs().open("/missing", O_RDONLY));
  EXPECT_ERR(ENOENT, fs().open("/missing/x", O_CREAT | O_RDWR, 0644));
  EXPECT_ERR(ENOENT, fs().open("", O_RDONLY));
  EXPECT_ERR(ENOENT, fs().open("", O_CREAT | O_RDWR, 0644));
  make_file("/f");
  EXPECT_ERR(ENOTDIR, fs().open("/f/x", O_RDONLY));
  EXPECT_ERR(ENOTDIR, fs().open("/f/x", O_CREAT | O_RDWR, 0644));
  EXPECT_ERR(ENOTDIR, fs().open("/f/", O_RDONLY));
  // A trailing slash cannot create a file.
  EXPECT_ERR(EISDIR, fs().open("/new/", O_CREAT | O_RDWR, 0644));
  EXPECT_ERR(ENOENT, fs().lstat("/new", nullptr));
}

TEST_P(VfsTest, OpenExclusive) {
  make_file("/f", "data");
  EXPECT_ERR(EEXIST, fs().open("/f", O_CREAT | O_EXCL | O_RDWR, 0644));
  EXPECT_EQ(contents("/f"), "data");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  EXPECT_ERR(EEXIST, fs().open("/d", O_CREAT | O_EXCL | O_RDWR, 0644));
  EXPECT_ERR(EISDIR, fs().open("/d", O_CREAT | O_RDWR, 0644));
  EXPECT_ERR(EISDIR, fs().open("/d", O_CREAT | O_RDONLY, 0644));
  // O_EXCL does not follow a symlink, even a dangling one; plain O_CREAT creates its target.
  ASSERT_EQ(fs().symlink("/target", "/dangling"), 0);
  EXPECT_ERR(EEXIST, fs().open("/dangling", O_CREAT | O_EXCL | O_RDWR, 0644));
  EXPECT_ERR(ENOENT, fs().lstat("/target", nullptr));
  EXPECT_OK(fs().open("/dangling", O_CREAT | O_RDWR, 0600));
  EXPECT_EQ(to_string(lst("/target")), "reg 0600 n=1 s=0 " + me());
  EXPECT_TRUE(lst("/dangling").is_lnk());
  EXPECT_OK(fs().open("/new", O_CREAT | O_EXCL | O_RDWR, 0640));
  EXPECT_EQ(lst("/new").perm(), 0640u);
}

TEST_P(VfsTest, OpenTruncate) {
  make_file("/f", "hello");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_WRONLY | O_TRUNC));
  EXPECT_EQ(lst("/f").size, 0);
  EXPECT_EQ(fs().write(fd, "ab"), 2);
  EXPECT_EQ(fs().close(fd), 0);
  EXPECT_EQ(contents("/f"), "ab");
  // Linux truncates even when the file is opened read-only (POSIX leaves it unspecified).
  ASSERT_FD(fd, fs().open("/f", O_RDONLY | O_TRUNC));
  EXPECT_EQ(lst("/f").size, 0);
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  EXPECT_ERR(EISDIR, fs().open("/d", O_RDONLY | O_TRUNC));
}

TEST_P(VfsTest, OpenAppendAlwaysWritesAtTheEnd) {
  make_file("/f", "abc");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDWR | O_APPEND));
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_CUR), 0) << "O_APPEND does not move the offset at open";
  EXPECT_EQ(fs().write(fd, "de"), 2);
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_CUR), 5);
  EXPECT_EQ(fs().lseek(fd, 1, SEEK_SET), 1);
  std::string s;
  EXPECT_EQ(fs().read(fd, 2, &s), 2);
  EXPECT_EQ(s, "bc");
  EXPECT_EQ(fs().write(fd, "f"), 1);
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_CUR), 6);
  // Linux's pwrite on an O_APPEND descriptor appends, whatever the offset (a known Linux bug
  // documented in pwrite(2)).
  EXPECT_EQ(fs().pwrite(fd, "X", 0), 1);
  EXPECT_EQ(contents("/f"), "abcdefX");
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_CUR), 6) << "pwrite leaves the offset alone";
  EXPECT_EQ(fs().fcntl(fd, F_GETFL), O_RDWR | O_APPEND | kLargefile);
}

TEST_P(VfsTest, OpenDirectoryFlag) {
  make_file("/f");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  ASSERT_EQ(fs().symlink("d", "/ld"), 0);
  EXPECT_ERR(ENOTDIR, fs().open("/f", O_RDONLY | O_DIRECTORY));
  EXPECT_OK(fs().open("/d", O_RDONLY | O_DIRECTORY));
  EXPECT_OK(fs().open("/ld", O_RDONLY | O_DIRECTORY));
  EXPECT_OK(fs().open("/d", O_RDONLY));
  EXPECT_ERR(EISDIR, fs().open("/d", O_WRONLY));
  EXPECT_ERR(EISDIR, fs().open("/d", O_RDWR));
  EXPECT_ERR(ENOTDIR, fs().open("/ld", O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  EXPECT_ERR(ENOENT, fs().open("/missing", O_RDONLY | O_DIRECTORY));
  // Since Linux 6.4 O_CREAT|O_DIRECTORY is always EINVAL.
  if (!host() || host_kernel_at_least(6, 4)) {
    EXPECT_ERR(EINVAL, fs().open("/new", O_CREAT | O_DIRECTORY | O_RDONLY, 0755));
    EXPECT_ERR(EINVAL, fs().open("/d", O_CREAT | O_DIRECTORY | O_RDONLY, 0755));
  }
}

TEST_P(VfsTest, OpenNofollow) {
  make_file("/f", "x");
  ASSERT_EQ(fs().symlink("f", "/l"), 0);
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  make_file("/d/g", "y");
  ASSERT_EQ(fs().symlink("d", "/ld"), 0);
  EXPECT_ERR(ELOOP, fs().open("/l", O_RDONLY | O_NOFOLLOW));
  EXPECT_ERR(ELOOP, fs().open("/l", O_RDWR | O_CREAT | O_NOFOLLOW, 0644));
  EXPECT_ERR(EEXIST, fs().open("/l", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0644));
  // Only the last component is not followed.
  int fd;
  ASSERT_FD(fd, fs().open("/ld/g", O_RDONLY | O_NOFOLLOW));
  EXPECT_OK(fs().open("/f", O_RDONLY | O_NOFOLLOW));
  // With O_PATH the link itself is opened.
  ASSERT_FD(fd, fs().open("/l", O_PATH | O_NOFOLLOW));
  StatInfo s;
  ASSERT_EQ(fs().fstat(fd, &s), 0);
  EXPECT_TRUE(s.is_lnk()) << to_string(s);
  EXPECT_EQ(s.size, 1);
}

TEST_P(VfsTest, OpenCloexecAndNonblock) {
  make_file("/f");
  int a, b;
  ASSERT_FD(a, fs().open("/f", O_RDONLY | O_CLOEXEC));
  ASSERT_FD(b, fs().open("/f", O_RDONLY | O_NONBLOCK));
  EXPECT_EQ(fs().fcntl(a, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fs().fcntl(b, F_GETFD), 0);
  EXPECT_EQ(fs().fcntl(a, F_GETFL), O_RDONLY | kLargefile) << "O_CLOEXEC is not a status flag";
  EXPECT_EQ(fs().fcntl(b, F_GETFL), O_RDONLY | O_NONBLOCK | kLargefile);
  std::string s;
  EXPECT_EQ(fs().read(b, 10, &s), 0) << "a regular file never blocks";
}

TEST_P(VfsTest, OpenPath) {
  make_file("/f", "data");
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  int fd, dfd;
  ASSERT_FD(fd, fs().open("/f", O_PATH));
  std::string s;
  EXPECT_ERR(EBADF, fs().read(fd, 4, &s));
  EXPECT_ERR(EBADF, fs().write(fd, "x"));
  EXPECT_ERR(EBADF, fs().fchmod(fd, 0600));
  EXPECT_ERR(EBADF, fs().fchown(fd, 0, 0));
  EXPECT_ERR(EBADF, fs().ftruncate(fd, 0));
  StatInfo st1;
  EXPECT_EQ(fs().fstat(fd, &st1), 0);
  EXPECT_EQ(st1.size, 4);
  EXPECT_EQ(fs().fcntl(fd, F_GETFL), O_PATH);
  EXPECT_OK(fs().fstatfs(fd, nullptr));
  // A directory opened with O_PATH serves as a dirfd and for fchdir.
  ASSERT_FD(dfd, fs().open("/d", O_PATH | O_DIRECTORY));
  ASSERT_OK(fs().openat(dfd, "g", O_CREAT | O_RDWR, 0644));
  EXPECT_EQ(lst("/d/g").size, 0);
  EXPECT_EQ(fs().fchdir(dfd), 0);
  EXPECT_EQ(cwd(), "/d");
  std::vector<Dirent> list;
  EXPECT_ERR(EBADF, fs().getdents(dfd, 4096, &list));
  EXPECT_EQ(fs().close(fd), 0);
}

TEST_P(VfsTest, OpenAccessModesAreEnforced) {
  make_file("/f", "abc");
  int r, w;
  ASSERT_FD(r, fs().open("/f", O_RDONLY));
  ASSERT_FD(w, fs().open("/f", O_WRONLY));
  std::string s;
  EXPECT_ERR(EBADF, fs().write(r, "x"));
  EXPECT_ERR(EBADF, fs().pwrite(r, "x", 0));
  EXPECT_ERR(EBADF, fs().writev(r, {"x"}));
  EXPECT_ERR(EBADF, fs().read(w, 1, &s));
  EXPECT_ERR(EBADF, fs().pread(w, 1, 0, &s));
  EXPECT_ERR(EBADF, fs().readv(w, {1}, nullptr));
  EXPECT_EQ(contents("/f"), "abc");
}

TEST_P(VfsTest, OpenatResolvesRelativeToTheDirectory) {
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  make_file("/f");
  int dfd, ffd;
  ASSERT_FD(dfd, fs().open("/d", O_RDONLY | O_DIRECTORY));
  ASSERT_FD(ffd, fs().open("/f", O_RDONLY));
  EXPECT_OK(fs().openat(dfd, "x", O_CREAT | O_RDWR, 0644));
  EXPECT_EQ(names("/d"), std::vector<std::string>{"x"});
  EXPECT_OK(fs().openat(dfd, "/abs", O_CREAT | O_RDWR, 0644)) << "absolute ignores dirfd";
  EXPECT_OK(fs().openat(999, "/abs", O_RDONLY)) << "even a bad one";
  EXPECT_OK(fs().openat(AT_FDCWD, "abs", O_RDONLY));
  EXPECT_OK(fs().openat(dfd, "../f", O_RDONLY));
  EXPECT_ERR(ENOTDIR, fs().openat(ffd, "x", O_RDONLY));
  EXPECT_ERR(EBADF, fs().openat(999, "x", O_RDONLY));
  EXPECT_ERR(EBADF, fs().openat(-5, "x", O_RDONLY));
  EXPECT_OK(lst("/abs").size);
}

TEST_P(VfsTest, CloseTwiceIsEbadf) {
  make_file("/f");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  EXPECT_EQ(fs().close(fd), 0);
  EXPECT_ERR(EBADF, fs().close(fd));
  EXPECT_ERR(EBADF, fs().close(-1));
  EXPECT_ERR(EBADF, fs().close(12345));
  std::string s;
  EXPECT_ERR(EBADF, fs().read(fd, 1, &s));
  EXPECT_ERR(EBADF, fs().write(fd, "x"));
}

// --- I/O ---------------------------------------------------------------------------------

TEST_P(VfsTest, ReadWriteMoveTheOffset) {
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_CREAT | O_RDWR, 0644));
  EXPECT_EQ(fs().write(fd, "hello world"), 11);
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_CUR), 11);
  std::string s;
  EXPECT_EQ(fs().read(fd, 10, &s), 0) << "at the end";
  EXPECT_EQ(fs().lseek(fd, 6, SEEK_SET), 6);
  EXPECT_EQ(fs().read(fd, 100, &s), 5);
  EXPECT_EQ(s, "world");
  EXPECT_EQ(fs().read(fd, 0, &s), 0);
  EXPECT_EQ(fs().write(fd, ""), 0);
  EXPECT_EQ(fs().lseek(fd, 5, SEEK_SET), 5);
  EXPECT_EQ(fs().write(fd, "_"), 1);
  EXPECT_EQ(contents("/f"), "hello_world");
  StatInfo a;
  ASSERT_EQ(fs().fstat(fd, &a), 0);
  EXPECT_EQ(a.size, 11);
  // Writing past 64 KiB in pieces.
  std::string big(70000, 'z');
  EXPECT_EQ(fs().pwrite(fd, big, 11), 70000);
  EXPECT_EQ(lst("/f").size, 70011);
  EXPECT_EQ(fs().pread(fd, 5, 70006, &s), 5);
  EXPECT_EQ(s, "zzzzz");
}

TEST_P(VfsTest, PreadPwriteLeaveTheOffsetAlone) {
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_CREAT | O_RDWR, 0644));
  EXPECT_EQ(fs().write(fd, "0123456789"), 10);
  EXPECT_EQ(fs().lseek(fd, 2, SEEK_SET), 2);
  EXPECT_EQ(fs().pwrite(fd, "AB", 4), 2);
  std::string s;
  EXPECT_EQ(fs().pread(fd, 4, 3, &s), 4);
  EXPECT_EQ(s, "3AB6");
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_CUR), 2);
  EXPECT_EQ(fs().pread(fd, 4, 100, &s), 0) << "beyond the end";
  EXPECT_ERR(EINVAL, fs().pread(fd, 4, -1, &s));
  EXPECT_ERR(EINVAL, fs().pwrite(fd, "x", -1));
  // Writing beyond the end fills the gap with zeros.
  EXPECT_EQ(fs().pwrite(fd, "Z", 14), 1);
  EXPECT_EQ(fs().pread(fd, 100, 8, &s), 7);
  EXPECT_EQ(s, std::string("89\0\0\0\0Z", 7));
}

TEST_P(VfsTest, ReadvWritev) {
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_CREAT | O_RDWR, 0644));
  EXPECT_EQ(fs().writev(fd, {"ab", "", "cde"}), 5);
  EXPECT_EQ(fs().writev(fd, {}), 0);
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_SET), 0);
  std::vector<std::string> parts;
  EXPECT_EQ(fs().readv(fd, {2, 1, 10}, &parts), 5);
  EXPECT_EQ(parts, (std::vector<std::string>{"ab", "c", "de"}));
  EXPECT_EQ(fs().readv(fd, {4}, &parts), 0);
  EXPECT_EQ(contents("/f"), "abcde");
}

TEST_P(VfsTest, ReadOfADirectoryIsEisdir) {
  ASSERT_EQ(fs().mkdir("/d", 0755), 0);
  int fd;
  ASSERT_FD(fd, fs().open("/d", O_RDONLY));
  std::string s;
  EXPECT_ERR(EISDIR, fs().read(fd, 10, &s));
  EXPECT_ERR(EISDIR, fs().pread(fd, 10, 0, &s));
  EXPECT_ERR(EBADF, fs().write(fd, "x"));
}

TEST_P(VfsTest, LseekWhences) {
  make_file("/f", "0123456789");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  EXPECT_EQ(fs().lseek(fd, -3, SEEK_END), 7);
  EXPECT_EQ(fs().lseek(fd, 2, SEEK_CUR), 9);
  EXPECT_EQ(fs().lseek(fd, -9, SEEK_CUR), 0);
  EXPECT_ERR(EINVAL, fs().lseek(fd, -1, SEEK_SET));
  EXPECT_ERR(EINVAL, fs().lseek(fd, -11, SEEK_END));
  EXPECT_ERR(EINVAL, fs().lseek(fd, 0, 99));
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_CUR), 0) << "a failed lseek leaves the offset";
  EXPECT_EQ(fs().lseek(fd, 100, SEEK_END), 110) << "beyond the end is allowed";
  std::string s;
  EXPECT_EQ(fs().read(fd, 5, &s), 0);
  EXPECT_ERR(EBADF, fs().lseek(999, 0, SEEK_SET));
  int p[2];
  ASSERT_EQ(fs().pipe2(p, 0), 0);
  EXPECT_ERR(ESPIPE, fs().lseek(p[0], 0, SEEK_SET));
  EXPECT_ERR(ESPIPE, fs().pread(p[0], 1, 0, &s));
}

TEST_P(VfsTest, WriteBeyondTheEndMakesAHole) {
  constexpr off_t kPage = 4096;
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_CREAT | O_RDWR, 0644));
  EXPECT_EQ(fs().write(fd, "a"), 1);
  EXPECT_EQ(fs().lseek(fd, 3 * kPage + 10, SEEK_SET), 3 * kPage + 10);
  EXPECT_EQ(fs().write(fd, "b"), 1);
  const off_t size = 3 * kPage + 11;
  StatInfo s;
  ASSERT_EQ(fs().fstat(fd, &s), 0);
  EXPECT_EQ(s.size, size);
  EXPECT_LT(s.blocks * 512, size) << "a hole takes no space (st_blocks)";
  std::string data;
  EXPECT_EQ(fs().pread(fd, size_t(size), 0, &data), size);
  EXPECT_EQ(data, "a" + std::string(size_t(size) - 2, '\0') + "b");
  // Holes are found page by page, as Linux's tmpfs keeps them.
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_DATA), 0);
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_HOLE), kPage);
  EXPECT_EQ(fs().lseek(fd, 5, SEEK_HOLE), kPage);
  EXPECT_EQ(fs().lseek(fd, kPage, SEEK_DATA), 3 * kPage);
  EXPECT_EQ(fs().lseek(fd, kPage + 1, SEEK_HOLE), kPage + 1) << "inside a hole";
  EXPECT_EQ(fs().lseek(fd, 3 * kPage, SEEK_HOLE), size) << "the end is a hole";
  EXPECT_EQ(fs().lseek(fd, size - 1, SEEK_DATA), size - 1);
  EXPECT_ERR(ENXIO, fs().lseek(fd, size, SEEK_DATA));
  EXPECT_ERR(ENXIO, fs().lseek(fd, size, SEEK_HOLE));
  EXPECT_ERR(ENXIO, fs().lseek(fd, size + 100, SEEK_HOLE));
  EXPECT_ERR(ENXIO, fs().lseek(fd, -1, SEEK_DATA));
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_CUR), size - 1) << "failed seeks leave the offset";
}

TEST_P(VfsTest, SeekDataHoleOnFilesWithoutHoles) {
  int fd;
  ASSERT_FD(fd, fs().open("/empty", O_CREAT | O_RDWR, 0644));
  EXPECT_ERR(ENXIO, fs().lseek(fd, 0, SEEK_DATA));
  EXPECT_ERR(ENXIO, fs().lseek(fd, 0, SEEK_HOLE));
  EXPECT_EQ(fs().write(fd, std::string(10000, 'x')), 10000);
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_DATA), 0);
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_HOLE), 10000);
  EXPECT_EQ(fs().lseek(fd, 9999, SEEK_DATA), 9999);
  // Growing with ftruncate makes a hole at the end.
  EXPECT_EQ(fs().ftruncate(fd, 5 * 4096), 0);
  EXPECT_EQ(fs().lseek(fd, 0, SEEK_HOLE), 3 * 4096);
  EXPECT_ERR(ENXIO, fs().lseek(fd, 3 * 4096, SEEK_DATA));
}

}  // namespace
}  // namespace vfs_suite
