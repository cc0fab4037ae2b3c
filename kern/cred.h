// Credentials of a process, with Linux's real/effective/saved/filesystem ids.
//
// Privilege follows the effective uid: euid 0 has every capability (CAP_SETUID, CAP_SETGID,
// CAP_SYS_ADMIN, ...), any other uid none — Linux's rules for a process without file
// capabilities or securebits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kern/lib/ref.h"
#include "kern/lib/result.h"

namespace rk::kern {

class Kmem;

using Uid = uint32_t;
using Gid = uint32_t;
inline constexpr uint32_t kNoId = 0xffffffffu;  // "(uid_t)-1": leave unchanged
inline constexpr size_t kNGroupsMax = 65536;     // Linux's NGROUPS_MAX

// An immutable list of supplementary groups, shared between credentials.
class Groups final : public RefCounted<Groups> {
 public:
  static Result<Ref<Groups>> create(Kmem& kmem, std::span<const Gid> gids);  // ENOMEM
  std::span<const Gid> gids() const { return {gids_, count_}; }
  bool contains(Gid g) const;
  void release_last();

 private:
  Groups(Kmem& kmem, size_t count) : kmem_(kmem), count_(count) {}
  static size_t bytes_for(size_t count) { return sizeof(Groups) + count * sizeof(Gid); }
  Kmem& kmem_;
  size_t count_;
  Gid gids_[];  // count_ entries follow the object
};

struct Cred {
  Uid ruid = 0, euid = 0, suid = 0, fsuid = 0;
  Gid rgid = 0, egid = 0, sgid = 0, fsgid = 0;
  RefPtr<Groups> groups;  // null: none

  bool privileged() const { return euid == 0; }
  // True when g is the fs gid or a supplementary group (for permission checks).
  bool in_group(Gid g) const { return g == fsgid || (groups && groups->contains(g)); }

  // The set*id calls, with Linux's permission rules. On error the cred is unchanged.
  Result<void> setuid(Uid uid);
  Result<void> setgid(Gid gid);
  Result<void> setreuid(Uid r, Uid e);
  Result<void> setregid(Gid r, Gid e);
  Result<void> setresuid(Uid r, Uid e, Uid s);
  Result<void> setresgid(Gid r, Gid e, Gid s);
  // Return the previous fs id, as Linux does, whether or not it changed.
  Uid setfsuid(Uid uid);
  Gid setfsgid(Gid gid);
};

}  // namespace rk::kern
