// Starts a rump_allserver process for the client and tool tests, and stops it.
#pragma once

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace rk::test {

// True once something accepts connections on the unix socket at path.
inline bool unix_socket_up(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strncpy(sun.sun_path, path.c_str(), sizeof sun.sun_path - 1);
  bool up = connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0;
  close(fd);
  return up;
}

class ServerProcess {
 public:
  // Runs `rump_allserver -s extra... unix://<dir>/sock` in a new temporary directory, or in
  // `dir` (which the caller then owns).
  explicit ServerProcess(std::vector<std::string> extra = {}, std::string dir = {}) {
    owns_dir_ = dir.empty();
    if (owns_dir_) {
      char tmpl[] = "/tmp/sysproxy_client.XXXXXX";
      if (mkdtemp(tmpl) == nullptr) return;
      dir = tmpl;
    }
    dir_ = dir;
    sock_ = dir_ + "/sock";
    url_ = "unix://" + sock_;
    std::vector<std::string> args = {RK_ALLSERVER, "-s"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(url_);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, RK_ALLSERVER, nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (pid_ > 0 && !unix_socket_up(sock_) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~ServerProcess() {
    stop(SIGKILL);
    std::string rm = "rm -rf '" + dir_ + "'";
    if (owns_dir_ && !dir_.empty() && system(rm.c_str()) != 0) {
    }
  }
  bool up() const { return pid_ > 0 && unix_socket_up(sock_); }
  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  pid_t pid() const { return pid_; }
  // Sends sig and returns the exit status (-1 if it did not exit normally or was not running).
  int stop(int sig = SIGTERM) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  bool owns_dir_ = true;
  std::string dir_, sock_, url_;
};

}  // namespace rk::test
