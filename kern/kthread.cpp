#include "kern/kthread.h"

#include "kern/kernel.h"
#include "kern/lwp.h"
#include "kern/sched.h"

namespace rk::kern {

class KThread {
 public:
  Kernel* kernel;
  Lwp* lwp;  // owned: released when the thread ends (detached) or is joined
  KThreadFn fn;
  void* arg;
  bool joinable;
  rumpuser_thread* host = nullptr;
};

namespace {

void* trampoline(void* p) {
  auto* t = static_cast<KThread*>(p);
  Kernel& k = *t->kernel;
  set_curlwp(t->lwp);
  k.sched().schedule(*t->lwp);
  t->fn(t->arg);
  if (t->joinable) {
    k.sched().unschedule(*t->lwp);
    set_curlwp(nullptr);
    return nullptr;
  }
  // A detached thread frees itself, on its CPU (kernel locks are taken only there).
  Cpu* cpu = t->lwp->cpu();
  k.procs().release_lwp(t->lwp);
  set_curlwp(nullptr);
  k.kmem().destroy(t);
  k.sched().release_cpu(*cpu);
  k.kthreads().fetch_sub(1, std::memory_order_release);  // the last touch of k
  return nullptr;
}

}  // namespace

Result<KThread*> kthread_create(Kernel& k, const char* name, KThreadFn fn, void* arg,
                                bool joinable) {
  Lwp* l = RK_TRY(k.procs().new_lwp(k.proc0(), false));
  l->set_name(name);
  l->claim();
  KThread* t = k.kmem().create<KThread>(KmFlags::kNoSleep, KThread{&k, l, fn, arg, joinable});
  if (t == nullptr) {
    k.procs().release_lwp(l);
    return Errno::kNoMem;
  }
  k.kthreads().fetch_add(1, std::memory_order_relaxed);
  // Only a joinable thread's handle is kept: a detached one may be gone before we look at it.
  rumpuser_thread* host = nullptr;
  int rv = k.hyp().ops().thread_create(k.hyp().host(), trampoline, t, name, joinable ? 1 : 0,
                                       &host);
  if (rv != 0) {
    k.kthreads().fetch_sub(1, std::memory_order_relaxed);
    k.procs().release_lwp(l);
    k.kmem().destroy(t);
    return static_cast<Errno>(rv);
  }
  if (joinable) t->host = host;
  return t;
}

void kthread_join(KThread* t) {
  Kernel& k = *t->kernel;
  {
    Unscheduled off;
    k.hyp().ops().thread_join(k.hyp().host(), t->host);
  }
  k.procs().release_lwp(t->lwp);
  k.kmem().destroy(t);
  k.kthreads().fetch_sub(1, std::memory_order_release);
}

}  // namespace rk::kern
