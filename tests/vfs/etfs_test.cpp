// etfs (rump_pub_etfs_*, NetBSD's rump_etfs(3)): host files, devices and directories inside a
// kernel's tree, through the public API — each test on a kernel of its own, with host files in
// a temporary directory of its own. Block and character device nodes are read and written
// through the Vnode interface (opening them by path is the VFS's job and does not reach etfs
// devices yet), and the dir_read hypercall is checked on its own.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpuser.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kern/kernel.h"
#include "kern/kernel_fixture.h"
#include "kern/lwp.h"
#include "kern/uio.h"
#include "vfs/blk/blkdev.h"
#include "vfs/etfs/etfs.h"
#include "vfs/etfs/node.h"
#include "vfs/namei.h"
#include "vfs/vfs.h"
#include "vfs/vnode.h"

namespace {

// The errno of a call expected to fail; 0 if it succeeded.
#define ERRNO_OF(call) ((call) == -1 ? errno : 0)

// A host directory removed with everything in it at the end of the test.
class HostDir {
 public:
  HostDir() {
    char tmpl[] = "/tmp/rk-etfs-XXXXXX";
    char* d = mkdtemp(tmpl);
    EXPECT_NE(d, nullptr) << strerror(errno);
    path_ = d != nullptr ? d : "/nonexistent";
  }
  ~HostDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  // Writes a host file (creating its directories is the caller's job).
  std::string put(const std::string& name, const std::string& data) const {
    std::string p = *this / name;
    int fd = ::open(p.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    EXPECT_GE(fd, 0) << p << ": " << strerror(errno);
    EXPECT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ::close(fd);
    return p;
  }
  std::string mkdir(const std::string& name) const {
    std::string p = *this / name;
    EXPECT_EQ(::mkdir(p.c_str(), 0755), 0) << p << ": " << strerror(errno);
    return p;
  }
  std::string get(const std::string& name) const {
    std::string p = *this / name;
    int fd = ::open(p.c_str(), O_RDONLY);
    EXPECT_GE(fd, 0) << p << ": " << strerror(errno);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
  }

 private:
  std::string path_;
};

std::string pattern(size_t n, char seed = 'a') {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i % 23);
  return s;
}

class Etfs : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(rump_kernel_create("ncpu=2", &k_), 0);
    prev_ = rump_kernel_switch(k_);
  }
  void TearDown() override {
    rump_kernel_switch(prev_);
    if (k_ != nullptr) rump_kernel_destroy(k_);
  }

  // The whole content of a file in the kernel (-1 size and errno on failure).
  static std::string kread(const char* path) {
    int fd = rump_sys_open(path, O_RDONLY);
    EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
    std::string out;
    char buf[1000];  // not a power of two: transfers cross the bounce buffer's chunks oddly
    ssize_t n;
    while ((n = rump_sys_read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    EXPECT_EQ(n, 0) << strerror(errno);
    rump_sys_close(fd);
    return out;
  }

  // The names (with their d_type and d_ino) of a directory in the kernel.
  struct Ent {
    uint64_t ino;
    unsigned type;
  };
  static std::map<std::string, Ent> klist(const char* path) {
    std::map<std::string, Ent> out;
    int fd = rump_sys_open(path, O_RDONLY | O_DIRECTORY);
    EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
    alignas(8) char buf[256];  // small: several getdents calls, cookies exercised
    for (;;) {
      ssize_t n = rump_sys_getdents64(fd, buf, sizeof buf);
      EXPECT_GE(n, 0) << strerror(errno);
      if (n <= 0) break;
      for (ssize_t off = 0; off < n;) {
        auto* d = reinterpret_cast<struct dirent64*>(buf + off);
        EXPECT_EQ(out.count(d->d_name), 0u) << "twice: " << d->d_name;
        out[d->d_name] = {d->d_ino, d->d_type};
        off += d->d_reclen;
      }
    }
    rump_sys_close(fd);
    return out;
  }

  HostDir host_;
  rump_kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
};

// --- regular files -------------------------------------------------------------------------

TEST_F(Etfs, RegularFileReadsTheHostFile) {
  std::string data = pattern(200000);  // several bounce-buffer chunks
  std::string hp = host_.put("f", data);
  ASSERT_EQ(rump_pub_etfs_register("/hostfile", hp.c_str(), RUMP_ETFS_REG), 0);
  EXPECT_EQ(kread("/hostfile"), data);

  struct stat st;
  ASSERT_EQ(rump_sys_stat("/hostfile", &st), 0) << strerror(errno);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0666u);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
  EXPECT_EQ(st.st_nlink, 1u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(data.size()));

  // pread at an odd offset, and past the end.
  int fd = rump_sys_open("/hostfile", O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[10];
  ASSERT_EQ(rump_sys_pread(fd, buf, sizeof buf, 12345), 10);
  EXPECT_EQ(std::string(buf, 10), data.substr(12345, 10));
  EXPECT_EQ(rump_sys_pread(fd, buf, sizeof buf, static_cast<off_t>(data.size())), 0);
  EXPECT_EQ(rump_sys_lseek(fd, 0, SEEK_END), static_cast<off_t>(data.size()));
  rump_sys_close(fd);
}

TEST_F(Etfs, RegularFileWritesReachTheHostAndExtendIt) {
  std::string hp = host_.put("f", "0123456789");
  ASSERT_EQ(rump_pub_etfs_register("/hostfile", hp.c_str(), RUMP_ETFS_REG), 0);
  int fd = rump_sys_open("/hostfile", O_RDWR);
  ASSERT_GE(fd, 0) << strerror(errno);
  ASSERT_EQ(rump_sys_pwrite(fd, "abc", 3, 2), 3);
  EXPECT_EQ(host_.get("f"), "01abc56789");
  // Past the end: the host file grows (NetBSD's behaviour), and stat follows it.
  ASSERT_EQ(rump_sys_pwrite(fd, "XY", 2, 12), 2);
  EXPECT_EQ(host_.get("f"), std::string("01abc56789\0\0XY", 14));
  struct stat st;
  ASSERT_EQ(rump_sys_fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 14);
  // O_APPEND writes at the host file's end.
  rump_sys_close(fd);
  fd = rump_sys_open("/hostfile", O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0) << strerror(errno);
  ASSERT_EQ(rump_sys_write(fd, "!", 1), 1);
  EXPECT_EQ(host_.get("f").back(), '!');
  // A change made on the host is seen at once: nothing is cached.
  host_.put("f", "host");
  EXPECT_EQ(kread("/hostfile"), "host");
  ASSERT_EQ(rump_sys_fstat(fd, &st), 0);
  EXPECT_EQ(st.st_size, 4);
  EXPECT_EQ(rump_sys_fsync(fd), 0);
  EXPECT_EQ(rump_sys_fdatasync(fd), 0);
  rump_sys_close(fd);
}

TEST_F(Etfs, AHostFileRemovedOnTheHostStaysReadable) {
  std::string hp = host_.put("f", "still here");
  ASSERT_EQ(rump_pub_etfs_register("/f", hp.c_str(), RUMP_ETFS_REG), 0);
  ASSERT_EQ(::unlink(hp.c_str()), 0);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/f", &st), 0) << strerror(errno);
  EXPECT_EQ(st.st_size, 10);  // the last size the host gave
  EXPECT_EQ(kread("/f"), "still here");
}

TEST_F(Etfs, WindowShowsOnlyItsPart) {
  std::string data = pattern(1000);
  std::string hp = host_.put("f", data);
  ASSERT_EQ(rump_pub_etfs_register_withsize("/win", hp.c_str(), RUMP_ETFS_REG, 100, 50), 0);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/win", &st), 0);
  EXPECT_EQ(st.st_size, 50);
  EXPECT_EQ(kread("/win"), data.substr(100, 50));

  int fd = rump_sys_open("/win", O_RDWR);
  ASSERT_GE(fd, 0) << strerror(errno);
  char buf[100];
  EXPECT_EQ(rump_sys_pread(fd, buf, sizeof buf, 40), 10);  // stops at the window's end
  EXPECT_EQ(rump_sys_pread(fd, buf, sizeof buf, 50), 0);
  // A write crossing the end is cut short there; one at the end finds no space.
  EXPECT_EQ(rump_sys_pwrite(fd, "0123456789ABCDEFGHIJ", 20, 40), 10);
  EXPECT_EQ(ERRNO_OF(rump_sys_pwrite(fd, "x", 1, 50)), ENOSPC);
  std::string now = host_.get("f");
  ASSERT_EQ(now.size(), data.size());
  EXPECT_EQ(now.substr(140, 10), "0123456789");
  EXPECT_EQ(now.substr(0, 140), data.substr(0, 140));  // outside the window: untouched
  EXPECT_EQ(now.substr(150), data.substr(150));
  rump_sys_close(fd);

  // From an offset to the end: the file starts there and grows with the host file.
  ASSERT_EQ(rump_pub_etfs_register_withsize("/tail", hp.c_str(), RUMP_ETFS_REG, 990,
                                            RUMP_ETFS_SIZE_ENDOFF),
            0);
  ASSERT_EQ(rump_sys_stat("/tail", &st), 0);
  EXPECT_EQ(st.st_size, 10);
  fd = rump_sys_open("/tail", O_WRONLY | O_APPEND);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(rump_sys_write(fd, "more", 4), 4);
  rump_sys_close(fd);
  EXPECT_EQ(kread("/tail"), data.substr(990) + "more");
  EXPECT_EQ(host_.get("f").size(), 1004u);

  // The whole file as a window, and an empty window at its end.
  EXPECT_EQ(rump_pub_etfs_register_withsize("/all", hp.c_str(), RUMP_ETFS_REG, 0, 1004), 0);
  EXPECT_EQ(rump_pub_etfs_register_withsize("/none", hp.c_str(), RUMP_ETFS_REG, 1004, 0), 0);
  EXPECT_EQ(kread("/all").size(), 1004u);
  EXPECT_EQ(kread("/none"), "");
}

TEST_F(Etfs, AttributesAreKeptInTheKernel) {
  std::string hp = host_.put("f", "data");
  ASSERT_EQ(rump_pub_etfs_register("/f", hp.c_str(), RUMP_ETFS_REG), 0);
  EXPECT_EQ(rump_sys_chmod("/f", 0600), 0) << strerror(errno);
  EXPECT_EQ(rump_sys_chown("/f", 12, 34), 0) << strerror(errno);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/f", &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_uid, 12u);
  EXPECT_EQ(st.st_gid, 34u);
  struct stat hst;
  ASSERT_EQ(::stat(hp.c_str(), &hst), 0);
  EXPECT_EQ(hst.st_mode & 07777, 0644u);  // the host file's own are not changed
  // The host file is not truncated through etfs; its own size is fine.
  EXPECT_EQ(ERRNO_OF(rump_sys_truncate("/f", 2)), EPERM);
  EXPECT_EQ(rump_sys_truncate("/f", 4), 0) << strerror(errno);
  EXPECT_EQ(host_.get("f"), "data");
  // statfs names the file system.
  struct statfs sf;
  ASSERT_EQ(rump_sys_statfs("/f", &sf), 0) << strerror(errno);
  EXPECT_EQ(static_cast<uint64_t>(sf.f_type), rk::vfs::kEtfsMagic);
}

TEST_F(Etfs, ReadOnlyHostFileMakesAReadOnlyNode) {
  // A host file this process may read but not write: root writes any mode 0444 file, but not
  // a sysfs attribute that has no store.
  std::string hp = host_.put("f", "ro");
  ASSERT_EQ(::chmod(hp.c_str(), 0444), 0);
  if (geteuid() == 0) hp = "/sys/kernel/uevent_seqnum";
  int probe = ::open(hp.c_str(), O_RDWR);
  if (probe >= 0 || errno != EACCES) {
    if (probe >= 0) ::close(probe);
    GTEST_SKIP() << "no host file here that is readable but not writable";
  }
  std::string host_content;
  {
    int fd = ::open(hp.c_str(), O_RDONLY);
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof buf);
    host_content.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
    ::close(fd);
  }
  ASSERT_EQ(rump_pub_etfs_register("/ro", hp.c_str(), RUMP_ETFS_REG), 0);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/ro", &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  EXPECT_EQ(kread("/ro"), host_content);
  EXPECT_EQ(ERRNO_OF(rump_sys_open("/ro", O_RDWR)), EROFS);
  EXPECT_EQ(ERRNO_OF(rump_sys_open("/ro", O_WRONLY | O_APPEND)), EROFS);
  EXPECT_EQ(ERRNO_OF(rump_sys_truncate("/ro", 0)), EROFS);
  if (geteuid() == 0) return;
  // Not even readable on the host: the registration fails.
  std::string secret = host_.put("s", "x");
  ASSERT_EQ(::chmod(secret.c_str(), 0), 0);
  EXPECT_EQ(rump_pub_etfs_register("/s", secret.c_str(), RUMP_ETFS_REG), EACCES);
}

