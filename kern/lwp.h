// Light-weight processes: the kernel's view of a thread. Every host thread inside a kernel runs
// as an lwp of some process. An lwp is either bound (created by rump_pub_lwproc_*, or a kernel
// thread; it stays with its thread until released) or implicit (lent to a thread for one entry
// into the kernel, belonging to the local client process).
#pragma once

#include <atomic>

#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lib/string.h"

// Thread-locals on the system call path use the initial-exec model: one instruction to reach,
// instead of a call into the dynamic linker. Only small ones: a library loaded with dlopen
// gets its initial-exec variables from a small reserve.
#define RK_TLS_FAST __attribute__((tls_model("initial-exec")))

namespace rk::kern {

class Kernel;
class Proc;
struct Cpu;

class Lwp {
 public:
  Lwp(Proc& proc, int lid, bool implicit);
  ~Lwp();
  Lwp(const Lwp&) = delete;
  Lwp& operator=(const Lwp&) = delete;

  Kernel& kernel() const;
  Proc& proc() const { return *proc_; }
  int lid() const { return lid_; }
  bool implicit() const { return implicit_; }
  Cpu* cpu() const { return cpu_; }
  Cpu* last_cpu() const { return last_cpu_; }
  const char* name() const { return name_.c_str(); }
  void set_name(std::string_view name) { name_.assign(name.substr(0, name_.capacity())); }

  // Claims the lwp for the calling thread; false when another thread runs as it.
  bool claim() { return !on_thread_.exchange(true, std::memory_order_acquire); }
  void unclaim() { on_thread_.store(false, std::memory_order_release); }

 private:
  friend class Scheduler;
  friend class Proc;
  friend class ProcTable;

  Ref<Proc> proc_;  // an lwp keeps its process alive
  const int lid_;
  const bool implicit_;
  Cpu* cpu_ = nullptr;       // the CPU it runs on, while it runs
  Cpu* last_cpu_ = nullptr;  // where it ran last: tried first next time
  std::atomic<bool> on_thread_{false};
  FixedString<16> name_;
  ListNode<Lwp> proc_node_;  // in Proc::lwps_
};

// The lwp the calling host thread runs as, while it is inside a kernel; nullptr outside.
// (The one piece of per-thread kernel state, DESIGN.md §3.)
extern RK_TLS_FAST thread_local Lwp* t_curlwp;
inline Lwp* curlwp() { return t_curlwp; }
// Sets it (kernel entry and exit, kernel thread start); returns the previous value.
inline Lwp* set_curlwp(Lwp* l) {
  Lwp* prev = t_curlwp;
  t_curlwp = l;
  return prev;
}

}  // namespace rk::kern
