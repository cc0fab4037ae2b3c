#include "vfs/memfs/fs.h"

#include <new>

#include "kern/kernel.h"
#include "kern/lib/list.h"
#include "vfs/memfs/node.h"
#include "vfs/memfs/options.h"

namespace rk::vfs {

MemFs::MemFs(kern::Kernel& k, Mount& m, const MemFsOptions& opts)
    : kernel_(k), mount_(m), dev_(m.dev()), magic_(opts.magic),
      account_(k.kmem(), opts.max_bytes, opts.max_inodes), root_lock_(k), drain_lock_(k) {}

MemFs::~MemFs() {
  // Every node gave its storage back when it went (they hold references on us).
  if (account_.bytes() != 0 || account_.inodes() != 0)
    kernel_.log().log(kern::LogLevel::kErr,
                      "memfs: %llu bytes and %llu inodes unaccounted at free",
                      static_cast<unsigned long long>(account_.bytes()),
                      static_cast<unsigned long long>(account_.inodes()));
}

Result<Ref<MemFs>> MemFs::create(kern::Kernel& k, Mount& m, const MemFsOptions& opts) {
  void* mem = k.kmem().alloc(sizeof(MemFs), kern::KmFlags::kNoSleep, alignof(MemFs));
  if (mem == nullptr) return Errno::kNoMem;
  Ref<MemFs> fs = Ref<MemFs>::adopt(*new (mem) MemFs(k, m, opts));
  Result<Ref<MemNode>> made = MemNode::create(*fs, VType::kDir, opts.root_mode & kModeMask,
                                              opts.root_uid, opts.root_gid, 0);
  // Any limit holds a root (size= is at least a page): only the kernel's memory can fail it.
  if (!made.ok()) return Errno::kNoMem;
  Ref<MemNode> root = std::move(made).value();
  kern::MutexGuard g(fs->root_lock_);
  fs->root_rcu_.store(root.get(), std::memory_order_release);
  fs->root_ = std::move(root);
  return fs;
}

Result<Ref<FileSystem>> memfs_create(kern::Kernel& k, Mount& m, const MemFsOptions& opts) {
  Ref<MemFs> fs = RK_TRY(MemFs::create(k, m, opts));
  return Ref<FileSystem>(*fs);
}

void MemFs::release_last() {
  kern::Kmem& km = kernel_.kmem();
  this->~MemFs();
  km.free(this, sizeof(MemFs));
}

Timespec MemFs::now() const {
  int64_t ns = kernel_.hyp().wall_ns();
  return {ns / 1000000000, ns % 1000000000};
}

Vnode* MemFs::root_rcu() {
  return root_rcu_.load(std::memory_order_acquire);  // MemNode derives from Vnode
}

Ref<Vnode> MemFs::root() {
  {
    kern::MutexGuard g(root_lock_);
    if (root_) return Ref<Vnode>(*root_);
  }
  // Unmounted: even if the old root is still held somewhere, it is not handed out again (a
  // node whose count reached zero must not come back), so ".." at it stays there.
  Ref<MemNode> husk = MemNode::create_husk(*this, kRootIno);
  return Ref<Vnode>(*husk);
}

void MemFs::free_node(MemNode& n) {
  {
    kern::MutexGuard g(drain_lock_);
    n.dying_next_ = dying_;
    dying_ = &n;
    if (draining_) return;
    draining_ = true;
  }
  // The nodes we free hold references on us; the last may go with them.
  Ref<MemFs> keep(*this);
  for (;;) {
    MemNode* m;
    {
      kern::MutexGuard g(drain_lock_);
      m = dying_;
      if (m == nullptr) {
        draining_ = false;
        break;
      }
      dying_ = m->dying_next_;
    }
    m->destroy();  // may queue more
  }
}

Result<void> MemFs::statfs(StatFs& st) {
  st.type = magic_;
  st.bsize = st.frsize = kPageSize;
  st.namelen = kNameMax;
  uint64_t cap = account_.max_bytes();
  uint64_t avail;
  if (cap != 0) {
    avail = account_.data_room();
  } else {
    // No limit of its own: the kernel's memory (or the host's) is the size.
    const uint64_t used = account_.bytes();
    uint64_t mem = memfs_memory_size(kernel_);
    if (mem == 0) mem = uint64_t{1} << 40;  // nothing known: a terabyte
    cap = mem > used ? mem : used;
    avail = cap - used;
  }
  // Whatever the file system's limit, it cannot hold more than the kernel has left.
  kern::Kmem& km = kernel_.kmem();
  if (km.limit() != 0) {
    uint64_t kernel_left = km.limit() > km.used() ? km.limit() - km.used() : 0;
    if (avail > kernel_left) avail = kernel_left;
  }
  st.blocks = cap / kPageSize;
  st.bfree = st.bavail = avail / kPageSize;
  const uint64_t inodes = account_.inodes();
  if (uint64_t max = account_.max_inodes(); max != 0) {
    st.files = max;
    st.ffree = max > inodes ? max - inodes : 0;
  } else {
    st.ffree = st.bfree;  // about one file per free page
    st.files = inodes + st.ffree;
  }
  return ok();
}

Result<void> MemFs::remount(uint32_t flags, const char* data) {
  MemFsOptions o;
  unsigned seen = 0;
  RK_TRY(memfs_parse_into(kernel_, data, o, &seen));
  uint64_t max_bytes = (seen & kSeenSize) ? o.max_bytes : account_.max_bytes();
  uint64_t max_inodes = (seen & kSeenInodes) ? o.max_inodes : account_.max_inodes();
  return account_.set_limits(max_bytes, max_inodes);
}

Result<void> MemFs::unmount(bool force) {
  RefPtr<MemNode> root;
  {
    kern::MutexGuard g(root_lock_);
    root_rcu_.store(nullptr, std::memory_order_release);
    root = std::move(root_);
  }
  if (!root) return ok();  // already
  // Breadth first through a list of detached entries: no recursion, however deep the tree.
  IntrusiveList<Dirent, &Dirent::link> pending;
  {
    kern::WriteGuard g(root->lock());
    root->detach_entries(pending);
  }
  while (Dirent* e = pending.pop_front()) {
    MemNode& n = *e->node;
    if (n.is_dir()) {
      kern::WriteGuard g(n.lock());
      n.detach_entries(pending);
    }
    MemNode::free_dirent(account_, e);  // frees the node unless someone else holds it
  }
  return ok();
}

}  // namespace rk::vfs
