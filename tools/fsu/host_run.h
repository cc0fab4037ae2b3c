// Running host programs on files of an image (fsu_exec, fsu_find -exec): copies of a file's
// contents between the image and the host, and a program run with the command's output.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {

// Copies the contents of `from` (in fs a) over `to` (in fs b), made with `mode` if new; an
// existing `to` keeps its inode, mode and owner. 0, or 1 after reporting on ctx.err.
int copy_contents(const Context& ctx, Fs& a, const std::string& from, Fs& b, const std::string& to,
                  mode_t mode);

// Runs argv[0] (found on PATH) with argv, waits for it: its exit status (128 + signal when
// killed), or 127 after reporting that it could not be run.
int run_program(const Context& ctx, const std::vector<std::string>& argv);

// A host program between the command and a file (tar -z): with `write`, what is written to
// the returned stream goes to the program's input and its output to fd; otherwise the program
// reads fd and its output is what the stream reads. nullptr (reported) if it cannot start.
struct Filter {
  FILE* stream = nullptr;
  pid_t pid = -1;
};
Filter open_filter(const Context& ctx, const std::vector<std::string>& argv, int fd, bool write);
// Closes the stream and waits: the program's exit status.
int close_filter(Filter& f);

// A private host directory (/tmp/PREFIX.XXXXXX), removed with everything in it at the end.
class HostScratch {
 public:
  explicit HostScratch(const char* prefix) : prefix_(prefix) {}
  ~HostScratch();
  HostScratch(const HostScratch&) = delete;
  HostScratch& operator=(const HostScratch&) = delete;
  // The directory, made on first use; "" (errno set) if it cannot be made.
  const std::string& dir();

 private:
  const char* prefix_;
  std::string dir_;
};

}  // namespace fsu
