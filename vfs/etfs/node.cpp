#include "vfs/etfs/node.h"

#include <new>

#include "kern/kernel.h"
#include "kern/panic.h"
#include "kern/sched.h"
#include "rump/rumpuser.h"
#include "vfs/etfs/fs.h"
#include "vfs/etfs/host.h"
#include "vfs/blk/blkdev.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"

namespace rk::vfs {

namespace {

// The most one host transfer moves (the bounce buffer between the host and the client).
constexpr size_t kChunk = 64 * 1024;
constexpr uint64_t kMaxOffset = INT64_MAX;  // the host's largest file offset
constexpr uint32_t kBlockSize = 4096;

uint32_t initial_mode(const EtfsNode::Spec& s) {
  if (s.type == VType::kDir) return 0755;
  return s.read_only ? 0444 : 0666;
}

// A kernel buffer for one call's transfers.
class Bounce {
 public:
  Bounce(kern::Kmem& km, size_t want) : km_(km), len_(want < kChunk ? want : kChunk) {
    buf_ = len_ != 0 ? static_cast<char*>(km_.alloc(len_)) : nullptr;
  }
  ~Bounce() {
    if (buf_ != nullptr) km_.free(buf_, len_);
  }
  Bounce(const Bounce&) = delete;
  Bounce& operator=(const Bounce&) = delete;
  char* data() const { return buf_; }
  size_t size() const { return len_; }

