// The FUSE low-level operations over the kernel's tree (docs/FUSE.md lists how each maps).
#pragma once

#include <fuse_lowlevel.h>

#include <cstdint>
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
  // A remote kernel's connection acts for every caller: files it makes are chowned to them.
  bool chown_created = false;

  // The kernel descriptors behind the host's open files and directories: so that those the
  // host never released can be closed at the end, and a file with no name left (unlinked while
  // open) can still be reached for fstat and fchmod, which the host sends without a handle.
  struct Handle {
    uint64_t node;  // FUSE node id
    Dir* dir;       // nullptr for a file
  };
  std::mutex handles_lock;
  std::unordered_map<int, Handle> handles;
};

// The operation table; `state` is the session's userdata.
const fuse_lowlevel_ops& operations();

// Closes what the host left open when the session ended: SIGTERM stops the loop before the host
// has sent `release` for files programs just closed (it sends it asynchronously), and the
// kernel cannot unmount a file system with open files. Call once the loop has stopped.
void close_unreleased(FsState& s);

}  // namespace rump_fuse
