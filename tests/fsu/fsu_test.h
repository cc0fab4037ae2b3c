// Helpers of the fs-utils tests: running a command in-process on the test kernel's /mnt, and
// running programs and shell lines on the host.
#pragma once

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tools/fsu/fsu.h"
#include "tools/fsu/mount.h"

namespace fsu_test {

struct Outcome {
  int status = -1;
  std::string out, err;
};

inline std::string slurp(FILE* f) {
  std::string s;
  std::rewind(f);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  return s;
}

// Runs command `name` (without "fsu_") with args, in a process chrooted to /mnt of the current
// kernel, with `in` as its standard input.
inline Outcome run_command(const std::string& name, const std::vector<std::string>& args,
                       const std::string& in = "") {
  Outcome r;
  const fsu::Command* c = fsu::find_command(name);
  if (!c) {
    r.err = "no command " + name;
    return r;
  }
  FILE* out = std::tmpfile();
  FILE* err = std::tmpfile();
  FILE* inf = std::tmpfile();
  std::fwrite(in.data(), 1, in.size(), inf);
  std::rewind(inf);
  fsu::Context ctx;
  ctx.prog = "fsu_" + name;
  ctx.image = "test.img";
  ctx.out = out;
  ctx.err = err;
  ctx.in = inf;
  r.status = fsu::run_chrooted(ctx, fsu::kMountPoint, [&] { return c->run(ctx, args); });
  std::fflush(out);
  std::fflush(err);
  r.out = slurp(out);
  r.err = slurp(err);
  std::fclose(out);
  std::fclose(err);
  std::fclose(inf);
  return r;
}

// This process's directory for host files: removed when every test passed, kept for a look
// otherwise.
inline std::string test_root() {
  return testing::TempDir() + "fsu_test_" + std::to_string(::getpid());
}

class CleanUp : public testing::Environment {
 public:
  void TearDown() override {
    if (testing::UnitTest::GetInstance()->Passed()) {
      std::string cmd = "rm -rf '" + test_root() + "'";
      if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", test_root().c_str());
    }
  }
};
inline testing::Environment* const kCleanUp = testing::AddGlobalTestEnvironment(new CleanUp);

// Runs a shell line on the host; its standard output and exit status.
inline Outcome sh(const std::string& line) {
  Outcome r;
  ::mkdir(test_root().c_str(), 0755);
  std::string errfile = test_root() + "/sh_stderr";
  FILE* p = ::popen((line + " 2>" + errfile).c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  if (FILE* e = std::fopen(errfile.c_str(), "r")) {
    r.err = slurp(e);
    std::fclose(e);
  }
  return r;
}

inline std::string quote(const std::string& s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

// A fresh host directory under test_root().
inline std::string host_dir(const std::string& name) {
  ::mkdir(test_root().c_str(), 0755);
  std::string d = test_root() + "/" + name;
  sh("rm -rf " + quote(d) + " && mkdir -p " + quote(d));
  return d;
}

// A sample tree: files (empty, small, one of 200 KiB with a hole), a symbolic link, a hard
// link, a fifo, nested directories with other modes, old and new times.
inline void make_tree(const std::string& d) {
  sh("cd " + quote(d) + " && printf 'hello\\n' > a.txt && : > empty && "
     "dd if=/dev/urandom of=rand bs=1k count=200 status=none && "
     "truncate -s 1M sparse && printf 'end' >> sparse && "
     "ln -s a.txt link && ln -s nowhere dangling && ln a.txt hard && mkfifo fifo && "
     "mkdir -p sub/deep 'with space' && chmod 750 sub && echo deep > sub/deep/f && "
     "echo sp > 'with space/x y' && chmod 600 sub/deep/f && chmod 4755 rand && "
     "touch -h -d '2020-01-02 03:04:05' sub/deep/f link && touch -d '2019-05-06 07:08:09' sub/deep");
}

}  // namespace fsu_test
