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
#include "tools/rump_fuse/creds.h"
#include "tools/rump_fuse/nodes.h"
#include "tools/rump_fuse/ops.h"

namespace {

constexpr const char* kProg = "rump_fuse";

constexpr const char* kUsage =
    "Usage: rump_fuse [-t TYPE] [-o OPTIONS] [-f] [-d] [-s] IMAGE[:N] MOUNTPOINT\n"
    "       rump_fuse --server URL REMOTE-PATH MOUNTPOINT   (not implemented yet)\n";

constexpr const char* kHelp =
    "Mount the file system in IMAGE (partition N of a partitioned disk) on MOUNTPOINT through\n"
    "FUSE, with the file system driver running in a rump kernel inside this process.\n"
    "\n"
    "  -t TYPE      file system type (ext2, ext3, ext4, or tmpfs with a host directory or\n"
    "               'none' as IMAGE); default: read from the image\n"
    "  -o OPTIONS   comma-separated mount options: ro, rw, nosuid, nodev, noexec, the FUSE\n"
    "               options allow_other, allow_root, auto_unmount, default_permissions,\n"
    "               fsname=NAME, subtype=NAME, max_read=N, and anything else for the driver\n"
    "  -f           stay in the foreground\n"
    "  -d           debug: print every FUSE request (implies -f)\n"
    "  -s           serve every request on one thread (default: several threads)\n"
    "  --help       this text\n"
    "\n"
    "Unmount with 'fusermount3 -u MOUNTPOINT' or by sending SIGTERM: the file system is synced\n"
    "and unmounted inside the kernel before the program exits.\n"
    "Environment: RUMP_NCPU, RUMP_MEMLIMIT, RUMP_VERBOSE (the rump kernel's parameters).\n";

int usage_error(const std::string& why) {
  std::fprintf(stderr, "%s: %s\n%s", kProg, why.c_str(), kUsage);
  return 2;
}

bool is_fuse_option(const std::string& o) {
  static const char* const kFuse[] = {"allow_other", "allow_root", "auto_unmount",
                                      "default_permissions", "debug"};
  for (const char* f : kFuse)
    if (o == f) return true;
  return o.rfind("fsname=", 0) == 0 || o.rfind("subtype=", 0) == 0 ||
         o.rfind("max_read=", 0) == 0;
}

struct Options {
  std::string type, image, mountpoint;
  std::string kernel_opts, fuse_opts;
  bool foreground = false, debug = false, read_only = false;
  bool single_thread = false;  // -s: one thread serves every request
};

void add_opt(std::string& list, const std::string& o) {
  if (!list.empty()) list += ',';
  list += o;
}

// Splits -o between the host's FUSE mount and the kernel's mount.
void split_options(const std::string& all, Options& opt) {
  size_t pos = 0;
  while (pos <= all.size()) {
    size_t comma = all.find(',', pos);
    std::string o = all.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (o.empty()) {
    } else if (o == "ro") {
      opt.read_only = true;
      add_opt(opt.kernel_opts, o);
    } else if (o == "rw") {
      opt.read_only = false;
      add_opt(opt.kernel_opts, o);
    } else if (o == "nosuid" || o == "nodev" || o == "noexec" || o == "suid" || o == "dev" ||
               o == "exec") {
      add_opt(opt.fuse_opts, o);
      if (o.rfind("no", 0) == 0) add_opt(opt.kernel_opts, o);
    } else if (is_fuse_option(o)) {
      add_opt(opt.fuse_opts, o);
    } else {
      add_opt(opt.kernel_opts, o);
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
}

// Parses argv; returns -1 to go on, or an exit status.
int parse(int argc, char** argv, Options& opt) {
  std::vector<std::string> operands;
  std::string all_opts;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("%s\n%s", kUsage, kHelp);
      return 0;
    }
    if (a == "--server" || a.rfind("--server=", 0) == 0) {
      std::fprintf(stderr, "%s: --server: not implemented yet (mount an image instead)\n", kProg);
      return 2;
    }
    if (a == "--") {
      for (i++; i < argc; i++) operands.emplace_back(argv[i]);
      break;
    }
    if (a.size() > 1 && a[0] == '-') {
      for (size_t j = 1; j < a.size(); j++) {
        char c = a[j];
        if (c == 'f') {
          opt.foreground = true;
        } else if (c == 's') {
          opt.single_thread = true;
        } else if (c == 'd') {
          opt.debug = opt.foreground = true;
        } else if (c == 't' || c == 'o') {
          std::string val = a.substr(j + 1);
          if (val.empty()) {
            if (++i >= argc) return usage_error(std::string("option requires an argument -- '") + c + "'");
            val = argv[i];
          }
          if (c == 't') {
            opt.type = val;
          } else {
            add_opt(all_opts, val);
          }
          break;
        } else {
          return usage_error(std::string("invalid option -- '") + c + "'");
        }
      }
      continue;
    }
    operands.push_back(a);
  }
  if (operands.size() != 2)
    return usage_error(operands.size() < 2 ? "missing operand" : "extra operand '" + operands[2] + "'");
  opt.image = operands[0];
  opt.mountpoint = operands[1];
  split_options(all_opts, opt);
  return -1;
}

// fs-utils' MountedImage waits for the image's flock(2); rump_fuse holds it while mounted, so
// a second mount would wait for ever: fail instead when it is held now.
bool image_busy(const std::string& path, bool read_only) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // MountedImage says why
  bool busy = ::flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return busy;
}

