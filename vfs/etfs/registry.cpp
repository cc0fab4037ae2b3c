#include "vfs/etfs/registry.h"

#include "kern/component.h"
#include "kern/kernel.h"
#include "kern/lib/format.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kern/uio.h"
#include "rump/rumpuser.h"
#include "vfs/blk/partition.h"
#include "vfs/devices.h"
#include "vfs/etfs/etfs.h"
#include "vfs/etfs/fs.h"
#include "vfs/etfs/host.h"
#include "vfs/vfs.h"

namespace rk::vfs {

extern kern::Component kEtfsComponent;  // component.cpp

namespace {

constexpr uint64_t kMaxOffset = INT64_MAX;

// The kernel's own credentials for the VFS calls etfs makes on the host's behalf (mount and
// unmount want a privileged caller, and etfs is the host's doing, not the client process's):
// an lwp of proc0 that exists for the call. The thread keeps running as its own lwp.
class KernelLwp {
 public:
  explicit KernelLwp(kern::Kernel& k) : k_(k) {
    Result<kern::Lwp*> l = k.procs().new_lwp(k.proc0(), false);
    lwp_ = l.ok() ? l.value() : nullptr;
  }
  ~KernelLwp() {
    if (lwp_ != nullptr) k_.procs().release_lwp(lwp_);
  }
  KernelLwp(const KernelLwp&) = delete;
  KernelLwp& operator=(const KernelLwp&) = delete;
  kern::Lwp* get() const { return lwp_; }

 private:
  kern::Kernel& k_;
  kern::Lwp* lwp_;
};

// A host descriptor until someone takes it.
class HostFd {
 public:
  HostFd(kern::Kernel& k, int fd) : k_(k), fd_(fd) {}
  ~HostFd() { etfs_host::close(k_, fd_); }
  HostFd(const HostFd&) = delete;
  HostFd& operator=(const HostFd&) = delete;
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  kern::Kernel& k_;
  int fd_;
};

Result<Ref<Vnode>> look(Vnode& dir, std::string_view name) {
  kern::ReadGuard g(dir.lock());
  return dir.lookup(name);
}

// Removes `name` -> node from dir if it is still there (the key's name, or a mount point that
// a failed registration made).
void unname(kern::Kernel& k, Vnode& dir, std::string_view name, Vnode& node) {
  kern::WriteGuard g(dir.lock());
  Result<Ref<Vnode>> cur = dir.lookup(name);
  if (!cur.ok() || cur.value().get() != &node) return;
  kern::WriteGuard ng(node.lock());
  Result<void> r = node.is_dir() ? dir.rmdir(name, node) : dir.remove(name, node);
  if (!r.ok()) {
    // A client put something in the mount point before the mount covered it: it stays.
    k.log().log(kern::LogLevel::kWarning, "etfs: the name %.*s stays: %s",
                static_cast<int>(name.size()), name.data(), errno_name(r.error()));
  }
}

// The directory `name` in dir, made (mode 0755, root's) if it is missing.
Result<Ref<Vnode>> lookup_or_mkdir(Vnode& dir, std::string_view name) {
  {
    Result<Ref<Vnode>> found = look(dir, name);
    if (found.ok() || found.error() != Errno::kNoEnt) return found;
  }
  if (dir.mount().read_only()) return Errno::kRoFs;
  kern::WriteGuard g(dir.lock());
  Result<Ref<Vnode>> made = dir.create(name, VType::kDir, 0755, 0, 0, 0);
  if (!made.ok() && made.error() == Errno::kExist) return dir.lookup(name);  // lost a race
  return made;
}

// Makes the name of a file or device key in dir, pointed at fs's mount (fs.h: set_cover).
Result<Ref<Vnode>> name_file(Vnode& dir, std::string_view name, const EtfsNode::Spec& spec,
                             EtfsFs& fs) {
  kern::WriteGuard g(dir.lock());
  if (dir.lookup(name).ok()) return Errno::kExist;  // a client made it meanwhile
  uint32_t mode = spec.read_only ? 0444 : 0666;
  Ref<Vnode> v = RK_TRY(dir.create(name, spec.type, mode, 0, 0, spec.rdev));
  Result<void> covered = fs.set_cover(v);
  if (!covered.ok()) {
    kern::WriteGuard vg(v->lock());
    (void)dir.remove(name, *v);
    return covered.error();
  }
  return v;
}

}  // namespace

// A key as <rump/rump.h> says it is read: absolute; repeated and trailing slashes dropped;
// "." and ".." refused.
class EtfsRegistry::Key {
 public:
  Result<void> parse(const char* key) {
    if (key[0] != '/') return Errno::kInval;
    const char* p = key;
    for (;;) {
      while (*p == '/') ++p;
      if (*p == '\0') break;
      const char* start = p;
      while (*p != '\0' && *p != '/') ++p;
      std::string_view comp(start, static_cast<size_t>(p - start));
      if (comp == "." || comp == "..") return Errno::kInval;
      if (comp.size() > kNameMax) return Errno::kNameTooLong;
      if (len_ + 1 + comp.size() >= sizeof buf_) return Errno::kNameTooLong;
      name_at_ = len_ + 1;
      buf_[len_++] = '/';
      mem_copy(buf_ + len_, comp.data(), comp.size());
      len_ += comp.size();
    }
    if (len_ == 0) return Errno::kInval;  // the root itself
    buf_[len_] = '\0';
    return ok();
  }
  std::string_view path() const { return {buf_, len_}; }
  const char* c_str() const { return buf_; }
  // The directories, without the name ("" for a name in the root), and the name.
  std::string_view dirs() const { return {buf_, name_at_ - 1}; }
  std::string_view name() const { return {buf_ + name_at_, len_ - name_at_}; }

