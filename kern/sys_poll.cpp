// poll, ppoll, select, pselect6 (kern/poll.h). One loop serves them all: look at every file,
// and when none is ready, sleep on the kernel's poll word until a file changes, the timeout
// ends or the process is interrupted. There are no signals in a rump kernel: the signal masks
// of ppoll and pselect6 are checked for their size and otherwise ignored, and an interrupted
// process (a remote client that is gone) gets EINTR as a signalled one would.
#include "kern/abi/linux.h"
#include "kern/file.h"
#include "kern/kernel.h"
#include "kern/lwp.h"
#include "kern/poll.h"
#include "kern/proc.h"
#include "kern/sched.h"
#include "kern/sys.h"
#include "kern/uio.h"

namespace rk::kern {

void PollWord::changed() {
  // Without pollers nothing is written: pipes call this on every read and write. A poller that
  // begins after this load looks at the files after the change (begin() comes first, and the
  // change was made before, under the file's lock or with a sequentially consistent store).
  if (waiters_.load(std::memory_order_seq_cst) == 0) return;
  seq_.fetch_add(1, std::memory_order_seq_cst);
  sleepq_.wake_all(&seq_);
}

void PollWord::wait(uint32_t seen, int64_t host_deadline_ns) {
  (void)sleepq_.park(seq_, seen, host_deadline_ns);
}

namespace {

constexpr int64_t kNsPerSec = 1000000000;
constexpr size_t kSigsetSize = 8;  // Linux's sigset_t for the kernel: 64 signals

struct PollFd {  // struct pollfd
  int32_t fd;
  int16_t events;
  int16_t revents;
};
static_assert(sizeof(PollFd) == 8);

// What select's three sets ask of a file, as Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET.
constexpr uint32_t kSelectIn = kPollRdNorm | kPollRdBand | kPollIn | kPollHup | kPollErr;
constexpr uint32_t kSelectOut = kPollWrBand | kPollWrNorm | kPollOut | kPollErr;
constexpr uint32_t kSelectEx = kPollPri;

// A timeout as a deadline on the kernel's monotonic clock: -1 for none (wait for ever), or
// now for "do not wait".
int64_t deadline_after(Kernel& k, int64_t ns) {
  if (ns < 0) return -1;
  int64_t now = k.uptime_ns();
  return ns > INT64_MAX - now ? -1 : now + ns;
}

// One poll of a file: its events among `want` (plus POLLERR and POLLHUP, which are always
// reported), or POLLNVAL for a descriptor that is not open.
uint32_t poll_one(Lwp& l, int fd, uint32_t want) {
  Result<Ref<File>> f = l.proc().fds().get(fd);
  if (!f.ok()) return kPollNval;
  return f.value()->poll(l, want) & (want | kPollErr | kPollHup | kPollNval);
}

// The calls below answer as system calls do: a count, or a negated errno.
constexpr int64_t kEintr = -to_int(Errno::kIntr);
constexpr int64_t kEfault = -to_int(Errno::kFault);

// Runs `look` (how many are ready, or a negated errno) until one is, the deadline passes (0)
// or the process is interrupted (-EINTR).
template <typename Look>
int64_t wait_ready(Lwp& l, int64_t deadline, Look look) {
  Kernel& k = l.kernel();
  PollWord& w = k.poll_word();
  const std::atomic<uint32_t>& interrupted = l.proc().interrupt_word();
  w.begin();
  int64_t result = 0;
  for (;;) {
    const uint32_t seen = w.seq();
    const int64_t ready = look();
    if (ready != 0) {
      result = ready;
      break;
    }
    if (interrupted.load(std::memory_order_seq_cst) != 0) {
      result = kEintr;
      break;
    }
    if (deadline >= 0 && k.uptime_ns() >= deadline) break;
    Unscheduled off;
    w.wait(seen, deadline < 0 ? -1 : deadline + k.boot_ns());
  }
  w.end();
  return result;
}

int64_t do_poll(Lwp& l, uint64_t ufds, uint64_t nfds, int64_t deadline) {
  if (nfds > static_cast<uint64_t>(l.proc().fds().limit())) return -to_int(Errno::kInval);
  Kmem& km = l.kernel().kmem();
  const size_t bytes = nfds * sizeof(PollFd);
  PollFd small[16];
  PollFd* fds = small;
  if (nfds > 16) {
    fds = static_cast<PollFd*>(km.alloc(bytes, KmFlags::kSleep, alignof(PollFd)));
    if (fds == nullptr) return -to_int(Errno::kNoMem);
  }
  int64_t r = 0;
  if (bytes != 0 && !copyin(l, fds, reinterpret_cast<const void*>(ufds), bytes).ok())
    r = kEfault;
  if (r == 0) {
    r = wait_ready(l, deadline, [&]() -> int64_t {
      int64_t ready = 0;
      for (uint64_t i = 0; i < nfds; ++i) {
        PollFd& p = fds[i];
        // A negative descriptor is skipped, its revents 0, as Linux's.
        uint32_t got = p.fd < 0 ? 0 : poll_one(l, p.fd, static_cast<uint16_t>(p.events));
        p.revents = static_cast<int16_t>(got);
        if (got != 0) ++ready;
      }
      return ready;
    });
    // The results go back even after an interrupt, as Linux's.
    if ((r >= 0 || r == kEintr) && bytes != 0 &&
        !copyout(l, reinterpret_cast<void*>(ufds), fds, bytes).ok())
      r = kEfault;
  }
  if (fds != small) km.free(fds, bytes);
  return r;
}

// The time left of a timeout that ends at `deadline`, for the calls that write it back.
int64_t left_ns(Kernel& k, int64_t deadline) {
  int64_t left = deadline - k.uptime_ns();
  return left < 0 ? 0 : left;
}

// --- select ---------------------------------------------------------------------------------

constexpr size_t kBitsPerWord = 64;

int64_t do_select(Lwp& l, int64_t nfds_arg, const uint64_t uset[3], int64_t deadline) {
  if (nfds_arg < 0) return -to_int(Errno::kInval);
  // Linux looks no further than the descriptor table reaches.
  const int64_t nfds = nfds_arg < l.proc().fds().limit() ? nfds_arg : l.proc().fds().limit();
  const size_t words = (static_cast<size_t>(nfds) + kBitsPerWord - 1) / kBitsPerWord;
  const size_t bytes = words * sizeof(uint64_t);
  Kmem& km = l.kernel().kmem();
  // The three sets asked, then the three answered.
  uint64_t* mem = nullptr;
  if (words > 0) {
    mem = static_cast<uint64_t*>(km.alloc(6 * bytes, KmFlags::kSleep, alignof(uint64_t)));
    if (mem == nullptr) return -to_int(Errno::kNoMem);
    for (size_t i = 0; i < 6 * words; ++i) mem[i] = 0;
  }
  int64_t r = 0;
  for (int s = 0; s < 3 && r == 0 && words > 0; ++s) {
    if (uset[s] != 0 &&
        !copyin(l, mem + s * words, reinterpret_cast<const void*>(uset[s]), bytes).ok())
      r = kEfault;
  }
  const uint32_t kinds[3] = {kSelectIn, kSelectOut, kSelectEx};
  if (r == 0) {
    // A descriptor in any set that is not open: EBADF for the whole call, before waiting.
    for (int64_t fd = 0; fd < nfds && r == 0; ++fd) {
      const size_t w = static_cast<size_t>(fd) / kBitsPerWord;
      const uint64_t bit = uint64_t{1} << (fd % kBitsPerWord);
      if (((mem[w] | mem[words + w] | mem[2 * words + w]) & bit) &&
          !l.proc().fds().get(static_cast<int>(fd)).ok())
        r = -to_int(Errno::kBadF);
    }
  }
  if (r == 0) {
    r = wait_ready(l, deadline, [&]() -> int64_t {
      int64_t ready = 0;
      for (size_t i = 3 * words; i < 6 * words; ++i) mem[i] = 0;
      for (int64_t fd = 0; fd < nfds; ++fd) {
        const size_t w = static_cast<size_t>(fd) / kBitsPerWord;
        const uint64_t bit = uint64_t{1} << (fd % kBitsPerWord);
        uint32_t want = 0;
        for (int s = 0; s < 3; ++s)
          if (mem[s * words + w] & bit) want |= kinds[s];
        if (want == 0) continue;
        // Closed while we waited, or an O_PATH descriptor: never ready (Linux's POLLNVAL,
        // which no set asks for).
        uint32_t got = poll_one(l, static_cast<int>(fd), want);
        for (int s = 0; s < 3; ++s) {
          if ((mem[s * words + w] & bit) && (got & kinds[s])) {
            mem[(3 + s) * words + w] |= bit;
            ++ready;
          }
        }
      }
      return ready;
    });
  }
  if (r >= 0) {
    for (int s = 0; s < 3 && r >= 0 && words > 0; ++s) {
      if (uset[s] != 0 &&
          !copyout(l, reinterpret_cast<void*>(uset[s]), mem + (3 + s) * words, bytes).ok())
        r = kEfault;
    }
  }
  if (mem != nullptr) km.free(mem, 6 * bytes);
  return r;
}

// The caller's struct timespec timeout at uaddr (0: none, wait for ever) as a deadline in
// *deadline. 0, or a negated errno (EFAULT, EINVAL).
int64_t timespec_deadline(Lwp& l, uint64_t uaddr, int64_t* deadline) {
  *deadline = -1;
  if (uaddr == 0) return 0;
  Result<int64_t> ns = timespec_in(l, reinterpret_cast<const void*>(uaddr));
  if (!ns.ok()) return -to_int(ns.error());
  *deadline = deadline_after(l.kernel(), ns.value());
  return 0;
}

// After a call that waited until `deadline` and answered r, Linux writes the time left back
// into the caller's timespec (glibc's wrappers hide it from programs).
void put_timespec_left(Lwp& l, uint64_t uaddr, int64_t deadline, int64_t r) {
  if (uaddr == 0 || deadline < 0 || (r < 0 && r != kEintr)) return;
  int64_t left = left_ns(l.kernel(), deadline);
  abi::Timespec back{left / kNsPerSec, left % kNsPerSec};
  (void)copyout(l, reinterpret_cast<void*>(uaddr), &back, sizeof back);
}

// pselect6's sixth argument: { const sigset_t *ss; size_t ss_len; }.
Result<void> check_sigmask_arg(Lwp& l, uint64_t uaddr) {
  if (uaddr == 0) return ok();
  struct {
    uint64_t ss;
    uint64_t ss_len;
  } data;
  RK_TRY(copyin(l, &data, reinterpret_cast<const void*>(uaddr), sizeof data));
  if (data.ss != 0 && data.ss_len != kSigsetSize) return Errno::kInval;
  return ok();
}

}  // namespace

int64_t sys_poll(Lwp& l, const SyscallArgs& a) {
  const int timeout_ms = static_cast<int>(a.a[2]);
  int64_t deadline = deadline_after(l.kernel(), timeout_ms < 0 ? -1 : int64_t{timeout_ms} * 1000000);
  return do_poll(l, a.a[0], static_cast<uint32_t>(a.a[1]), deadline);
}

int64_t sys_ppoll(Lwp& l, const SyscallArgs& a) {
  if (a.a[3] != 0 && a.a[4] != kSigsetSize) return -to_int(Errno::kInval);
  int64_t deadline;
  if (int64_t e = timespec_deadline(l, a.a[2], &deadline); e != 0) return e;
  const int64_t r = do_poll(l, a.a[0], static_cast<uint32_t>(a.a[1]), deadline);
  put_timespec_left(l, a.a[2], deadline, r);
  return r;
}

int64_t sys_select(Lwp& l, const SyscallArgs& a) {
  Kernel& k = l.kernel();
  int64_t deadline = -1;
  if (a.a[4] != 0) {
    abi::Timeval tv;
    if (!copyin(l, &tv, reinterpret_cast<const void*>(a.a[4]), sizeof tv).ok())
      return -to_int(Errno::kFault);
    if (tv.tv_sec < 0 || tv.tv_usec < 0) return -to_int(Errno::kInval);
    // Linux folds microseconds past a second into the seconds; too long is for ever.
    const int64_t usec_secs = tv.tv_usec / 1000000;
    if (tv.tv_sec <= INT64_MAX / kNsPerSec - 1 - usec_secs)
      deadline = deadline_after(k, (tv.tv_sec + usec_secs) * kNsPerSec +
                                       (tv.tv_usec % 1000000) * 1000);
  }
  const uint64_t sets[3] = {a.a[1], a.a[2], a.a[3]};
  const int64_t r = do_select(l, static_cast<int32_t>(a.a[0]), sets, deadline);
  if (a.a[4] != 0 && deadline >= 0 && (r >= 0 || r == kEintr)) {
    int64_t left = left_ns(k, deadline);
    abi::Timeval back{left / kNsPerSec, (left % kNsPerSec) / 1000};
    (void)copyout(l, reinterpret_cast<void*>(a.a[4]), &back, sizeof back);
  }
  return r;
}

int64_t sys_pselect6(Lwp& l, const SyscallArgs& a) {
  if (Result<void> m = check_sigmask_arg(l, a.a[5]); !m.ok()) return -to_int(m.error());
  int64_t deadline;
  if (int64_t e = timespec_deadline(l, a.a[4], &deadline); e != 0) return e;
  const uint64_t sets[3] = {a.a[1], a.a[2], a.a[3]};
  const int64_t r = do_select(l, static_cast<int32_t>(a.a[0]), sets, deadline);
  put_timespec_left(l, a.a[4], deadline, r);
  return r;
}

}  // namespace rk::kern