// --- the name in the tree ------------------------------------------------------------------

TEST_F(Etfs, TheKeyIsANameInTheTree) {
  std::string hp = host_.put("f", "x");
  ASSERT_EQ(rump_pub_etfs_register("//dir1/dir2//file/", hp.c_str(), RUMP_ETFS_REG), 0);
  // Missing directories were made; the name is listed with its type and inode number.
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/dir1/dir2", &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  auto names = klist("/dir1/dir2");
  ASSERT_EQ(names.count("file"), 1u);
  ASSERT_EQ(rump_sys_stat("/dir1/dir2/file", &st), 0);
  EXPECT_EQ(names["file"].type, DT_REG);
  EXPECT_EQ(names["file"].ino, st.st_ino);
  // Found through any path that leads there.
  ASSERT_EQ(rump_sys_chdir("/dir1"), 0);
  EXPECT_EQ(kread("dir2/../dir2/file"), "x");
  ASSERT_EQ(rump_sys_chdir("/"), 0);
  // A mount of its own: not linkable, not renamable, not removable.
  EXPECT_EQ(ERRNO_OF(rump_sys_link("/dir1/dir2/file", "/dir1/l")), EXDEV);
  EXPECT_EQ(ERRNO_OF(rump_sys_rename("/dir1/dir2/file", "/dir1/r")), EBUSY);
  EXPECT_EQ(ERRNO_OF(rump_sys_unlink("/dir1/dir2/file")), EBUSY);
  EXPECT_EQ(ERRNO_OF(rump_sys_mkdir("/dir1/dir2/file", 0755)), EEXIST);
  EXPECT_EQ(ERRNO_OF(rump_sys_open("/dir1/dir2/file", O_CREAT | O_EXCL | O_RDWR, 0644)), EEXIST);
  struct stat root;
  ASSERT_EQ(rump_sys_stat("/", &root), 0);
  EXPECT_NE(st.st_dev, root.st_dev);
  // The key is spelled either way for removal; the directories stay.
  EXPECT_EQ(rump_pub_etfs_remove("/dir1//dir2/file"), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_stat("/dir1/dir2/file", &st)), ENOENT);
  EXPECT_EQ(rump_sys_stat("/dir1/dir2", &st), 0);
  EXPECT_EQ(klist("/dir1/dir2").count("file"), 0u);
  EXPECT_EQ(rump_sys_rmdir("/dir1/dir2"), 0) << strerror(errno);
}

