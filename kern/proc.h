// Processes inside a kernel. Each has a pid, a parent, credentials, a file descriptor table and
// lwps. proc0 (pid 0) holds the kernel's own threads; the local client — the program that
// links the kernel — is pid 1. rump_pub_lwproc_rfork makes more, as does every remote client.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "kern/cred.h"
#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lib/string.h"
#include "kern/lock.h"
#include "kern/lwp.h"

namespace rk::kern {

class FdTable;
class Kernel;
class Lwp;

using Pid = int32_t;
inline constexpr Pid kPidMax = 4194304;  // Linux's PID_MAX_LIMIT

// Per-process state a component keeps (the VFS: working directory, root, umask). A component
// claims a slot at init with ProcTable::register_slot; a process's slot starts out null (the
// component's defaults), is handed to `fork` when the process forks and to `exit` when it ends.
inline constexpr int kProcSlots = 4;
struct ProcSlotOps {
  // The child's slot, made from the parent's (which may be null). ENOMEM fails the fork.
  Result<void*> (*fork)(void* arg, void* parent_slot);
  void (*exit)(void* arg, void* slot);  // slot is non-null
  void* arg;
};

// How rfork sets up the child's descriptors (NetBSD's RUMP_RFFDG / RUMP_RFCFDG / neither).
enum class FdInherit { kShare, kCopy, kClear };

class Proc final : public RefCounted<Proc> {
 public:
  Kernel& kernel() const { return kernel_; }
  Pid pid() const { return pid_; }
  Pid ppid() const { return ppid_.load(std::memory_order_relaxed); }
  const char* comm() const { return comm_.c_str(); }

  // A copy of the credentials (for checks made without holding the lock).
  Cred cred() const RK_EXCLUDES(lock_);
  // Runs fn(Cred&) on the credentials under the process lock; fn's Result is returned.
  template <typename Fn>
  auto update_cred(Fn&& fn) RK_EXCLUDES(lock_) {
    MutexGuard g(lock_);
    return fn(cred_);
  }

  // Only its lwps use it, and a process has lwps until it exits.
  FdTable& fds() const { return *fds_; }

  // A component's per-process state (see ProcSlotOps); the component keeps it consistent.
  void* slot(int i) const { return slots_[i].load(std::memory_order_acquire); }
  void set_slot(int i, void* v) { slots_[i].store(v, std::memory_order_release); }

  void release_last();

  // The process is on its way out (a remote client that is gone): the interruptible sleeps of
  // its lwps — nanosleep, clock_nanosleep — end with EINTR, now and whenever one begins from
  // then on, as a killed process's would; F_SETLKW waits look at interrupt_word() every 50 ms.
  // Any thread; it cannot be undone.
  void interrupt();
  // The word interruptible sleeps park on (SleepTable): 0, or 1 once interrupted.
  const std::atomic<uint32_t>& interrupt_word() const { return interrupted_; }

 private:
  friend class ProcTable;
  friend class Kmem;
  Proc(Kernel& kernel, Pid pid, Pid ppid, Cred cred, Ref<FdTable> fds);
  ~Proc();

  Kernel& kernel_;
  const Pid pid_;
  std::atomic<Pid> ppid_;
  mutable Mutex lock_;
  Cred cred_ RK_GUARDED_BY(lock_);
  RefPtr<FdTable> fds_;  // null once the process has exited
  FixedString<16> comm_;
  std::atomic<void*> slots_[kProcSlots] = {};
  std::atomic<uint32_t> interrupted_{0};
  // The following belong to ProcTable, under its lock.
  ListNode<Proc> table_node_;
  IntrusiveList<Lwp, &Lwp::proc_node_> lwps_;
  int nlwps_ = 0;
  int next_lid_ = 1;
  bool exited_ = false;
};

// All processes of one kernel: pid allocation, lookup, fork and exit.
class ProcTable {
 public:
  explicit ProcTable(Kernel& kernel);
  ~ProcTable();
  ProcTable(const ProcTable&) = delete;
  ProcTable& operator=(const ProcTable&) = delete;

  // Creates a process whose parent is `parent` (nullptr: none, for proc0), with a copy of the
  // parent's credentials and its descriptors as `fd` says. ENOMEM, EAGAIN (no free pid).
  Result<Ref<Proc>> fork(Proc* parent, FdInherit fd, std::string_view comm) RK_EXCLUDES(lock_);
  // fork, plus the new process's first lwp (which the caller owns); nothing is left behind on
  // failure.
  Result<Lwp*> spawn(Proc& parent, FdInherit fd) RK_EXCLUDES(lock_);
  Result<Ref<Proc>> lookup(Pid pid) RK_EXCLUDES(lock_);

  // Creates an lwp in p. The caller owns the returned lwp until it calls release_lwp.
  Result<Lwp*> new_lwp(Proc& p, bool implicit) RK_EXCLUDES(lock_);
  // Destroys an lwp; the last lwp of a process (other than proc0 and proc1) ends the process:
  // its descriptors are closed and its children move to pid 1.
  void release_lwp(Lwp* l) RK_EXCLUDES(lock_);

  size_t count() const RK_EXCLUDES(lock_);

  // Claims a per-process slot for a component (at its init). ENOSPC when all are taken.
  Result<int> register_slot(const ProcSlotOps& ops) RK_EXCLUDES(lock_);
  void unregister_slot(int i) RK_EXCLUDES(lock_);
  // Ends every process and frees every lwp: the kernel is shutting down.
  void shutdown() RK_EXCLUDES(lock_);

 private:
  Result<Pid> alloc_pid_locked() RK_REQUIRES(lock_);
  void exit_locked(Proc& p) RK_REQUIRES(lock_);
  void finish_exit(Proc& p) RK_EXCLUDES(lock_);

  Kernel& kernel_;
  mutable Mutex lock_;
  IntrusiveList<Proc, &Proc::table_node_> procs_ RK_GUARDED_BY(lock_);
  Pid next_pid_ RK_GUARDED_BY(lock_) = 0;
  ProcSlotOps slot_ops_[kProcSlots] RK_GUARDED_BY(lock_) = {};
  bool slot_used_[kProcSlots] RK_GUARDED_BY(lock_) = {};
};

}  // namespace rk::kern
