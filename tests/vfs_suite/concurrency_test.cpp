// Concurrency: eight threads (four processes of their own, four lwps sharing one process)
// create, rename, link, unlink, mkdir and rmdir in shared directories of one rump kernel with
// two virtual CPUs, for a bounded time; then the tree must be consistent: every listed name
// stat-able with the type readdir gave, no duplicates, link counts equal to the names found,
// readdir agreeing with lookup for every possible name, and all space back after cleanup.
// Runs over every file system in kFileSystems; meant for ThreadSanitizer as well.
//
// And: two kernels in one process see two different trees, also while both are busy.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "rump/rump.h"
#include "rump/rump_syscalls.h"
#include "tests/vfs_suite/target.h"

namespace vfs_suite {
namespace {

constexpr int kThreads = 8;
constexpr int kDirs = 4;
constexpr int kNames = 10;
constexpr auto kRunFor = std::chrono::milliseconds(1500);
constexpr long kMaxOpsPerThread = 20000;

std::string err_name(int e) { return errno_str(e); }

// A kernel with fs set up at spec.root; the calling thread is switched to it.
class Kernel {
 public:
  explicit Kernel(const FileSystemSpec& spec, const char* params = "ncpu=2") : spec_(spec) {
    if (int e = rump_kernel_create(params, &k_); e != 0) {
      error_ = "rump_kernel_create: " + err_name(e);
      k_ = nullptr;
      return;
    }
    rump_kernel_switch(k_);
    auto fail = [&](const char* what) {
      error_ = std::string(what) + " " + spec.root + ": " + err_name(errno);
      return false;
    };
    const std::string source = mount_source(spec, &image_);
    (void)((rump_sys_mkdir(spec.root, 0755) == 0 || errno == EEXIST || fail("mkdir")) &&
           (spec.mount_type == nullptr ||
            rump_sys_mount(source.c_str(), spec.root, spec.mount_type, 0, spec.mount_data) == 0 ||
            fail("mount")));
  }
  ~Kernel() {
    if (k_ == nullptr) return;
    rump_kernel_switch(nullptr);
    rump_kernel_destroy(k_);
    if (!image_.empty()) unlink(image_.c_str());
  }
  rump_kernel* get() const { return k_; }
  const std::string& error() const { return error_; }
  std::string path(const std::string& p) const { return std::string(spec_.root) + p; }

