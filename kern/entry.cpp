#include "kern/entry.h"

#include "kern/kernel.h"
#include "kern/lwp.h"
#include "kern/panic.h"
#include "kern/sched.h"

namespace rk::kern {
namespace {

// The lwps this thread is bound to (rump_lwproc), one per kernel. A kernel is named by its
// address and boot time together, so a binding to a destroyed kernel never matches a new one
// that happens to reuse its memory.
struct Binding {
  Lwp* lwp = nullptr;
  const Kernel* kernel = nullptr;
  int64_t boot_ns = 0;
  uint64_t used = 0;  // when it was last set, for choosing one to forget
};
constexpr int kBindings = 16;
struct ThreadBindings {
  Binding slot[kBindings];
  uint64_t clock = 0;
};
thread_local ThreadBindings t_bindings;
// How many slots are in use: most threads never bind an lwp, and their kernel entries skip the
// table (a small initial-exec variable: one instruction to read).
RK_TLS_FAST thread_local uint32_t t_nbindings = 0;
// The index of the virtual CPU this thread last ran on (in whichever kernel).
RK_TLS_FAST thread_local uint32_t t_cpu_hint = 0;

Binding* find(const Kernel& k) {
  if (t_nbindings == 0) return nullptr;
  ThreadBindings& tb = t_bindings;
  for (Binding& b : tb.slot)
    if (b.lwp != nullptr && b.kernel == &k && b.boot_ns == k.boot_ns()) return &b;
  return nullptr;
}

void bind(Kernel& k, Lwp* l) {
  Binding* b = find(k);
  if (l == nullptr) {
    if (b != nullptr) {
      *b = {};
      --t_nbindings;
    }
    return;
  }
  if (b == nullptr) {
    // A free slot, or else the one set longest ago: its kernel is likely gone, but a thread
    // bound in more than kBindings live kernels loses the oldest binding, and says so.
    Binding* oldest = &t_bindings.slot[0];
    for (Binding& s : t_bindings.slot) {
      if (s.lwp == nullptr) {
        b = &s;
        ++t_nbindings;
        break;
      }
      if (s.used < oldest->used) oldest = &s;
    }
    if (b == nullptr) {
      b = oldest;
      k.log().log(LogLevel::kWarning,
                  "lwproc: a thread is bound in more than %d kernels; it forgets one binding",
                  kBindings);
    }
  }
  *b = {l, &k, k.boot_ns(), ++t_bindings.clock};
}

}  // namespace

Lwp* bound_lwp(Kernel& k) {
  Binding* b = find(k);
  return b != nullptr ? b->lwp : nullptr;
}

KernelEntry::KernelEntry(Kernel& k) : kernel_(k), lwp_(bound_lwp(k)), prev_(curlwp()) {
  Scheduler& sched = k.sched();
  if (lwp_ != nullptr) {
    set_curlwp(lwp_);
    sched.schedule(*lwp_);
    return;
  }
  // An implicit lwp: take a CPU (the one this thread had last, so that two threads keep to
  // their own CPUs' memory), then the lwp it keeps spare (or a new one).
  set_curlwp(nullptr);
  Cpu& cpu = sched.acquire(&sched.cpu(t_cpu_hint % sched.ncpu()));
  t_cpu_hint = cpu.index;
  lwp_ = cpu.spare_lwp;
  cpu.spare_lwp = nullptr;
  if (lwp_ == nullptr) {
    Result<Lwp*> l = k.procs().new_lwp(k.proc1(), true);
    if (!l.ok()) {
      sched.release_cpu(cpu);
      set_curlwp(prev_);
      return;  // lwp_ == nullptr: the caller answers ENOMEM
    }
    lwp_ = l.value();
  }
  sched.attach(cpu, *lwp_);
  set_curlwp(lwp_);
}

KernelEntry::~KernelEntry() {
  if (lwp_ == nullptr) return;
  if (lwp_->implicit()) {
    // Keep the lwp for the next implicit entry on this CPU (the spare slot belongs to whoever
    // holds the CPU, and we still do).
    Cpu& cpu = *lwp_->cpu();
    if (cpu.spare_lwp == nullptr) {
      cpu.spare_lwp = lwp_;
    } else {
      Lwp* l = lwp_;
      set_curlwp(nullptr);
      kernel_.procs().release_lwp(l);
      kernel_.sched().release_cpu(cpu);
      set_curlwp(prev_);
      return;
    }
  }
  kernel_.sched().unschedule(*lwp_);
  set_curlwp(prev_);
}

int64_t syscall_enter(Kernel& k, unsigned nr, const SyscallArgs& args) {
  if (k.halted()) return -to_int(Errno::kNxio);
  KernelEntry e(k);
  if (e.lwp_or_null() == nullptr) return -to_int(Errno::kNoMem);
  return syscall_dispatch(e.lwp(), nr, args);
}

Result<void> lwproc_rfork(Kernel& k, FdInherit fd) {
  KernelEntry e(k);
  if (e.lwp_or_null() == nullptr) return Errno::kNoMem;
  Lwp* l = RK_TRY(k.procs().spawn(e.lwp().proc(), fd));
  l->claim();
  if (Lwp* old = bound_lwp(k)) old->unclaim();
  bind(k, l);
  return ok();
}

Result<void> lwproc_newlwp(Kernel& k, Pid pid) {
  KernelEntry e(k);
  if (e.lwp_or_null() == nullptr) return Errno::kNoMem;
  Ref<Proc> p = RK_TRY(k.procs().lookup(pid));
  Lwp* l = RK_TRY(k.procs().new_lwp(*p, false));
  l->claim();
  if (Lwp* old = bound_lwp(k)) old->unclaim();
  bind(k, l);
  return ok();
}

void lwproc_switch(Kernel& k, Lwp* l) {
  Lwp* old = bound_lwp(k);
  if (l == old) return;
  if (l != nullptr) {
    if (&l->kernel() != &k) panic(k, "lwproc_switch: lwp %p belongs to another kernel", l);
    if (l->implicit()) panic(k, "lwproc_switch: lwp %p is an implicit lwp", l);
    if (!l->claim()) panic(k, "lwproc_switch: lwp %d of pid %d runs on another thread", l->lid(), l->proc().pid());
  }
  if (old != nullptr) old->unclaim();
  bind(k, l);
}

void lwproc_releaselwp(Kernel& k) {
  Lwp* l = bound_lwp(k);
  if (l == nullptr) return;  // the implicit context has nothing to release
  bind(k, nullptr);
  // The release runs as l itself, on its CPU, which is given back after l is gone.
  Lwp* prev = set_curlwp(l);
  k.sched().schedule(*l);
  Cpu* cpu = l->cpu();
  l->unclaim();
  set_curlwp(nullptr);
  k.procs().release_lwp(l);
  k.sched().release_cpu(*cpu);
  set_curlwp(prev);
}

}  // namespace rk::kern
