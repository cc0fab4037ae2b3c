// What the rump_fuse tests share: shell helpers, and a rump_fuse process started in the
// foreground (-f) as a child of the test, mounted on a host directory.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace fuse_test {

struct Outcome {
  int status = -1;
  std::string out, err;
};

std::string quote(const std::string& s);
std::string read_file(const std::string& path);
// The test program's own scratch directory (under gtest's TempDir, named after its pid).
std::string root_dir();
// Runs a shell line on the host: its standard output, standard error and exit status.
Outcome sh(const std::string& line);
bool have(const std::string& prog);

// Why FUSE cannot be used here (no /dev/fuse, no fusermount3), or "".
std::string fuse_unavailable();

// One rump_fuse process. Its standard error goes to `errfile`.
class FuseProcess {
 public:
  FuseProcess(std::string mountpoint, std::string errfile)
      : mnt_(std::move(mountpoint)), errfile_(std::move(errfile)) {}
  ~FuseProcess();  // unmounts lazily and stops the process if still running
  FuseProcess(const FuseProcess&) = delete;
  FuseProcess& operator=(const FuseProcess&) = delete;

  // Starts `rump_fuse -f ARGS... IMAGE MOUNTPOINT` and waits up to 15 s for the mount.
  // "" once mounted; otherwise what went wrong. *not_permitted is set when the host does not
  // let this user mount (the caller skips).
  std::string start(const std::vector<std::string>& args, const std::string& image,
                    bool* not_permitted);
  // Waits up to 30 s for the process to exit (sending sig first if non-zero, SIGKILL at the
  // end); its exit status, or -1.
  int stop(int sig);
  // Whether a file system other than the parent directory's is mounted there.
  bool mounted() const;
  bool running() const { return pid_ > 0; }
  const std::string& errors_path() const { return errfile_; }

 private:
  std::string mnt_, errfile_;
  pid_t pid_ = -1;
};

}  // namespace fuse_test
