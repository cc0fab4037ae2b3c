// The FUSE low-level operations over the kernel's tree (docs/FUSE.md lists how each maps).
#pragma once

#include <fuse_lowlevel.h>

#include <mutex>
#include <string>
#include <unordered_map>

namespace rump_fuse {

class NodeTable;
struct Dir;  // an open directory (ops.cpp)

struct FsState {
  NodeTable* nodes = nullptr;  // owned by main
  std::string root;            // kernel path of the mounted file system
  bool read_only = false;
  double timeout = 1.0;        // attribute and entry cache time, seconds

  // The kernel descriptors behind the host's open files and directories (a directory's Dir,
  // nullptr for a file), so that those the host never released can be closed at the end.
  std::mutex handles_lock;
  std::unordered_map<int, Dir*> handles;
};

// The operation table; `state` is the session's userdata.
const fuse_lowlevel_ops& operations();

// Closes what the host left open when the session ended: SIGTERM stops the loop before the host
// has sent `release` for files programs just closed (it sends it asynchronously), and the
// kernel cannot unmount a file system with open files. Call once the loop has stopped.
void close_unreleased(FsState& s);

}  // namespace rump_fuse
