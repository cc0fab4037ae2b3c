#include "vfs/vfs.h"

#include "kern/component.h"
#include "kern/kernel.h"
#include "kern/lib/format.h"
#include "kern/lib/vector.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "vfs/devices.h"
#include "vfs/memfs/memfs.h"
#include "vfs/namei.h"
#include "vfs/procfs/procfs.h"

namespace rk::vfs {

extern kern::Component kVfsComponent;  // component.cpp

Vfs& Vfs::of(kern::Kernel& k) { return *static_cast<Vfs*>(k.component_state(kVfsComponent)); }

Vfs* Vfs::find(kern::Kernel& k) { return static_cast<Vfs*>(k.component_state(kVfsComponent)); }

Vfs::Vfs(kern::Kernel& k)
    : kernel_(k),
      lock_(k),
      procfs_lock_(k),
      rename_lock_(k),
      fifo_lock_(k),
      blkdevs_(k),
      bufcache_(k),
      proc_type_(procfs_type()) {}

Vfs::~Vfs() = default;

namespace {

// rumpfs: the root every kernel boots with, an in-memory file system with no limits but the
// kernel's memory.
const FileSystemType kRumpfsType = {"rumpfs", false, nullptr, {}};

}  // namespace

Result<void> Vfs::init() {
  RK_TRY(bufcache_.init());
  procfs_slot_ = RK_TRY(kernel_.procs().register_slot({procfs_fork, procfs_exit, this}));
  Mount* m = kernel_.kmem().create<Mount>(kern::KmFlags::kNoSleep, kernel_, kRumpfsType,
                                          anon_dev(), 0u);
  if (m == nullptr) return Errno::kNoMem;
  Ref<Mount> mount = Ref<Mount>::adopt(*m);
  MemFsOptions opts;
  opts.root_mode = 0755;
  mount->fs_ = RK_TRY(memfs_create(kernel_, *mount, opts));
  mount->source_.assign("rumpfs");
  mount->path_.assign("/");
  {
    kern::MutexGuard g(lock_);
    mounts_.push_back(*mount);
    mount->ref();  // the table's reference
    root_mount_ = mount;
  }
  Ref<Vnode> root_dir = mount->fs().root();
  root_dir_.store(root_dir.get(), std::memory_order_release);
  root_dir->ref();  // ours until shutdown
  register_type(proc_type_);
  return make_dev_nodes(*this);
}

void Vfs::shutdown() {
  if (procfs_slot_ >= 0) {
    kernel_.procs().unregister_slot(procfs_slot_);
    procfs_slot_ = -1;
  }
  if (Vnode* r = root_dir_.exchange(nullptr, std::memory_order_acq_rel)) r->unref();
  unmount_all(nullptr);
  bufcache_.shutdown();
  blkdevs_.shutdown();
}

void Vfs::unmount_all(const FileSystemType* type) {
  // Newest first, so mounts on top go before what they cover.
  for (;;) {
    Mount* m = nullptr;
    {
      kern::MutexGuard g(lock_);
      // Detached mounts still in use go first: they were on top of something.
      for (Mount* c = detached_.back(); c != nullptr && m == nullptr; c = detached_.prev(*c)) {
        if (type == nullptr || &c->type() == type) m = c;
      }
      if (m != nullptr) {
        detached_.remove(*m);
        m->detached_.store(false);
        lock_.unlock();
        finish_unmount(*m, true);
        lock_.lock();
        continue;
      }
      for (Mount* c = mounts_.back(); c != nullptr; c = mounts_.prev(*c)) {
        if (type == nullptr || &c->type() == type) {
          m = c;
          break;
        }
      }
      if (m == nullptr) break;
      mounts_.remove(*m);
      if (m == root_mount_.get()) root_mount_.reset();
    }
    (void)m->fs().sync();
    (void)m->fs().unmount(true);
    detach_device(*m);
    if (Vnode* covered = m->covered()) covered->set_mounted_here(nullptr);
    m->covered_.reset();
    if (m->parent_ != nullptr) m->parent_->unbusy();
    m->unref();  // the table's reference
  }
}

void Vfs::register_type(FileSystemType& t) {
  kern::MutexGuard g(lock_);
  types_.push_back(t);
}

void Vfs::unregister_type(FileSystemType& t) {
  {
    kern::MutexGuard g(lock_);
    types_.remove(t);
  }
  // Its component is going away: nothing may stay mounted from it.
  unmount_all(&t);
}

const FileSystemType* Vfs::find_type(std::string_view name) {
  kern::MutexGuard g(lock_);
  for (FileSystemType& t : types_)
    if (name == t.name) return &t;
  return nullptr;
}

Ref<Vnode> Vfs::root() {
  return cross_down(Ref<Vnode>(*root_dir_.load(std::memory_order_acquire)));
}

Ref<Vnode> Vfs::cross_down(Ref<Vnode> v) {
  while (v->mounted_here() != nullptr) {
    kern::MutexGuard g(lock_);  // the mount cannot go away while we step onto it
    Mount* m = v->mounted_here();
    if (m == nullptr) break;
    v = m->fs().root();
  }
  return v;
}

RefPtr<Vnode> Vfs::covered_by(Mount& m) {
  kern::MutexGuard g(lock_);
  return m.covered_;
}

Result<void> Vfs::mount(kern::Lwp& l, const char* source, Vnode& target, const char* path,
                        const char* type, uint32_t flags, const char* data) {
  if (!l.proc().cred().privileged()) return Errno::kPerm;  // CAP_SYS_ADMIN
  if (flags & kMsRemount) {
    Mount& m = target.mount();
    if (&target != m.fs().root().get()) return Errno::kInval;
    RK_TRY(m.fs().remount(flags, data));
    uint32_t keep = kMsRdonly | kMsNosuid | kMsNodev | kMsNoexec;
    m.flags_.store(flags & keep, std::memory_order_relaxed);
    return ok();
  }
  if (flags & kMsBind) {
    kernel_.log().log(kern::LogLevel::kWarning, "mount: bind mounts are not supported yet");
    return Errno::kNoSys;
  }
  if (type == nullptr) return Errno::kInval;
  const FileSystemType* t = find_type(type);
  if (t == nullptr) return Errno::kNoDev;
  if (!target.is_dir()) return Errno::kNotDir;
  Mount* raw = kernel_.kmem().create<Mount>(kern::KmFlags::kNoSleep, kernel_, *t, anon_dev(),
                                            flags & (kMsRdonly | kMsNosuid | kMsNodev | kMsNoexec));
  if (raw == nullptr) return Errno::kNoMem;
  Ref<Mount> m = Ref<Mount>::adopt(*raw);
  m->source_.assign(std::string_view(source != nullptr ? source : "none").substr(0, 255));
  m->path_.assign(std::string_view(path).substr(0, 511));
  if (t->needs_device) RK_TRY(attach_device(l, *m, source, flags));
  Result<Ref<FileSystem>> fs = t->mount(kernel_, *m, source, flags, data);
  if (!fs.ok()) {
    detach_device(*m);
    return fs.error();
  }
  m->fs_ = std::move(fs).value();
  kern::MutexGuard g(lock_);
  if (target.mounted_here() != nullptr) {
    // Someone mounted here meanwhile: theirs stays, ours goes (outside our lock).
    lock_.unlock();
    (void)m->fs().unmount(true);
    detach_device(*m);
    lock_.lock();
    return Errno::kBusy;
  }
  m->covered_ = RefPtr<Vnode>(&target);
  m->parent_ = &target.mount();
  m->parent_->busy();
  mounts_.push_back(*m);
  m->ref();  // the table's
  target.set_mounted_here(m.get());
  return ok();
}

Result<void> Vfs::unmount(kern::Lwp& l, Vnode& root, uint32_t flags) {
  if (!l.proc().cred().privileged()) return Errno::kPerm;
  Mount& m = root.mount();
  if (&root != m.fs().root().get() || !m.covered_) return Errno::kInval;
  const bool lazy = flags & kMntDetach;
  if (!lazy && m.busy_count() > 0) return Errno::kBusy;
  {
    kern::MutexGuard g(lock_);
    if (!m.covered_ || m.detached_.load()) return Errno::kInval;  // lost a race with another
    if (!lazy && m.busy_count() > 0) return Errno::kBusy;
    mounts_.remove(m);
    m.covered_->set_mounted_here(nullptr);
    if (lazy) {
      // Out of the tree now; the file system stays until its last user lets go.
      detached_.push_back(m);
      m.detached_.store(true, std::memory_order_seq_cst);
    }
  }
  if (lazy) {
    if (m.busy_count() == 0) finish_detached(m);  // nobody, or the last one left meanwhile
    return ok();
  }
  finish_unmount(m, flags & kMntForce);
  return ok();
}

void Vfs::finish_detached(Mount& m) {
  {
    kern::MutexGuard g(lock_);
    if (!m.detached_.load() || m.busy_count() > 0) return;  // finished already, or busy again
    m.detached_.store(false);
    detached_.remove(m);
  }
  finish_unmount(m, false);
}

void Vfs::finish_unmount(Mount& m, bool force) {
  (void)m.fs().sync();
  (void)m.fs().unmount(force);
  detach_device(m);
  RefPtr<Vnode> covered;
  {
    kern::MutexGuard g(lock_);
    covered = std::move(m.covered_);
  }
  m.parent_->unbusy();
  m.unref();  // the table's reference
}

void Vfs::sync_all() {
  // Hold a reference to each mount while it syncs (the table may change meanwhile).
  kern::Vector<Mount*> list(kernel_.kmem());
  {
    kern::MutexGuard g(lock_);
    for (Mount& m : mounts_) {
      if (list.push_back(&m).ok()) m.ref();
    }
  }
  for (Mount* m : list) {
    (void)m->fs().sync();
    m->unref();
  }
  (void)bufcache_.sync_all();  // whatever a file system left dirty without syncing it
}

Result<void> Vfs::attach_device(kern::Lwp& l, Mount& m, const char* source, uint32_t flags) {
  if (source == nullptr || source[0] == '\0') return Errno::kNoEnt;
  Ref<Vnode> node = RK_TRY(namei(l, kAtFdcwd, source, kFollow));
  if (node->type() != VType::kBlk) return Errno::kNotBlk;
  // Linux opens the device for the mount: the node's mount must allow devices.
  if (node->mount().flags() & kMsNodev) return Errno::kAcces;
  Vattr va;
  {
    kern::ReadGuard g(node->lock());
    RK_TRY(node->getattr(va));
  }
  Ref<BlockDevice> dev = RK_TRY(blkdevs_.find(va.rdev));
  if (dev->read_only() && !(flags & kMsRdonly)) return Errno::kAcces;
  RK_TRY(dev->claim(&m));
  m.device_ = RefPtr<BlockDevice>(std::move(dev));
  return ok();
}

void Vfs::detach_device(Mount& m) {
  BlockDevice* dev = m.device_.get();
  if (dev == nullptr) return;
  // The file system has written back what it wanted; what is left is dropped with the mount.
  (void)bufcache_.sync(*dev);
  bufcache_.invalidate(*dev);
  dev->unclaim(&m);
  m.device_.reset();
}

namespace {

// Appends s to buf at *n with /proc/mounts's escapes (octal for space, tab, newline and
// backslash). False when it does not fit.
bool put_escaped(char* buf, size_t len, size_t* n, const char* s) {
  for (; *s != '\0'; ++s) {
    const auto c = static_cast<unsigned char>(*s);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') {
      if (*n + 4 > len) return false;
      buf[(*n)++] = '\\';
      buf[(*n)++] = static_cast<char>('0' + ((c >> 6) & 7));
      buf[(*n)++] = static_cast<char>('0' + ((c >> 3) & 7));
      buf[(*n)++] = static_cast<char>('0' + (c & 7));
    } else {
      if (*n + 1 > len) return false;
      buf[(*n)++] = static_cast<char>(c);
    }
  }
  return true;
}

bool put(char* buf, size_t len, size_t* n, const char* s) {
  size_t l = str_length(s);
  if (*n + l > len) return false;
  mem_copy(buf + *n, s, l);
  *n += l;
  return true;
}

}  // namespace

