#include "kern/kernel.h"

#include <new>

#include "kern/component.h"
#include "kern/file.h"
#include "kern/lib/format.h"
#include "kern/lwp.h"
#include "kern/panic.h"

namespace rk::kern {

Kernel::Kernel(const rumpuser_ops& ops, const BootParams& params, int64_t boot_ns)
    : hyp_(ops),
      params_(params),
      boot_ns_(boot_ns),
      kmem_(*this, hyp_, params.memlimit),
      sleepq_(hyp_),
      sched_(hyp_, kmem_),
      epoch_(*this),
      log_(hyp_, kmem_, boot_ns, params.verbose),
      procs_(*this),
      callouts_(*this),
      workq_(*this, "kworker"),
      names_lock_(*this),
      hostname_("rump"),
      domainname_("(none)"),
      handlers_(base_syscall_handlers()) {}

Kernel::~Kernel() = default;

Result<Kernel*> Kernel::create(const rumpuser_ops& ops, const BootParams& params) {
  if (ops.version != RUMPUSER_VERSION) {
    char line[128];
    format(line, sizeof line, "rump: host interface version %u, kernel needs %u\n", ops.version,
           RUMPUSER_VERSION);
    ops.putstr(ops.host, line, str_length(line));
    return Errno::kInval;
  }
  void* mem = nullptr;
  if (ops.malloc(ops.host, sizeof(Kernel), alignof(Kernel), &mem) != 0) return Errno::kNoMem;
  int64_t sec = 0;
  long nsec = 0;
  ops.clock_gettime(ops.host, RUMPUSER_CLOCK_ABSMONO, &sec, &nsec);
  auto* k = new (mem) Kernel(ops, params, sec * 1000000000 + nsec);
  k->kmem_.charge(sizeof(Kernel));
  Result<void> booted = k->boot();
  if (!booted.ok()) {
    destroy(k);
    return booted.error();
  }
  return k;
}

Result<void> Kernel::boot() {
  if (params_.memlimit != 0 && kmem_.used() > params_.memlimit) return Errno::kNoMem;
  RK_TRY(sleepq_.init());
  RK_TRY(sched_.init(params_.ncpu));
  epoch_.init();

  // Boot runs as lwp0 of proc0 on a virtual CPU, like any other kernel code.
  Ref<Proc> p0 = RK_TRY(procs_.fork(nullptr, FdInherit::kClear, "kernel"));
  proc0_ = p0;
  lwp0_ = RK_TRY(procs_.new_lwp(*proc0_, false));
  lwp0_->set_name("lwp0");
  lwp0_->claim();
  Lwp* prev = set_curlwp(lwp0_);
  sched_.schedule(*lwp0_);
  Result<void> rv = [&]() -> Result<void> {
    Ref<Proc> p1 = RK_TRY(procs_.fork(proc0_.get(), FdInherit::kClear, "rump_client"));
    proc1_ = p1;
    char limit[32];
    if (params_.memlimit == 0) format(limit, sizeof limit, "none");
    else format(limit, sizeof limit, "%llu bytes", static_cast<unsigned long long>(params_.memlimit));
    log_.log(LogLevel::kInfo, "Anykernel 0.1.0 booting: %u virtual CPU%s, memory limit %s",
             params_.ncpu, params_.ncpu == 1 ? "" : "s", limit);
    RK_TRY(attach_components());
    log_.log(LogLevel::kInfo, "kernel up in %lld us, %u component%s",
             static_cast<long long>(uptime_ns() / 1000), nattached_, nattached_ == 1 ? "" : "s");
    return ok();
  }();
  sched_.unschedule(*lwp0_);
  set_curlwp(prev);
  return rv;
}

void Kernel::destroy(Kernel* k) {
  const rumpuser_ops& ops = k->hyp_.ops();
  if (k->lwp0_ != nullptr) {
    Lwp* prev = set_curlwp(k->lwp0_);
    k->sched_.schedule(*k->lwp0_);
    k->halt(HaltHow::kHalt);
    k->sched_.unschedule(*k->lwp0_);
    set_curlwp(prev);
  }
  // Nothing runs in the kernel any more, but a host thread may be finishing a completion.
  while (k->host_callbacks_.load(std::memory_order_acquire) != 0)
    ops.clock_sleep(ops.host, RUMPUSER_CLOCK_RELWALL, 0, 100000);
  // Tear the rest down single-threaded.
  k->epoch_.drain();  // a kernel that never booted far enough to halt
  k->procs_.shutdown();
  k->lwp0_ = nullptr;
  k->proc0_.reset();
  k->proc1_.reset();
  if (k->own_handlers_)
    k->kmem_.free(const_cast<SyscallFn*>(k->handlers_), sizeof(SyscallFn) * kSyscallMax);
  k->kmem_.uncharge(sizeof(Kernel));
  k->~Kernel();
  ops.free(ops.host, k, sizeof(Kernel));
}

void Kernel::halt(HaltHow how) {
  if (halted_.exchange(true, std::memory_order_acq_rel)) return;
  static constexpr const char* kHow[] = {"halting", "powering off", "restarting (as a halt)"};
  log_.log(LogLevel::kInfo, "%s after %lld ms", kHow[static_cast<int>(how)],
           static_cast<long long>(uptime_ns() / 1000000));
  detach_components();
  epoch_.drain();  // what components retired, freed while their code is still here
  callouts_.shutdown();
  workq_.shutdown();
  // Components join their own threads in fini; one still running now would use freed memory.
  int left = kthreads_.load(std::memory_order_acquire);
  for (int i = 0; left != 0 && i < 5000; ++i) {
    {
      Unscheduled off;
      hyp_.ops().clock_sleep(hyp_.host(), RUMPUSER_CLOCK_RELWALL, 0, 1000000);
    }
    left = kthreads_.load(std::memory_order_acquire);
  }
  if (left != 0) panic(*this, "halt: %d kernel thread%s still running", left, left == 1 ? "" : "s");
  log_.log(LogLevel::kInfo, "halted");
}

Result<void> Kernel::attach_components() {
  // Snapshot the catalogue: components loaded from now on join later kernels.
  // One head for both walks: a library loaded meanwhile pushes in front of it and is left out.
  Component* const head = catalogue_head();
  uint32_t n = 0;
  uint32_t max_index = 0;
  for (Component* c = head; c != nullptr; c = c->next) {
    ++n;
    if (c->index > max_index) max_index = c->index;
  }
  if (n == 0) return ok();
  auto** all = static_cast<Component**>(kmem_.alloc(sizeof(Component*) * n));
  auto* mark = static_cast<uint8_t*>(kmem_.zalloc(max_index + 1));
  attached_ = static_cast<Attached*>(kmem_.alloc(sizeof(Attached) * n));
  attached_cap_ = attached_ != nullptr ? n : 0;
  states_ = static_cast<void**>(kmem_.zalloc(sizeof(void*) * (max_index + 1)));
  nstates_ = max_index + 1;
  auto cleanup = [&] {
    if (all != nullptr) kmem_.free(all, sizeof(Component*) * n);
    if (mark != nullptr) kmem_.free(mark, max_index + 1);
  };
  if (states_ == nullptr) nstates_ = 0;
  if (all == nullptr || mark == nullptr || attached_ == nullptr || states_ == nullptr) {
    cleanup();
    return Errno::kNoMem;
  }
  uint32_t i = 0;
  for (Component* c = head; c != nullptr && i < n; c = c->next) all[i++] = c;

  // Depth-first: a component is initialised after everything it depends on. The order of the
  // catalogue is reversed first, so components linked earlier come first among equals.
  Result<void> result = ok();
  struct Frame {
    Component* c;
    size_t next_dep;
  };
  Frame stack[64];
  for (uint32_t j = n; j-- > 0 && result.ok();) {
    if (mark[all[j]->index] == 2) continue;
    int depth = 0;
    stack[depth++] = {all[j], 0};
    mark[all[j]->index] = 1;
    while (depth > 0 && result.ok()) {
      Frame& f = stack[depth - 1];
      if (f.next_dep < f.c->depends.size()) {
        const char* dep_name = f.c->depends[f.next_dep++];
        Component* dep = nullptr;
        for (uint32_t m = 0; m < n; ++m)
          if (std::string_view(all[m]->name) == dep_name) dep = all[m];
        if (dep == nullptr) {
          log_.log(LogLevel::kErr, "component %s needs %s, which is not loaded", f.c->name, dep_name);
          result = Errno::kNoEnt;
        } else if (mark[dep->index] == 1 || depth == 64) {
          log_.log(LogLevel::kErr, "component %s: dependency cycle through %s", f.c->name, dep_name);
          result = Errno::kInval;
        } else if (mark[dep->index] == 0) {
          mark[dep->index] = 1;
          stack[depth++] = {dep, 0};
        }
        continue;
      }
      // Every dependency is up: initialise this one.
      Component* c = f.c;
      --depth;
      mark[c->index] = 2;
      Result<void*> state = c->init(*this);
      if (!state.ok()) {
        log_.log(LogLevel::kErr, "component %s failed to initialise: %s", c->name,
                 errno_name(state.error()));
        result = state.error();
        break;
      }
      attached_[nattached_++] = {c, state.value()};
      states_[c->index] = state.value();
    }
  }
  cleanup();
  if (!result.ok()) return result;

  // Components that implement system calls get a dispatch table of this kernel's own.
  bool adds_calls = false;
  for (uint32_t a = 0; a < nattached_; ++a) adds_calls |= !attached_[a].component->syscalls.empty();
  if (adds_calls) {
    auto* table = static_cast<SyscallFn*>(kmem_.alloc(sizeof(SyscallFn) * kSyscallMax));
    if (table == nullptr) return Errno::kNoMem;
    for (unsigned nr = 0; nr < kSyscallMax; ++nr) table[nr] = handlers_[nr];
    for (uint32_t a = 0; a < nattached_; ++a)
      for (const ComponentSyscall& s : attached_[a].component->syscalls)
        if (s.nr < kSyscallMax) table[s.nr] = s.fn;
    handlers_ = table;
    own_handlers_ = true;
  }
  return ok();
}

void Kernel::detach_components() {
  while (nattached_ > 0) {
    Attached& a = attached_[--nattached_];
    if (a.component->fini != nullptr) a.component->fini(*this, a.state);
    states_[a.component->index] = nullptr;
  }
  if (attached_ != nullptr) {
    // attached_ was sized for every component in the catalogue at boot.
    kmem_.free(attached_, sizeof(Attached) * attached_cap_);
    attached_ = nullptr;
  }
  if (states_ != nullptr) {
    kmem_.free(states_, sizeof(void*) * nstates_);
    states_ = nullptr;
    nstates_ = 0;
  }
}

void* Kernel::component_state(const Component& c) const {
  return c.index < nstates_ ? states_[c.index] : nullptr;
}

bool Kernel::has_component(const char* name) const {
  for (uint32_t i = 0; i < nattached_; ++i)
    if (std::string_view(attached_[i].component->name) == name) return true;
  return false;
}

void Kernel::hostname(char* out, size_t len) const {
  MutexGuard g(names_lock_);
  str_copy(out, hostname_.view(), len);
}

Result<void> Kernel::set_hostname(std::string_view name) {
  MutexGuard g(names_lock_);
  if (!hostname_.assign(name)) return Errno::kInval;
  return ok();
}

void Kernel::domainname(char* out, size_t len) const {
  MutexGuard g(names_lock_);
  str_copy(out, domainname_.view(), len);
}

Result<void> Kernel::set_domainname(std::string_view name) {
  MutexGuard g(names_lock_);
  if (!domainname_.assign(name)) return Errno::kInval;
  return ok();
}

}  // namespace rk::kern
