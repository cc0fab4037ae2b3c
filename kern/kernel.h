// A rump kernel instance. The Kernel object owns everything the kernel has — memory account,
// virtual CPUs, processes, timers, components' state, names — so that any number of kernels
// live side by side in one process (DESIGN.md §3). Nothing in kernel code is global.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "kern/callout.h"
#include "kern/hyp.h"
#include "kern/epoch.h"
#include "kern/kmem.h"
#include "kern/lib/result.h"
#include "kern/lib/string.h"
#include "kern/lock.h"
#include "kern/log.h"
#include "kern/params.h"
#include "kern/poll.h"
#include "kern/proc.h"
#include "kern/sched.h"
#include "kern/sleepq.h"
#include "kern/syscall.h"
#include "kern/workqueue.h"

namespace rk::kern {

struct Component;
struct EtfsOps;

inline constexpr size_t kHostNameMax = 64;  // Linux's __NEW_UTS_LEN

enum class HaltHow { kHalt, kPowerOff, kRestart };

class Kernel {
 public:
  // Boots a kernel on `ops`. Errors: EINVAL (an ops table of another version), ENOMEM (the
  // memory limit is too small to boot), and whatever a component's init returns. On failure
  // nothing is left behind.
  static Result<Kernel*> create(const rumpuser_ops& ops, const BootParams& params);
  // Halts the kernel if it is running (components shut down, threads stopped) and frees it.
  // Called from outside the kernel, with no client thread still inside it.
  static void destroy(Kernel* k);

  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  Hyp& hyp() { return hyp_; }
  Kmem& kmem() { return kmem_; }
  Scheduler& sched() { return sched_; }
  SleepTable& sleepq() { return sleepq_; }
  PollWord& poll_word() { return poll_word_; }  // poll(2)'s sleepers (kern/poll.h)
  Epoch& epoch() { return epoch_; }
  MsgLog& log() { return log_; }
  ProcTable& procs() { return procs_; }
  CalloutQueue& callouts() { return callouts_; }
  WorkQueue& workqueue() { return workq_; }  // the kernel's general-purpose queue
  const BootParams& params() const { return params_; }
  bool uniprocessor() const { return sched_.uniprocessor(); }

  Proc& proc0() { return *proc0_; }  // the kernel's own threads
  Proc& proc1() { return *proc1_; }  // the local client

  // Nanoseconds since this kernel booted (its CLOCK_MONOTONIC and CLOCK_BOOTTIME).
  int64_t uptime_ns() const { return hyp_.monotonic_ns() - boot_ns_; }
  int64_t boot_ns() const { return boot_ns_; }

  // The names uname() reports. Setters: EINVAL when too long.
  void hostname(char* out, size_t len) const RK_EXCLUDES(names_lock_);
  Result<void> set_hostname(std::string_view name) RK_EXCLUDES(names_lock_);
  void domainname(char* out, size_t len) const RK_EXCLUDES(names_lock_);
  Result<void> set_domainname(std::string_view name) RK_EXCLUDES(names_lock_);

  // State a component keeps in this kernel (its init's result); nullptr if not attached.
  void* component_state(const Component& c) const;
  bool has_component(const char* name) const;

  // The handler of system call nr in this kernel (nullptr: ENOSYS).
  SyscallFn syscall_handler(unsigned nr) const {
    return nr < kSyscallMax ? handlers_[nr] : nullptr;
  }

  // reboot(2): shuts the components down; later system calls fail with ENXIO. Idempotent.
  void halt(HaltHow how);
  bool halted() const { return halted_.load(std::memory_order_acquire); }
  bool ctrl_alt_del() const { return cad_.load(std::memory_order_relaxed); }
  void set_ctrl_alt_del(bool on) { cad_.store(on, std::memory_order_relaxed); }

  // Kernel threads alive now (kthread.cpp keeps the count).
  std::atomic<int>& kthreads() { return kthreads_; }
  // Host callbacks that will still touch the kernel (an asynchronous I/O completion wakes a
  // sleeper through the sleep table): begin before handing the callback to the host, end as
  // the callback's very last action. Destroying the kernel waits for them.
  void host_callback_begin() { host_callbacks_.fetch_add(1, std::memory_order_acq_rel); }
  void host_callback_end() { host_callbacks_.fetch_sub(1, std::memory_order_release); }

  // etfs's operations (kern/etfs_hook.h), installed by the component that implements them while
  // it is attached; nullptr: the kernel has no etfs. The table is constant and outlives the
  // kernel (it lives in the component's library).
  const EtfsOps* etfs_ops() const { return etfs_ops_.load(std::memory_order_acquire); }
  void set_etfs_ops(const EtfsOps* ops) { etfs_ops_.store(ops, std::memory_order_release); }

 private:
  struct Attached {
    const Component* component;
    void* state;
  };

  Kernel(const rumpuser_ops& ops, const BootParams& params, int64_t boot_ns);
  ~Kernel();
  Result<void> boot();
  Result<void> attach_components();
  void detach_components();
  void shutdown();

  Hyp hyp_;
  const BootParams params_;
  const int64_t boot_ns_;
  Kmem kmem_;
  SleepTable sleepq_;
  PollWord poll_word_{sleepq_};
  Scheduler sched_;
  Epoch epoch_;
  MsgLog log_;
  ProcTable procs_;
  CalloutQueue callouts_;
  WorkQueue workq_;

  RefPtr<Proc> proc0_;
  RefPtr<Proc> proc1_;
  Lwp* lwp0_ = nullptr;  // the lwp boot and shutdown run as; owned by proc0

  mutable Mutex names_lock_;
  FixedString<kHostNameMax + 1> hostname_ RK_GUARDED_BY(names_lock_);
  FixedString<kHostNameMax + 1> domainname_ RK_GUARDED_BY(names_lock_);

  Attached* attached_ = nullptr;  // in init order
  uint32_t nattached_ = 0;
  uint32_t attached_cap_ = 0;
  void** states_ = nullptr;  // by Component::index, for component_state()
  uint32_t nstates_ = 0;
  const SyscallFn* handlers_;  // kSyscallMax entries
  bool own_handlers_ = false;      // handlers_ was allocated (components add calls)

  std::atomic<bool> halted_{false};
  std::atomic<bool> cad_{true};
  std::atomic<int> kthreads_{0};
  std::atomic<int> host_callbacks_{0};
  std::atomic<const EtfsOps*> etfs_ops_{nullptr};
};

}  // namespace rk::kern
