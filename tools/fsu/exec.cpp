// fsu_exec: runs a host command on a file of the image, as NetBSD's fs-utils does: the file
// (the last argument) is copied to a private host file, the command runs with that file's name
// in its place, and when the command succeeds the file is copied back into the image.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tools/fsu/host_run.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {

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
    std::vector<std::string> argv(args.begin(), args.end() - 1);
    argv.push_back(tmp);
    status = run_program(ctx, argv);
    struct stat hst;
    if (status == 0 && ::stat(tmp.c_str(), &hst) == 0) {
      // Back into the image: the file keeps its inode, mode and owner.
      status = copy_contents(ctx, host, tmp, image, file, existed ? st.st_mode & 07777 : 0666);
    }
  }
  ::unlink(tmp.c_str());
  ::rmdir(dir.c_str());
  return status;
}

}  // namespace fsu
