#include "vfs/memfs/node.h"

#include <new>

#include "kern/kernel.h"
#include "kern/lib/string.h"
#include "kern/panic.h"
#include "vfs/memfs/fs.h"
#include "vfs/mount.h"

namespace rk::vfs {

MemNode::MemNode(MemFs& fs, VType type, uint64_t ino, uint32_t mode, uint32_t uid, uint32_t gid,
                 uint64_t rdev, Timespec now)
    : Vnode(fs.kernel(), fs.mount(), type), fs_(fs), ino_(ino), rdev_(rdev), btime_(now),
      meta_(fs.kernel()), mode_(mode & kModeMask), uid_(uid), gid_(gid), atime_(now),
      mtime_(now), ctime_(now), pages_(fs.account()), entries_(fs.account()) {
  // A directory starts with "." and its parent's entry; anything else with its one name. The
  // caller links it (or drops it, which frees it).
  nlink_ = type == VType::kDir ? 2 : 1;
}

MemNode::~MemNode() {
  // release_storage has run (destroy); pages_ and entries_ are empty.
}

// No locks: the last reference is gone, nothing but lock-free readers (who look at the entry
// table only, an atomic) can reach the node -- and the thread dropping that reference may hold
// the node's vnode lock still (a self-deadlock the concurrency test found).
void MemNode::release_storage() RK_NO_THREAD_SAFETY_ANALYSIS {
  MemAccount& acct = fs_->account();
  if (target_ != nullptr) acct.free(target_, target_len_);
  target_ = nullptr;
  pages_.free_range(0, kNoPage);
  entries_.release();
  xattrs_.clear(acct);
  // A removed directory's last parent: it may go now too.
  RefPtr<MemNode> parent = std::move(old_parent_);
  // The node's own bytes and inode are the file system's again now; the memory follows later.
  acct.uncharge(sizeof(MemNode));
  acct.put_inode();
}

Result<Ref<MemNode>> MemNode::create(MemFs& fs, VType type, uint32_t mode, uint32_t uid,
                                     uint32_t gid, uint64_t rdev, std::string_view target) {
  MemAccount& acct = fs.account();
  RK_TRY(acct.take_inode());
  Result<void*> mem = acct.alloc(sizeof(MemNode), alignof(MemNode));
  if (!mem.ok()) {
    acct.put_inode();
    return mem.error();
  }
  // From here the node owns the inode and its bytes: dropping it gives them back.
  auto* n = new (mem.value()) MemNode(fs, type, fs.next_ino(), mode, uid, gid, rdev, fs.now());
  Ref<MemNode> node = Ref<MemNode>::adopt(*n);
  if (type == VType::kLnk) {
    n->target_ = static_cast<char*>(RK_TRY(acct.alloc(target.size())));
    mem_copy(n->target_, target.data(), target.size());
    n->target_len_ = static_cast<uint32_t>(target.size());
  }
  return node;
}

Ref<MemNode> MemNode::create_husk(MemFs& fs, uint64_t ino) {
  MemAccount& acct = fs.account();
  // Outside the limits: root() cannot fail. Given back as usual when it goes.
  acct.force_charge(sizeof(MemNode));
  acct.force_inode();
  void* mem = acct.kmem().alloc(sizeof(MemNode), kern::KmFlags::kSleep, alignof(MemNode));
  if (mem == nullptr) kern::panic("memfs: no memory for a root stand-in (outside the kernel?)");
  Timespec now = fs.now();
  auto* n = new (mem) MemNode(fs, VType::kDir, ino, 0, 0, 0, 0, now);
  {
    kern::MutexGuard g(n->meta_);
    n->dead_ = true;
    n->nlink_ = 0;
  }
  return Ref<MemNode>::adopt(*n);
}

void MemNode::inactive() {
  // Nobody holds the node any more: no directory names it, no VFS reference is left, and
  // nothing can find it again.
  fs_->free_node(*this);
}

void MemNode::destroy() {
  release_storage();
  // Lock-free lookups (the path walk's fast path) may still be looking at the node: its memory
  // goes once they are done.
  kernel().epoch().retire(
      [](void* arg) {
        auto* n = static_cast<MemNode*>(arg);
        kern::Kmem& km = n->kernel().kmem();
        n->~MemNode();
        km.free(n, sizeof(MemNode));
      },
      this);
}

Timespec MemNode::now() const { return fs_->now(); }

Result<MemNode*> MemNode::same_fs(Vnode& v) const {
  // Every vnode of this mount is one of our nodes (one file system per mount).
  if (&v.mount() != &mount()) return Errno::kXDev;
  return static_cast<MemNode*>(&v);
}

void MemNode::touch_ctime(Timespec now) {
  kern::MutexGuard g(meta_);
  ctime_ = now;
}

void MemNode::touch_mtime(Timespec now) {
  kern::MutexGuard g(meta_);
  mtime_ = ctime_ = now;
}

void MemNode::drop_link(Timespec now) {
  bool extra;
  {
    kern::MutexGuard g(meta_);
    extra = nlink_ > 1;
    if (nlink_ > 0) --nlink_;
    ctime_ = now;
  }
  // Linux's tmpfs counts each extra hard link as an inode; the last goes with the node.
  if (extra && !is_dir()) fs_->account().put_inode();
}

Result<void> MemNode::getattr(Vattr& va) {
  va.type = type();
  va.ino = ino_;
  va.dev = fs_->dev();
  va.rdev = rdev_;
  va.blksize = kPageSize;
  va.btime = btime_;
  va.blocks = 0;
  uint64_t nentries;
  {
    kern::MutexGuard g(meta_);
    va.mode = mode_;
    va.uid = uid_;
    va.gid = gid_;
    va.nlink = nlink_;
    va.atime = atime_;
    va.mtime = mtime_;
    va.ctime = ctime_;
    nentries = nentries_;
  }
  switch (type()) {
    case VType::kReg:
      va.size = size_;
      va.blocks = pages_.count() * (kPageSize / 512);
      break;
    case VType::kDir: va.size = (nentries + 2) * kBogoDirentSize; break;
    case VType::kLnk:
      va.size = target_len_;
      // Linux's tmpfs keeps targets of 128 bytes and more in a page, and says so.
      if (target_len_ >= 128) va.blocks = kPageSize / 512;
      break;
    default: va.size = 0; break;
  }
  return ok();
}

Result<void> MemNode::setattr(const SetAttr& sa) {
  Timespec t = now();
  if (sa.mask & SetAttr::kSize) {
    // The part that can fail goes first: on error nothing changed.
    if (type() == VType::kDir) return Errno::kIsDir;
    if (type() != VType::kReg) return Errno::kInval;
    RK_TRY(truncate(sa.size));
  }
  kern::MutexGuard g(meta_);
  if (sa.mask & SetAttr::kMode) mode_ = sa.mode & kModeMask;
  if (sa.mask & SetAttr::kUid) uid_ = sa.uid;
  if (sa.mask & SetAttr::kGid) gid_ = sa.gid;
  // truncate(2) always sets mtime and ctime on Linux, even when the size stays.
  if (sa.mask & SetAttr::kSize) mtime_ = t;
  if (sa.mask & SetAttr::kAtime) atime_ = sa.atime;
  if (sa.mask & SetAttr::kMtime) mtime_ = sa.mtime;
  ctime_ = (sa.mask & SetAttr::kCtime) ? sa.ctime : t;
  return ok();
}

namespace {
bool memfs_namespace(std::string_view name) {
  return name.starts_with("user.") || name.starts_with("trusted.") || name.starts_with("security.");
}
}  // namespace

Result<size_t> MemNode::getxattr(std::string_view name, void* buf, size_t size) {
  if (!memfs_namespace(name)) return Errno::kOpNotSupp;
  return xattrs_.get(name, buf, size);
}

Result<size_t> MemNode::listxattr(const kern::Cred& cred, char* buf, size_t size) {
  return xattrs_.list(cred.privileged(), buf, size);
}

Result<void> MemNode::setxattr(std::string_view name, const void* value, size_t size, int flags) {
  if (!memfs_namespace(name)) return Errno::kOpNotSupp;
  RK_TRY(xattrs_.set(fs_->account(), name, value, size, flags));
  touch_ctime(now());
  return ok();
}

Result<void> MemNode::removexattr(std::string_view name) {
  if (!memfs_namespace(name)) return Errno::kOpNotSupp;
  RK_TRY(xattrs_.remove(fs_->account(), name));
  touch_ctime(now());
  return ok();
}

Result<void> MemNode::readlink(Uio& uio) {
  if (type() != VType::kLnk) return Errno::kInval;
  size_t n = target_len_ < uio.resid() ? target_len_ : uio.resid();
  return uio.move(target_, n);
}

Result<void> MemNode::fsync(bool) { return ok(); }  // memory is as stable as it gets

}  // namespace rk::vfs