TEST_F(Etfs, ClientsCannotMountEtfs) {
  ASSERT_EQ(rump_sys_mkdir("/m", 0755), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_mount(host_.path().c_str(), "/m", "etfs", 0, nullptr)), ENODEV);
  EXPECT_EQ(ERRNO_OF(rump_sys_mount(host_.path().c_str(), "/m", "etfs", 0, "")), ENODEV);
}

// --- directories ---------------------------------------------------------------------------

class EtfsDir : public Etfs {
 protected:
  void SetUp() override {
    Etfs::SetUp();
    host_.put("a", "AAA");
    host_.put("b", pattern(70000));
    host_.mkdir("sub");
    host_.put("sub/inner", "deep");
    host_.mkdir("sub/subsub");
    host_.put("sub/subsub/bottom", "bottom");
    ASSERT_EQ(::symlink("a", (host_ / "link-to-a").c_str()), 0);
    ASSERT_EQ(::symlink("nowhere", (host_ / "dangling").c_str()), 0);
    ASSERT_EQ(::mkfifo((host_ / "fifo").c_str(), 0644), 0);
  }
};

TEST_F(EtfsDir, DirShowsTheHostFilesButNotItsSubdirectories) {
  ASSERT_EQ(rump_pub_etfs_register("/hd", host_.path().c_str(), RUMP_ETFS_DIR), 0);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/hd", &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  auto names = klist("/hd");
  std::set<std::string> got;
  for (auto& [n, e] : names) got.insert(n);
  EXPECT_EQ(got, (std::set<std::string>{".", "..", "a", "b", "link-to-a"}));
  EXPECT_EQ(names["a"].type, DT_REG);
  EXPECT_EQ(names["link-to-a"].type, DT_REG);  // links are followed, as stat does
  EXPECT_EQ(kread("/hd/a"), "AAA");
  EXPECT_EQ(kread("/hd/b"), pattern(70000));
  EXPECT_EQ(kread("/hd/link-to-a"), "AAA");
  EXPECT_EQ(ERRNO_OF(rump_sys_stat("/hd/sub", &st)), ENOENT);
  EXPECT_EQ(ERRNO_OF(rump_sys_stat("/hd/fifo", &st)), ENOENT);
  EXPECT_EQ(ERRNO_OF(rump_sys_stat("/hd/dangling", &st)), ENOENT);
  EXPECT_EQ(ERRNO_OF(rump_sys_stat("/hd/missing", &st)), ENOENT);
  // The same inode number in the listing and from stat, and at every lookup.
  ASSERT_EQ(rump_sys_stat("/hd/b", &st), 0);
  EXPECT_EQ(st.st_ino, names["b"].ino);
  EXPECT_EQ(st.st_size, 70000);
  struct stat again;
  ASSERT_EQ(rump_sys_stat("/hd/b", &again), 0);
  EXPECT_EQ(again.st_ino, st.st_ino);
  // Writes go to the host file.
  int fd = rump_sys_open("/hd/a", O_WRONLY);
  ASSERT_GE(fd, 0) << strerror(errno);
  ASSERT_EQ(rump_sys_write(fd, "Z", 1), 1);
  rump_sys_close(fd);
  EXPECT_EQ(host_.get("a"), "ZAA");
  // Names are not made or removed on the host.
  EXPECT_EQ(ERRNO_OF(rump_sys_open("/hd/new", O_CREAT | O_WRONLY, 0644)), EOPNOTSUPP);
  EXPECT_EQ(ERRNO_OF(rump_sys_mkdir("/hd/newdir", 0755)), EOPNOTSUPP);
  EXPECT_EQ(ERRNO_OF(rump_sys_unlink("/hd/a")), EOPNOTSUPP);
  EXPECT_EQ(ERRNO_OF(rump_sys_rename("/hd/a", "/hd/c")), EOPNOTSUPP);
  EXPECT_EQ(access((host_ / "a").c_str(), F_OK), 0);
  // A host file made now is there at once.
  host_.put("late", "late");
  EXPECT_EQ(kread("/hd/late"), "late");
  EXPECT_EQ(klist("/hd").count("late"), 1u);
}

