#include "tests/fuse/fuse_harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

namespace fuse_test {

std::string quote(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

std::string read_file(const std::string& path) {
  std::string s;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
  }
  return s;
}

std::string root_dir() { return testing::TempDir() + "rump_fuse_test_" + std::to_string(::getpid()); }

Outcome sh(const std::string& line) {
  Outcome r;
  ::mkdir(root_dir().c_str(), 0755);
  std::string errfile = root_dir() + "/sh_stderr." + std::to_string(::gettid());
  FILE* p = ::popen((line + " 2>" + quote(errfile)).c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  r.err = read_file(errfile);
  ::unlink(errfile.c_str());
  return r;
}

bool have(const std::string& prog) { return sh("command -v " + prog + " >/dev/null").status == 0; }

std::string fuse_unavailable() {
  if (::access("/dev/fuse", R_OK | W_OK) != 0)
    return std::string("/dev/fuse is missing or not usable here: ") + std::strerror(errno);
  if (!have("fusermount3")) return "fusermount3 is missing (apt-get install fuse3)";
  return "";
}

FuseProcess::~FuseProcess() {
  if (pid_ > 0) {
    sh("fusermount3 -u -z " + quote(mnt_));
    stop(SIGTERM);
  }
}

std::string FuseProcess::start(const std::vector<std::string>& args, const std::string& image,
                               bool* not_permitted) {
  *not_permitted = false;
  std::vector<std::string> av = {RUMP_FUSE_BIN, "-f"};
  av.insert(av.end(), args.begin(), args.end());
  av.push_back(image);
  av.push_back(mnt_);
  pid_ = ::fork();
  if (pid_ < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid_ == 0) {
    int fd = ::open(errfile_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    int nul = ::open("/dev/null", O_RDWR);
    ::dup2(nul, 0);
    ::dup2(nul, 1);
    std::vector<char*> argv;
    for (auto& s : av) argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  for (int i = 0; i < 300; i++) {
    if (mounted()) return "";
    int st;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      std::string err = read_file(errfile_);
      *not_permitted = err.find("ermission denied") != std::string::npos ||
                       err.find("peration not permitted") != std::string::npos ||
                       err.find("fusermount") != std::string::npos;
      return "rump_fuse exited with status " + std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : -1) +
             " before mounting: " + err;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "rump_fuse did not mount within 15 s: " + read_file(errfile_);
}

int FuseProcess::stop(int sig) {
  if (pid_ <= 0) return -1;
  if (sig) ::kill(pid_, sig);
  int st = 0;
  for (int i = 0; i < 300; i++) {
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
  return -1;
}

bool FuseProcess::mounted() const {
  struct stat a, b;
  std::string parent = mnt_.substr(0, mnt_.find_last_of('/'));
  return ::stat(mnt_.c_str(), &a) == 0 && ::stat(parent.c_str(), &b) == 0 && a.st_dev != b.st_dev;
}

}  // namespace fuse_test
