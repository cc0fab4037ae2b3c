// MemNode's directory operations (rename is in rename.cpp).
#include <new>

#include "kern/lib/string.h"
#include "kern/uio.h"
#include "vfs/memfs/fs.h"
#include "vfs/memfs/node.h"

namespace rk::vfs {
namespace {

constexpr uint32_t kLinkMax = UINT32_MAX - 1;

bool creatable(VType t) {
  switch (t) {
    case VType::kReg:
    case VType::kDir:
    case VType::kBlk:
    case VType::kChr:
    case VType::kFifo:
    case VType::kSock: return true;
    default: return false;
  }
}

Result<void> check_name(std::string_view name) {
  if (name.empty()) return Errno::kNoEnt;
  if (name.size() > kNameMax) return Errno::kNameTooLong;
  return ok();
}

}  // namespace

// --- entries ------------------------------------------------------------------------------

void Dirent::set_node(RefPtr<MemNode> n) {
  rcu_node.store(n.get(), std::memory_order_release);
  node = std::move(n);
}

Result<Dirent*> MemNode::new_dirent(std::string_view name, MemNode& node) {
  RK_TRY(check_name(name));
  void* mem = RK_TRY(fs_->account().alloc(Dirent::alloc_size(name.size()), alignof(Dirent)));
  auto* e = new (mem) Dirent;
  e->name_len = static_cast<uint32_t>(name.size());
  mem_copy(e->name_buf(), name.data(), name.size());
  e->hash = DirTable::hash_name(name);
  e->set_node(RefPtr<MemNode>(&node));
  return e;
}

void MemNode::free_dirent(MemAccount& acct, Dirent* e) {
  // The memory first: dropping the node may drop the last reference on the file system too.
  RefPtr<MemNode> node = std::move(e->node);
  size_t size = e->alloc_size();
  e->~Dirent();
  acct.free_deferred(e, size);  // lock-free lookups may still be reading it
}

void MemNode::set_parent(MemNode* p) {
  kern::MutexGuard g(meta_);
  parent_ = p;
}

Result<void> MemNode::add_entry_locked(Dirent* e, Timespec now) {
  MemNode& n = *e->node;
  {
    kern::MutexGuard g(meta_);
    if (dead_) return Errno::kNoEnt;  // Linux: nothing is created in a removed directory
    if (n.is_dir() && nlink_ >= kLinkMax) return Errno::kMLink;
    ++nentries_;
    if (n.is_dir()) ++nlink_;  // its ".."
    mtime_ = ctime_ = now;
  }
  entries_.insert(*e);
  if (n.is_dir()) n.set_parent(this);
  return ok();
}

Result<void> MemNode::add_new(std::string_view name, MemNode& node) {
  Dirent* e = RK_TRY(new_dirent(name, node));
  Result<void> r = entries_.reserve_one();
  if (r.ok()) r = add_entry_locked(e, node.btime_);  // the parent's times are the child's birth
  if (!r.ok()) {
    free_dirent(fs_->account(), e);
    return r.error();
  }
  return ok();
}

void MemNode::remove_entry_locked(Dirent& e, Timespec now) {
  const bool dir = e.node->is_dir();
  entries_.remove(e);
  kern::MutexGuard g(meta_);
  --nentries_;
  if (dir) --nlink_;
  mtime_ = ctime_ = now;
}

void MemNode::touch_dir(Timespec now, int nlink_delta) {
  kern::MutexGuard g(meta_);
  nlink_ += nlink_delta;
  mtime_ = ctime_ = now;
}

void MemNode::orphan_locked() {
  if (parent_ != nullptr) old_parent_ = RefPtr<MemNode>(parent_);
  parent_ = nullptr;
}

Result<void> MemNode::kill_dir(Timespec now) {
  kern::MutexGuard g(meta_);
  if (nentries_ != 0) return Errno::kNotEmpty;
  dead_ = true;
  nlink_ = 0;
  ctime_ = now;
  orphan_locked();
  return ok();
}

bool MemNode::is_ancestor_of(MemNode& dir) {
  MemNode* p = &dir;
  while (p != nullptr) {
    if (p == this) return true;
    MemNode* up;
    {
      kern::MutexGuard g(p->meta_);
      up = p->parent_;
    }
    p = up;
  }
  return false;
}

void MemNode::detach_entries(IntrusiveList<Dirent, &Dirent::link>& out) {
  Timespec t = now();
  while (Dirent* e = entries_.pop_front()) {
    MemNode& n = *e->node;
    if (n.is_dir()) {
      kern::MutexGuard g(n.meta_);
      n.orphan_locked();  // its own entries go when the caller reaches it
    } else {
      n.drop_link(t);
    }
    out.push_back(*e);
  }
  kern::MutexGuard g(meta_);
  nentries_ = 0;
  dead_ = true;
  nlink_ = 0;
  ctime_ = t;
}

// --- operations ---------------------------------------------------------------------------

Result<Ref<Vnode>> MemNode::lookup(std::string_view name) {
  if (!is_dir()) return Errno::kNotDir;
  if (name == ".") return Ref<Vnode>(*this);
  if (name == "..") {
    // parent_ is alive while set (node.h); a removed directory's ".." is where it was, as on
    // Linux; the root is its own parent.
    kern::MutexGuard g(meta_);
    if (parent_ != nullptr) return Ref<Vnode>(*parent_);
    if (old_parent_) return Ref<Vnode>(*old_parent_);
    return Ref<Vnode>(*this);
  }
  Dirent* e = entries_.find(name);
  if (e == nullptr) return Errno::kNoEnt;
  return Ref<Vnode>(*e->node);
}

Result<Ref<Vnode>> MemNode::create(std::string_view name, VType type, uint32_t mode, uint32_t uid,
                                   uint32_t gid, uint64_t rdev) {
  if (!is_dir()) return Errno::kNotDir;
  if (!creatable(type)) return Errno::kInval;
  RK_TRY(check_name(name));
  if (entries_.find(name) != nullptr) return Errno::kExist;
  bool dev = type == VType::kBlk || type == VType::kChr;
  Ref<MemNode> n = RK_TRY(MemNode::create(*fs_, type, mode, uid, gid, dev ? rdev : 0));
  RK_TRY(add_new(name, *n));
  return Ref<Vnode>(*n);
}

Result<Ref<Vnode>> MemNode::symlink(std::string_view name, std::string_view target, uint32_t uid,
                                    uint32_t gid) {
  if (!is_dir()) return Errno::kNotDir;
  RK_TRY(check_name(name));
  if (target.empty()) return Errno::kNoEnt;
  if (target.size() >= kern::kPathMax) return Errno::kNameTooLong;
  if (entries_.find(name) != nullptr) return Errno::kExist;
  Ref<MemNode> n = RK_TRY(MemNode::create(*fs_, VType::kLnk, 0777, uid, gid, 0, target));
  RK_TRY(add_new(name, *n));
  return Ref<Vnode>(*n);
}

Result<void> MemNode::link(std::string_view name, Vnode& target) {
  if (!is_dir()) return Errno::kNotDir;
  MemNode* t = RK_TRY(same_fs(target));
  RK_TRY(check_name(name));
  if (entries_.find(name) != nullptr) return Errno::kExist;  // before EPERM, as Linux
  if (t->is_dir()) return Errno::kPerm;
  MemAccount& acct = fs_->account();
  RK_TRY(acct.take_inode());  // Linux's tmpfs counts a hard link as an inode
  Result<Dirent*> e = new_dirent(name, *t);
  Result<void> r = e.ok() ? entries_.reserve_one() : Result<void>(e.error());
  if (!r.ok()) {
    if (e.ok()) free_dirent(acct, e.value());
    acct.put_inode();
    return r.error();
  }
  Timespec now = this->now();
  {
    kern::MutexGuard g(t->meta_);
    if (t->nlink_ == 0) r = Errno::kNoEnt;  // removed meanwhile: it cannot get a name again
    else if (t->nlink_ >= kLinkMax) r = Errno::kMLink;
    else ++t->nlink_;
  }
  if (r.ok()) {
    r = add_entry_locked(e.value(), now);
    if (!r.ok()) {
      kern::MutexGuard g(t->meta_);
      --t->nlink_;
    }
  }
  if (!r.ok()) {
    free_dirent(acct, e.value());
    acct.put_inode();
    return r.error();
  }
  t->touch_ctime(now);
  return ok();
}

Result<void> MemNode::remove(std::string_view name, Vnode& node) {
  if (!is_dir()) return Errno::kNotDir;
  Dirent* e = entries_.find(name);
  if (e == nullptr || static_cast<Vnode*>(e->node.get()) != &node) return Errno::kNoEnt;
  MemNode& n = *e->node;
  if (n.is_dir()) return Errno::kIsDir;
  Timespec t = now();
  remove_entry_locked(*e, t);
  n.drop_link(t);
  free_dirent(fs_->account(), e);  // the node goes too unless someone holds it
  return ok();
}

Result<void> MemNode::rmdir(std::string_view name, Vnode& node) {
  if (!is_dir()) return Errno::kNotDir;
  Dirent* e = entries_.find(name);
  if (e == nullptr || static_cast<Vnode*>(e->node.get()) != &node) return Errno::kNoEnt;
  MemNode& n = *e->node;
  if (!n.is_dir()) return Errno::kNotDir;
  Timespec t = now();
  RK_TRY(n.kill_dir(t));
  remove_entry_locked(*e, t);
  free_dirent(fs_->account(), e);
  return ok();
}

Result<void> MemNode::readdir(uint64_t* cookie, DirSink& sink) {
  if (!is_dir()) return Errno::kNotDir;
  uint64_t parent_ino;
  {
    kern::MutexGuard g(meta_);
    if (dead_) return Errno::kNoEnt;  // as Linux answers getdents on a removed directory
    parent_ino = parent_ != nullptr ? parent_->ino_ : ino_;
  }
  // Cookies: 0 ".", 1 "..", then an entry's sequence number (the next entry at or after it).
  uint64_t c = *cookie;
  if (c == 0) {
    if (!sink.emit(ino_, VType::kDir, ".", 1)) return ok();
    *cookie = c = 1;
  }
  if (c == 1) {
    if (!sink.emit(parent_ino, VType::kDir, "..", DirTable::kFirstSeq)) return ok();
    *cookie = c = DirTable::kFirstSeq;
  }
  for (Dirent* e = entries_.seek(c); e != nullptr; e = entries_.next(*e)) {
    if (!sink.emit(e->node->ino(), e->node->type(), e->name(), e->seq + 1)) {
      entries_.set_hint(e);  // where the next call resumes
      return ok();
    }
    *cookie = e->seq + 1;
  }
  return ok();
}

}  // namespace rk::vfs