 private:
  char buf_[kern::kPathMax];
  size_t len_ = 0;
  size_t name_at_ = 0;
};

struct EtfsRegistry::Request {
  const EtfsNode::Spec* spec;
  bool taken = false;   // mount_fs ran: the file system owns spec->fd
  RefPtr<Mount> mount;  // what it mounted
};

EtfsRegistry::EtfsRegistry(kern::Kernel& k) : kernel_(k), lock_(k) {
  type_.name = "etfs";
  type_.needs_device = false;
  type_.mount = mount_fs;
}

EtfsRegistry::~EtfsRegistry() = default;

EtfsRegistry* EtfsRegistry::of(kern::Kernel& k) {
  return static_cast<EtfsRegistry*>(k.component_state(kEtfsComponent));
}

void EtfsRegistry::init() { Vfs::of(kernel_).register_type(type_); }

void EtfsRegistry::shutdown() {
  {
    kern::MutexGuard g(lock_);
    KernelLwp l0(kernel_);
    while (Entry* e = entries_.pop_front()) {
      // Without an lwp, unregister_type below still unmounts it (the name stays in rumpfs,
      // which goes next).
      if (l0.get() != nullptr) (void)retire(*l0.get(), *e, true);
      free_entry(e);
    }
  }
  Vfs::of(kernel_).unregister_type(type_);
}

Result<Ref<FileSystem>> EtfsRegistry::mount_fs(kern::Kernel& k, Mount& m, const char*, uint32_t,
                                               const char* data) {
  // A client's mount(2) of "etfs" brings its own data (copied into the kernel, so never this
  // pointer): etfs mounts only what the host registers.
  EtfsRegistry* reg = of(k);
  Request* req = reg != nullptr ? reg->request_.load(std::memory_order_acquire) : nullptr;
  if (req == nullptr || data != reinterpret_cast<const char*>(req) || req->taken)
    return Errno::kNoDev;
  req->taken = true;
  Ref<EtfsFs> fs = RK_TRY(EtfsFs::create(k, m, *req->spec));
  req->mount = RefPtr<Mount>(&m);
  return Ref<FileSystem>(*fs);
}

EtfsRegistry::Entry* EtfsRegistry::find(std::string_view key) {
  for (Entry& e : entries_)
    if (std::string_view(e.key, e.key_len) == key) return &e;
  return nullptr;
}

void EtfsRegistry::free_entry(Entry* e) {
  if (e->parts != nullptr) {
    for (uint32_t i = 0; i < kMaxPartitions; ++i) e->parts[i].~RefPtr<BlockDevice>();
    kernel_.kmem().free(e->parts, sizeof(RefPtr<BlockDevice>) * kMaxPartitions);
  }
  etfs_host::free_path(kernel_, e->key, e->key_len);
  kernel_.kmem().destroy(e);
}

Result<Ref<Vnode>> EtfsRegistry::make_parents(const Key& key) {
  Vfs& vfs = Vfs::of(kernel_);
  Ref<Vnode> dir = vfs.root();
  std::string_view rest = key.dirs();
  for (;;) {
    // Inside an etfs directory, as NetBSD's keys inside a directory key: taken.
    if (&dir->mount().type() == &type_) return Errno::kExist;
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    if (rest.empty()) return dir;
    size_t slash = rest.find('/');
    std::string_view comp = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    Ref<Vnode> next = RK_TRY(lookup_or_mkdir(*dir, comp));
    // Symbolic links are not followed: the key is taken literally.
    Ref<Vnode> v = vfs.cross_down(std::move(next));
    if (!v->is_dir()) return Errno::kNotDir;
    dir = std::move(v);
  }
}

Result<Ref<Vnode>> EtfsRegistry::make_unnamed_dir(Vnode& dir) {
  for (int tries = 0; tries < 64; ++tries) {
    char name[32];
    format(name, sizeof name, ".etfs-%u", next_unnamed_++);
    Result<Ref<Vnode>> made = dir.create(name, VType::kDir, 0700, 0, 0, 0);
    if (!made.ok()) {
      if (made.error() == Errno::kExist) continue;  // a client's name: try another
      return made.error();
    }
    Ref<Vnode> d = std::move(made).value();
    kern::WriteGuard g(d->lock());
    RK_TRY(dir.rmdir(name, *d));  // an empty directory just made: cannot fail
    return d;
  }
  return Errno::kExist;
}

Result<Ref<Mount>> EtfsRegistry::mount_on(kern::Lwp& l, Vnode& covered, const Key& key,
                                          const EtfsNode::Spec& spec) {
  Request req{&spec, false, nullptr};
  request_.store(&req, std::memory_order_release);
  // spec.hostpath is the caller's NUL-terminated string: the mount's source in /proc/mounts.
  Result<void> r = Vfs::of(kernel_).mount(l, spec.hostpath.data(), covered, key.c_str(),
                                          type_.name, spec.read_only ? kMsRdonly : 0,
                                          reinterpret_cast<const char*>(&req));
  request_.store(nullptr, std::memory_order_release);
  if (!req.taken) etfs_host::close(kernel_, spec.fd);
  if (!r.ok()) return r.error();
  return Ref<Mount>(*req.mount);
}

Result<void> EtfsRegistry::add(const char* key_arg, const char* hostpath, int type_arg,
                               uint64_t begin, uint64_t size) {
  if (type_arg < 0 || type_arg > static_cast<int>(EtfsType::kDirSubdirs)) return Errno::kInval;
  const auto type = static_cast<EtfsType>(type_arg);
  const bool dir = type == EtfsType::kDir || type == EtfsType::kDirSubdirs;
  Key key;
  RK_TRY(key.parse(key_arg));
  const size_t hostlen = str_length(hostpath);
  if (hostlen == 0) return Errno::kNoEnt;
  if (hostlen >= kern::kPathMax) return Errno::kNameTooLong;

  // The host file, and the node it will be (NetBSD's checks, in its order).
  etfs_host::FileInfo fi = RK_TRY(etfs_host::file_info(kernel_, hostpath));
  EtfsNode::Spec spec;
  spec.hostpath = {hostpath, hostlen};
  spec.hash = etfs_host::hash_of(spec.hostpath);
  spec.host_size = fi.size;
  if (dir) {
    if (fi.type != RUMPUSER_FT_DIR) return Errno::kNotDir;
    if (begin != 0 || size != kEtfsSizeEndOff) return Errno::kIsDir;
    spec.type = VType::kDir;
    spec.subdirs = type == EtfsType::kDirSubdirs;
  } else {
    if (fi.type == RUMPUSER_FT_DIR) return Errno::kIsDir;
    // Regular files and block devices have a size; other host files (a character device, a
    // FIFO) do not, and only an explicit window bounds them.
    const bool sized = fi.type == RUMPUSER_FT_REG || fi.type == RUMPUSER_FT_BLK;
    if (begin > kMaxOffset || (sized && begin > fi.size)) return Errno::kInval;
    if (size != kEtfsSizeEndOff) {
      if (size > (sized ? fi.size : kMaxOffset) - begin) return Errno::kInval;
      spec.bounded = true;
      spec.size = size;
    } else if (type != EtfsType::kReg && sized) {
      spec.bounded = true;  // a device's size is what it was at registration
      spec.size = fi.size - begin;
    }
    spec.begin = begin;
    spec.type = type == EtfsType::kReg   ? VType::kReg
                : type == EtfsType::kBlk ? VType::kBlk
                                         : VType::kChr;
  }
  int raw_fd = -1;
  if (!dir) raw_fd = RK_TRY(etfs_host::open(kernel_, hostpath, &spec.read_only));
  HostFd fd(kernel_, raw_fd);  // closed on every error until the mount takes it

  // The entry before the mount: once mounted, nothing may fail for want of memory.
  Result<char*> key_copy = etfs_host::copy_path(kernel_, key.path());
  if (!key_copy.ok()) return key_copy.error();
  Entry* e = kernel_.kmem().create<Entry>(kern::KmFlags::kNoSleep);
  if (e == nullptr) {
    etfs_host::free_path(kernel_, key_copy.value(), key.path().size());
    return Errno::kNoMem;
  }
  e->key = key_copy.value();
  e->key_len = key.path().size();
  e->dir = dir;
  e->name.assign(key.name());

  kern::MutexGuard g(lock_);
  Result<void> placed = place(*e, key, spec, fd.release());
  if (!placed.ok()) {
    if (e->disk) Vfs::of(kernel_).block_devices().remove(*e->disk);
    free_entry(e);
    return placed.error();
  }
  entries_.push_back(*e);
  if (e->disk) add_partitions(*e);
  if (spec.bounded) {
    kernel_.log().log(kern::LogLevel::kInfo, "etfs: %s: host %s (%llu bytes from %llu)",
                      key.c_str(), hostpath, static_cast<unsigned long long>(spec.size),
                      static_cast<unsigned long long>(spec.begin));
  } else {
    kernel_.log().log(kern::LogLevel::kInfo, "etfs: %s: host %s", key.c_str(), hostpath);
  }
  return ok();
}

Result<void> EtfsRegistry::place(Entry& e, const Key& key, EtfsNode::Spec& spec, int fd) {
  HostFd host_fd(kernel_, fd);
  if (find(key.path()) != nullptr) return Errno::kExist;
  Ref<Vnode> parent = RK_TRY(make_parents(key));
  if (parent->mount().read_only()) return Errno::kRoFs;
  KernelLwp l0(kernel_);
  if (l0.get() == nullptr) return Errno::kNoMem;
  if (spec.type == VType::kBlk) RK_TRY(make_disk(e, key, spec));
  if (spec.type == VType::kChr) spec.rdev = make_dev(kEtfsMajor, next_minor_++ & 0xfffff);
  const std::string_view name = key.name();

  // What to mount on: the directory at the key, or an unnamed one (etfs.h).
  RefPtr<Vnode> covered;
  {
    kern::WriteGuard pg(parent->lock());
    if (parent->lookup(name).ok()) return Errno::kExist;
    Result<Ref<Vnode>> made = e.dir ? parent->create(name, VType::kDir, 0755, 0, 0, 0)
                                    : make_unnamed_dir(*parent);
    if (!made.ok()) return made.error();
    covered = std::move(made).value();
  }
  spec.ino = etfs_host::ino_of(spec.hash);  // a file's root takes its name's (set_cover)
  if (e.dir) {
    Vattr va;
    kern::ReadGuard g(covered->lock());
    if (covered->getattr(va).ok()) spec.ino = va.ino;
  }
  spec.fd = host_fd.release();
  Result<Ref<Mount>> m = mount_on(*l0.get(), *covered, key, spec);
  if (!m.ok()) {
    if (e.dir) unname(kernel_, *parent, name, *covered);
    return m.error();
  }
  e.mount = std::move(m).value();
  e.fs = static_cast<EtfsFs*>(&e.mount->fs());  // mount_fs made it: the type is ours
  e.parent = parent;
  if (e.dir) {
    e.name_node = std::move(covered);
    return ok();
  }
  Result<Ref<Vnode>> named = name_file(*parent, name, spec, *e.fs);
  if (!named.ok()) {
    (void)Vfs::of(kernel_).unmount(*l0.get(), *e.fs->root(), kMntDetach);
    return named.error();
  }
  e.name_node = std::move(named).value();
  return ok();
}

Result<void> EtfsRegistry::remove(const char* key_arg) {
  Key key;
  RK_TRY(key.parse(key_arg));
  kern::MutexGuard g(lock_);
  Entry* e = find(key.path());
  if (e == nullptr) return Errno::kNoEnt;
  KernelLwp l0(kernel_);
  if (l0.get() == nullptr) return Errno::kNoMem;
  RK_TRY(retire(*l0.get(), *e, false));
  entries_.remove(*e);
  free_entry(e);
  return ok();
}

Result<void> EtfsRegistry::set_cache(const char* key_arg, DiskCache mode) {
  Key key;
  RK_TRY(key.parse(key_arg));
  kern::MutexGuard g(lock_);
  Entry* e = find(key.path());
  if (e == nullptr) return Errno::kNoEnt;
  if (!e->disk) return Errno::kNotBlk;
  e->disk->set_cache(mode);
  return ok();
}

Result<void> EtfsRegistry::retire(kern::Lwp& l, Entry& e, bool force) {
  if (e.disk) RK_TRY(remove_disk(e, force));
  if (!e.fs->unmounted()) {
    // Open files, working directories and mounts on top keep it busy: the VFS does not unmount
    // it then (EBUSY). Forced (the kernel is going), it is detached: open files keep their
    // nodes, and the host file, until they close.
    Ref<Vnode> root = e.fs->root();
    Result<void> r = Vfs::of(kernel_).unmount(l, *root, force ? kMntDetach : 0);
    if (!r.ok() && !e.fs->unmounted()) return r.error();  // EBUSY; else a client unmounted it
  }
  unname(kernel_, *e.parent, e.name.view(), *e.name_node);
  return ok();
}

// --- block device keys ----------------------------------------------------------------------

Result<void> EtfsRegistry::make_disk(Entry& e, const Key& key, EtfsNode::Spec& spec) {
  // The disk has a descriptor of its own, opened for block I/O; the node's stays for its
  // attributes.
  bool read_only = spec.read_only;
  int fd = RK_TRY(etfs_host::open(kernel_, spec.hostpath.data(), &read_only));
  Ref<BlockDevice> disk = RK_TRY(Vfs::of(kernel_).block_devices().add_disk(
      key.c_str(), fd, spec.begin, spec.size, read_only || spec.read_only));
  spec.rdev = disk->dev();
  e.disk = std::move(disk);
  return ok();
}

namespace {

// "disk" + 1 -> "disk1"; "nvme0n1" + 1 -> "nvme0n1p1", as Linux names partitions.
bool partition_node_name(FixedString<kNameMax + 1>& out, std::string_view disk, uint32_t n) {
  char buf[kNameMax + 1];
  bool digit = !disk.empty() && disk.back() >= '0' && disk.back() <= '9';
  int len = format(buf, sizeof buf, "%.*s%s%u", static_cast<int>(disk.size()), disk.data(),
                   digit ? "p" : "", n);
  if (len < 0 || static_cast<size_t>(len) > kNameMax) return false;
  out.assign({buf, static_cast<size_t>(len)});
  return true;
}

// Removes the block device node `name` of dir if it is still the one for rdev.
void unname_device(Vnode& dir, std::string_view name, uint64_t rdev) {
  kern::WriteGuard g(dir.lock());
  Result<Ref<Vnode>> cur = dir.lookup(name);
  if (!cur.ok() || cur.value()->type() != VType::kBlk) return;
  Vnode& node = *cur.value();
  kern::WriteGuard ng(node.lock());
  Vattr va;
  if (!node.getattr(va).ok() || va.rdev != rdev) return;
  (void)dir.remove(name, node);
}

}  // namespace

void EtfsRegistry::add_partitions(Entry& e) {
  auto* parts = static_cast<RefPtr<BlockDevice>*>(
      kernel_.kmem().alloc(sizeof(RefPtr<BlockDevice>) * kMaxPartitions, kern::KmFlags::kSleep,
                           alignof(RefPtr<BlockDevice>)));
  if (parts == nullptr) return;
  for (uint32_t i = 0; i < kMaxPartitions; ++i) new (&parts[i]) RefPtr<BlockDevice>();
  e.parts = parts;
  Result<uint32_t> n =
      Vfs::of(kernel_).block_devices().scan_partitions(*e.disk, parts, kMaxPartitions);
  if (!n.ok()) return;  // logged by the scan; the whole disk still works
  e.nparts = n.value();
  kern::WriteGuard g(e.parent->lock());
  for (uint32_t i = 0; i < e.nparts; ++i) {
    FixedString<kNameMax + 1> name;
    if (!partition_node_name(name, e.name.view(), parts[i]->partition())) continue;
    Result<Ref<Vnode>> made =
        e.parent->create(name.view(), VType::kBlk, 0660, 0, 0, parts[i]->dev());
    if (!made.ok()) {
      kernel_.log().log(kern::LogLevel::kWarning, "etfs: %s: no node for partition %u: %s",
                        e.key, parts[i]->partition(), errno_name(made.error()));
    }
  }
}

Result<void> EtfsRegistry::remove_disk(Entry& e, bool force) {
  if (!force && e.disk->claimed()) return Errno::kBusy;
  for (uint32_t i = 0; i < e.nparts; ++i) {
    FixedString<kNameMax + 1> name;
    if (partition_node_name(name, e.name.view(), e.parts[i]->partition()))
      unname_device(*e.parent, name.view(), e.parts[i]->dev());
  }
  // Mounted devices stay usable until they are unmounted (the mount holds a reference).
  Vfs::of(kernel_).block_devices().remove(*e.disk);
  return ok();
}

// --- the C API's entry points (etfs.h) ----------------------------------------------------

Result<void> etfs_register(kern::Kernel& k, const char* key, const char* hostpath, int type,
                           uint64_t begin, uint64_t size) {
  EtfsRegistry* reg = EtfsRegistry::of(k);
  if (reg == nullptr) return Errno::kNoSys;
  return reg->add(key, hostpath, type, begin, size);
}

Result<void> etfs_remove(kern::Kernel& k, const char* key) {
  EtfsRegistry* reg = EtfsRegistry::of(k);
  if (reg == nullptr) return Errno::kNoSys;
  return reg->remove(key);
}

Result<void> etfs_set_cache(kern::Kernel& k, const char* key, int mode) {
  EtfsRegistry* reg = EtfsRegistry::of(k);
  if (reg == nullptr) return Errno::kNoSys;
  // The values of <rump/rump.h>'s enum rump_etfs_cache.
  if (mode != 0 && mode != 1) return Errno::kInval;
  return reg->set_cache(key, mode == 0 ? DiskCache::kDurable : DiskCache::kHost);
}

}  // namespace rk::vfs