TEST_F(EtfsDir, DirSubdirsShowsTheWholeTree) {
  ASSERT_EQ(rump_pub_etfs_register("/ht", host_.path().c_str(), RUMP_ETFS_DIR_SUBDIRS), 0);
  auto names = klist("/ht");
  ASSERT_EQ(names.count("sub"), 1u);
  EXPECT_EQ(names["sub"].type, DT_DIR);
  EXPECT_EQ(kread("/ht/sub/inner"), "deep");
  EXPECT_EQ(kread("/ht/sub/subsub/bottom"), "bottom");
  auto sub = klist("/ht/sub");
  EXPECT_EQ(sub.count("inner"), 1u);
  EXPECT_EQ(sub.count("subsub"), 1u);
  // "..", and the working directory's path, lead back through the mount point.
  ASSERT_EQ(rump_sys_chdir("/ht/sub/subsub"), 0) << strerror(errno);
  char cwd[256];
  ASSERT_GT(rump_sys_getcwd(cwd, sizeof cwd), 0) << strerror(errno);
  EXPECT_STREQ(cwd, "/ht/sub/subsub");
  EXPECT_EQ(kread("../inner"), "deep");
  EXPECT_EQ(kread("../../a"), "AAA");
  ASSERT_EQ(rump_sys_chdir("../../.."), 0);
  ASSERT_GT(rump_sys_getcwd(cwd, sizeof cwd), 0);
  EXPECT_STREQ(cwd, "/");
  // A working directory inside keeps it busy.
  ASSERT_EQ(rump_sys_chdir("/ht/sub"), 0);
  EXPECT_EQ(rump_pub_etfs_remove("/ht"), EBUSY);
  ASSERT_EQ(rump_sys_chdir("/"), 0);
  EXPECT_EQ(rump_pub_etfs_remove("/ht"), 0);
  struct stat st;
  EXPECT_EQ(ERRNO_OF(rump_sys_stat("/ht", &st)), ENOENT);
}

// Host descriptors open in this process.
int open_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n;
}

TEST_F(EtfsDir, LookupsOpenNothingOnTheHost) {
  ASSERT_EQ(rump_pub_etfs_register("/ht", host_.path().c_str(), RUMP_ETFS_DIR_SUBDIRS), 0);
  int before = open_fds();
  ASSERT_GT(before, 0);
  struct stat st;
  for (const char* p : {"/ht/a", "/ht/b", "/ht/link-to-a", "/ht/sub/inner"})
    ASSERT_EQ(rump_sys_stat(p, &st), 0) << p;
  klist("/ht");
  klist("/ht/sub");
  EXPECT_EQ(open_fds(), before);
  // A read opens the file; closing the last descriptor of the node closes it again.
  EXPECT_EQ(kread("/ht/sub/inner"), "deep");
  int fd = rump_sys_open("/ht/a", O_RDWR);
  ASSERT_GE(fd, 0);
  char c;
  ASSERT_EQ(rump_sys_read(fd, &c, 1), 1);
  EXPECT_EQ(open_fds(), before + 1);
  ASSERT_EQ(rump_sys_pwrite(fd, "Q", 1, 2), 1);  // reopened for writing, the old one closed
  EXPECT_EQ(open_fds(), before + 1);
  rump_sys_close(fd);
  EXPECT_EQ(open_fds(), before);
  EXPECT_EQ(host_.get("a"), "AAQ");
}

TEST_F(EtfsDir, AFileTheHostWillNotOpenIsListedButNotRead) {
  if (geteuid() == 0) GTEST_SKIP() << "root opens any file";
  ASSERT_EQ(::chmod((host_ / "a").c_str(), 0), 0);
  ASSERT_EQ(rump_pub_etfs_register("/hd", host_.path().c_str(), RUMP_ETFS_DIR), 0);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/hd/a", &st), 0);
  EXPECT_EQ(st.st_size, 3);
  int fd = rump_sys_open("/hd/a", O_RDONLY);
  ASSERT_GE(fd, 0);
  char c;
  EXPECT_EQ(ERRNO_OF(rump_sys_read(fd, &c, 1)), EACCES);
  EXPECT_EQ(ERRNO_OF(rump_sys_pwrite(fd, &c, 1, 0)), EBADF);  // open for reading only
  rump_sys_close(fd);
}