Result<size_t> Vfs::mounts_text(char* buf, size_t len) {
  kern::MutexGuard g(lock_);
  size_t n = 0;
  for (Mount& m : mounts_) {
    uint32_t f = m.flags();
    char opts[64];
    format(opts, sizeof opts, " %s%s%s%s 0 0\n", f & kMsRdonly ? "ro" : "rw",
           f & kMsNosuid ? ",nosuid" : "", f & kMsNodev ? ",nodev" : "",
           f & kMsNoexec ? ",noexec" : "");
    if (!put_escaped(buf, len, &n, m.source()) || !put(buf, len, &n, " ") ||
        !put_escaped(buf, len, &n, m.path()) || !put(buf, len, &n, " ") ||
        !put(buf, len, &n, m.type().name) || !put(buf, len, &n, opts))
      return Errno::kRange;
  }
  return n;
}

Result<size_t> Vfs::types_text(char* buf, size_t len) {
  kern::MutexGuard g(lock_);
  size_t n = 0;
  for (FileSystemType& t : types_) {
    if (!put(buf, len, &n, t.needs_device ? "\t" : "nodev\t") || !put(buf, len, &n, t.name) ||
        !put(buf, len, &n, "\n"))
      return Errno::kRange;
  }
  return n;
}

// --- per-process state -----------------------------------------------------------------------

