#include "tools/rump_fuse/nodes.h"

#include <fuse_lowlevel.h>

#include <algorithm>

namespace rump_fuse {

NodeTable::NodeTable(std::string root, ino_t root_ino) : root_path_(std::move(root)) {
  root_.ino = root_ino;
  root_.lookups = 1;  // never forgotten
}

NodeTable::~NodeTable() {
  for (auto& [ino, n] : by_ino_) delete n;
  for (Node* n : unnamed_) delete n;
}

NodeTable::Node* NodeTable::get_locked(uint64_t id) {
  if (id == FUSE_ROOT_ID) return &root_;
  return reinterpret_cast<Node*>(static_cast<uintptr_t>(id));
}

NodeTable::Node* NodeTable::by_ino_locked(ino_t ino) {
  if (ino == root_.ino) return &root_;
  auto it = by_ino_.find(ino);
  return it == by_ino_.end() ? nullptr : it->second;
}

std::string NodeTable::path_locked(const Node* n) const {
  std::vector<const std::string*> names;
  for (; n != &root_; n = n->links.front().parent) {
    if (n->links.empty() || names.size() > 4096) return "";
    names.push_back(&n->links.front().name);
  }
  std::string p = root_path_;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    p += '/';
    p += **it;
  }
  return p;
}

std::string NodeTable::path(uint64_t id) {
  std::lock_guard g(lock_);
  return path_locked(get_locked(id));
}

std::string NodeTable::child_path(uint64_t parent, const char* name) {
  std::lock_guard g(lock_);
  std::string p = path_locked(get_locked(parent));
  if (p.empty()) return p;
  p += '/';
  p += name;
  return p;
}

void NodeTable::add_link_locked(Node* n, Node* parent, const std::string& name) {
  if (n == &root_) return;
  auto it = std::find_if(n->links.begin(), n->links.end(),
                         [&](const Link& l) { return l.parent == parent && l.name == name; });
  if (it != n->links.end()) {
    std::rotate(n->links.begin(), it, it + 1);  // latest first
    return;
  }
  parent->children++;
  n->links.insert(n->links.begin(), Link{parent, name});
}

void NodeTable::drop_link_locked(Node* n, Node* parent, const std::string& name) {
  auto it = std::find_if(n->links.begin(), n->links.end(),
                         [&](const Link& l) { return l.parent == parent && l.name == name; });
  if (it == n->links.end()) return;
  n->links.erase(it);
  parent->children--;
  release_locked(parent);
}

void NodeTable::release_locked(Node* n) {
  if (n == &root_ || n->lookups != 0 || n->children != 0) return;
  auto it = by_ino_.find(n->ino);
  if (it != by_ino_.end() && it->second == n) by_ino_.erase(it);
  unnamed_.erase(n);
  std::vector<Link> links = std::move(n->links);
  delete n;
  for (Link& l : links) {
    l.parent->children--;
    release_locked(l.parent);
  }
}

void NodeTable::detach_if_unnamed_locked(Node* n) {
  if (n == &root_ || !n->links.empty()) return;
  auto it = by_ino_.find(n->ino);
  if (it == by_ino_.end() || it->second != n) return;
  by_ino_.erase(it);
  unnamed_.insert(n);
  release_locked(n);  // gone at once if the host no longer knows it either
}

uint64_t NodeTable::found(uint64_t parent_id, const char* name, ino_t ino) {
  std::lock_guard g(lock_);
  Node* parent = get_locked(parent_id);
  if (ino == root_.ino) {
    root_.lookups++;
    return FUSE_ROOT_ID;
  }
  if (auto it = by_ino_.find(ino); it != by_ino_.end() && it->second->links.empty())
    detach_if_unnamed_locked(it->second);  // a number reused for a new file
  Node*& slot = by_ino_[ino];
  if (!slot) {
    slot = new Node;
    slot->ino = ino;
  }
  Node* n = slot;
  n->lookups++;
  add_link_locked(n, parent, name);
  return reinterpret_cast<uintptr_t>(n);
}

void NodeTable::forget(uint64_t id, uint64_t count) {
  std::lock_guard g(lock_);
  Node* n = get_locked(id);
  if (n == &root_) return;
  n->lookups = count >= n->lookups ? 0 : n->lookups - count;
  release_locked(n);
}

void NodeTable::unlinked(ino_t ino, uint64_t parent_id, const char* name, const struct stat& last) {
  std::lock_guard g(lock_);
  Node* n = by_ino_locked(ino);
  if (!n || n == &root_) return;
  drop_link_locked(n, get_locked(parent_id), name);
  if (n->links.empty()) {
    n->last = last;
    n->last.st_nlink = S_ISDIR(last.st_mode) || last.st_nlink <= 1 ? 0 : last.st_nlink - 1;
  }
  detach_if_unnamed_locked(n);
}

bool NodeTable::last_attributes(uint64_t id, struct stat* st) {
  std::lock_guard g(lock_);
  Node* n = get_locked(id);
  if (n == &root_ || !n->links.empty() || n->last.st_ino == 0) return false;
  *st = n->last;
  return true;
}

void NodeTable::moved(ino_t ino, uint64_t parent_id, const char* name, uint64_t newparent_id,
                      const char* newname) {
  std::lock_guard g(lock_);
  Node* n = by_ino_locked(ino);
  if (!n || n == &root_) return;
  Node* newparent = get_locked(newparent_id);
  newparent->children++;  // keeps newparent while the old link goes
  drop_link_locked(n, get_locked(parent_id), name);
  add_link_locked(n, newparent, newname);
  newparent->children--;
}

}  // namespace rump_fuse
