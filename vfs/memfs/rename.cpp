// MemNode::rename: moving, replacing and exchanging names, within a directory or between two
// directories of the file system.
#include <utility>

#include "vfs/memfs/fs.h"
#include "vfs/memfs/node.h"

namespace rk::vfs {

Result<void> MemNode::rename(std::string_view name, Vnode& node, Vnode& to_dir,
                             std::string_view to_name, Vnode* replaced, bool exchange) {
  if (!is_dir()) return Errno::kNotDir;
  MemNode* to = RK_TRY(same_fs(to_dir));
  if (!to->is_dir()) return Errno::kNotDir;
  locked_by_caller(*to);
  if (replaced != nullptr) RK_TRY(same_fs(*replaced));
  if (to_name.empty()) return Errno::kNoEnt;
  if (to_name.size() > kNameMax) return Errno::kNameTooLong;

  Dirent* e = entries_.find(name);
  if (e == nullptr || static_cast<Vnode*>(e->node.get()) != &node) return Errno::kNoEnt;
  MemNode& n = *e->node;
  Dirent* te = to->entries_.find(to_name);
  if (te == e) return ok();  // onto itself
  MemNode* r = nullptr;
  if (replaced != nullptr) {
    if (te == nullptr || static_cast<Vnode*>(te->node.get()) != replaced) return Errno::kNoEnt;
    r = te->node.get();
    if (r == &n) return ok();  // two names of one file: Linux does nothing
  } else if (te != nullptr) {
    return Errno::kExist;
  } else if (exchange) {
    return Errno::kNoEnt;
  }

  // A directory cannot move into its own subtree.
  if (n.is_dir() && to != this && n.is_ancestor_of(*to)) return Errno::kInval;
  if (exchange && r->is_dir() && to != this && r->is_ancestor_of(*this)) return Errno::kInval;
  MemAccount& acct = fs_->account();
  const Timespec t = now();

  if (exchange) {
    RefPtr<MemNode> mine = std::move(e->node);
    e->set_node(std::move(te->node));
    te->set_node(std::move(mine));
    int into_to = 0;  // directories that now live in `to` instead of `this`
    if (to != this) into_to = (n.is_dir() ? 1 : 0) - (r->is_dir() ? 1 : 0);
    touch_dir(t, -into_to);
    if (to != this) to->touch_dir(t, into_to);
    if (n.is_dir()) n.set_parent(to);
    if (r->is_dir()) r->set_parent(this);
    n.touch_ctime(t);
    r->touch_ctime(t);
    return ok();
  }

  if (r != nullptr) {
    if (n.is_dir() != r->is_dir()) return n.is_dir() ? Errno::kNotDir : Errno::kIsDir;
    // The last check that can fail; from here the rename happens.
    if (r->is_dir()) RK_TRY(r->kill_dir(t));
    else r->drop_link(t);
    // The target entry now names n; to's count of names and of subdirectories stays.
    RefPtr<MemNode> old = std::move(te->node);
    te->set_node(RefPtr<MemNode>(&n));
    to->touch_dir(t, 0);
    remove_entry_locked(*e, t);
    if (n.is_dir()) n.set_parent(to);
    n.touch_ctime(t);
    free_dirent(acct, e);
    return ok();  // `old` goes now: r is freed unless someone holds it
  }

  Dirent* ne = RK_TRY(new_dirent(to_name, n));
  Result<void> res = to->entries_.reserve_one();
  if (res.ok()) res = to->add_entry_locked(ne, t);  // sets n's parent when it is a directory
  if (!res.ok()) {
    free_dirent(acct, ne);
    return res.error();
  }
  remove_entry_locked(*e, t);
  n.touch_ctime(t);
  free_dirent(acct, e);
  return ok();
}

}  // namespace rk::vfs
