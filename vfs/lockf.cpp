#include "vfs/lockf.h"

#include <limits>

#include "kern/file.h"
#include "kern/kernel.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "vfs/vfile.h"
#include "vfs/vnode.h"

namespace rk::vfs {
namespace {

constexpr int64_t kOffsetMax = std::numeric_limits<int64_t>::max();  // Linux's OFFSET_MAX
constexpr int kMaxDeadlkIterations = 10;                              // as Linux's
// How often an F_SETLKW waiter looks whether its process was interrupted.
constexpr int64_t kInterruptPollNs = 50'000'000;

// Who holds a lock: a process (POSIX) or an open file (OFD).
struct Owner {
  uintptr_t id = 0;  // the pid, or the open file's address
  bool ofd = false;
  bool operator==(const Owner&) const = default;
};

}  // namespace

class RecordLocks {
 public:
  struct Lock {
    int64_t start;
    int64_t end;  // inclusive; kOffsetMax: to the end of any file
    int16_t type;
    Owner owner;
    kern::Pid pid;  // what F_GETLK reports as l_pid (-1 for OFD locks)
    Lock* next;
  };

  explicit RecordLocks(kern::Kernel& k) : kernel_(k), lock_(k), changed_(k) {}
  ~RecordLocks();
  RecordLocks(const RecordLocks&) = delete;
  RecordLocks& operator=(const RecordLocks&) = delete;

  // The first lock (in Linux's list order) of another owner that conflicts with a `type` lock
  // over [start, end] by o; false if there is none.
  bool test(Owner o, int16_t type, int64_t start, int64_t end, Lock& out) RK_EXCLUDES(lock_);
  // Sets (F_RDLCK, F_WRLCK) or clears (F_UNLCK) o's lock over [start, end]. EAGAIN (a
  // conflict, !wait), EDEADLK, ENOLCK; EINTR when `interrupted` (the caller's process's
  // Proc::interrupt_word) becomes non-zero while it waits.
  Result<void> set(Owner o, kern::Pid pid, int16_t type, int64_t start, int64_t end, bool wait,
                   const std::atomic<uint32_t>* interrupted = nullptr) RK_EXCLUDES(lock_);
  // Drops all of o's locks.
  void release(Owner o) RK_EXCLUDES(lock_);

 private:
  // An F_SETLKW caller asleep (POSIX owners only, as Linux's blocked_hash).
  struct Waiter {
    Owner waiting;
    Owner blocker;
    Waiter* next;
  };

  Lock* conflict_locked(Owner o, int16_t type, int64_t start, int64_t end) RK_REQUIRES(lock_);
  bool deadlock_locked(Owner o, Owner blocker) RK_REQUIRES(lock_);
  void apply_locked(Owner o, kern::Pid pid, int16_t type, int64_t start, int64_t end,
                    Lock* spare[2]) RK_REQUIRES(lock_);
  void free_lock(Lock* x) { kernel_.kmem().destroy(x); }