// Tells the waiting parent (after the fork into the background) how the start went.
void report(int fd, char status) {
  if (fd < 0) return;
  ssize_t n = ::write(fd, &status, 1);
  (void)n;
  ::close(fd);
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

        std::string fsname = opt.image;  // a comma would split the option list
        for (char& c : fsname)
          if (c == ',') c = '_';
        std::string fopts = "fsname=" + fsname + ",subtype=rump_fuse";
        if (opt.read_only) fopts += ",ro";
        if (!opt.fuse_opts.empty()) fopts += "," + opt.fuse_opts;
        std::vector<std::string> av = {kProg, "-o", fopts};
        if (opt.debug) av.push_back("-d");
        std::vector<char*> argv;
        for (auto& s : av) argv.push_back(s.data());
        fuse_args args = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
        fuse_session* se =
            fuse_session_new(&args, &rump_fuse::operations(), sizeof(fuse_lowlevel_ops), &fs);
        if (!se) {
          ctx.fail(opt.mountpoint, "cannot start the FUSE session (bad -o option?)");
        } else {
          if (fuse_set_signal_handlers(se) != 0) {
            ctx.fail("signal handlers", errno);
          } else if (fuse_session_mount(se, opt.mountpoint.c_str()) != 0) {
            ctx.fail(opt.mountpoint, "cannot mount (is /dev/fuse there, and fusermount3?)");
          } else {
            report(report_fd, 0);
            report_fd = -1;
            fuse_loop_config* cfg = fuse_loop_cfg_create();
            fuse_loop_cfg_set_max_threads(cfg, 16);
            int r = opt.single_thread ? fuse_session_loop(se) : fuse_session_loop_mt(se, cfg);
            fuse_loop_cfg_destroy(cfg);
            fuse_session_unmount(se);
            rump_fuse::close_unreleased(fs);
            // A positive result is the signal that ended the loop (SIGTERM, SIGINT, SIGHUP):
            // a normal way to stop.
            status = r >= 0 ? 0 : 1;
          }
          fuse_remove_signal_handlers(se);
          fuse_session_destroy(se);
        }
        fuse_opt_free_args(&args);
        rump_fuse::release_thread();
      }
      if (image->close(ctx) != 0) status = 1;
    }
  }
  report(report_fd, 1);
  rump_kernel_destroy(rump_kernel_current());
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (int r = parse(argc, argv, opt); r >= 0) return r;
  if (opt.foreground) return serve(opt, -1);

  // Into the background once mounted; the parent waits for the child's word and exits with it.
  int pfd[2];
  if (::pipe(pfd) < 0) {
    std::perror(kProg);
    return 1;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    std::perror(kProg);
    return 1;
  }
  if (pid > 0) {
    ::close(pfd[1]);
    char status = 1;
    if (::read(pfd[0], &status, 1) != 1) {
      int ws;
      ::waitpid(pid, &ws, 0);
      return 1;
    }
    return status;
  }
  ::close(pfd[0]);
  ::setsid();
  int r = serve(opt, pfd[1]);
  return r;
}
