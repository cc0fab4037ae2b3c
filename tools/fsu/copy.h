// Copying between two trees (host and image, or image and image) with cp's rules: the core of
// fsu_cp, fsu_get, fsu_put, fsu_ecp.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"
#include "tools/fsu/progress.h"

namespace fsu {

struct CopyOptions {
  bool recursive = false;  // -R: directories with their contents; symbolic links, fifos and
                           // device nodes copied as themselves
  bool preserve = false;   // -p: mode (with set-id bits), owner and group, access and
                           // modification times
  bool deref = false;      // -L: follow symbolic links inside the tree too
};

// What one copy operation remembers across files: the progress line, and with -p the files
// with several links already copied (so that their other names become links again, as cp -a).
struct CopyState {
  explicit CopyState(const Context& ctx) : progress(ctx) {}
  Progress progress;
  std::map<std::pair<dev_t, ino_t>, std::string> linked;  // source file -> its first copy
};

// Copies `src` of `from` to the name `dst` of `to` (cp SRC DST where DST is the final name).
// Reports each failure on ctx.err; returns the number of failures.
int copy_one(const Context& ctx, Fs& from, const std::string& src, Fs& to, const std::string& dst,
             const CopyOptions& opt, CopyState& state);

// cp's operands: copies each source into `target` if it is a directory, or the single source
// to `target`. Returns the exit status.
int copy_operands(const Context& ctx, Fs& from, const std::vector<std::string>& sources, Fs& to,
                  const std::string& target, const CopyOptions& opt);

// Copies a regular file's bytes from one descriptor to another (`out` new or emptied): 0 or an
// errno; `in_error` says whether the read side failed. With `sparse` (the source has holes)
// blocks of zeros become holes, as cp --sparse=auto makes them.
int copy_data(Fs& from, int in, Fs& to, int out, Progress& progress, bool& in_error,
              bool sparse = false);

}  // namespace fsu
