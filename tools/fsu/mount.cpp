#include "tools/fsu/mount.h"

#include <fcntl.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "tools/fsu/copy.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/probe.h"

namespace fsu {
namespace {

// Splits -o into mount(2) flags and the driver's option string.
void split_options(const std::string& opts, bool read_only, unsigned long& flags, std::string& data) {
  flags = read_only ? MS_RDONLY : 0;
  size_t pos = 0;
  while (pos <= opts.size() && !opts.empty()) {
    size_t comma = opts.find(',', pos);
    std::string o = opts.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (o == "ro") {
      flags |= MS_RDONLY;
    } else if (o == "rw") {
      if (!read_only) flags &= ~static_cast<unsigned long>(MS_RDONLY);
    } else if (o == "nosuid") {
      flags |= MS_NOSUID;
    } else if (o == "nodev") {
      flags |= MS_NODEV;
    } else if (o == "noexec") {
      flags |= MS_NOEXEC;
    } else if (!o.empty()) {
      if (!data.empty()) data += ",";
      data += o;
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
}

// The kernel's message log (syslog(2) READ_ALL), or "" if it cannot be read.
std::string kernel_log() {
  constexpr int kReadAll = 3, kSizeBuffer = 10;
  int size = rump_sys_syslog(kSizeBuffer, nullptr, 0);
  if (size <= 0) return "";
  std::string buf(static_cast<size_t>(size), '\0');
  int n = rump_sys_syslog(kReadAll, buf.data(), size);
  if (n < 0) return "";
  buf.resize(static_cast<size_t>(n));
  return buf;
}

// Why the driver refused: the last line it logged after `before` bytes of log, without the
// time stamp and the "ext2 (/dev/fsu0): " prefix; or strerror(err).
std::string mount_failure(size_t before, int err) {
  std::string log = kernel_log();
  if (log.size() > before) {
    log = log.substr(before);
    while (!log.empty() && log.back() == '\n') log.pop_back();
    std::string line = log.substr(log.rfind('\n') == std::string::npos ? 0 : log.rfind('\n') + 1);
    if (!line.empty() && line[0] == '[') {
      auto close = line.find("] ");
      if (close != std::string::npos) line = line.substr(close + 2);
    }
    auto colon = line.find("): ");
    if (colon != std::string::npos && line.find(kImageKey) < colon) line = line.substr(colon + 3);
    if (!line.empty()) return line;
  }
  return std::strerror(err);
}

}  // namespace

bool parse_image_spec(const std::string& arg, std::string& path, int& partition) {
  path = arg;
  partition = 0;
  auto colon = arg.rfind(':');
  if (colon == std::string::npos || colon + 1 == arg.size()) return true;
  std::string num = arg.substr(colon + 1);
  if (num.find_first_not_of("0123456789") != std::string::npos) return true;
  struct stat st;
  if (::stat(arg.c_str(), &st) == 0) return true;  // a file really named "x:1"
  long n = std::strtol(num.c_str(), nullptr, 10);
  if (n < 1 || n > 128) return false;
  path = arg.substr(0, colon);
  partition = static_cast<int>(n);
  return true;
}

std::string partition_device(const std::string& key, int n) {
  // Linux's names, which the block layer gives the nodes: "sda" + 1 -> "sda1",
  // "fsu0" + 1 -> "fsu0p1".
  bool digit = !key.empty() && key.back() >= '0' && key.back() <= '9';
  return key + (digit ? "p" : "") + std::to_string(n);
}

std::unique_ptr<MountedImage> MountedImage::open(const Context& ctx, const MountSpec& spec) {
  std::unique_ptr<MountedImage> m(new MountedImage());
  m->name_ = spec.image;
  if (spec.partition) m->name_ += ":" + std::to_string(spec.partition);
  unsigned long flags = 0;
  std::string data;
  split_options(spec.options, spec.read_only, flags, data);
  if (rump_sys_mkdir(kMountPoint, 0755) < 0 && errno != EEXIST) {
    ctx.fail(kMountPoint, errno);
    return nullptr;
  }

  if (spec.type == "tmpfs") {
    // For testing without a disk driver: a fresh tmpfs holding a copy of a host directory.
    if (rump_sys_mount("tmpfs", kMountPoint, "tmpfs", 0, data.empty() ? nullptr : data.c_str()) < 0) {
      ctx.fail(m->name_, std::string("mount: ") + std::strerror(errno));
      return nullptr;
    }
    m->mounted_ = true;
    m->type_ = "tmpfs";
    if (spec.image != "none") {
      HostFs host;
      KernelFs kern;
      CopyState state(ctx);
      CopyOptions copt;
      copt.recursive = copt.preserve = true;
      struct stat st;
      if (::stat(spec.image.c_str(), &st) < 0) {
        ctx.fail(spec.image, errno);
        return nullptr;
      }
      if (!S_ISDIR(st.st_mode)) {
        ctx.fail(spec.image, "not a directory (-t tmpfs copies a host directory)");
        return nullptr;
      }
      if (copy_one(ctx, host, spec.image, kern, kMountPoint, copt, state)) return nullptr;
    }
    if ((flags & MS_RDONLY) &&
        rump_sys_mount("tmpfs", kMountPoint, "tmpfs", MS_REMOUNT | flags, nullptr) < 0) {
      ctx.fail(m->name_, std::string("remount: ") + std::strerror(errno));
      return nullptr;
    }
    return m;
  }

  // The image: a block device of the kernel.
  char abs[PATH_MAX];
  if (!::realpath(spec.image.c_str(), abs)) {
    ctx.fail(spec.image, errno);
    return nullptr;
  }
  struct stat hst;
  if (::stat(abs, &hst) < 0) {
    ctx.fail(spec.image, errno);
    return nullptr;
  }
  if (S_ISDIR(hst.st_mode)) {
    ctx.fail(spec.image, EISDIR);
    return nullptr;
  }
  m->lock_fd_ = ::open(abs, O_RDONLY | O_CLOEXEC);
  if (m->lock_fd_ >= 0) {
    int how = (flags & MS_RDONLY) ? LOCK_SH : LOCK_EX;
    while (::flock(m->lock_fd_, how) < 0 && errno == EINTR) {
    }
  }
  if (int err = rump_pub_etfs_register(kImageKey, abs, RUMP_ETFS_BLK)) {
    ctx.fail(spec.image, err);
    return nullptr;
  }
  m->registered_ = true;
  if (!spec.sync) {
    if (int err = rump_pub_etfs_set_cache(kImageKey, RUMP_ETFS_CACHE_HOST)) {
      ctx.fail(spec.image, err);
      return nullptr;
    }
  }
  std::string dev = kImageKey;
  if (spec.partition) {
    dev = partition_device(kImageKey, spec.partition);
    struct stat dst;
    if (rump_sys_stat(dev.c_str(), &dst) < 0) {
      ctx.fail(m->name_, errno == ENOENT ? "no partition " + std::to_string(spec.partition)
                                          : std::string(std::strerror(errno)));
      return nullptr;
    }
  }

  std::string type = spec.type;
  if (type.empty()) {
    int fd = rump_sys_open(dev.c_str(), O_RDONLY);
    if (fd < 0) {
      ctx.fail(m->name_, errno);
      return nullptr;
    }
    ProbeResult p = probe_image([fd](uint64_t off, void* buf, size_t len) -> size_t {
      size_t done = 0;
      while (done < len) {
        ssize_t n = rump_sys_pread(fd, static_cast<char*>(buf) + done, len - done,
                                   static_cast<off_t>(off + done));
        if (n <= 0) break;
        done += static_cast<size_t>(n);
      }
      return done;
    });
    rump_sys_close(fd);
    if (p.partitioned) {
      ctx.fail(m->name_, "a partitioned disk (" + p.description + "): name a partition as " +
                             spec.image + ":N");
      return nullptr;
    }
    if (p.type.empty()) {
      ctx.fail(m->name_, p.description.empty()
                             ? "unrecognised file system (name its type with -t)"
                             : "unsupported file system (" + p.description + ")");
      return nullptr;
    }
    type = p.type;
  }
  size_t log_before = kernel_log().size();
  if (rump_sys_mount(dev.c_str(), kMountPoint, type.c_str(), flags,
                     data.empty() ? nullptr : data.c_str()) < 0) {
    int err = errno;
    if (err == ENODEV) {
      ctx.fail(m->name_, "unsupported file system (no " + type + " driver in this build)");
    } else {
      ctx.fail(m->name_, "cannot mount as " + type + ": " + mount_failure(log_before, err));
    }
    return nullptr;
  }
  m->mounted_ = true;
  m->type_ = type;
  return m;
}

int MountedImage::close(const Context& ctx) {
  int status = 0;
  if (mounted_) {
    mounted_ = false;
    if (rump_sys_umount2(kMountPoint, 0) < 0) {
      status = ctx.fail(name_, std::string("unmount: ") + std::strerror(errno));
    }
  }
  if (registered_) {
    registered_ = false;
    if (int err = rump_pub_etfs_remove(kImageKey); err && !status) {
      status = ctx.fail(name_, std::string("close: ") + std::strerror(err));
    }
  }
  return status;
}

MountedImage::~MountedImage() {
  if (mounted_) rump_sys_umount2(kMountPoint, MNT_DETACH);
  if (registered_) rump_pub_etfs_remove(kImageKey);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

int run_chrooted(const Context& ctx, const std::string& root, const std::function<int()>& fn) {
  if (int err = rump_pub_lwproc_rfork(RUMP_RFCFDG)) return ctx.fail("cannot start a process", err);
  mode_t mask = ::umask(0);
  ::umask(mask);
  rump_sys_umask(mask);
  int r;
  if (rump_sys_chroot(root.c_str()) < 0 || rump_sys_chdir("/") < 0) {
    r = ctx.fail(root, errno);
  } else {
    r = fn();
  }
  rump_pub_lwproc_releaselwp();
  return r;
}

}  // namespace fsu
