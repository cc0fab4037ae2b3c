// fsu_exec: runs a host command on a file of the image, as NetBSD's fs-utils does: the file
// (the last argument) is copied to a private host file, the command runs with that file's name
// in its place, and when the command succeeds the file is copied back into the image.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tools/fsu/copy.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

extern char** environ;

namespace fsu {
namespace {

// Copies the contents of `from` (in fs a) over `to` (in fs b), keeping b's file if it exists.
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

}  // namespace

int cmd_exec(Context& ctx, const Args& args) {
  if (args.size() < 2) return ctx.fail("usage: fsu_exec IMAGE COMMAND [ARG]... FILE", "");
  const std::string& file = args.back();
  HostFs host;
  KernelFs image;
  char tmpl[] = "/tmp/fsu_exec.XXXXXX";
  if (!::mkdtemp(tmpl)) return ctx.fail("temporary directory", errno);
  std::string dir = tmpl;
  std::string tmp = join(dir, base_name(file));
  struct stat st;
  bool existed = image.stat(file, st) == 0;
  int status = 0;
  if (existed && !S_ISREG(st.st_mode)) {
    status = ctx.fail(file, "not a regular file");
  } else if (existed) {
    status = copy_contents(ctx, image, file, host, tmp, 0600);
  }
  if (status == 0) {
    std::vector<std::string> argv_s(args.begin(), args.end() - 1);
    argv_s.push_back(tmp);
    std::vector<char*> argv;
    for (std::string& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    std::fflush(ctx.out);
    pid_t pid;
    int err = ::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
    if (err) {
      status = ctx.fail(args[0], err);
    } else {
      int ws = 0;
      while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
      }
      status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
      struct stat hst;
      if (status == 0 && ::stat(tmp.c_str(), &hst) == 0) {
        // Back into the image: the file keeps its inode, mode and owner.
        status = copy_contents(ctx, host, tmp, image, file, existed ? st.st_mode & 07777 : 0666);
      }
    }
  }
  ::unlink(tmp.c_str());
  ::rmdir(dir.c_str());
  return status;
}

}  // namespace fsu