// Threads sharing one open file of an etfs directory: the first reads race to open the host
// file (one descriptor stays), and a write reopens it for writing between them.
TEST_F(EtfsDir, SharedDescriptorOpensTheHostFileOnce) {
  ASSERT_EQ(rump_pub_etfs_register("/hd", host_.path().c_str(), RUMP_ETFS_DIR), 0);
  const std::string data = pattern(70000);
  int before = open_fds();
  int fd = rump_sys_open("/hd/b", O_RDWR);
  ASSERT_GE(fd, 0);
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      rump_kernel_switch(k_);
      char buf[512];
      for (int i = 0; i < 50; ++i) {
        off_t off = (t * 5000 + i * 997) % 60000;
        if (t == 0 && i == 25) {
          // Rewrites bytes with what they are: readers see the same data either way.
          if (rump_sys_pwrite(fd, data.data() + 100, 10, 100) != 10) ++bad;
        }
        if (rump_sys_pread(fd, buf, sizeof buf, off) != static_cast<ssize_t>(sizeof buf) ||
            std::memcmp(buf, data.data() + off, sizeof buf) != 0)
          ++bad;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(open_fds(), before + 1);
  rump_sys_close(fd);
  EXPECT_EQ(open_fds(), before);
}

TEST_F(EtfsDir, ALargeDirectoryListsEveryEntryOnce) {
  HostDir big;
  for (int i = 0; i < 300; ++i) big.put("file-" + std::to_string(i), std::to_string(i));
  ASSERT_EQ(rump_pub_etfs_register("/big", big.path().c_str(), RUMP_ETFS_DIR), 0);
  auto names = klist("/big");  // klist fails on duplicates
  EXPECT_EQ(names.size(), 302u);
  EXPECT_EQ(kread("/big/file-299"), "299");
}

// --- removal -------------------------------------------------------------------------------

TEST_F(Etfs, RemoveIsRefusedWhileOpen) {
  std::string hp = host_.put("f", "x");
  ASSERT_EQ(rump_pub_etfs_register("/f", hp.c_str(), RUMP_ETFS_REG), 0);
  int fd = rump_sys_open("/f", O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(rump_pub_etfs_remove("/f"), EBUSY);
  char c;
  EXPECT_EQ(rump_sys_read(fd, &c, 1), 1);
  rump_sys_close(fd);
  EXPECT_EQ(rump_pub_etfs_remove("/f"), 0);
  EXPECT_EQ(rump_pub_etfs_remove("/f"), ENOENT);
  EXPECT_EQ(ERRNO_OF(rump_sys_open("/f", O_RDONLY)), ENOENT);
  // The key is free again, also for something else.
  ASSERT_EQ(rump_pub_etfs_register("/f", host_.path().c_str(), RUMP_ETFS_DIR), 0);
  EXPECT_EQ(rump_pub_etfs_remove("/f"), 0);
  EXPECT_EQ(rump_sys_mkdir("/f", 0755), 0);
}

TEST_F(Etfs, ClientUnmountLeavesTheKeyUntilRemoved) {
  std::string hp = host_.put("f", "x");
  ASSERT_EQ(rump_pub_etfs_register("/f", hp.c_str(), RUMP_ETFS_REG), 0);
  ASSERT_EQ(rump_pub_etfs_register("/d", host_.path().c_str(), RUMP_ETFS_DIR), 0);
  EXPECT_EQ(rump_sys_umount2("/f", 0), 0) << strerror(errno);
  EXPECT_EQ(rump_sys_umount2("/d", 0), 0) << strerror(errno);
  // What is left is the empty name; the keys stay registered until removed.
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/f", &st), 0);
  EXPECT_EQ(st.st_size, 0);
  EXPECT_EQ(rump_pub_etfs_register("/f", hp.c_str(), RUMP_ETFS_REG), EEXIST);
  EXPECT_EQ(rump_pub_etfs_remove("/f"), 0);
  EXPECT_EQ(rump_pub_etfs_remove("/d"), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_stat("/f", &st)), ENOENT);
  EXPECT_EQ(ERRNO_OF(rump_sys_stat("/d", &st)), ENOENT);
}

TEST_F(Etfs, DestroyWithKeysAndOpenFilesFreesEverything) {
  std::string hp = host_.put("f", "x");
  ASSERT_EQ(rump_pub_etfs_register("/f", hp.c_str(), RUMP_ETFS_REG), 0);
  ASSERT_EQ(rump_pub_etfs_register("/b", hp.c_str(), RUMP_ETFS_BLK), 0);
  ASSERT_EQ(rump_pub_etfs_register("/d", host_.path().c_str(), RUMP_ETFS_DIR_SUBDIRS), 0);
  host_.mkdir("s");
  ASSERT_GE(rump_sys_open("/f", O_RDWR), 0);
  ASSERT_GE(rump_sys_open("/d/s", O_RDONLY | O_DIRECTORY), 0);
  ASSERT_EQ(rump_sys_chdir("/d/s"), 0);
  testing::internal::CaptureStderr();
  rump_kernel_switch(prev_);
  rump_kernel_destroy(k_);
  k_ = nullptr;
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("leak"), std::string::npos) << out;
}

// --- errors --------------------------------------------------------------------------------

