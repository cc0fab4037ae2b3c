// Benchmark 9: rump_fuse against fuse2fs (e2fsprogs), both serving the same ext2 image through
// FUSE in the same run: sequential write and read of a 512 MiB file with cp/cat, and untar of a
// 10,000-file tree. Each figure includes mounting and the unmount that writes everything back
// (the program's exit), so that neither side gains by keeping data in memory. Information only:
// the issue sets no target. Needs /dev/fuse, fusermount3 and fuse2fs; reports why when not.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks.h"

namespace rk::bench {
namespace {

bool mounted_on(const std::string& mnt) {
  struct stat a, b;
  return ::stat(mnt.c_str(), &a) == 0 && ::stat((mnt + "/..").c_str(), &b) == 0 &&
         a.st_dev != b.st_dev;
}

// A FUSE server in the foreground, as a child: started, then unmounted and waited for.
class Server {
 public:
  explicit Server(std::vector<std::string> argv) : argv_(std::move(argv)) {}
  ~Server() { stop(); }
  bool start(const std::string& mnt) {
    mnt_ = mnt;
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      int nul = ::open("/dev/null", O_RDWR);
      ::dup2(nul, 0);
      ::dup2(nul, 1);
      ::dup2(nul, 2);
      std::vector<char*> av;
      for (auto& s : argv_) av.push_back(s.data());
      av.push_back(nullptr);
      ::execvp(av[0], av.data());
      _exit(127);
    }
    for (int i = 0; i < 1000; ++i) {
      if (mounted_on(mnt)) return true;
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // Unmounts and waits for the program to finish writing the image back. False on failure.
  bool stop() {
    if (pid_ <= 0) return true;
    bool ok = std::system(("fusermount3 -u " + quote(mnt_)).c_str()) == 0;
    int st = 0;
    if (!ok) ::kill(pid_, SIGTERM);
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }

 private:
  std::vector<std::string> argv_;
  std::string mnt_;
  pid_t pid_ = -1;
};

// Mounts img with the server, runs cmd, unmounts: the wall time in ns, or -1.
double timed_session(const std::vector<std::string>& server, const std::string& mnt,
                     const std::string& cmd) {
  int64_t t0 = now_ns();
  Server s(server);
  if (!s.start(mnt)) return -1;
  int rc = std::system(cmd.c_str());
  bool stopped = s.stop();
  int64_t t1 = now_ns();
  return rc == 0 && stopped ? static_cast<double>(t1 - t0) : -1;
}

double median_of(std::vector<double> v) {
  if (v.empty() || *std::min_element(v.begin(), v.end()) < 0) return -1;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

void run_fuse(Context& ctx) {
  const std::string rump_fuse = bin_dir() + "/rump_fuse";
  if (::access(rump_fuse.c_str(), X_OK) != 0) {
    ctx.report.error("rump_fuse", "no rump_fuse beside rump_bench (libfuse3-dev missing at build?)");
    return;
  }
  if (::access("/dev/fuse", R_OK | W_OK) != 0 || !have("fusermount3")) {
    ctx.report.error("rump_fuse", "/dev/fuse or fusermount3 missing (apt-get install fuse3)");
    return;
  }
  if (!have("fuse2fs")) {
    ctx.report.error("rump_fuse vs fuse2fs", "fuse2fs is missing (apt-get install fuse2fs)");
    return;
  }
  char tmpl[] = "/var/tmp/rk-bench-fuse-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    ctx.report.error("rump_fuse", describe_error("mkdtemp", errno));
    return;
  }
  const std::string dir = tmpl, img = dir + "/img", mnt = dir + "/mnt", src = dir + "/src",
                    tar = dir + "/tree.tar";
  const bool quick = ctx.options.quick;
  const int mib = quick ? 64 : 512;
  const int nfiles = quick ? 1000 : 10000;
  const int reps = ctx.options.reps(3);
  const std::string path = "PATH=$PATH:/usr/sbin:/sbin ";
  const std::string mkfs = path + "mke2fs -q -F -t ext2 -b 4096 " + quote(img) + " " +
                           std::to_string(mib + mib / 4 + 128) + "M >/dev/null 2>&1";
  // The file, and a tree of 100 directories of small files (100 to 4,000 bytes) in a tar.
  auto make_inputs = [&]() -> bool {
    std::string cmd = "mkdir -p " + quote(mnt) + " " + quote(dir + "/tree") + " && head -c " +
                      std::to_string(mib) + "M /dev/urandom >" + quote(src);
    if (std::system(cmd.c_str()) != 0) return false;
    std::string bytes(4000, 'x');
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>('a' + (i * 7919) % 26);
    for (int d = 1; d <= 100; ++d) {
      std::string sub = dir + "/tree/d" + std::to_string(d);
      if (::mkdir(sub.c_str(), 0755) != 0) return false;
      for (int f = 1; f <= nfiles / 100; ++f) {
        int fd = ::open((sub + "/f" + std::to_string(f)).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) return false;
        size_t len = static_cast<size_t>((d * 37 + f * 101) % 3900 + 100);
        bool ok = ::write(fd, bytes.data(), len) == static_cast<ssize_t>(len);
        ::close(fd);
        if (!ok) return false;
      }
    }
    return std::system(("tar -C " + quote(dir + "/tree") + " -cf " + quote(tar) + " .").c_str()) == 0;
  };
  if (!make_inputs()) {
    ctx.report.error("rump_fuse", "cannot make the source file and tree in " + dir);
    (void)std::system(("rm -rf " + quote(dir)).c_str());
    return;
  }
  const std::vector<std::string> ours = {rump_fuse, "-f", img, mnt};
  const std::vector<std::string> theirs = {"fuse2fs", "-f", img, mnt};
  struct Figures {
    std::vector<double> write, read, untar;
  } rf, f2;
  auto measure = [&](const std::vector<std::string>& server, Figures& fig) {
    if (std::system(mkfs.c_str()) != 0) return;
    fig.write.push_back(timed_session(server, mnt, "cp " + quote(src) + " " + quote(mnt + "/f")));
    fig.read.push_back(timed_session(server, mnt, "cat " + quote(mnt + "/f") + " >/dev/null"));
    fig.untar.push_back(timed_session(server, mnt, "mkdir " + quote(mnt + "/t") + " && tar -xf " +
                                                       quote(tar) + " -C " + quote(mnt + "/t")));
  };
  for (int r = 0; r < reps; ++r) {  // alternated, so that the machine's load weighs on both
    measure(ours, rf);
    measure(theirs, f2);
  }
  auto add = [&](const std::string& name, const std::vector<double>& a, const std::vector<double>& b) {
    double ma = median_of(a), mb = median_of(b);
    if (ma < 0 || mb < 0) {
      ctx.report.error(name + " vs fuse2fs", "a mount, the command or the unmount failed");
      return;
    }
    ctx.report.add({name, {ma, Unit::kNanos}, "fuse2fs", {mb, Unit::kNanos}, ma / mb, std::nullopt});
  };
  const std::string size = std::to_string(mib) + " MiB";
  add("rump_fuse ext2: cp " + size + " in", rf.write, f2.write);
  add("rump_fuse ext2: cat " + size + " out", rf.read, f2.read);
  add("rump_fuse ext2: untar " + std::to_string(nfiles) + " files", rf.untar, f2.untar);
  (void)std::system(("rm -rf " + quote(dir)).c_str());
}

}  // namespace rk::bench
