#include "tools/fsu/host_run.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "tools/fsu/copy.h"
#include "tools/fsu/progress.h"

extern char** environ;

namespace fsu {

int copy_contents(const Context& ctx, Fs& a, const std::string& from, Fs& b, const std::string& to,
                  mode_t mode) {
  int in, out;
  if (int err = a.open(from, O_RDONLY, 0, in)) return ctx.fail(from, err);
  if (int err = b.open(to, O_WRONLY | O_CREAT | O_TRUNC, mode, out)) {
    a.close(in);
    return ctx.fail(to, err);
  }
  Progress progress(ctx);
  bool in_error = false;
  int err = copy_data(a, in, b, out, progress, in_error);
  a.close(in);
  int cerr = b.close(out);
  if (err) return ctx.fail(in_error ? from : to, err);
  if (cerr) return ctx.fail(to, cerr);
  return 0;
}

int run_program(const Context& ctx, const std::vector<std::string>& args) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& s : copy) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::fflush(ctx.out);
  std::fflush(ctx.err);
  // The program's output goes where the command's does.
  posix_spawn_file_actions_t fa;
  ::posix_spawn_file_actions_init(&fa);
  int out = ::fileno(ctx.out), errfd = ::fileno(ctx.err);
  if (out >= 0 && out != 1) ::posix_spawn_file_actions_adddup2(&fa, out, 1);
  if (errfd >= 0 && errfd != 2) ::posix_spawn_file_actions_adddup2(&fa, errfd, 2);
  pid_t pid;
  int err = ::posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&fa);
  if (err) {
    ctx.fail(args[0], err);
    return 127;
  }
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

Filter open_filter(const Context& ctx, const std::vector<std::string>& args, int fd, bool write) {
  Filter f;
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) {
    ctx.fail(args[0], errno);
    return f;
  }
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& s : copy) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  ::posix_spawn_file_actions_init(&fa);
  // write: the pipe's read end is its input, fd its output; read: fd its input, the pipe's
  // write end its output.
  ::posix_spawn_file_actions_adddup2(&fa, write ? p[0] : fd, 0);
  ::posix_spawn_file_actions_adddup2(&fa, write ? fd : p[1], 1);
  int err = ::posix_spawnp(&f.pid, argv[0], &fa, nullptr, argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&fa);
  ::close(write ? p[0] : p[1]);
  if (err) {
    ::close(write ? p[1] : p[0]);
    ctx.fail(args[0], err);
    f.pid = -1;
    return f;
  }
  f.stream = ::fdopen(write ? p[1] : p[0], write ? "wb" : "rb");
  return f;
}

int close_filter(Filter& f) {
  if (f.stream) std::fclose(f.stream);
  f.stream = nullptr;
  if (f.pid < 0) return 127;
  int ws = 0;
  while (::waitpid(f.pid, &ws, 0) < 0 && errno == EINTR) {
  }
  f.pid = -1;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

HostScratch::~HostScratch() {
  if (dir_.empty()) return;
  std::string cmd = "rm -rf '" + dir_ + "'";  // our own mkdtemp name: no quote inside
  int r = std::system(cmd.c_str());
  (void)r;
}

const std::string& HostScratch::dir() {
  if (dir_.empty()) {
    std::string tmpl = std::string("/tmp/") + prefix_ + ".XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  return dir_;
}

}  // namespace fsu