TEST_F(Etfs, RegistrationErrors) {
  std::string hp = host_.put("f", pattern(100));
  std::string missing = host_ / "missing";
  EXPECT_EQ(rump_pub_etfs_register("/x", missing.c_str(), RUMP_ETFS_REG), ENOENT);
  EXPECT_EQ(rump_pub_etfs_register("/x", "", RUMP_ETFS_REG), ENOENT);
  EXPECT_EQ(rump_pub_etfs_register("/x", hp.c_str(), RUMP_ETFS_DIR), ENOTDIR);
  EXPECT_EQ(rump_pub_etfs_register("/x", hp.c_str(), RUMP_ETFS_DIR_SUBDIRS), ENOTDIR);
  EXPECT_EQ(rump_pub_etfs_register("/x", host_.path().c_str(), RUMP_ETFS_REG), EISDIR);
  EXPECT_EQ(rump_pub_etfs_register("/x", hp.c_str(), static_cast<rump_etfs_type>(5)), EINVAL);
  EXPECT_EQ(rump_pub_etfs_register("/x", hp.c_str(), static_cast<rump_etfs_type>(-1)), EINVAL);
  // Keys: absolute, not the root, no "." or "..", names within NAME_MAX.
  EXPECT_EQ(rump_pub_etfs_register("x", hp.c_str(), RUMP_ETFS_REG), EINVAL);
  EXPECT_EQ(rump_pub_etfs_register("", hp.c_str(), RUMP_ETFS_REG), EINVAL);
  EXPECT_EQ(rump_pub_etfs_register("/", hp.c_str(), RUMP_ETFS_REG), EINVAL);
  EXPECT_EQ(rump_pub_etfs_register("///", hp.c_str(), RUMP_ETFS_REG), EINVAL);
  EXPECT_EQ(rump_pub_etfs_register("/a/../x", hp.c_str(), RUMP_ETFS_REG), EINVAL);
  EXPECT_EQ(rump_pub_etfs_register("/a/./x", hp.c_str(), RUMP_ETFS_REG), EINVAL);
  EXPECT_EQ(rump_pub_etfs_register(("/" + std::string(256, 'n')).c_str(), hp.c_str(),
                                   RUMP_ETFS_REG),
            ENAMETOOLONG);
  EXPECT_EQ(rump_pub_etfs_register(nullptr, hp.c_str(), RUMP_ETFS_REG), EINVAL);
  EXPECT_EQ(rump_pub_etfs_register("/x", nullptr, RUMP_ETFS_REG), EINVAL);
  // Windows: begin past the end, or a window past the end; directories take none.
  EXPECT_EQ(rump_pub_etfs_register_withsize("/x", hp.c_str(), RUMP_ETFS_REG, 101,
                                            RUMP_ETFS_SIZE_ENDOFF),
            EINVAL);
  EXPECT_EQ(rump_pub_etfs_register_withsize("/x", hp.c_str(), RUMP_ETFS_REG, 50, 51), EINVAL);
  EXPECT_EQ(rump_pub_etfs_register_withsize("/x", hp.c_str(), RUMP_ETFS_BLK, 1, UINT64_MAX - 1),
            EINVAL);
  EXPECT_EQ(rump_pub_etfs_register_withsize("/x", host_.path().c_str(), RUMP_ETFS_DIR, 1,
                                            RUMP_ETFS_SIZE_ENDOFF),
            EISDIR);
  EXPECT_EQ(rump_pub_etfs_register_withsize("/x", host_.path().c_str(), RUMP_ETFS_DIR, 0, 10),
            EISDIR);
  // Taken names: a key, anything in the tree, anything inside an etfs directory.
  ASSERT_EQ(rump_pub_etfs_register("/x", hp.c_str(), RUMP_ETFS_REG), 0);
  EXPECT_EQ(rump_pub_etfs_register("/x", hp.c_str(), RUMP_ETFS_REG), EEXIST);
  EXPECT_EQ(rump_pub_etfs_register("//x/", hp.c_str(), RUMP_ETFS_BLK), EEXIST);
  EXPECT_EQ(rump_pub_etfs_register("/dev", hp.c_str(), RUMP_ETFS_REG), EEXIST);
  EXPECT_EQ(rump_pub_etfs_register("/dev/null", hp.c_str(), RUMP_ETFS_CHR), EEXIST);
  ASSERT_EQ(rump_pub_etfs_register("/hd", host_.path().c_str(), RUMP_ETFS_DIR_SUBDIRS), 0);
  EXPECT_EQ(rump_pub_etfs_register("/hd/new", hp.c_str(), RUMP_ETFS_REG), EEXIST);
  EXPECT_EQ(rump_pub_etfs_register("/hd/f", hp.c_str(), RUMP_ETFS_REG), EEXIST);
  // A key's directory that is a file.
  EXPECT_EQ(rump_pub_etfs_register("/x/y", hp.c_str(), RUMP_ETFS_REG), ENOTDIR);
  // Directories on a read-only mount.
  ASSERT_EQ(rump_sys_mkdir("/ro", 0755), 0);
  ASSERT_EQ(rump_sys_mount("tmpfs", "/ro", "tmpfs", MS_RDONLY, nullptr), 0) << strerror(errno);
  EXPECT_EQ(rump_pub_etfs_register("/ro/x", hp.c_str(), RUMP_ETFS_REG), EROFS);
  EXPECT_EQ(rump_pub_etfs_register("/ro/a/x", hp.c_str(), RUMP_ETFS_REG), EROFS);
  // Removal.
  EXPECT_EQ(rump_pub_etfs_remove("/nothing"), ENOENT);
  EXPECT_EQ(rump_pub_etfs_remove("/dev"), ENOENT);
  EXPECT_EQ(rump_pub_etfs_remove("x"), EINVAL);
  EXPECT_EQ(rump_pub_etfs_remove(nullptr), EINVAL);
  // Nothing of the failures is left behind.
  struct stat st;
  EXPECT_EQ(ERRNO_OF(rump_sys_stat("/a", &st)), ENOENT);
  EXPECT_EQ(rump_pub_etfs_remove("/x"), 0);
  EXPECT_EQ(rump_pub_etfs_remove("/hd"), 0);
  EXPECT_EQ(klist("/").size(), 4u) << "., .., dev and ro";
}

TEST(EtfsNoKernel, AnswersEnxio) {
  rump_kernel* prev = rump_kernel_switch(nullptr);
  if (rump_kernel_current() != nullptr) GTEST_SKIP() << "a default kernel exists";
  EXPECT_EQ(rump_pub_etfs_register("/x", "/tmp", RUMP_ETFS_DIR), ENXIO);
  EXPECT_EQ(rump_pub_etfs_remove("/x"), ENXIO);
  rump_kernel_switch(prev);
}

// --- kernels -------------------------------------------------------------------------------

TEST(EtfsKernels, TwoKernelsRegisterTheSameKeyIndependently) {
  HostDir host;
  std::string one = host.put("one", "first kernel");
  std::string two = host.put("two", "second kernel");
  rump_kernel *a, *b;
  ASSERT_EQ(rump_kernel_create("ncpu=1", &a), 0);
  ASSERT_EQ(rump_kernel_create("ncpu=1", &b), 0);
  rump_kernel* prev = rump_kernel_switch(a);
  ASSERT_EQ(rump_pub_etfs_register("/disk", one.c_str(), RUMP_ETFS_REG), 0);
  rump_kernel_switch(b);
  ASSERT_EQ(rump_pub_etfs_register("/disk", two.c_str(), RUMP_ETFS_REG), 0);

  auto content = [](rump_kernel* k) {
    rump_kernel_switch(k);
    int fd = rump_sys_open("/disk", O_RDONLY);
    EXPECT_GE(fd, 0) << strerror(errno);
    char buf[64] = {};
    ssize_t n = rump_sys_read(fd, buf, sizeof buf - 1);
    rump_sys_close(fd);
    return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
  };
  EXPECT_EQ(content(a), "first kernel");
  EXPECT_EQ(content(b), "second kernel");
  rump_kernel_switch(a);
  EXPECT_EQ(rump_pub_etfs_remove("/disk"), 0);
  EXPECT_EQ(content(b), "second kernel");
  rump_kernel_switch(a);
  EXPECT_EQ(rump_pub_etfs_remove("/disk"), ENOENT);
  // Threads of two kernels registering and removing at once.
  std::atomic<int> failures{0};
  auto churn = [&](rump_kernel* k, const std::string& path) {
    rump_kernel_switch(k);
    for (int i = 0; i < 50; ++i) {
      std::string key = "/k" + std::to_string(i % 5);
      if (rump_pub_etfs_register(key.c_str(), path.c_str(), RUMP_ETFS_REG) != 0) ++failures;
      int fd = rump_sys_open(key.c_str(), O_RDONLY);
      if (fd < 0) ++failures;
      else rump_sys_close(fd);
      if (rump_pub_etfs_remove(key.c_str()) != 0) ++failures;
    }
  };
  std::thread ta(churn, a, one), tb(churn, b, two);
  ta.join();
  tb.join();
  EXPECT_EQ(failures.load(), 0);
  rump_kernel_switch(prev);
  EXPECT_EQ(rump_kernel_destroy(a), 0);
  EXPECT_EQ(rump_kernel_destroy(b), 0);
}

