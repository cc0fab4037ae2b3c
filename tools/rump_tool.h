// What the rump.* client tools share: --help, one-line errors, the connection to the server.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "rump/rumpclient.h"
#include "rump/rump_syscalls.h"

namespace rk::tools {

// Prints usage on stdout and exits 0 when an argument is --help.
inline void handle_help(int argc, char** argv, const char* usage) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) return;
    if (std::strcmp(argv[i], "--help") == 0) {
      std::fputs(usage, stdout);
      std::exit(0);
    }
  }
}

// "prog: what: why" on stderr, exit 1.
[[noreturn]] inline void die(const char* prog, const char* what, const char* why) {
  std::fprintf(stderr, "%s: %s: %s\n", prog, what, why);
  std::exit(1);
}

[[noreturn]] inline void bad_usage(const char* prog, const char* why) {
  std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", prog, why, prog);
  std::exit(1);
}

// Connects to $RUMP_SERVER or exits with a one-line reason. (For an unset or malformed
// RUMP_SERVER, EINVAL, librumpclient has printed that line already.)
inline void connect_or_die(const char* prog) {
  if (rumpclient_init() == 0) return;
  int e = errno;
  if (e == EINVAL) std::exit(1);
  die(prog, std::getenv("RUMP_SERVER"), std::strerror(e));
}

}  // namespace rk::tools
