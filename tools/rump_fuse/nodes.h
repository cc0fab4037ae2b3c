// The inode table: FUSE node ids to the files of the kernel's tree.
//
// A node is known by the names the host has looked it up, created, linked or renamed it by —
// (parent node, name) pairs, the latest first — and its kernel path is rebuilt from them on each
// use, so a rename of a directory moves everything under it at once. Nodes hold paths, not
// O_PATH descriptors, because the kernel's descriptor table is limited (1024): descriptors are
// held only for files and directories the host has open. A node goes when the host has
// forgotten it and no other node has it as a parent.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace rump_fuse {

class NodeTable {
 public:
  // The root node (FUSE_ROOT_ID) is the kernel directory `root`, of inode number root_ino.
  NodeTable(std::string root, ino_t root_ino);
  ~NodeTable();
  NodeTable(const NodeTable&) = delete;
  NodeTable& operator=(const NodeTable&) = delete;

  // The kernel path of node `id` by its latest name; "" when it has none left (unlinked).
  std::string path(uint64_t id);
  // The kernel path of `name` in directory node `parent`.
  std::string child_path(uint64_t parent, const char* name);

  // After `name` in `parent` was found to be inode `ino` (lookup, create, link): the node id for
  // it (new, or the inode's existing one, which now has this name first); lookup count + 1.
  uint64_t found(uint64_t parent, const char* name, ino_t ino);
  // The host forgets `n` lookups of `id`.
  void forget(uint64_t id, uint64_t n);
  // `name` in `parent`, which was inode `ino`, is gone (unlink, rmdir, replaced by a rename).
  // A node left with no name is no longer found by its inode number: the file system may give
  // that number to a new file, which must get a new node id (the host still has the old one,
  // for an open file or a removed directory).
  // `last` is what the file was just before (lstat): a node left with no name answers the
  // host's getattr with it, its link count dropped, where no open descriptor can (a removed
  // directory that is a process's cwd: the host checks permissions on it).
  void unlinked(ino_t ino, uint64_t parent, const char* name, const struct stat& last);
  // The attributes of node `id` kept when it lost its last name; false if it has a name.
  bool last_attributes(uint64_t id, struct stat* st);
  // rename(2) moved inode `ino` from `name` in `parent` to `newname` in `newparent`.
  void moved(ino_t ino, uint64_t parent, const char* name, uint64_t newparent, const char* newname);

 private:
  struct Node;
  struct Link {
    Node* parent;  // counted in parent->children
    std::string name;
  };
  struct Node {
    ino_t ino = 0;
    std::vector<Link> links;  // latest first; empty for the root
    uint64_t lookups = 0;
    uint64_t children = 0;    // links of other nodes that name this one as parent
    struct stat last {};      // when it lost its last name (st_ino 0: not yet)
  };
  Node* get_locked(uint64_t id);
  Node* by_ino_locked(ino_t ino);
  std::string path_locked(const Node* n) const;
  void add_link_locked(Node* n, Node* parent, const std::string& name);
  void drop_link_locked(Node* n, Node* parent, const std::string& name);
  void release_locked(Node* n);
  void detach_if_unnamed_locked(Node* n);

  std::mutex lock_;
  std::string root_path_;
  Node root_;
  std::unordered_map<ino_t, Node*> by_ino_;  // owns the nodes with a name, but the root
  std::unordered_set<Node*> unnamed_;        // owns the nodes with none the host still knows
};

}  // namespace rump_fuse
