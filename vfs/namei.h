// Path lookup (namei): from a client's path to a vnode, with Linux's rules — "." and "..",
// ".." across mount points and never above the process's root, symlinks (ELOOP after 40),
// trailing slashes, NAME_MAX and PATH_MAX (ENAMETOOLONG), search permission on every
// directory passed through (EACCES).
#pragma once

#include <cstdint>

#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lib/string.h"
#include "vfs/types.h"
#include "vfs/vnode.h"

namespace rk::kern {
class Lwp;
}

namespace rk::vfs {

inline constexpr int kAtFdcwd = -100;

// Lookup flags.
inline constexpr unsigned kFollow = 1;     // follow a symlink in the last component
inline constexpr unsigned kEmptyPath = 2;  // "" names the dirfd itself (AT_EMPTY_PATH)

// A path copied in from a client: at most PATH_MAX bytes with its NUL, in kernel memory.
class PathBuf {
 public:
  explicit PathBuf(kern::Lwp& l);
  ~PathBuf();
  PathBuf(const PathBuf&) = delete;
  PathBuf& operator=(const PathBuf&) = delete;
  // ENAMETOOLONG, EFAULT, ENOMEM. An empty path is copied (lookups answer ENOENT for it).
  Result<void> copy_in(const char* upath);
  const char* c_str() const { return buf_; }

 private:
  // Most paths are short: they live here, and only longer ones take kernel memory.
  static constexpr size_t kInline = 256;
  kern::Lwp& lwp_;
  char* buf_ = inline_;
  char inline_[kInline];
};

// Resolves `path` relative to dirfd (kAtFdcwd: the working directory) as l's process.
Result<Ref<Vnode>> namei(kern::Lwp& l, int dirfd, const char* path, unsigned flags);

// For calls that create, remove or rename the last component: the directory that holds it and
// its name. `name` may be "." or ".." (callers answer as Linux does for those) or "/" for the
// root itself.
struct NameiParent {
  RefPtr<Vnode> dir;
  FixedString<kNameMax + 1> name;
  bool trailing_slash = false;
  bool is_dot() const { return name.view() == "." || name.view() == ".." || name.view() == "/"; }
};
Result<void> namei_parent(kern::Lwp& l, int dirfd, const char* path, NameiParent& out);
// The same, with a relative path starting at `start` (a symlink's target from its directory).
Result<void> namei_parent_at(kern::Lwp& l, Vnode& start, const char* path, NameiParent& out);

// The entry `name` in dir (locked shared for the call), mounts crossed downward.
Result<Ref<Vnode>> lookup_in(kern::Lwp& l, Vnode& dir, std::string_view name);

// The directory a dirfd names (kAtFdcwd: the working directory). EBADF, ENOTDIR.
Result<Ref<Vnode>> dirfd_vnode(kern::Lwp& l, int dirfd);

}  // namespace rk::vfs
