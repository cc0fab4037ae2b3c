// Opening an image: the host file becomes a block device of the current kernel (etfs,
// RUMP_ETFS_BLK at kImageKey), partition N is the device node the kernel made for it, the file
// system type comes from -t or from the superblock (probe.h), and the file system is mounted on
// kMountPoint. Commands then run in a process of the kernel whose root is that mount point
// (run_chrooted), so image paths are the paths a command is given.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "tools/fsu/fsu.h"

namespace fsu {

inline constexpr const char* kImageKey = "/dev/fsu0";
inline constexpr const char* kMountPoint = "/mnt";

struct MountSpec {
  std::string image;      // host path of the image (or, for type "tmpfs", a host directory or
                          // "none": see docs/FSUTILS.md, "Testing without an image")
  int partition = 0;      // :N, 0 for the whole image
  std::string type;       // -t; empty: detect
  std::string options;    // -o, comma separated ("ro", "rw", "nosuid", ... or for the driver)
  bool read_only = false; // the command only reads
  // --sync: the image is on stable storage when the command ends (RUMP_ETFS_CACHE_DURABLE).
  // Without it the changes are in the host file, written to its disk in the host's own time,
  // as cp's writes are (RUMP_ETFS_CACHE_HOST).
  bool sync = false;
};

// Splits "image[:N]" (N a decimal number >= 1; a host file whose name really ends in ":N" is
// taken whole). False for a bad N.
bool parse_image_spec(const std::string& arg, std::string& path, int& partition);

// The device node of partition `n` of the disk registered at `key`: the name the kernel's block
// layer gives it, Linux's ("/dev/sda" -> "/dev/sda1", "/dev/fsu0" -> "/dev/fsu0p1"). The one
// place that knows it.
std::string partition_device(const std::string& key, int n);

class MountedImage {
 public:
  // Registers, probes and mounts in the calling thread's current kernel. On failure prints one
  // line "prog: image: why" and returns nullptr (leaving nothing registered or mounted).
  // The host file is locked with flock(2) until close, shared for read-only mounts and
  // exclusive otherwise, so that fsu commands run at once on one image wait for each other.
  static std::unique_ptr<MountedImage> open(const Context& ctx, const MountSpec& spec);
  ~MountedImage();
  MountedImage(const MountedImage&) = delete;
  MountedImage& operator=(const MountedImage&) = delete;

  const std::string& type() const { return type_; }
  // Unmounts (writing everything back) and removes the device: 0, or 1 after printing why.
  int close(const Context& ctx);

 private:
  MountedImage() = default;
  std::string name_;     // the image as given, for messages
  std::string type_;
  int lock_fd_ = -1;     // a host descriptor of the image holding our flock(2)
  bool mounted_ = false;
  bool registered_ = false;
};

// Runs fn in a new process of the current kernel (empty descriptor table, the host's umask)
// whose root and working directory are `root`. Returns fn's result, or 1 after printing why.
int run_chrooted(const Context& ctx, const std::string& root, const std::function<int()>& fn);

}  // namespace fsu