Result<void*> Vfs::procfs_fork(void* arg, void* parent) {
  auto* vfs = static_cast<Vfs*>(arg);
  if (parent == nullptr) return static_cast<void*>(nullptr);  // defaults stay defaults
  auto* p = static_cast<ProcFs*>(parent);
  ProcFs* c = vfs->kernel_.kmem().create<ProcFs>(kern::KmFlags::kNoSleep);
  if (c == nullptr) return Errno::kNoMem;
  {
    kern::MutexGuard g(vfs->procfs_lock_);
    c->cwd = p->cwd;
    c->root = p->root;
    c->umask = p->umask;
  }
  if (c->cwd) c->cwd->mount().busy();
  if (c->root) c->root->mount().busy();
  return static_cast<void*>(c);
}

void Vfs::procfs_exit(void* arg, void* slot) {
  auto* vfs = static_cast<Vfs*>(arg);
  auto* p = static_cast<ProcFs*>(slot);
  if (p->cwd) p->cwd->mount().unbusy();
  if (p->root) p->root->mount().unbusy();
  vfs->kernel_.kmem().destroy(p);
}

Result<ProcFs*> Vfs::proc_fs(kern::Proc& p) {
  auto* fs = static_cast<ProcFs*>(p.slot(procfs_slot_));
  if (fs != nullptr) return fs;
  ProcFs* fresh = kernel_.kmem().create<ProcFs>(kern::KmFlags::kNoSleep);
  if (fresh == nullptr) return Errno::kNoMem;
  kern::MutexGuard g(procfs_lock_);
  fs = static_cast<ProcFs*>(p.slot(procfs_slot_));
  if (fs != nullptr) {  // another lwp of the process made it first
    kernel_.kmem().destroy(fresh);
    return fs;
  }
  p.set_slot(procfs_slot_, fresh);
  return fresh;
}

uint32_t Vfs::umask_of(kern::Proc& p) {
  auto* fs = static_cast<ProcFs*>(p.slot(procfs_slot_));
  if (fs == nullptr) return 022;
  kern::MutexGuard g(procfs_lock_);
  return fs->umask;
}

Ref<Vnode> Vfs::cwd_of(kern::Proc& p) {
  auto* fs = static_cast<ProcFs*>(p.slot(procfs_slot_));
  if (fs != nullptr) {
    kern::MutexGuard g(procfs_lock_);
    if (fs->cwd) return Ref<Vnode>(*fs->cwd);
    if (fs->root) return Ref<Vnode>(*fs->root);
  }
  return root();
}

Ref<Vnode> Vfs::root_of(kern::Proc& p) {
  auto* fs = static_cast<ProcFs*>(p.slot(procfs_slot_));
  if (fs != nullptr) {
    kern::MutexGuard g(procfs_lock_);
    if (fs->root) return Ref<Vnode>(*fs->root);
  }
  return root();
}

}  // namespace rk::vfs
