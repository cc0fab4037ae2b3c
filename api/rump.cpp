// rump_init, rump_kernel_*, component loading.
#include <atomic>
#include <mutex>

#include "api/current.h"
#include "kern/component.h"
#include "kern/entry.h"
#include "kern/kernel.h"
#include "kern/params.h"
#include "kern/proc.h"
#include "kern/lwp.h"
#include "rump/rump.h"

using rk::kern::Kernel;

namespace rk::api {

std::atomic<Kernel*> g_default{nullptr};
RK_TLS_FAST thread_local Kernel* t_current = nullptr;

namespace {

std::mutex g_default_lock;  // serialises rump_init and destroying the default kernel

Kernel* from(rump_kernel* k) { return reinterpret_cast<Kernel*>(k); }
rump_kernel* to(Kernel* k) { return reinterpret_cast<rump_kernel*>(k); }

}  // namespace

long fail(Kernel* k, int error) {
  const rumpuser_ops& ops = k != nullptr ? k->hyp().ops() : *rumpuser_posix_ops();
  ops.seterrno(ops.host, error);
  return -1;
}

}  // namespace rk::api

using namespace rk;

extern "C" {

int rump_init(void) {
  std::lock_guard<std::mutex> g(api::g_default_lock);
  if (api::g_default.load(std::memory_order_relaxed) != nullptr) return 0;
  const rumpuser_ops& ops = *rumpuser_posix_ops();
  kern::Hyp hyp(ops);
  Result<kern::BootParams> params = kern::params_from_host(hyp);
  if (!params.ok()) return to_int(params.error());
  Result<Kernel*> k = Kernel::create(ops, params.value());
  if (!k.ok()) return to_int(k.error());
  api::g_default.store(k.value(), std::memory_order_release);
  return 0;
}

int rump_kernel_create(const char* params, rump_kernel** kp) {
  if (kp == nullptr) return to_int(Errno::kInval);
  const rumpuser_ops& ops = *rumpuser_posix_ops();
  kern::Hyp hyp(ops);
  Result<kern::BootParams> p = kern::parse_params(hyp, params);
  if (!p.ok()) return to_int(p.error());
  Result<Kernel*> k = Kernel::create(ops, p.value());
  if (!k.ok()) return to_int(k.error());
  *kp = api::to(k.value());
  return 0;
}

rump_kernel* rump_kernel_switch(rump_kernel* k) {
  Kernel* prev = api::t_current;
  api::t_current = api::from(k);
  return api::to(prev);
}

rump_kernel* rump_kernel_current(void) { return api::to(api::current_kernel()); }

int rump_kernel_destroy(rump_kernel* kp) {
  Kernel* k = api::from(kp);
  if (k == nullptr) return to_int(Errno::kInval);
  {
    std::lock_guard<std::mutex> g(api::g_default_lock);
    Kernel* expect = k;
    api::g_default.compare_exchange_strong(expect, nullptr);
  }
  if (api::t_current == k) api::t_current = nullptr;
  Kernel::destroy(k);
  return 0;
}

uint64_t rump_kernel_memused(rump_kernel* k) {
  return k != nullptr ? api::from(k)->kmem().used() : 0;
}

uint64_t rump_kernel_memlimit(rump_kernel* k) {
  return k != nullptr ? api::from(k)->kmem().limit() : 0;
}

int rump_pub_component_load(const char* name) {
  if (name == nullptr) return to_int(Errno::kInval);
  kern::Hyp hyp(*rumpuser_posix_ops());
  Result<void> r = kern::load_component(hyp, name);
  return r.ok() ? 0 : to_int(r.error());
}

int rump_pub_lwproc_rfork(int flags) {
  Kernel* k = api::current_kernel();
  if (k == nullptr) return to_int(Errno::kNxio);
  kern::FdInherit fd;
  switch (flags) {
    case RUMP_RFFD_SHARE: fd = kern::FdInherit::kShare; break;
    case RUMP_RFFDG: fd = kern::FdInherit::kCopy; break;
    case RUMP_RFCFDG: fd = kern::FdInherit::kClear; break;
    default: return to_int(Errno::kInval);
  }
  Result<void> r = kern::lwproc_rfork(*k, fd);
  return r.ok() ? 0 : to_int(r.error());
}

int rump_pub_lwproc_newlwp(pid_t pid) {
  Kernel* k = api::current_kernel();
  if (k == nullptr) return to_int(Errno::kNxio);
  Result<void> r = kern::lwproc_newlwp(*k, pid);
  return r.ok() ? 0 : to_int(r.error());
}

void rump_pub_lwproc_switch(struct lwp* l) {
  Kernel* k = api::current_kernel();
  auto* lwp = reinterpret_cast<kern::Lwp*>(l);
  if (lwp != nullptr) k = &lwp->kernel();
  if (k != nullptr) kern::lwproc_switch(*k, lwp);
}

void rump_pub_lwproc_releaselwp(void) {
  if (Kernel* k = api::current_kernel()) kern::lwproc_releaselwp(*k);
}

int rump_pub_lwproc_interrupt(void) {
  Kernel* k = api::current_kernel();
  kern::Lwp* l = k != nullptr ? kern::bound_lwp(*k) : nullptr;
  if (l == nullptr) return ESRCH;
  l->proc().interrupt();
  return 0;
}

struct lwp* rump_pub_lwproc_curlwp(void) {
  Kernel* k = api::current_kernel();
  return k != nullptr ? reinterpret_cast<struct lwp*>(kern::bound_lwp(*k)) : nullptr;
}

}  // extern "C"