 private:
  kern::Kmem& km_;
  size_t len_;
  char* buf_;
};

}  // namespace

EtfsNode::EtfsNode(EtfsFs& fs, const Spec& s, char* path, size_t path_len, EtfsNode* parent,
                   bool husk)
    : Vnode(fs.kernel(), fs.mount(), s.type), fs_(fs), parent_(parent), path_(path),
      path_len_(path_len), fd_(s.fd), fd_writable_(s.fd >= 0 && !s.read_only),
      opened_at_start_(s.fd >= 0), read_only_(s.read_only), host_size_(s.host_size),
      bounded_(s.bounded), subdirs_(s.subdirs), husk_(husk), begin_(s.begin), size_(s.size),
      rdev_(s.rdev), hash_(s.hash), ino_(s.ino), btime_(fs.now()),
      mode_(husk ? 0 : initial_mode(s)), atime_(btime_), mtime_(btime_), ctime_(btime_) {}

EtfsNode::~EtfsNode() {
  etfs_host::close(kernel(), fd_.load(std::memory_order_relaxed));
  etfs_host::free_path(kernel(), path_, path_len_);
}

Result<Ref<EtfsNode>> EtfsNode::create(EtfsFs& fs, const Spec& spec, EtfsNode* parent) {
  kern::Kernel& k = fs.kernel();
  Result<char*> path = etfs_host::copy_path(k, spec.hostpath);
  void* mem = nullptr;
  if (path.ok())
    mem = k.kmem().alloc(sizeof(EtfsNode), kern::KmFlags::kNoSleep, alignof(EtfsNode));
  if (mem == nullptr) {
    etfs_host::close(k, spec.fd);
    if (!path.ok()) return path.error();
    etfs_host::free_path(k, path.value(), spec.hostpath.size());
    return Errno::kNoMem;
  }
  auto* n = new (mem) EtfsNode(fs, spec, path.value(), spec.hostpath.size(), parent, false);
  return Ref<EtfsNode>::adopt(*n);
}

Ref<EtfsNode> EtfsNode::create_husk(EtfsFs& fs, VType type, uint64_t ino) {
  kern::Kernel& k = fs.kernel();
  void* mem = k.kmem().alloc(sizeof(EtfsNode), kern::KmFlags::kSleep, alignof(EtfsNode));
  if (mem == nullptr) kern::panic("etfs: no memory for a root stand-in (outside the kernel?)");
  Spec s;
  s.type = type;
  s.ino = ino;
  auto* n = new (mem) EtfsNode(fs, s, nullptr, 0, nullptr, true);
  return Ref<EtfsNode>::adopt(*n);
}

void EtfsNode::inactive() { destroy(); }

void EtfsNode::destroy() {
  // A node may hold the last reference of its parent, and that one of its own: freed in a loop
  // rather than by recursion, however deep the directory was.
  EtfsNode* n = this;
  while (n != nullptr) {
    RefPtr<EtfsNode> parent = std::move(n->parent_);
    kern::Kmem& km = n->kernel().kmem();
    n->~EtfsNode();
    km.free(n, sizeof(EtfsNode));
    n = nullptr;
    // Only references reach a node (there is no cache): holding the last one, we own it.
    if (parent && parent->ref_count() == 1) n = parent.leak();
  }
}

Timespec EtfsNode::now() const { return fs_->now(); }

Result<uint64_t> EtfsNode::current_size() {
  if (bounded_) return size_;
  uint64_t size;
  Result<etfs_host::FileInfo> fi = etfs_host::file_info(kernel(), path_);
  if (fi.ok() && fi.value().type != RUMPUSER_FT_DIR) {
    size = fi.value().size;
    host_size_.store(size, std::memory_order_relaxed);
  } else {
    size = host_size_.load(std::memory_order_relaxed);  // gone from its path: what we knew
  }
  return size > begin_ ? size - begin_ : 0;
}

Result<int> EtfsNode::host_fd(bool write) {
  if (opened_at_start_) {
    if (write && read_only_) return Errno::kRoFs;
    return fd_.load(std::memory_order_relaxed);
  }
  int fd = fd_.load(std::memory_order_acquire);
  if (fd >= 0 && (!write || fd_writable_.load(std::memory_order_acquire))) return fd;
  kern::Kernel& k = kernel();
  const rumpuser_ops& ops = k.hyp().ops();
  int fresh = -1;
  int rv;
  {
    kern::Unscheduled off;
    rv = ops.open(k.hyp().host(), path_, write ? RUMPUSER_OPEN_RDWR : RUMPUSER_OPEN_RDONLY,
                  &fresh);
  }
  if (rv != 0) return static_cast<Errno>(rv);
  if (write) {
    // The vnode lock is held exclusively: no read uses the descriptor this replaces.
    fd_writable_.store(true, std::memory_order_release);
    etfs_host::close(k, fd_.exchange(fresh, std::memory_order_acq_rel));
    return fresh;
  }
  // Readers share the vnode lock: the first to install its descriptor wins.
  int expected = -1;
  if (fd_.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) return fresh;
  etfs_host::close(k, fresh);
  return expected;
}

// --- directories ---------------------------------------------------------------------------

Result<Ref<Vnode>> EtfsNode::lookup(std::string_view name) {
  if (!is_dir()) return Errno::kNotDir;
  if (husk_) return Errno::kNoEnt;
  if (name == ".") return Ref<Vnode>(*this);
  if (name == "..") return parent_ ? Ref<Vnode>(*parent_) : Ref<Vnode>(*this);
  kern::Kernel& k = kernel();
  size_t len = 0;
  char* path = RK_TRY(etfs_host::join(k, {path_, path_len_}, name, &len));
  Result<Ref<Vnode>> found = [&]() -> Result<Ref<Vnode>> {
    etfs_host::FileInfo fi = RK_TRY(etfs_host::file_info(k, path));
    Spec s;
    s.hostpath = {path, len};
    s.hash = etfs_host::hash_more(etfs_host::hash_more(hash_, "/"), name);
    s.ino = etfs_host::ino_of(s.hash);
    if (fi.type == RUMPUSER_FT_DIR) {
      if (!subdirs_) return Errno::kNoEnt;
      s.type = VType::kDir;
      s.subdirs = true;
    } else if (fi.type == RUMPUSER_FT_REG) {
      s.type = VType::kReg;
      s.host_size = fi.size;  // opened on first use (node.h)
    } else {
      return Errno::kNoEnt;  // as NetBSD: only files and directories
    }
    Ref<EtfsNode> n = RK_TRY(EtfsNode::create(*fs_, s, this));
    return Ref<Vnode>(*n);
  }();
  etfs_host::free_path(k, path, len);
  return found;
}

Result<Ref<Vnode>> EtfsNode::create(std::string_view, VType, uint32_t, uint32_t, uint32_t,
                                    uint64_t) {
  return is_dir() ? Errno::kOpNotSupp : Errno::kNotDir;
}

Result<Ref<Vnode>> EtfsNode::symlink(std::string_view, std::string_view, uint32_t, uint32_t) {
  return is_dir() ? Errno::kOpNotSupp : Errno::kNotDir;
}

Result<void> EtfsNode::link(std::string_view, Vnode&) {
  return is_dir() ? Errno::kOpNotSupp : Errno::kNotDir;
}

Result<void> EtfsNode::remove(std::string_view, Vnode&) {
  return is_dir() ? Errno::kOpNotSupp : Errno::kNotDir;
}

Result<void> EtfsNode::rmdir(std::string_view, Vnode&) {
  return is_dir() ? Errno::kOpNotSupp : Errno::kNotDir;
}

Result<void> EtfsNode::rename(std::string_view, Vnode&, Vnode&, std::string_view, Vnode*, bool) {
  return is_dir() ? Errno::kOpNotSupp : Errno::kNotDir;
}

Result<void> EtfsNode::readdir(uint64_t* cookie, DirSink& sink) {
  if (!is_dir()) return Errno::kNotDir;
  if (husk_) return Errno::kNoEnt;
  // Cookies: 0 ".", 1 "..", 2+n the host's entry n.
  uint64_t c = *cookie;
  if (c == 0) {
    if (!sink.emit(ino(), VType::kDir, ".", 1)) return ok();
    *cookie = c = 1;
  }
  if (c == 1) {
    // At the root, ".." is the directory the mount covers: namei answers that one, and the
    // number here is only what getdents shows.
    uint64_t up = parent_ ? parent_->ino() : ino();
    if (!sink.emit(up, VType::kDir, "..", 2)) return ok();
    *cookie = c = 2;
  }
  uint64_t host_cookie = c - 2;
  etfs_host::DirEntry e;
  for (;;) {
    bool more = RK_TRY(etfs_host::dir_read(kernel(), path_, &host_cookie, e));
    if (!more) return ok();
    VType t;
    if (e.type == RUMPUSER_FT_REG) t = VType::kReg;
    else if (e.type == RUMPUSER_FT_DIR && subdirs_) t = VType::kDir;
    else t = VType::kNon;  // not shown (lookup answers ENOENT for it)
    if (t != VType::kNon) {
      std::string_view name(e.name);
      uint64_t h = etfs_host::hash_more(etfs_host::hash_more(hash_, "/"), name);
      if (!sink.emit(etfs_host::ino_of(h), t, name, host_cookie + 2)) return ok();
    }
    *cookie = host_cookie + 2;
  }
}

// --- contents ------------------------------------------------------------------------------

Result<void> EtfsNode::read(Uio& uio) {
  if (is_dir()) return Errno::kIsDir;
  if (husk_) return Errno::kIo;
  uint64_t off = uio.offset();
  // How far this node goes from off: to the window's end, or as far as the host reads.
  uint64_t room;
  if (bounded_) room = off < size_ ? size_ - off : 0;
  else room = off <= kMaxOffset - begin_ ? kMaxOffset - begin_ - off : 0;
  if (room == 0 || uio.resid() == 0) return ok();
  const int fd = RK_TRY(host_fd(false));
  Bounce buf(kernel().kmem(), uio.resid());
  if (buf.data() == nullptr) return Errno::kNoMem;
  const size_t start = uio.resid();
  while (uio.resid() > 0 && room > 0) {
    size_t want = uio.resid() < buf.size() ? uio.resid() : buf.size();
    if (want > room) want = static_cast<size_t>(room);
    Result<size_t> got = etfs_host::pread(kernel(), fd, buf.data(), want, begin_ + off);
    if (!got.ok()) {
      if (uio.resid() == start) return got.error();
      break;  // what was read counts; the error comes again on the next call
    }
    RK_TRY(uio.move(buf.data(), got.value()));
    off += got.value();
    room -= got.value();
    if (got.value() < want) break;  // end of the host file
  }
  return ok();
}

Result<void> EtfsNode::write(Uio& uio) {
  if (is_dir()) return Errno::kIsDir;
  if (husk_) return Errno::kIo;
  if (uio.resid() == 0) return ok();
  uint64_t off = uio.offset();
  uint64_t room;
  if (bounded_) {
    if (off >= size_) return Errno::kNoSpc;  // a device's end, as Linux's block devices
    room = size_ - off;
  } else {
    if (off > kMaxOffset - begin_) return Errno::kFBig;
    room = kMaxOffset - begin_ - off;
    if (room == 0) return Errno::kFBig;
  }
  const int fd = RK_TRY(host_fd(true));
  Bounce buf(kernel().kmem(), uio.resid());
  if (buf.data() == nullptr) return Errno::kNoMem;
  const size_t start = uio.resid();
  Result<void> err = ok();
  while (uio.resid() > 0 && room > 0) {
    size_t want = uio.resid() < buf.size() ? uio.resid() : buf.size();
    if (want > room) want = static_cast<size_t>(room);
    size_t before = uio.resid();
    Result<void> in = uio.move(buf.data(), want);
    size_t n = before - uio.resid();
    if (n == 0) {
      err = in;
      break;
    }
    // The client's bytes are consumed before the host has them: a host write that fails
    // after this point still counts them (kern::Uio cannot give bytes back). Host writes fail
    // only for host errors (EIO, a full host disk); the window and offset limits are checked
    // above, before anything is consumed.
    Result<size_t> put = etfs_host::pwrite(kernel(), fd, buf.data(), n, begin_ + off);
    if (!put.ok()) {
      err = put.error();
      break;
    }
    off += put.value();
    room -= put.value();
    if (put.value() < n || !in.ok()) {
      if (!in.ok()) err = in;
      break;
    }
  }
  if (uio.resid() == start) return err;
  Timespec t = now();
  mtime_ = ctime_ = t;
  return ok();  // a short write when the window ended or an error came, as Linux answers
}

Result<void> EtfsNode::fsync(bool data_only) {
  if (type() == VType::kBlk) {
    // A disk's data goes through its block device, whose flush keeps to the disk's cache mode
    // (rump_pub_etfs_set_cache); this node's descriptor only reads attributes. A disk already
    // removed has nothing left here to flush (its last holder flushed it).
    Result<Ref<BlockDevice>> disk = Vfs::of(kernel()).block_devices().find(rdev_);
    if (!disk.ok()) return ok();
    return disk.value()->flush();
  }
  int fd = fd_.load(std::memory_order_acquire);
  if (fd < 0 || is_dir() || husk_) return ok();  // nothing written through this node
  return etfs_host::sync(kernel(), fd, data_only);
}

// --- attributes ----------------------------------------------------------------------------

Result<void> EtfsNode::getattr(Vattr& va) {
  va.type = type();
  va.mode = mode_;
  va.uid = uid_;
  va.gid = gid_;
  va.nlink = husk_ ? 0 : (is_dir() ? 2 : 1);
  va.ino = ino();
  va.dev = mount().dev();
  va.rdev = rdev_;
  va.blksize = kBlockSize;
  va.size = 0;
  va.blocks = 0;
  if (type() == VType::kReg && !husk_) {
    va.size = RK_TRY(current_size());
    va.blocks = (va.size + 511) / 512;
  } else if (is_dir()) {
    va.size = kBlockSize;  // as a host directory of a few entries shows
  }
  // Devices show size 0, as device nodes do on Linux (device_size() has the window).
  va.atime = atime_;
  va.mtime = mtime_;
  va.ctime = ctime_;
  va.btime = btime_;
  return ok();
}

Result<void> EtfsNode::setattr(const SetAttr& sa) {
  if (husk_) return Errno::kNoEnt;
  Timespec t = now();
  if (sa.mask & SetAttr::kSize) {
    if (is_dir()) return Errno::kIsDir;
    if (type() != VType::kReg) return Errno::kInval;
    // Only the size it has: truncate(2)'s EPERM for a file system that cannot change it.
    uint64_t size = RK_TRY(current_size());
    if (sa.size != size) return Errno::kPerm;
    mtime_ = t;
  }
  if (sa.mask & SetAttr::kMode) mode_ = sa.mode & kModeMask;
  if (sa.mask & SetAttr::kUid) uid_ = sa.uid;
  if (sa.mask & SetAttr::kGid) gid_ = sa.gid;
  if (sa.mask & SetAttr::kAtime) atime_ = sa.atime;
  if (sa.mask & SetAttr::kMtime) mtime_ = sa.mtime;
  ctime_ = (sa.mask & SetAttr::kCtime) ? sa.ctime : t;
  return ok();
}

}  // namespace rk::vfs
