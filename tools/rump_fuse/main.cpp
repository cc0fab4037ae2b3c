// rump_fuse: a file system image, mounted on the host through FUSE, with the driver running in a
// rump kernel inside this process (docs/FUSE.md, docs/man/rump_fuse.1).
#include <fuse_lowlevel.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tools/fsu/fsu.h"
#include "tools/fsu/mount.h"
#include "tools/rump_fuse/cli.h"
#include "tools/rump_fuse/nodes.h"
#include "tools/rump_fuse/ops.h"

namespace {

using rump_fuse::Options;

constexpr const char* kProg = "rump_fuse";

// fs-utils' MountedImage waits for the image's flock(2); rump_fuse holds it while mounted, so
// a second mount would wait for ever: fail instead when it is held now.
bool image_busy(const std::string& path, bool read_only) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // MountedImage says why
  bool busy = ::flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return busy;
}

int serve(const Options& opt, int report_fd) {
  fsu::Context ctx;
  ctx.prog = kProg;
  std::string path;
  int partition = 0;
  if (opt.type == "tmpfs") {
    path = opt.image;
  } else if (!fsu::parse_image_spec(opt.image, path, partition)) {
    ctx.fail(opt.image, "bad partition number (1 to 128)");
    return 1;
  }
  struct stat mst;
  if (::stat(opt.mountpoint.c_str(), &mst) < 0) return ctx.fail(opt.mountpoint, errno);
  if (!S_ISDIR(mst.st_mode)) return ctx.fail(opt.mountpoint, ENOTDIR);

  if (opt.type != "tmpfs" && image_busy(path, opt.read_only)) {
    return ctx.fail(opt.image, "in use (mounted by another rump_fuse, or an fsu command is "
                               "changing it)");
  }
  if (int err = rump_init()) return ctx.fail("cannot boot the rump kernel", err);
  int status = 1;
  {
    fsu::MountSpec spec;
    spec.image = path;
    spec.partition = partition;
    spec.type = opt.type;
    spec.options = opt.kernel_opts;
    spec.read_only = opt.read_only;
    // A mount's fsync and sync must reach the host's disk, as they do on a mounted disk (and
    // fuse2fs's): unlike a one-shot fsu command, programs running on the mount rely on them.
    spec.sync = true;
    std::unique_ptr<fsu::MountedImage> image = fsu::MountedImage::open(ctx, spec);
    if (image) {
      struct stat rst;
      if (rump_sys_lstat(fsu::kMountPoint, &rst) < 0) {
        ctx.fail(fsu::kMountPoint, errno);
      } else {
        rump_fuse::NodeTable nodes(fsu::kMountPoint, rst.st_ino);
        rump_fuse::FsState fs;
        fs.nodes = &nodes;
        fs.root = fsu::kMountPoint;
        fs.read_only = opt.read_only;

        status = rump_fuse::run_session(fs, opt, opt.image, report_fd);
      }
      if (image->close(ctx) != 0) status = 1;
    }
  }
  rump_fuse::report(report_fd, 1);
  rump_kernel_destroy(rump_kernel_current());
  return status;
}


// --server: the remote program, beside this one, does the work.
int exec_remote(char** argv) {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string("./rump_fuse");
  std::string remote = dir.substr(0, dir.rfind('/') + 1) + "rump_fuse_remote";
  argv[0] = remote.data();
  ::execv(remote.c_str(), argv);
  std::fprintf(stderr, "%s: --server: cannot run %s: %s\n", kProg, remote.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (int r = rump_fuse::parse(argc, argv, opt); r >= 0) return r;
  if (!opt.server.empty()) return exec_remote(argv);
  return rump_fuse::run(opt, serve);
}
