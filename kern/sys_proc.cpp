// Process identity and credentials: getpid, getppid, the get/set*id calls, getgroups/setgroups.
#include <algorithm>

#include "kern/abi/linux.h"
#include "kern/cred.h"
#include "kern/kernel.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kern/sys.h"
#include "kern/uio.h"

namespace rk::kern {
namespace {

uint32_t id_arg(const SyscallArgs& a, int i) { return static_cast<uint32_t>(a.a[i]); }

template <typename Fn>
int64_t change_cred(Lwp& l, Fn&& fn) {
  return sysret(l.proc().update_cred([&](Cred& c) -> Result<void> { return fn(c); }));
}

}  // namespace

int64_t sys_getpid(Lwp& l, const SyscallArgs&) { return l.proc().pid(); }
int64_t sys_getppid(Lwp& l, const SyscallArgs&) { return l.proc().ppid(); }

int64_t sys_getuid(Lwp& l, const SyscallArgs&) {
  return l.proc().update_cred([](Cred& c) { return c.ruid; });
}
int64_t sys_geteuid(Lwp& l, const SyscallArgs&) {
  return l.proc().update_cred([](Cred& c) { return c.euid; });
}
int64_t sys_getgid(Lwp& l, const SyscallArgs&) {
  return l.proc().update_cred([](Cred& c) { return c.rgid; });
}
int64_t sys_getegid(Lwp& l, const SyscallArgs&) {
  return l.proc().update_cred([](Cred& c) { return c.egid; });
}

int64_t sys_setuid(Lwp& l, const SyscallArgs& a) {
  return change_cred(l, [&](Cred& c) { return c.setuid(id_arg(a, 0)); });
}
int64_t sys_setgid(Lwp& l, const SyscallArgs& a) {
  return change_cred(l, [&](Cred& c) { return c.setgid(id_arg(a, 0)); });
}
int64_t sys_setreuid(Lwp& l, const SyscallArgs& a) {
  return change_cred(l, [&](Cred& c) { return c.setreuid(id_arg(a, 0), id_arg(a, 1)); });
}
int64_t sys_setregid(Lwp& l, const SyscallArgs& a) {
  return change_cred(l, [&](Cred& c) { return c.setregid(id_arg(a, 0), id_arg(a, 1)); });
}
int64_t sys_setresuid(Lwp& l, const SyscallArgs& a) {
  return change_cred(l, [&](Cred& c) {
    return c.setresuid(id_arg(a, 0), id_arg(a, 1), id_arg(a, 2));
  });
}
int64_t sys_setresgid(Lwp& l, const SyscallArgs& a) {
  return change_cred(l, [&](Cred& c) {
    return c.setresgid(id_arg(a, 0), id_arg(a, 1), id_arg(a, 2));
  });
}
int64_t sys_setfsuid(Lwp& l, const SyscallArgs& a) {
  return l.proc().update_cred([&](Cred& c) { return c.setfsuid(id_arg(a, 0)); });
}
int64_t sys_setfsgid(Lwp& l, const SyscallArgs& a) {
  return l.proc().update_cred([&](Cred& c) { return c.setfsgid(id_arg(a, 0)); });
}

static int64_t get_three_ids(Lwp& l, const SyscallArgs& a, uint32_t r, uint32_t e, uint32_t s) {
  auto* p = reinterpret_cast<void*>(a.a[0]);
  auto* q = reinterpret_cast<void*>(a.a[1]);
  auto* t = reinterpret_cast<void*>(a.a[2]);
  Result<void> rv = copyout(l, p, &r, sizeof r);
  if (rv.ok()) rv = copyout(l, q, &e, sizeof e);
  if (rv.ok()) rv = copyout(l, t, &s, sizeof s);
  return sysret(rv);
}

int64_t sys_getresuid(Lwp& l, const SyscallArgs& a) {
  Cred c = l.proc().cred();
  return get_three_ids(l, a, c.ruid, c.euid, c.suid);
}

int64_t sys_getresgid(Lwp& l, const SyscallArgs& a) {
  Cred c = l.proc().cred();
  return get_three_ids(l, a, c.rgid, c.egid, c.sgid);
}

int64_t sys_getgroups(Lwp& l, const SyscallArgs& a) {
  auto size = static_cast<int>(a.a[0]);
  auto* list = reinterpret_cast<void*>(a.a[1]);
  if (size < 0) return -to_int(Errno::kInval);
  Cred c = l.proc().cred();
  std::span<const Gid> gids = c.groups ? c.groups->gids() : std::span<const Gid>();
  if (size == 0) return static_cast<int64_t>(gids.size());
  if (static_cast<size_t>(size) < gids.size()) return -to_int(Errno::kInval);
  Result<void> rv = copyout(l, list, gids.data(), gids.size_bytes());
  if (!rv.ok()) return sysret(rv);
  return static_cast<int64_t>(gids.size());
}

int64_t sys_setgroups(Lwp& l, const SyscallArgs& a) {
  auto size = static_cast<int64_t>(static_cast<int>(a.a[0]));
  const auto* list = reinterpret_cast<const void*>(a.a[1]);
  if (!l.proc().cred().privileged()) return -to_int(Errno::kPerm);
  if (size < 0 || static_cast<size_t>(size) > kNGroupsMax) return -to_int(Errno::kInval);
  Kmem& kmem = l.kernel().kmem();
  size_t bytes = static_cast<size_t>(size) * sizeof(Gid);
  auto* gids = static_cast<Gid*>(kmem.alloc(bytes, KmFlags::kNoSleep));
  if (gids == nullptr) return -to_int(Errno::kNoMem);
  Result<void> rv = copyin(l, gids, list, bytes);
  RefPtr<Groups> groups;
  if (rv.ok()) {
    // Linux keeps the list sorted (getgroups returns it so).
    std::sort(gids, gids + size);
    Result<Ref<Groups>> g = Groups::create(kmem, {gids, static_cast<size_t>(size)});
    if (g.ok()) groups = std::move(g).value();
    else rv = g.error();
  }
  kmem.free(gids, bytes);
  if (!rv.ok()) return sysret(rv);
  return change_cred(l, [&](Cred& c) -> Result<void> {
    if (!c.privileged()) return Errno::kPerm;  // it may have changed meanwhile
    c.groups = size == 0 ? RefPtr<Groups>() : groups;
    return ok();
  });
}

}  // namespace rk::kern