TEST_F(Etfs, ConcurrentReadersOfOneFile) {
  std::string data = pattern(300000);
  std::string hp = host_.put("f", data);
  ASSERT_EQ(rump_pub_etfs_register("/f", hp.c_str(), RUMP_ETFS_REG), 0);
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      rump_kernel_switch(k_);
      int fd = rump_sys_open("/f", O_RDONLY);
      if (fd < 0) {
        ++bad;
        return;
      }
      std::vector<char> buf(7777);
      for (off_t off = t * 1000; off < static_cast<off_t>(data.size()); off += 50000) {
        ssize_t n = rump_sys_pread(fd, buf.data(), buf.size(), off);
        size_t want = std::min(buf.size(), data.size() - static_cast<size_t>(off));
        if (n != static_cast<ssize_t>(want) ||
            std::memcmp(buf.data(), data.data() + off, want) != 0)
          ++bad;
      }
      rump_sys_close(fd);
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(bad.load(), 0);
}

// --- devices, through the Vnode interface --------------------------------------------------

using rk::kern::Kernel;
using rk::kern::Lwp;
using rk::vfs::Vnode;

Kernel& kernel_of(rump_kernel* k) { return *reinterpret_cast<Kernel*>(k); }

// Reads or writes a device node the way a block device layer would: through its vnode.
ssize_t dev_io(rump_kernel* k, const char* path, bool write, void* buf, size_t len, uint64_t off) {
  return rk::test::in_kernel(kernel_of(k), [&](Lwp& l) -> ssize_t {
    rk::Result<rk::Ref<Vnode>> v = rk::vfs::namei(l, rk::vfs::kAtFdcwd, path, rk::vfs::kFollow);
    if (!v.ok()) return -rk::to_int(v.error());
    rk::kern::Uio uio(l, write ? rk::kern::UioDir::kWrite : rk::kern::UioDir::kRead, buf, len,
                      off);
    rk::Result<void> r = [&] {
      if (write) {
        rk::kern::WriteGuard g(v.value()->lock());
        return v.value()->write(uio);
      }
      rk::kern::ReadGuard g(v.value()->lock());
      return v.value()->read(uio);
    }();
    if (!r.ok()) return -rk::to_int(r.error());
    return static_cast<ssize_t>(len - uio.resid());
  });
}

TEST_F(Etfs, BlockDeviceIoGoesToTheHostWindow) {
  std::string data = pattern(8192);
  std::string hp = host_.put("disk.img", data);
  ASSERT_EQ(rump_pub_etfs_register_withsize("/dev/xvda", hp.c_str(), RUMP_ETFS_BLK, 1024, 4096),
            0);
  ASSERT_EQ(rump_pub_etfs_register("/dev/xvdb", hp.c_str(), RUMP_ETFS_BLK), 0);
  struct stat st, st2;
  ASSERT_EQ(rump_sys_stat("/dev/xvda", &st), 0);
  ASSERT_EQ(rump_sys_stat("/dev/xvdb", &st2), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode));
  // Block keys are disks of the block device layer: Linux's SCSI disk numbers.
  EXPECT_EQ(major(st.st_rdev), rk::vfs::kDiskMajor);
  EXPECT_EQ(major(st2.st_rdev), rk::vfs::kDiskMajor);
  EXPECT_NE(minor(st.st_rdev), minor(st2.st_rdev));
  EXPECT_EQ(st.st_size, 0);  // as device nodes show on Linux
  EXPECT_EQ(klist("/dev")["xvda"].type, DT_BLK);

  char buf[5000];
  ASSERT_EQ(dev_io(k_, "/dev/xvda", false, buf, 100, 0), 100);
  EXPECT_EQ(std::string(buf, 100), data.substr(1024, 100));
  ASSERT_EQ(dev_io(k_, "/dev/xvda", false, buf, sizeof buf, 0), 4096);  // the window's end
  EXPECT_EQ(dev_io(k_, "/dev/xvda", false, buf, 10, 4096), 0);
  ASSERT_EQ(dev_io(k_, "/dev/xvda", true, const_cast<char*>("DISK"), 4, 10), 4);
  EXPECT_EQ(host_.get("disk.img").substr(1034, 4), "DISK");
  EXPECT_EQ(dev_io(k_, "/dev/xvda", true, buf, 10, 4090), 6);  // cut short at the end
  EXPECT_EQ(dev_io(k_, "/dev/xvda", true, buf, 10, 4096), -ENOSPC);
  EXPECT_EQ(host_.get("disk.img").size(), data.size());  // a device never grows its file
  // The whole file: its size at registration.
  EXPECT_EQ(dev_io(k_, "/dev/xvdb", false, buf, sizeof buf, 4000), 4192);
  EXPECT_EQ(dev_io(k_, "/dev/xvdb", true, buf, 1, 8192), -ENOSPC);
  rk::test::in_kernel(kernel_of(k_), [&](Lwp& l) {
    auto v = rk::vfs::namei(l, rk::vfs::kAtFdcwd, "/dev/xvda", rk::vfs::kFollow);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(static_cast<rk::vfs::EtfsNode&>(*v.value()).device_size(), 4096u);
  });
  EXPECT_EQ(rump_pub_etfs_remove("/dev/xvda"), 0);
  EXPECT_EQ(rump_pub_etfs_remove("/dev/xvdb"), 0);
  EXPECT_EQ(klist("/dev").count("xvda"), 0u);
}

