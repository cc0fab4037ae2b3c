#include "tools/rump_fuse/cli.h"

#include <fuse_lowlevel.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/rump_fuse/creds.h"
#include "tools/rump_fuse/ops.h"

namespace rump_fuse {
namespace {

constexpr const char* kProg = "rump_fuse";

constexpr const char* kUsage =
    "Usage: rump_fuse [-t TYPE] [-o OPTIONS] [-f] [-d] [-s] IMAGE[:N] MOUNTPOINT\n"
    "       rump_fuse --server URL [-o OPTIONS] [-f] [-d] [-s] REMOTE-PATH MOUNTPOINT\n";

constexpr const char* kHelp =
    "Mount the file system in IMAGE (partition N of a partitioned disk) on MOUNTPOINT through\n"
    "FUSE, with the file system driver running in a rump kernel inside this process; or, with\n"
    "--server, the directory REMOTE-PATH of the rump kernel that serves URL (rump_server).\n"
    "\n"
    "  -t TYPE      file system type (ext2, ext3, ext4, or tmpfs with a host directory or\n"
    "               'none' as IMAGE); default: read from the image\n"
    "  -o OPTIONS   comma-separated mount options: ro, rw, nosuid, nodev, noexec, the FUSE\n"
    "               options allow_other, allow_root, auto_unmount, default_permissions,\n"
    "               fsname=NAME, subtype=NAME, max_read=N, and anything else for the driver\n"
    "  --server URL a rump_server's kernel (unix://PATH, tcp://HOST:PORT), as RUMP_SERVER\n"
    "  -f           stay in the foreground\n"
    "  -d           debug: print every FUSE request (implies -f)\n"
    "  -s           serve every request on one thread (default: several threads)\n"
    "  --help       this text\n"
    "\n"
    "Unmount with 'fusermount3 -u MOUNTPOINT' or by sending SIGTERM: the file system is synced\n"
    "and unmounted inside the kernel before the program exits (with --server the remote\n"
    "kernel keeps running and its file systems stay mounted).\n"
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

}  // namespace

void add_opt(std::string& list, const std::string& o) {
  if (!list.empty()) list += ',';
  list += o;
}

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
      if (a == "--server") {
        if (++i >= argc) return usage_error("option '--server' requires an argument");
        opt.server = argv[i];
      } else {
        opt.server = a.substr(9);
      }
      if (opt.server.empty()) return usage_error("--server: an empty URL");
      continue;
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
  if (!opt.server.empty() && !opt.type.empty())
    return usage_error("-t: the remote kernel has its file systems mounted already (--server)");
  opt.image = operands[0];
  opt.mountpoint = operands[1];
  split_options(all_opts, opt);
  return -1;
}

void report(int fd, char status) {
  if (fd < 0) return;
  ssize_t n = ::write(fd, &status, 1);
  (void)n;
  ::close(fd);
}

int run(const Options& opt, int (*serve)(const Options&, int report_fd)) {
  if (opt.foreground) return serve(opt, -1);
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
  return serve(opt, pfd[1]);
}

int run_session(FsState& fs, const Options& opt, const std::string& name, int& report_fd) {
  std::string fsname = name;  // a comma would split the option list
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
  int status = 1;
  fuse_session* se = fuse_session_new(&args, &operations(), sizeof(fuse_lowlevel_ops), &fs);
  if (!se) {
    std::fprintf(stderr, "%s: %s: cannot start the FUSE session (bad -o option?)\n", kProg,
                 opt.mountpoint.c_str());
  } else {
    if (fuse_set_signal_handlers(se) != 0) {
      std::fprintf(stderr, "%s: signal handlers: %s\n", kProg, std::strerror(errno));
    } else if (fuse_session_mount(se, opt.mountpoint.c_str()) != 0) {
      std::fprintf(stderr, "%s: %s: cannot mount (is /dev/fuse there, and fusermount3?)\n", kProg,
                   opt.mountpoint.c_str());
    } else {
      report(report_fd, 0);
      report_fd = -1;
      fuse_loop_config* cfg = fuse_loop_cfg_create();
      fuse_loop_cfg_set_max_threads(cfg, 16);
      int r = opt.single_thread ? fuse_session_loop(se) : fuse_session_loop_mt(se, cfg);
      fuse_loop_cfg_destroy(cfg);
      fuse_session_unmount(se);
      close_unreleased(fs);
      // A positive result is the signal that ended the loop (SIGTERM, SIGINT, SIGHUP): a
      // normal way to stop.
      status = r >= 0 ? 0 : 1;
    }
    fuse_remove_signal_handlers(se);
    fuse_session_destroy(se);
  }
  fuse_opt_free_args(&args);
  release_thread();
  return status;
}

}  // namespace rump_fuse
