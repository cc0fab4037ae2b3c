// fs-utils: the commands of NetBSD's fs-utils over a rump kernel (docs/FSUTILS.md).
//
// Every command is a function that works on the calling thread's current kernel, on paths of its
// tree: the program mounts the image and makes its root the process's root (mount.h), the tests
// do the same with a populated tmpfs. A command reads and writes the host only through its
// Context's streams and, for copies between host and image, through HostFs (fs.h).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace fsu {

using Args = std::vector<std::string>;

// Where a command prints, and as whom.
struct Context {
  std::string prog = "fsu";   // "fsu_ls": the first word of every message
  std::string image;          // the image as given on the command line (fsu_df shows it)
  std::string fstype;         // the type it is mounted as (fsu_df -T shows it)
  FILE* in = stdin;
  FILE* out = stdout;
  FILE* err = stderr;
  bool progress = false;      // show a progress line on long copies (stderr is a terminal)
  bool out_is_tty = false;    // stdout is a terminal (fsu_ls lays out columns)

  // Prints "prog: what: strerror(err)" and returns 1 (the exit status).
  int fail(const std::string& what, int err) const;
  // Prints "prog: what: why" (why may be empty: "prog: what") and returns 1.
  int fail(const std::string& what, const std::string& why) const;
};

// A command: name without the "fsu_" prefix, its function, whether the image can be mounted
// read-only for these arguments, and its --help text (first line: the synopsis after the
// program name and the tool options).
struct Command {
  const char* name;
  int (*run)(Context& ctx, const Args& args);
  bool (*read_only)(const Args& args);  // nullptr: the command writes
  const char* synopsis;
  const char* help;
};

// The table of commands (commands.cpp); nullptr if there is no such command.
const Command* find_command(const std::string& name);
const std::vector<Command>& commands();

// Prints the --help text of a command to ctx.out.
void print_help(const Context& ctx, const Command& c);

// Each command (one source file each, named after the command or its family).
int cmd_ls(Context&, const Args&);
int cmd_cat(Context&, const Args&);
int cmd_write(Context&, const Args&);
int cmd_stat(Context&, const Args&);
int cmd_df(Context&, const Args&);
int cmd_du(Context&, const Args&);
int cmd_find(Context&, const Args&);
int cmd_diff(Context&, const Args&);
int cmd_mkdir(Context&, const Args&);
int cmd_rmdir(Context&, const Args&);
int cmd_rm(Context&, const Args&);
int cmd_ln(Context&, const Args&);
int cmd_mv(Context&, const Args&);
int cmd_chmod(Context&, const Args&);
int cmd_chown(Context&, const Args&);
int cmd_touch(Context&, const Args&);
int cmd_mkfifo(Context&, const Args&);
int cmd_mknod(Context&, const Args&);
int cmd_cp(Context&, const Args&);
int cmd_get(Context&, const Args&);
int cmd_put(Context&, const Args&);
int cmd_ecp(Context&, const Args&);
int cmd_tar(Context&, const Args&);
int cmd_exec(Context&, const Args&);

}  // namespace fsu
