// What the two rump_fuse programs share: the command line, going into the background once
// mounted, and the FUSE session itself.
//
//   rump_fuse         an image (or a fresh tmpfs) with its driver in a kernel inside the program
//   rump_fuse_remote  a directory of a running rump_server (rump_fuse --server runs it), through
//                     librumpclient
#pragma once

#include <string>

namespace rump_fuse {

struct FsState;

struct Options {
  std::string server;            // --server URL: a remote kernel's directory
  std::string type, image, mountpoint;  // image: the remote path with --server
  std::string kernel_opts, fuse_opts;
  bool foreground = false, debug = false, read_only = false;
  bool single_thread = false;  // -s: one thread serves every request
};

// Parses argv; returns -1 to go on, or an exit status (after --help, or a usage error).
int parse(int argc, char** argv, Options& opt);

// Adds one option to a comma-separated list.
void add_opt(std::string& list, const std::string& o);

// Runs serve(opt, report_fd) in the foreground (-f, -d), or in a child that goes into the
// background and reports through report_fd whether it mounted: the parent exits with that
// status, so scripts can use the mount once the command returns.
int run(const Options& opt, int (*serve)(const Options&, int report_fd));

// Tells the waiting parent how the start went (0: mounted); fd < 0: nobody waits.
void report(int fd, char status);

// Mounts `state` on opt.mountpoint and serves it until unmounted or signalled (SIGTERM, SIGINT,
// SIGHUP); then closes what the host left open. 0, or 1 after printing why (prog: ...).
// report_fd is told once the mount is there.
int run_session(FsState& state, const Options& opt, const std::string& fsname, int& report_fd);

}  // namespace rump_fuse
