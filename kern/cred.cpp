#include "kern/cred.h"

#include <new>

#include "kern/kmem.h"
#include "kern/lib/string.h"

namespace rk::kern {

Result<Ref<Groups>> Groups::create(Kmem& kmem, std::span<const Gid> gids) {
  void* mem = kmem.alloc(bytes_for(gids.size()), KmFlags::kNoSleep, alignof(Groups));
  if (mem == nullptr) return Errno::kNoMem;
  auto* g = new (mem) Groups(kmem, gids.size());
  if (!gids.empty()) mem_copy(g->gids_, gids.data(), gids.size_bytes());
  return Ref<Groups>::adopt(*g);
}

bool Groups::contains(Gid g) const {
  for (size_t i = 0; i < count_; ++i)
    if (gids_[i] == g) return true;
  return false;
}

void Groups::release_last() {
  Kmem& kmem = kmem_;
  size_t bytes = bytes_for(count_);
  this->~Groups();
  kmem.free(this, bytes);
}

// The rules below are Linux's (kernel/sys.c) for a process whose capabilities follow its
// effective uid.

Result<void> Cred::setuid(Uid uid) {
  if (uid == kNoId) return Errno::kInval;
  if (privileged()) {
    ruid = euid = suid = fsuid = uid;
  } else if (uid == ruid || uid == suid) {
    euid = fsuid = uid;
  } else {
    return Errno::kPerm;
  }
  return ok();
}

Result<void> Cred::setgid(Gid gid) {
  if (gid == kNoId) return Errno::kInval;
  if (privileged()) {
    rgid = egid = sgid = fsgid = gid;
  } else if (gid == rgid || gid == sgid) {
    egid = fsgid = gid;
  } else {
    return Errno::kPerm;
  }
  return ok();
}

Result<void> Cred::setreuid(Uid r, Uid e) {
  Uid old_ruid = ruid;
  Uid nr = ruid, ne = euid;
  if (r != kNoId) {
    if (!privileged() && r != ruid && r != euid) return Errno::kPerm;
    nr = r;
  }
  if (e != kNoId) {
    if (!privileged() && e != ruid && e != euid && e != suid) return Errno::kPerm;
    ne = e;
  }
  // The saved uid follows the new effective uid whenever the real uid is set, or the effective
  // uid is set to something other than the old real uid.
  if (r != kNoId || (e != kNoId && e != old_ruid)) suid = ne;
  ruid = nr;
  euid = fsuid = ne;
  return ok();
}

Result<void> Cred::setregid(Gid r, Gid e) {
  Gid old_rgid = rgid;
  Gid nr = rgid, ne = egid;
  if (r != kNoId) {
    if (!privileged() && r != rgid && r != egid) return Errno::kPerm;
    nr = r;
  }
  if (e != kNoId) {
    if (!privileged() && e != rgid && e != egid && e != sgid) return Errno::kPerm;
    ne = e;
  }
  if (r != kNoId || (e != kNoId && e != old_rgid)) sgid = ne;
  rgid = nr;
  egid = fsgid = ne;
  return ok();
}

Result<void> Cred::setresuid(Uid r, Uid e, Uid s) {
  // A call that changes nothing does nothing, not even resetting the fs id (Linux >= 6.1).
  if ((r == kNoId || r == ruid) && (e == kNoId || (e == euid && e == fsuid)) &&
      (s == kNoId || s == suid))
    return ok();
  if (!privileged()) {
    auto allowed = [&](Uid id) { return id == kNoId || id == ruid || id == euid || id == suid; };
    if (!allowed(r) || !allowed(e) || !allowed(s)) return Errno::kPerm;
  }
  if (r != kNoId) ruid = r;
  if (e != kNoId) euid = e;
  if (s != kNoId) suid = s;
  fsuid = euid;
  return ok();
}

Result<void> Cred::setresgid(Gid r, Gid e, Gid s) {
  if ((r == kNoId || r == rgid) && (e == kNoId || (e == egid && e == fsgid)) &&
      (s == kNoId || s == sgid))
    return ok();
  if (!privileged()) {
    auto allowed = [&](Gid id) { return id == kNoId || id == rgid || id == egid || id == sgid; };
    if (!allowed(r) || !allowed(e) || !allowed(s)) return Errno::kPerm;
  }
  if (r != kNoId) rgid = r;
  if (e != kNoId) egid = e;
  if (s != kNoId) sgid = s;
  fsgid = egid;
  return ok();
}

Uid Cred::setfsuid(Uid uid) {
  Uid old = fsuid;
  if (uid != kNoId && (privileged() || uid == ruid || uid == euid || uid == suid || uid == fsuid))
    fsuid = uid;
  return old;
}

Gid Cred::setfsgid(Gid gid) {
  Gid old = fsgid;
  if (gid != kNoId && (privileged() || gid == rgid || gid == egid || gid == sgid || gid == fsgid))
    fsgid = gid;
  return old;
}

}  // namespace rk::kern