  kern::Kernel& kernel_;
  kern::Mutex lock_;
  kern::CondVar changed_;  // broadcast when locks go or change
  // Linux's order: each owner's locks together, sorted by start; a new owner's at the end.
  Lock* head_ RK_GUARDED_BY(lock_) = nullptr;
  Waiter* waiters_ RK_GUARDED_BY(lock_) = nullptr;
};

RecordLocks::~RecordLocks() {
  // Nobody can reach the list any more (the vnode is going).
  Lock* x = head_;
  while (x != nullptr) {
    Lock* next = x->next;
    free_lock(x);
    x = next;
  }
}

RecordLocks::Lock* RecordLocks::conflict_locked(Owner o, int16_t type, int64_t start,
                                                int64_t end) {
  for (Lock* x = head_; x != nullptr; x = x->next) {
    if (x->owner == o || x->end < start || x->start > end) continue;
    if (type == kFWrlck || x->type == kFWrlck) return x;
  }
  return nullptr;
}

bool RecordLocks::deadlock_locked(Owner o, Owner blocker) {
  // Follows "blocker waits for an owner that waits for ..." until it comes back to o.
  for (int i = 0; i <= kMaxDeadlkIterations; ++i) {
    Waiter* w = waiters_;
    while (w != nullptr && !(w->waiting == blocker)) w = w->next;
    if (w == nullptr) return false;
    if (w->blocker == o) return true;
    blocker = w->blocker;
  }
  return false;
}

bool RecordLocks::test(Owner o, int16_t type, int64_t start, int64_t end, Lock& out) {
  kern::MutexGuard g(lock_);
  Lock* c = conflict_locked(o, type, start, end);
  if (c == nullptr) return false;
  out = *c;
  return true;
}

void RecordLocks::apply_locked(Owner o, kern::Pid pid, int16_t type, int64_t start,
                               int64_t end, Lock* spare[2]) {
  auto take_spare = [&]() -> Lock* {
    for (int i = 0; i < 2; ++i) {
      if (spare[i] != nullptr) {
        Lock* x = spare[i];
        spare[i] = nullptr;
        return x;
      }
    }
    return nullptr;  // not reached: at most two new entries are needed
  };

  // Take o's locks out of the list; `pos` is where they go back.
  Lock** pos = &head_;
  while (*pos != nullptr && !((*pos)->owner == o)) pos = &(*pos)->next;
  Lock* chain = nullptr;
  Lock** chain_tail = &chain;
  while (*pos != nullptr && (*pos)->owner == o) {
    Lock* x = *pos;
    *pos = x->next;
    x->next = nullptr;
    *chain_tail = x;
    chain_tail = &x->next;
  }

  // The new chain, in order of start: what o held outside [start, end], and the new lock.
  Lock* out = nullptr;
  Lock** out_tail = &out;
  auto append = [&](Lock* x) {
    x->next = nullptr;
    *out_tail = x;
    out_tail = &x->next;
  };
  Lock* fresh = nullptr;
  if (type != kFUnlck) {
    fresh = take_spare();
    *fresh = Lock{start, end, type, o, pid, nullptr};
  }
  auto place_fresh = [&]() {
    if (fresh != nullptr) {
      append(fresh);
      fresh = nullptr;
    }
  };
  for (Lock* x = chain; x != nullptr;) {
    Lock* next = x->next;
    if (x->end < start) {
      append(x);
    } else if (x->start > end) {
      place_fresh();
      append(x);
    } else {
      bool keep_left = x->start < start;
      bool keep_right = x->end > end;
      Lock* right = nullptr;
      if (keep_right) {
        right = keep_left ? take_spare() : x;
        if (keep_left) *right = *x;
        right->start = end + 1;  // end < x->end: no overflow
      }
      if (keep_left) {
        x->end = start - 1;  // start > x->start >= 0
        append(x);
      } else if (!keep_right) {
        free_lock(x);
      }
      if (right != nullptr) {
        place_fresh();
        append(right);
      }
    }
    x = next;
  }
  place_fresh();

  // Neighbours of the same type merge (Linux coalesces adjacent locks of one owner).
  for (Lock* a = out; a != nullptr && a->next != nullptr;) {
    Lock* b = a->next;
    if (a->type == b->type && a->end != kOffsetMax && a->end + 1 == b->start) {
      a->end = b->end;
      a->next = b->next;
      free_lock(b);
    } else {
      a = b;
    }
  }
  // Back where o's locks were (at the end for a new owner).
  if (out != nullptr) {
    Lock* t = out;
    while (t->next != nullptr) t = t->next;
    t->next = *pos;
    *pos = out;
  }
}

Result<void> RecordLocks::set(Owner o, kern::Pid pid, int16_t type, int64_t start, int64_t end,
                              bool wait, const std::atomic<uint32_t>* interrupted) {
  kern::Kmem& km = kernel_.kmem();
  // An owner's change needs at most two new entries (a lock split in two, and the new one);
  // they are allocated first, so a change is all or nothing.
  Lock* spare[2] = {km.create<Lock>(kern::KmFlags::kNoSleep),
                    km.create<Lock>(kern::KmFlags::kNoSleep)};
  Result<void> r = ok();
  if (spare[0] == nullptr || spare[1] == nullptr) {
    r = Errno::kNoLck;
  } else {
    kern::MutexGuard g(lock_);
    if (type != kFUnlck) {
      Waiter w{o, {}, nullptr};
      bool queued = false;
      for (;;) {
        Lock* c = conflict_locked(o, type, start, end);
        if (c == nullptr) break;
        if (!wait) {
          r = Errno::kAgain;
          break;
        }
        if (!o.ofd && deadlock_locked(o, c->owner)) {
          r = Errno::kDeadLk;
          break;
        }
        if (interrupted != nullptr && interrupted->load(std::memory_order_seq_cst) != 0) {
          r = Errno::kIntr;  // a dead remote client's wait: it must not take the lock later
          break;
        }
        w.blocker = c->owner;
        if (!queued && !o.ofd) {
          w.next = waiters_;
          waiters_ = &w;
          queued = true;
        }
        // Gives the CPU back. An interrupt does not signal changed_ (Proc::interrupt knows no
        // lock), so the waiter looks at its process now and then.
        changed_.wait_for(lock_, kInterruptPollNs);
      }
      if (queued) {
        Waiter** p = &waiters_;
        while (*p != &w) p = &(*p)->next;
        *p = w.next;
      }
    }
    if (r.ok()) {
      apply_locked(o, pid, type, start, end, spare);
      changed_.broadcast();
    }
  }
  for (Lock* x : spare)
    if (x != nullptr) free_lock(x);
  return r;
}

void RecordLocks::release(Owner o) {
  kern::MutexGuard g(lock_);
  bool any = false;
  for (Lock** p = &head_; *p != nullptr;) {
    if ((*p)->owner == o) {
      Lock* x = *p;
      *p = x->next;
      free_lock(x);
      any = true;
    } else {
      p = &(*p)->next;
    }
  }
  if (any) changed_.broadcast();
}

namespace {

Result<RecordLocks*> locks_of(Vnode& v) {
  if (RecordLocks* rl = v.record_locks()) return rl;
  kern::Kmem& km = v.kernel().kmem();
  RecordLocks* rl = km.create<RecordLocks>(kern::KmFlags::kNoSleep, v.kernel());
  if (rl == nullptr) return Errno::kNoLck;
  RecordLocks* in_place = v.install_record_locks(rl);
  if (in_place != rl) km.destroy(rl);  // another thread made one first
  return in_place;
}

struct Range {
  int64_t start;
  int64_t end;
};

// Linux's flock_to_posix_lock, without the type: the byte range l_whence, l_start and l_len
// name. EINVAL, EOVERFLOW.
Result<Range> to_range(kern::Lwp& l, VnodeFile& f, const Flock& fl) {
  int64_t base;
  switch (fl.l_whence) {
    case 0:  // SEEK_SET
      base = 0;
      break;
    case 1:  // SEEK_CUR
      base = RK_TRY(f.seek(l, 0, 1));
      break;
    case 2: {  // SEEK_END
      Vnode& v = f.vnode();
      Vattr va;
      kern::ReadGuard g(v.lock());
      RK_TRY(v.getattr(va));
      base = static_cast<int64_t>(va.size);
      break;
    }
    default:
      return Errno::kInval;
  }
  if (fl.l_start > kOffsetMax - base) return Errno::kOverflow;
  Range r{base + fl.l_start, 0};
  if (r.start < 0) return Errno::kInval;
  if (fl.l_len > 0) {
    if (fl.l_len - 1 > kOffsetMax - r.start) return Errno::kOverflow;
    r.end = r.start + (fl.l_len - 1);
  } else if (fl.l_len < 0) {
    if (r.start + fl.l_len < 0) return Errno::kInval;
    r.end = r.start - 1;
    r.start += fl.l_len;
  } else {
    r.end = kOffsetMax;
  }
  return r;
}

}  // namespace

Result<void> record_lock(kern::Lwp& l, VnodeFile& f, int cmd, Flock& fl) {
  bool ofd = cmd == kFOfdGetlk || cmd == kFOfdSetlk || cmd == kFOfdSetlkw;
  Owner owner = ofd ? Owner{reinterpret_cast<uintptr_t>(static_cast<const kern::File*>(&f)), true}
                    : Owner{static_cast<uintptr_t>(l.proc().pid()), false};
  Vnode& v = f.vnode();

  if (cmd == kFGetlk || cmd == kFOfdGetlk) {
    if (fl.l_type != kFRdlck && fl.l_type != kFWrlck) return Errno::kInval;
    Range r = RK_TRY(to_range(l, f, fl));
    if (ofd && fl.l_pid != 0) return Errno::kInval;
    RecordLocks* rl = v.record_locks();
    RecordLocks::Lock c;
    if (rl == nullptr || !rl->test(owner, fl.l_type, r.start, r.end, c)) {
      fl.l_type = kFUnlck;  // the rest is left as the caller passed it, as on Linux
      return ok();
    }
    fl.l_type = c.type;
    fl.l_whence = 0;
    fl.l_start = c.start;
    fl.l_len = c.end == kOffsetMax ? 0 : c.end - c.start + 1;
    fl.l_pid = c.owner.ofd ? -1 : c.pid;
    return ok();
  }

  Range r = RK_TRY(to_range(l, f, fl));
  if (fl.l_type != kFRdlck && fl.l_type != kFWrlck && fl.l_type != kFUnlck) return Errno::kInval;
  if (fl.l_type == kFRdlck && !f.readable()) return Errno::kBadF;
  if (fl.l_type == kFWrlck && !f.writable()) return Errno::kBadF;
  if (ofd && fl.l_pid != 0) return Errno::kInval;
  bool wait = cmd == kFSetlkw || cmd == kFOfdSetlkw;
  if (fl.l_type == kFUnlck) {
    RecordLocks* rl = v.record_locks();
    if (rl == nullptr) return ok();  // nothing was ever locked
    return rl->set(owner, l.proc().pid(), kFUnlck, r.start, r.end, false);
  }
  RecordLocks* rl = RK_TRY(locks_of(v));
  return rl->set(owner, ofd ? -1 : l.proc().pid(), fl.l_type, r.start, r.end, wait,
                 &l.proc().interrupt_word());
}

void record_locks_release(Vnode& v, kern::Pid pid) {
  if (RecordLocks* rl = v.record_locks()) rl->release(Owner{static_cast<uintptr_t>(pid), false});
}

void record_locks_release_file(Vnode& v, const kern::File& f) {
  if (RecordLocks* rl = v.record_locks()) rl->release(Owner{reinterpret_cast<uintptr_t>(&f), true});
}

void record_locks_free(kern::Kernel& k, RecordLocks* rl) { k.kmem().destroy(rl); }

}  // namespace rk::vfs
