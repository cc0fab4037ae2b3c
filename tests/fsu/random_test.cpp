// Random sequences of changing commands (write, append, mkdir, rm, rm -r, mv, ln, ln -s, chmod,
// cp) on an ext2 image in-process, mirrored on a host directory: afterwards the image holds the
// same tree (fsu_get, diff -r) and e2fsck -fn finds nothing wrong. Skips while the ext2 driver
// is not built or does not mount.
#include <sys/stat.h>

#include <algorithm>
#include <random>

#include "tests/fsu/fsu_test.h"

namespace {

using fsu_test::quote;
using fsu_test::run_command;
using fsu_test::sh;

std::string describe(const std::string& dir) {
  return sh("cd " + quote(dir) + " && find . -mindepth 1 -path ./lost+found -prune -o -printf '%p %y %m %s %n %l\\n' | sort").out;
}

class FsuRandom : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (!FSU_HAVE_EXT2) GTEST_SKIP() << "the ext2 driver (fs/ext2, librumpfs_ext2) is not built yet";
    if (sh("command -v mke2fs && command -v e2fsck").status != 0) GTEST_SKIP() << "e2fsprogs missing";
    dir_ = fsu_test::host_dir("random" + std::to_string(GetParam()));
    img_ = dir_ + "/fs.img";
    host_ = dir_ + "/host";
    sh("mkdir " + quote(host_));
    auto r = sh("mke2fs -q -F -t ext2 -b " + std::to_string(1024 << (GetParam() % 3)) + " " + quote(img_) + " 8M");
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(rump_init(), 0);
    rump_sys_mkdir("/mnt", 0755);
    ASSERT_EQ(rump_pub_etfs_register("/dev/rnd", img_.c_str(), RUMP_ETFS_BLK), 0);
    registered_ = true;
    if (rump_sys_mount("/dev/rnd", "/mnt", "ext2", 0, nullptr) != 0) {
      GTEST_SKIP() << "the ext2 driver does not mount a mke2fs image yet: " << std::strerror(errno);
    }
    mounted_ = true;
    ::umask(022);
  }
  void TearDown() override {
    if (mounted_) {
      EXPECT_EQ(rump_sys_umount2("/mnt", 0), 0) << std::strerror(errno);
    }
    if (registered_) {
      EXPECT_EQ(rump_pub_etfs_remove("/dev/rnd"), 0);
    }
    if (!dir_.empty() && !HasFailure()) sh("rm -rf " + quote(dir_));  // kept for a look otherwise
  }
  std::string dir_, img_, host_;
  bool registered_ = false, mounted_ = false;
};

