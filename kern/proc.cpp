#include "kern/proc.h"

#include "kern/file.h"
#include "kern/kernel.h"
#include "kern/lwp.h"
#include "kern/panic.h"

namespace rk::kern {

Proc::Proc(Kernel& kernel, Pid pid, Pid ppid, Cred cred, Ref<FdTable> fds)
    : kernel_(kernel), pid_(pid), ppid_(ppid), lock_(kernel), cred_(cred), fds_(fds) {}

Proc::~Proc() = default;

Cred Proc::cred() const {
  MutexGuard g(lock_);
  return cred_;
}

void Proc::interrupt() {
  // Sequentially consistent before the wakeup, as SleepTable's wakers must.
  interrupted_.store(1, std::memory_order_seq_cst);
  kernel_.sleepq().wake_all(&interrupted_);
  kernel_.poll_word().changed();  // its pollers look at the interrupt too
}

void Proc::release_last() { kernel_.kmem().destroy(this); }

ProcTable::ProcTable(Kernel& kernel) : kernel_(kernel), lock_(kernel) {}

ProcTable::~ProcTable() = default;

Result<Pid> ProcTable::alloc_pid_locked() {
  // Pids count up and wrap like Linux's, skipping those in use.
  for (Pid tries = 0; tries < kPidMax; ++tries) {
    Pid pid = next_pid_;
    next_pid_ = next_pid_ + 1 >= kPidMax ? 2 : next_pid_ + 1;
    bool used = false;
    for (Proc& p : procs_) {
      if (p.pid_ == pid) {
        used = true;
        break;
      }
    }
    if (!used) return pid;
  }
  return Errno::kAgain;
}

Result<Ref<Proc>> ProcTable::fork(Proc* parent, FdInherit fd, std::string_view comm) {
  Cred cred;
  RefPtr<FdTable> fds;
  if (parent != nullptr) {
    cred = parent->cred();
    switch (fd) {
      case FdInherit::kShare: fds = RefPtr<FdTable>(&parent->fds()); break;
      case FdInherit::kCopy: fds = RK_TRY(parent->fds().copy()); break;
      case FdInherit::kClear: break;
    }
  }
  if (!fds) fds = RK_TRY(FdTable::create(kernel_));

  MutexGuard g(lock_);
  // Components' per-process state, copied from the parent's.
  void* slots[kProcSlots] = {};
  for (int i = 0; i < kProcSlots; ++i) {
    if (!slot_used_[i] || parent == nullptr) continue;
    Result<void*> s = slot_ops_[i].fork(slot_ops_[i].arg, parent->slot(i));
    if (!s.ok()) {
      for (int j = 0; j < i; ++j)
        if (slots[j] != nullptr) slot_ops_[j].exit(slot_ops_[j].arg, slots[j]);
      return s.error();
    }
    slots[i] = s.value();
  }
  Result<Pid> pid_or = alloc_pid_locked();
  if (!pid_or.ok()) {
    for (int j = 0; j < kProcSlots; ++j)
      if (slots[j] != nullptr) slot_ops_[j].exit(slot_ops_[j].arg, slots[j]);
    return pid_or.error();
  }
  Pid pid = pid_or.value();
  Proc* p = kernel_.kmem().create<Proc>(KmFlags::kNoSleep, kernel_, pid,
                                        parent != nullptr ? parent->pid() : 0, cred,
                                        Ref<FdTable>(*fds));
  if (p == nullptr) {
    for (int j = 0; j < kProcSlots; ++j)
      if (slots[j] != nullptr) slot_ops_[j].exit(slot_ops_[j].arg, slots[j]);
    return Errno::kNoMem;
  }
  for (int j = 0; j < kProcSlots; ++j) p->slots_[j].store(slots[j], std::memory_order_relaxed);
  p->comm_.assign(comm.substr(0, p->comm_.capacity()));
  procs_.push_back(*p);
  p->ref();  // the table's reference, dropped when the process exits
  return Ref<Proc>::adopt(*p);
}

Result<Lwp*> ProcTable::spawn(Proc& parent, FdInherit fd) {
  Ref<Proc> p = RK_TRY(fork(&parent, fd, parent.comm()));
  Result<Lwp*> l = new_lwp(*p, false);
  if (!l.ok()) {
    {
      MutexGuard g(lock_);
      exit_locked(*p);
    }
    finish_exit(*p);
  }
  return l;
}

Result<Ref<Proc>> ProcTable::lookup(Pid pid) {
  MutexGuard g(lock_);
  for (Proc& p : procs_)
    if (p.pid_ == pid && !p.exited_) return Ref<Proc>(p);
  return Errno::kSrch;
}

Result<Lwp*> ProcTable::new_lwp(Proc& p, bool implicit) {
  MutexGuard g(lock_);
  if (p.exited_) return Errno::kSrch;
  Lwp* l = kernel_.kmem().create<Lwp>(KmFlags::kNoSleep, p, p.next_lid_, implicit);
  if (l == nullptr) return Errno::kNoMem;
  p.next_lid_++;
  p.nlwps_++;
  p.lwps_.push_back(*l);
  return l;
}

void ProcTable::release_lwp(Lwp* l) {
  Proc& p = l->proc();  // kept alive by l until l is destroyed
  bool exits = false;
  {
    MutexGuard g(lock_);
    p.lwps_.remove(*l);
    // proc0 and the local client live as long as the kernel.
    exits = --p.nlwps_ == 0 && p.pid_ > 1;
    if (exits) exit_locked(p);
  }
  if (exits) finish_exit(p);
  kernel_.kmem().destroy(l);
}

void ProcTable::exit_locked(Proc& p) {
  p.exited_ = true;
  for (Proc& child : procs_)
    if (child.ppid() == p.pid_) child.ppid_.store(1, std::memory_order_relaxed);
  procs_.remove(p);
}

Result<int> ProcTable::register_slot(const ProcSlotOps& ops) {
  MutexGuard g(lock_);
  for (int i = 0; i < kProcSlots; ++i) {
    if (!slot_used_[i]) {
      slot_used_[i] = true;
      slot_ops_[i] = ops;
      return i;
    }
  }
  return Errno::kNoSpc;
}

void ProcTable::unregister_slot(int i) {
  // The component is going away: release its state in every process first.
  for (;;) {
    void* s = nullptr;
    ProcSlotOps ops;
    {
      MutexGuard g(lock_);
      ops = slot_ops_[i];
      for (Proc& p : procs_) {
        s = p.slots_[i].exchange(nullptr, std::memory_order_acq_rel);
        if (s != nullptr) break;
      }
      if (s == nullptr) {
        slot_used_[i] = false;
        slot_ops_[i] = {};
        return;
      }
    }
    ops.exit(ops.arg, s);
  }
}

void ProcTable::finish_exit(Proc& p) {
  // Components' per-process state goes first: it may hold files and directories.
  for (int i = 0; i < kProcSlots; ++i) {
    void* s = p.slots_[i].exchange(nullptr, std::memory_order_acq_rel);
    if (s == nullptr) continue;
    ProcSlotOps ops;
    {
      MutexGuard g(lock_);
      ops = slot_ops_[i];
    }
    ops.exit(ops.arg, s);
  }
  // The process's POSIX record locks go with it, on every file it still has open (the table
  // may live on in a process that shares it).
  if (p.fds_) p.fds_->for_each_file([&p](File& f) { f.on_close(p); });
  // The process lets go of its descriptor table; the table closes its files when its last
  // sharer lets go. Closing may block and take other locks: outside the table's lock.
  p.fds_.reset();
  p.unref();  // the table's reference
}

size_t ProcTable::count() const {
  MutexGuard g(lock_);
  return procs_.size();
}

void ProcTable::shutdown() {
  for (;;) {
    Lwp* l = nullptr;
    {
      MutexGuard g(lock_);
      for (Proc& p : procs_) {
        if (!p.lwps_.empty()) {
          l = p.lwps_.front();
          break;
        }
      }
    }
    if (l == nullptr) break;
    release_lwp(l);
  }
  // Processes without lwps (proc0, proc1): end them too.
  for (;;) {
    Proc* p;
    {
      MutexGuard g(lock_);
      p = procs_.front();
      if (p == nullptr) break;
      exit_locked(*p);
    }
    finish_exit(*p);
  }
}

}  // namespace rk::kern
