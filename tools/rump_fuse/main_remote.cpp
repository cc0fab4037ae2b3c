// rump_fuse_remote: a directory of a running rump_server's kernel, mounted on the host through
// FUSE; the file system calls go to that kernel through librumpclient. `rump_fuse --server URL`
// runs this program (docs/FUSE.md).
#include <fuse_lowlevel.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpclient.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tools/rump_fuse/cli.h"
#include "tools/rump_fuse/nodes.h"
#include "tools/rump_fuse/ops.h"

namespace {

using rump_fuse::Options;

constexpr const char* kProg = "rump_fuse";

int fail(const std::string& what, const std::string& why) {
  std::fprintf(stderr, "%s: %s: %s\n", kProg, what.c_str(), why.c_str());
  return 1;
}

int serve(const Options& opt, int report_fd) {
  struct stat mst;
  if (::stat(opt.mountpoint.c_str(), &mst) < 0) return fail(opt.mountpoint, std::strerror(errno));
  if (!S_ISDIR(mst.st_mode)) return fail(opt.mountpoint, std::strerror(ENOTDIR));
  if (!opt.kernel_opts.empty() && opt.kernel_opts != "rw" && opt.kernel_opts != "ro")
    return fail(opt.kernel_opts, "mount options of the remote file system cannot be changed from "
                                 "here (use rump.mount on the server)");
  ::setenv("RUMP_SERVER", opt.server.c_str(), 1);
  if (rumpclient_init() != 0) return fail(opt.server, std::string("cannot reach the kernel: ") + std::strerror(errno));
  // The host applies each caller's umask before the request arrives.
  rump_sys_umask(0);
  std::string root = opt.image;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty() || root[0] != '/') return fail(opt.image, "the remote path must be absolute");
  struct stat rst;
  if (rump_sys_stat(root.c_str(), &rst) < 0) return fail(opt.server + ":" + root, std::strerror(errno));
  if (!S_ISDIR(rst.st_mode)) return fail(opt.server + ":" + root, std::strerror(ENOTDIR));

  rump_fuse::NodeTable nodes(root, rst.st_ino);  // "/" makes paths "//x": the same to namei
  rump_fuse::FsState fs;
  fs.nodes = &nodes;
  fs.root = root;
  fs.read_only = opt.read_only;
  fs.chown_created = rump_sys_geteuid() == 0;
  // One kernel process acts for every caller, so the host checks permissions, on the modes
  // and owners the kernel reports.
  Options o = opt;
  rump_fuse::add_opt(o.fuse_opts, "default_permissions");
  int status = rump_fuse::run_session(fs, o, opt.server + ":" + root, report_fd);
  rump_fuse::report(report_fd, 1);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (int r = rump_fuse::parse(argc, argv, opt); r >= 0) return r;
  if (opt.server.empty()) {
    std::fprintf(stderr, "%s: rump_fuse_remote serves a remote kernel: --server URL is needed\n", kProg);
    return 2;
  }
  return rump_fuse::run(opt, serve);
}
