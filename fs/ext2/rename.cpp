// Ext2Node::rename: moving, replacing and exchanging names within a directory or between two,
// keeping link counts and the ".." of moved directories right.
#include "fs/ext2/fs.h"
#include "fs/ext2/node.h"

namespace rk::fs::ext2 {

Result<bool> Ext2Node::is_ancestor_of(Ext2Node& dir) {
  // Up from dir by "..": the VFS's rename lock keeps the tree still meanwhile. Bounded, so a
  // corrupt loop of ".." entries cannot hang us.
  Ref<Ext2Node> cur(dir);
  for (uint32_t steps = 0; steps < 65536; ++steps) {
    if (cur->ino() == ino_) return true;
    if (cur->ino() == kRootIno) return false;
    const uint32_t up = RK_TRY(cur->dotdot());
    if (up == cur->ino()) return fs_->corrupt("directory %u is its own parent", up);
    Ref<Ext2Node> next = RK_TRY(fs_->get_node(up));
    if (!next->is_dir())
      return fs_->corrupt("\"..\" of directory %u is not a directory", cur->ino());
    cur = std::move(next);
  }
  return fs_->corrupt("directory %u: \"..\" chain does not reach the root", dir.ino());
}

Result<void> Ext2Node::rename(std::string_view name, vfs::Vnode& node, vfs::Vnode& to_dir,
                              std::string_view to_name, vfs::Vnode* replaced, bool exchange) {
  RK_TRY(check_dir());
  Ext2Node* to = RK_TRY(same_fs(to_dir));
  RK_TRY(to->check_dir());
  Ext2Node* n = RK_TRY(same_fs(node));
  Ext2Node* r = nullptr;
  if (replaced != nullptr) r = RK_TRY(same_fs(*replaced));
  RK_TRY(fs_->check_writable());
  if (to_name.empty()) return Errno::kNoEnt;
  if (to_name.size() > vfs::kNameMax) return Errno::kNameTooLong;

  DirSlot from = RK_TRY(find_entry(name));
  if (from.ino != n->ino()) return Errno::kNoEnt;
  if (to == this && name == to_name) return ok();  // onto itself
  Result<DirSlot> target = to->find_entry(to_name);
  if (!target.ok() && target.error() != Errno::kNoEnt) return target.error();
  if (r != nullptr) {
    if (!target.ok() || target.value().ino != r->ino()) return Errno::kNoEnt;
    if (r == n) return ok();  // two names of one file: nothing happens, as on Linux
  } else if (target.ok()) {
    return Errno::kExist;
  } else if (exchange) {
    return Errno::kNoEnt;
  }
  // A directory cannot move into its own subtree.
  if (n->is_dir() && to != this && RK_TRY(n->is_ancestor_of(*to))) return Errno::kInval;
  if (exchange && r->is_dir() && to != this && RK_TRY(r->is_ancestor_of(*this)))
    return Errno::kInval;

  if (exchange) {
    if (to->links() == 0 || links() == 0) return Errno::kNoEnt;
    RK_TRY(to->retarget_slot(target.value(), n->ino(), file_type_of(n->type())));
    RK_TRY(retarget_slot(from, r->ino(), file_type_of(r->type())));
    if (to != this) {
      if (n->is_dir()) {
        RK_TRY(n->set_dotdot(to->ino()));
        RK_TRY(to->change_links(+1));
        RK_TRY(change_links(-1));
      }
      if (r->is_dir()) {
        RK_TRY(r->set_dotdot(ino_));
        RK_TRY(change_links(+1));
        RK_TRY(to->change_links(-1));
      }
    }
    RK_TRY(n->touch(false, true));
    return r->touch(false, true);
  }

  if (to->links() == 0) return Errno::kNoEnt;  // removed meanwhile
  if (r != nullptr) {
    if (n->is_dir() != r->is_dir()) return n->is_dir() ? Errno::kNotDir : Errno::kIsDir;
    if (r->is_dir()) {
      // Empty, and kept so until it has no links (dir_lock_ excludes creates in it).
      kern::MutexGuard dl(r->dir_lock_);
      if (!RK_TRY(r->dir_empty())) return Errno::kNotEmpty;
      RK_TRY(to->retarget_slot(target.value(), n->ino(), file_type_of(n->type())));
      RK_TRY(r->change_links(0, true));
    } else {
      RK_TRY(to->retarget_slot(target.value(), n->ino(), file_type_of(n->type())));
      RK_TRY(r->change_links(-1));
    }
    if (r->is_dir()) RK_TRY(to->change_links(-1));  // r's ".." went with it
  } else {
    if (n->is_dir() && to != this && to->links() >= kLinkMax) return Errno::kMLink;
    RK_TRY(to->add_entry(to_name, n->ino(), file_type_of(n->type())));
  }
  if (n->is_dir() && to != this) RK_TRY(to->change_links(+1));
  // The old name goes; found again, as adding a name may have reshaped the records of this
  // very directory.
  from = RK_TRY(find_entry(name));
  if (from.ino != n->ino()) return fs_->corrupt("directory %u changed during rename", ino_);
  RK_TRY(remove_slot(from));
  if (n->is_dir() && to != this) {
    RK_TRY(n->set_dotdot(to->ino()));
    RK_TRY(change_links(-1));
  }
  return n->touch(false, true);
}

}  // namespace rk::fs::ext2