 private:
  const FileSystemSpec& spec_;
  rump_kernel* k_ = nullptr;
  std::string error_;
  std::string image_;  // the disk image of a file system with mkfs
};

// Every path the workers use: /c/dK/nI and /c/dK/nI/nJ.
std::vector<std::string> name_pool(const Kernel& k) {
  std::vector<std::string> v;
  for (int d = 0; d < kDirs; ++d)
    for (int i = 0; i < kNames; ++i) {
      std::string p = k.path("/c/d" + std::to_string(d) + "/n" + std::to_string(i));
      v.push_back(p);
      for (int j = 0; j < 3; ++j) v.push_back(p + "/n" + std::to_string(j));
    }
  return v;
}

struct Failures {
  std::mutex m;
  std::vector<std::string> list;
  void add(std::string s) {
    std::lock_guard g(m);
    if (list.size() < 20) list.push_back(std::move(s));
  }
  size_t size() {
    std::lock_guard g(m);
    return list.size();
  }
};

// One worker: random operations until the time is up; unexpected errors go to failures.
void worker(rump_kernel* k, int id, pid_t shared_pid, const std::vector<std::string>& pool,
            std::chrono::steady_clock::time_point until, Failures* failures,
            std::atomic<long>* ops_done) {
  rump_kernel_switch(k);
  int e =
      id < kThreads / 2 ? rump_pub_lwproc_rfork(RUMP_RFCFDG) : rump_pub_lwproc_newlwp(shared_pid);
  if (e != 0) {
    failures->add("thread " + std::to_string(id) + ": lwp: " + err_name(e));
    return;
  }
  std::mt19937 rng(1234u + unsigned(id));
  auto any = [&]() -> const std::string& { return pool[rng() % pool.size()]; };
  auto expect = [&](const std::string& what, long r, std::initializer_list<int> allowed) {
    if (r >= 0) return true;
    int err = errno;
    for (int a : allowed)
      if (a == err) return false;
    failures->add("thread " + std::to_string(id) + ": " + what + ": " + err_name(err));
    return false;
  };
  long n = 0;
  for (; n < kMaxOpsPerThread && (n % 64 != 0 || std::chrono::steady_clock::now() < until); ++n) {
    if (failures->size() >= 20) break;
    const std::string& a = any();
    const std::string& b = any();
    switch (rng() % 10) {
      case 0:
      case 1: {
        int fd = rump_sys_open(a.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (expect("create " + a, fd, {EEXIST, ENOENT, ENOTDIR})) {
          expect("write " + a, rump_sys_write(fd, "8 bytes!", 8), {});
          expect("close", rump_sys_close(fd), {});
        }
        break;
      }
      case 2: expect("unlink " + a, rump_sys_unlink(a.c_str()), {ENOENT, EISDIR, ENOTDIR}); break;
      case 3:
      case 4:
        expect("rename " + a + " " + b, rump_sys_rename(a.c_str(), b.c_str()),
               {ENOENT, EISDIR, ENOTDIR, ENOTEMPTY, EEXIST, EINVAL});
        break;
      case 5:
        expect("mkdir " + a, rump_sys_mkdir(a.c_str(), 0755), {EEXIST, ENOENT, ENOTDIR});
        break;
      case 6: expect("rmdir " + a, rump_sys_rmdir(a.c_str()), {ENOENT, ENOTDIR, ENOTEMPTY}); break;
      case 7:
        expect("link " + a + " " + b, rump_sys_link(a.c_str(), b.c_str()),
               {ENOENT, EEXIST, EPERM, ENOTDIR});
        break;
      case 8: {
        struct stat st;
        expect("lstat " + a, rump_sys_lstat(a.c_str(), &st), {ENOENT, ENOTDIR});
        break;
      }
      case 9: {
        std::string dir = a.substr(0, a.rfind('/'));
        int fd = rump_sys_open(dir.c_str(), O_RDONLY | O_DIRECTORY);
        if (expect("open dir " + dir, fd, {ENOENT, ENOTDIR})) {
          char buf[2048];
          long r;
          while ((r = rump_sys_getdents64(fd, buf, sizeof buf)) > 0) {
          }
          // A directory removed while being read lists nothing more (ENOENT).
          expect("getdents64 " + dir, r, {ENOENT});
          expect("close", rump_sys_close(fd), {});
        }
        break;
      }
    }
  }
  ops_done->fetch_add(n);
  rump_pub_lwproc_releaselwp();
}

struct Entry {
  std::string name;
  unsigned type;
  uint64_t ino;
};

// getdents64 of a directory; false (and a failure) on error.
bool read_dir(const std::string& path, std::vector<Entry>* out) {
  int fd = rump_sys_open(path.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    ADD_FAILURE() << "open " << path << ": " << err_name(errno);
    return false;
  }
  char buf[4096];
  long r;
  while ((r = rump_sys_getdents64(fd, buf, sizeof buf)) > 0) {
    for (long pos = 0; pos < r;) {
      uint64_t ino;
      uint16_t reclen;
      std::memcpy(&ino, buf + pos, 8);
      std::memcpy(&reclen, buf + pos + 16, 2);
      if (reclen == 0) break;
      out->push_back({std::string(buf + pos + 19), static_cast<unsigned char>(buf[pos + 18]), ino});
      pos += reclen;
    }
  }
  EXPECT_EQ(r, 0) << "getdents64 " << path << ": " << err_name(errno);
  rump_sys_close(fd);
  return r == 0;
}

unsigned dtype_of(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFREG: return DT_REG;
    case S_IFDIR: return DT_DIR;
    case S_IFLNK: return DT_LNK;
  }
  return DT_UNKNOWN;
}

// Walks the tree checking what can be checked alone; collects names per inode.
void check_tree(const std::string& dir, std::map<uint64_t, std::pair<uint64_t, int>>* files,
                std::set<std::string>* listed, int depth = 0) {
  std::vector<Entry> entries;
  if (!read_dir(dir, &entries)) return;
  std::set<std::string> seen;
  int subdirs = 0;
  for (const Entry& e : entries) {
    EXPECT_TRUE(seen.insert(e.name).second) << dir << " lists " << e.name << " twice";
    if (e.name == "." || e.name == "..") continue;
    std::string path = dir + "/" + e.name;
    listed->insert(path);
    struct stat st;
    if (rump_sys_lstat(path.c_str(), &st) != 0) {
      ADD_FAILURE() << dir << " lists " << e.name << " but lstat says " << err_name(errno);
      continue;
    }
    EXPECT_EQ(e.type, dtype_of(st.st_mode)) << path;
    EXPECT_EQ(e.ino, st.st_ino) << path;
    if (S_ISDIR(st.st_mode)) {
      ++subdirs;
      if (depth < 64) check_tree(path, files, listed, depth + 1);  // renames nest deeply
    } else {
      EXPECT_TRUE(S_ISREG(st.st_mode)) << path;
      EXPECT_EQ(st.st_size, 8) << path << ": every file was written once at creation";
      auto& f = (*files)[st.st_ino];
      f.first = st.st_nlink;
      f.second++;
    }
  }
  EXPECT_TRUE(seen.count(".") && seen.count("..")) << dir;
  struct stat st;
  ASSERT_EQ(rump_sys_lstat(dir.c_str(), &st), 0) << dir;
  EXPECT_EQ(st.st_nlink, uint64_t(2 + subdirs)) << dir << ": 2 + its subdirectories";
}

void remove_tree(const std::string& path) {
  struct stat st;
  if (rump_sys_lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    std::vector<Entry> entries;
    read_dir(path, &entries);
    for (const Entry& e : entries)
      if (e.name != "." && e.name != "..") remove_tree(path + "/" + e.name);
    EXPECT_EQ(rump_sys_rmdir(path.c_str()), 0) << path << ": " << err_name(errno);
  } else {
    EXPECT_EQ(rump_sys_unlink(path.c_str()), 0) << path << ": " << err_name(errno);
  }
}

class Concurrency : public testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(All, Concurrency, testing::ValuesIn(rump_targets()),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(Concurrency, RacingCreateRenameUnlinkKeepTheTreeConsistent) {
  const FileSystemSpec* spec = &kFileSystems[0];
  for (const auto& fs : kFileSystems)
    if (GetParam() == fs.name) spec = &fs;
  Kernel k(*spec);
  ASSERT_EQ(k.error(), "");
  ASSERT_EQ(rump_sys_mkdir(k.path("/c").c_str(), 0755), 0) << err_name(errno);
  struct statfs before {};
  ASSERT_EQ(rump_sys_statfs(k.path("/c").c_str(), &before), 0);
  for (int d = 0; d < kDirs; ++d)
    ASSERT_EQ(rump_sys_mkdir(k.path("/c/d" + std::to_string(d)).c_str(), 0755), 0);

  // The process the lwp threads share.
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  const pid_t shared = rump_sys_getpid();
  struct lwp* holder = rump_pub_lwproc_curlwp();
  rump_pub_lwproc_switch(nullptr);

  const auto pool = name_pool(k);
  Failures failures;
  std::atomic<long> ops{0};
  const auto until = std::chrono::steady_clock::now() + kRunFor;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back(worker, k.get(), i, shared, std::cref(pool), until, &failures, &ops);
  for (auto& t : threads) t.join();
  rump_pub_lwproc_switch(holder);
  rump_pub_lwproc_releaselwp();

  for (const auto& f : failures.list) ADD_FAILURE() << f;
  ASSERT_EQ(failures.list.size(), 0u);
  EXPECT_GT(ops.load(), 1000) << "the threads hardly ran";
  RecordProperty("calls", std::to_string(ops.load()));

  // Consistency of what is left.
  std::map<uint64_t, std::pair<uint64_t, int>> files;  // ino -> (st_nlink, names found)
  std::set<std::string> listed;
  check_tree(k.path("/c"), &files, &listed);
  for (const auto& [ino, f] : files)
    EXPECT_EQ(f.first, uint64_t(f.second)) << "inode " << ino << ": nlink against names";
  for (const std::string& p : pool) {
    struct stat st;
    bool exists = rump_sys_lstat(p.c_str(), &st) == 0;
    EXPECT_EQ(exists, listed.count(p) == 1) << p << ": lookup and readdir disagree";
  }
  // Everything can be removed, and (on a file system with accounting) all space comes back.
  for (int d = 0; d < kDirs; ++d) remove_tree(k.path("/c/d" + std::to_string(d)));
  std::vector<Entry> rest;
  ASSERT_TRUE(read_dir(k.path("/c"), &rest));
  EXPECT_EQ(rest.size(), 2u);
  struct statfs after {};
  ASSERT_EQ(rump_sys_statfs(k.path("/c").c_str(), &after), 0);
  if (spec->mount_type != nullptr) {
    EXPECT_EQ(after.f_bfree, before.f_bfree) << "blocks leaked";
    EXPECT_EQ(after.f_ffree, before.f_ffree) << "inodes leaked";
  }
}

// Regression: renaming a file out of a directory into its parent while another thread removes
// that directory. rmdir holds the parent and then takes the directory; rename took the
// directory first, then the parent, and both waited for ever (found by the ext2 concurrency
// test under TSan). rename now takes an ancestor before a directory below it, as Linux's
// lock_rename. A deadlock here fails the test (the watchdog aborts) instead of hanging it.
TEST_P(Concurrency, RenameOutOfADirectoryWhileItsParentRemovesIt) {
  const FileSystemSpec* spec = &kFileSystems[0];
  for (const auto& fs : kFileSystems)
    if (GetParam() == fs.name) spec = &fs;
  Kernel k(*spec);
  ASSERT_EQ(k.error(), "");
  const std::string p = k.path("/p"), b = p + "/b", inside = b + "/x", outside = p + "/x";
  ASSERT_EQ(rump_sys_mkdir(p.c_str(), 0755), 0) << err_name(errno);
  ASSERT_EQ(rump_sys_mkdir(b.c_str(), 0755), 0) << err_name(errno);
  int fd = rump_sys_open(inside.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0) << err_name(errno);
  ASSERT_EQ(rump_sys_close(fd), 0);

  constexpr int kRounds = 3000;
  std::atomic<int> finished{0};
  Failures failures;
  auto expect = [&](const char* what, int rv, std::initializer_list<int> allowed) {
    if (rv == 0) return;
    for (int e : allowed)
      if (errno == e) return;
    failures.add(std::string(what) + ": " + err_name(errno));
  };
  std::thread mover([&] {
    rump_kernel_switch(k.get());
    for (int i = 0; i < kRounds; ++i) {
      expect("rename out", rump_sys_rename(inside.c_str(), outside.c_str()), {ENOENT});
      expect("rename in", rump_sys_rename(outside.c_str(), inside.c_str()), {ENOENT});
    }
    ++finished;
  });
  std::thread remover([&] {
    rump_kernel_switch(k.get());
    for (int i = 0; i < kRounds; ++i) {
      if (rump_sys_rmdir(b.c_str()) == 0) {
        expect("mkdir", rump_sys_mkdir(b.c_str(), 0755), {EEXIST});
      } else {
        expect("rmdir", -1, {ENOTEMPTY, ENOENT});
      }
    }
    ++finished;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (finished.load() < 2) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "DEADLOCK: rename and rmdir did not finish within 60 s\n");
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  mover.join();
  remover.join();
  for (const auto& f : failures.list) ADD_FAILURE() << f;
}

// --- two kernels ---------------------------------------------------------------------------

std::string read_file(const char* path) {
  int fd = rump_sys_open(path, O_RDONLY);
  if (fd < 0) return "<" + err_name(errno) + ">";
  char buf[256];
  long r = rump_sys_read(fd, buf, sizeof buf);
  rump_sys_close(fd);
  return r < 0 ? "<" + err_name(errno) + ">" : std::string(buf, size_t(r));
}

bool write_file(const char* path, const std::string& data) {
  int fd = rump_sys_open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) return false;
  bool ok = rump_sys_write(fd, data.data(), data.size()) == long(data.size());
  return rump_sys_close(fd) == 0 && ok;
}

TEST(TwoKernels, SeeDifferentTrees) {
  rump_kernel *k1 = nullptr, *k2 = nullptr;
  ASSERT_EQ(rump_kernel_create("ncpu=1", &k1), 0);
  ASSERT_EQ(rump_kernel_create("ncpu=1", &k2), 0);
  rump_kernel_switch(k1);
  ASSERT_TRUE(write_file("/same", "one")) << err_name(errno);
  ASSERT_EQ(rump_sys_mkdir("/only1", 0755), 0) << err_name(errno);
  int fd1 = rump_sys_open("/same", O_RDONLY);
  ASSERT_GE(fd1, 0);
  rump_kernel_switch(k2);
  struct stat st;
  EXPECT_EQ(rump_sys_stat("/only1", &st), -1);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_EQ(read_file("/same"), "<ENOENT>");
  ASSERT_TRUE(write_file("/same", "two"));
  EXPECT_EQ(rump_sys_mkdir("/only1", 0700), 0) << "a name of its own";
  EXPECT_EQ(rump_sys_mount("tmpfs", "/only1", "tmpfs", 0, nullptr), 0) << err_name(errno);
  char buf[8];
  EXPECT_EQ(rump_sys_read(fd1, buf, sizeof buf), -1) << "descriptors are per kernel";
  struct stat top, mnt;
  ASSERT_EQ(rump_sys_stat("/", &top), 0);
  ASSERT_EQ(rump_sys_stat("/only1", &mnt), 0);
  EXPECT_NE(mnt.st_dev, top.st_dev) << "k2 mounted a tmpfs there";
  rump_kernel_switch(k1);
  EXPECT_EQ(read_file("/same"), "one");
  ASSERT_EQ(rump_sys_stat("/", &top), 0);
  ASSERT_EQ(rump_sys_stat("/only1", &mnt), 0);
  EXPECT_EQ(mnt.st_mode & 07777, 0755u);
  EXPECT_EQ(mnt.st_dev, top.st_dev) << "k2's mount is not in k1";
  rump_kernel_switch(k2);
  EXPECT_EQ(read_file("/same"), "two");
  // Destroying one leaves the other whole.
  rump_kernel_switch(nullptr);
  EXPECT_EQ(rump_kernel_destroy(k1), 0);
  rump_kernel_switch(k2);
  EXPECT_EQ(read_file("/same"), "two");
  EXPECT_EQ(rump_sys_umount2("/only1", 0), 0);
  rump_kernel_switch(nullptr);
  EXPECT_EQ(rump_kernel_destroy(k2), 0);
}

TEST(TwoKernels, BusyAtTheSameTime) {
  rump_kernel* k[2] = {nullptr, nullptr};
  ASSERT_EQ(rump_kernel_create("ncpu=2", &k[0]), 0);
  ASSERT_EQ(rump_kernel_create("ncpu=2", &k[1]), 0);
  constexpr int kRounds = 200, kFiles = 20;
  std::atomic<int> errors{0};
  auto busy = [&](int which) {
    rump_kernel_switch(k[which]);
    for (int round = 0; round < kRounds; ++round) {
      std::string name = "/k" + std::to_string(which) + "_" + std::to_string(round % kFiles);
      if (!write_file(name.c_str(), name)) ++errors;
      if (round % 3 == 2 && rump_sys_unlink(name.c_str()) != 0) ++errors;
    }
    rump_kernel_switch(nullptr);
  };
  int survivors = 0;  // files whose last round did not unlink them
  for (int i = 0; i < kFiles; ++i) survivors += (kRounds - kFiles + i) % 3 != 2;
  std::thread a(busy, 0), b(busy, 1);
  a.join();
  b.join();
  EXPECT_EQ(errors.load(), 0);
  for (int which = 0; which < 2; ++which) {
    rump_kernel_switch(k[which]);
    std::vector<Entry> entries;
    ASSERT_TRUE(read_dir("/", &entries));
    std::string own = "k" + std::to_string(which) + "_";
    std::string other = "k" + std::to_string(1 - which) + "_";
    int mine = 0;
    for (const Entry& e : entries) {
      EXPECT_NE(e.name.substr(0, 3), other) << "kernel " << which << " sees " << e.name;
      if (e.name.substr(0, 3) == own) {
        ++mine;
        EXPECT_EQ(read_file(("/" + e.name).c_str()), "/" + e.name);
      }
    }
    EXPECT_EQ(mine, survivors);
    rump_kernel_switch(nullptr);
    EXPECT_EQ(rump_kernel_destroy(k[which]), 0);
  }
}

}  // namespace
}  // namespace vfs_suite