TEST_P(FsuRandom, ImageFollowsTheHostAndStaysClean) {
  std::mt19937 rng(static_cast<unsigned>(GetParam()));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  std::vector<std::string> files, dirs = {""};
  auto fresh = [&](const std::string& d) { return d + "/n" + std::to_string(rng() % 100000); };
  for (int step = 0; step < 250; ++step) {
    std::string d = dirs[static_cast<size_t>(pick(static_cast<int>(dirs.size())))];
    int op = pick(10);
    std::string what;
    fsu_test::Outcome r;
    if (op <= 2 || files.empty()) {  // write a new file, or rewrite one
      std::string f = (op == 0 && !files.empty()) ? files[static_cast<size_t>(pick(static_cast<int>(files.size())))] : fresh(d);
      size_t len = pick(4) == 0 ? static_cast<size_t>(pick(300000)) : static_cast<size_t>(pick(5000));
      std::string data(len, '\0');
      for (auto& c : data) c = static_cast<char>('a' + pick(26));
      if (pick(5) == 0) data.assign(len, '\0');  // zeros become holes
      FILE* h = std::fopen((host_ + f).c_str(), "wb");
      ASSERT_NE(h, nullptr) << f;
      std::fwrite(data.data(), 1, data.size(), h);
      std::fclose(h);
      r = run_command("write", {f}, data);
      what = "write " + f;
      if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
    } else if (op == 3) {  // append
      std::string f = files[static_cast<size_t>(pick(static_cast<int>(files.size())))];
      std::string data(static_cast<size_t>(pick(9000)), 'z');
      FILE* h = std::fopen((host_ + f).c_str(), "ab");
      std::fwrite(data.data(), 1, data.size(), h);
      std::fclose(h);
      r = run_command("write", {"-a", f}, data);
      what = "append " + f;
    } else if (op == 4 && dirs.size() < 30) {  // mkdir
      std::string n = fresh(d);
      ::mkdir((host_ + n).c_str(), 0755);
      r = run_command("mkdir", {n});
      dirs.push_back(n);
      what = "mkdir " + n;
    } else if (op == 5) {  // rm a file
      size_t i = static_cast<size_t>(pick(static_cast<int>(files.size())));
      std::string f = files[i];
      ::unlink((host_ + f).c_str());
      r = run_command("rm", {f});
      files.erase(files.begin() + static_cast<long>(i));
      what = "rm " + f;
    } else if (op == 6) {  // mv a file into d
      size_t i = static_cast<size_t>(pick(static_cast<int>(files.size())));
      std::string from = files[i], to = fresh(d);
      ::rename((host_ + from).c_str(), (host_ + to).c_str());
      r = run_command("mv", {from, to});
      files[i] = to;
      what = "mv " + from + " " + to;
    } else if (op == 7) {  // links
      std::string t = files[static_cast<size_t>(pick(static_cast<int>(files.size())))], n = fresh(d);
      if (pick(2)) {
        ::symlink(t.c_str(), (host_ + n).c_str());
        r = run_command("ln", {"-s", t, n});
      } else {
        ::link((host_ + t).c_str(), (host_ + n).c_str());
        r = run_command("ln", {t, n});
        files.push_back(n);
      }
      what = "ln " + t + " " + n;
    } else if (op == 8) {  // chmod
      std::string f = files[static_cast<size_t>(pick(static_cast<int>(files.size())))];
      mode_t m = static_cast<mode_t>(0400 | pick(0777));
      ::chmod((host_ + f).c_str(), m);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%o", static_cast<unsigned>(m));
      r = run_command("chmod", {buf, f});
      what = std::string("chmod ") + buf + " " + f;
    } else if (op == 9 && dirs.size() > 3 && pick(3) == 0) {  // rm -r a directory
      size_t i = 1 + static_cast<size_t>(pick(static_cast<int>(dirs.size()) - 1));
      std::string gone = dirs[i];
      sh("rm -rf " + quote(host_ + gone));
      r = run_command("rm", {"-r", gone});
      auto under = [&](const std::string& p) { return p == gone || p.rfind(gone + "/", 0) == 0; };
      files.erase(std::remove_if(files.begin(), files.end(), under), files.end());
      dirs.erase(std::remove_if(dirs.begin(), dirs.end(), under), dirs.end());
      what = "rm -r " + gone;
    } else {  // cp
      std::string f = files[static_cast<size_t>(pick(static_cast<int>(files.size())))], n = fresh(d);
      sh("cp " + quote(host_ + f) + " " + quote(host_ + n));
      r = run_command("cp", {f, n});
      files.push_back(n);
      what = "cp " + f + " " + n;
    }
    ASSERT_EQ(r.status, 0) << "step " << step << ": " << what << ": " << r.err;
  }
  std::string back = dir_ + "/back";
  auto r = run_command("get", {"-R", "-p", "/", back});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string want = describe(host_);
  EXPECT_GT(std::count(want.begin(), want.end(), '\n'), 20);  // the sequence did build a tree
  EXPECT_EQ(describe(back), want);
  EXPECT_EQ(sh("diff -r --no-dereference -x lost+found " + quote(host_) + " " + quote(back)).status, 0);
  ASSERT_EQ(rump_sys_umount2("/mnt", 0), 0) << std::strerror(errno);
  mounted_ = false;
  auto fsck = sh("e2fsck -fn " + quote(img_));
  EXPECT_EQ(fsck.status, 0) << fsck.out << fsck.err;
}

INSTANTIATE_TEST_SUITE_P(Seeds, FsuRandom, ::testing::Values(1, 2, 3, 4, 5, 6));

}  // namespace