TEST_F(Etfs, CharacterDeviceIoGoesToTheHostFile) {
  std::string hp = host_.put("tty", "hello");
  ASSERT_EQ(rump_pub_etfs_register("/dev/ttyE", hp.c_str(), RUMP_ETFS_CHR), 0);
  struct stat st;
  ASSERT_EQ(rump_sys_stat("/dev/ttyE", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(major(st.st_rdev), rk::vfs::kEtfsMajor);
  char buf[16];
  ASSERT_EQ(dev_io(k_, "/dev/ttyE", false, buf, sizeof buf, 0), 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
  EXPECT_EQ(dev_io(k_, "/dev/ttyE", true, const_cast<char*>("J"), 1, 0), 1);
  EXPECT_EQ(host_.get("tty"), "Jello");
  // A host character device has no size: no window bounds it.
  ASSERT_EQ(rump_pub_etfs_register("/dev/hostzero", "/dev/zero", RUMP_ETFS_CHR), 0);
  EXPECT_EQ(dev_io(k_, "/dev/hostzero", false, buf, sizeof buf, 1 << 20),
            static_cast<ssize_t>(sizeof buf));
  EXPECT_EQ(buf[0], 0);
}

TEST_F(Etfs, MountsListTheKeys) {
  std::string hp = host_.put("f", "x");
  ASSERT_EQ(rump_pub_etfs_register("/f", hp.c_str(), RUMP_ETFS_REG), 0);
  ASSERT_EQ(rump_pub_etfs_register("/a/d", host_.path().c_str(), RUMP_ETFS_DIR), 0);
  auto mounts = [&] {
    return rk::test::in_kernel(kernel_of(k_), [&](Lwp&) {
      char buf[4096];
      rk::Result<size_t> n = rk::vfs::Vfs::of(kernel_of(k_)).mounts_text(buf, sizeof buf);
      return n.ok() ? std::string(buf, n.value()) : std::string("error");
    });
  };
  std::string m = mounts();
  EXPECT_NE(m.find(hp + " /f etfs rw 0 0\n"), std::string::npos) << m;
  EXPECT_NE(m.find(host_.path() + " /a/d etfs rw 0 0\n"), std::string::npos) << m;
  EXPECT_EQ(rump_pub_etfs_remove("/f"), 0);
  EXPECT_EQ(rump_pub_etfs_remove("/a/d"), 0);
  EXPECT_EQ(mounts().find("etfs"), std::string::npos) << mounts();
}

// --- the dir_read hypercall ----------------------------------------------------------------

TEST(EtfsHypercall, DirReadListsOneEntryPerCall) {
  HostDir d;
  d.put("x", "1");
  d.mkdir("y");
  ASSERT_EQ(::symlink("x", (d / "lx").c_str()), 0);
  ASSERT_EQ(::symlink("nowhere", (d / "dangle").c_str()), 0);
  const rumpuser_ops& ops = *rumpuser_posix_ops();
  ASSERT_NE(ops.dir_read, nullptr);
  std::map<std::string, int> got;
  uint64_t cookie = 0;
  char name[256];
  int type;
  int rv;
  while ((rv = ops.dir_read(ops.host, d.path().c_str(), &cookie, name, sizeof name, &type)) == 0) {
    EXPECT_EQ(got.count(name), 0u);
    got[name] = type;
    EXPECT_EQ(cookie, got.size());
  }
  EXPECT_EQ(rv, ENOENT);
  EXPECT_EQ(got, (std::map<std::string, int>{{"x", RUMPUSER_FT_REG},
                                             {"y", RUMPUSER_FT_DIR},
                                             {"lx", RUMPUSER_FT_REG},
                                             {"dangle", RUMPUSER_FT_OTHER}}));
  // Resuming from a cookie, and past the end.
  uint64_t c = 2;
  ASSERT_EQ(ops.dir_read(ops.host, d.path().c_str(), &c, name, sizeof name, &type), 0);
  EXPECT_EQ(c, 3u);
  c = 10;
  EXPECT_EQ(ops.dir_read(ops.host, d.path().c_str(), &c, name, sizeof name, &type), ENOENT);
  // A name that does not fit is skipped over.
  c = 0;
  char tiny[2];
  int r = ops.dir_read(ops.host, d.path().c_str(), &c, tiny, sizeof tiny, &type);
  EXPECT_TRUE(r == 0 || r == ENAMETOOLONG);  // "x" and "y" fit, the others do not
  EXPECT_EQ(c, 1u);
  // Not a directory, or none.
  c = 0;
  EXPECT_EQ(ops.dir_read(ops.host, (d / "x").c_str(), &c, name, sizeof name, &type), ENOTDIR);
  EXPECT_EQ(ops.dir_read(ops.host, (d / "none").c_str(), &c, name, sizeof name, &type), ENOENT);
}

}  // namespace

// Regression: block and character device keys open by path, and their I/O reaches the host
// file through the node (not the device switch, which knows no such device).
TEST(EtfsDevicesByPath, BlockAndCharacterKeysOpenAndMoveData) {
  char host[] = "/tmp/etfs_dev.XXXXXX";
  int hfd = mkstemp(host);
  ASSERT_GE(hfd, 0);
  std::string data(8192, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('A' + i % 26);
  ASSERT_EQ(write(hfd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  close(hfd);
  rump_kernel* k;
  ASSERT_EQ(rump_kernel_create(nullptr, &k), 0);
  rump_kernel* prev = rump_kernel_switch(k);
  ASSERT_EQ(rump_pub_etfs_register("/dev/xvda", host, RUMP_ETFS_BLK), 0);
  ASSERT_EQ(rump_pub_etfs_register_withsize("/dev/xchr", host, RUMP_ETFS_CHR, 4096, 4096), 0);
  int fd = rump_sys_open("/dev/xvda", O_RDWR);
  ASSERT_GE(fd, 0) << strerror(errno);
  char buf[4] = {};
  EXPECT_EQ(rump_sys_pread(fd, buf, 4, 26), 4);
  EXPECT_EQ(std::string(buf, 4), "ABCD");
  EXPECT_EQ(rump_sys_pwrite(fd, "zz", 2, 0), 2);
  rump_sys_close(fd);
  fd = rump_sys_open("/dev/xchr", O_RDONLY);
  ASSERT_GE(fd, 0) << strerror(errno);
  EXPECT_EQ(rump_sys_read(fd, buf, 4), 4);
  EXPECT_EQ(std::string(buf, 4), data.substr(4096, 4));
  rump_sys_close(fd);
  rump_kernel_switch(prev);
  rump_kernel_destroy(k);
  char check[2];
  hfd = open(host, O_RDONLY);
  ASSERT_EQ(read(hfd, check, 2), 2);
  close(hfd);
  EXPECT_EQ(std::string(check, 2), "zz");
  unlink(host);
}
