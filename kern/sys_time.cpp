// Clocks and sleeping: clock_gettime, clock_getres, nanosleep, clock_nanosleep,
// gettimeofday, time, sched_yield.
//
// CLOCK_REALTIME is the host's wall clock. CLOCK_MONOTONIC and CLOCK_BOOTTIME count from this
// kernel's boot, as Linux's count from its own. There is no per-process CPU time accounting
// (host threads run kernel code), so the CPU-time clocks fail with EINVAL, as Linux does for
// clocks it does not have.
#include "kern/abi/linux.h"
#include "kern/kernel.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kern/sched.h"
#include "kern/sys.h"
#include "kern/uio.h"

namespace rk::kern {
namespace {

constexpr int64_t kNsPerSec = 1000000000;

Result<int64_t> clock_now(Kernel& k, int clock) {
  switch (clock) {
    case abi::kClockRealtime:
    case abi::kClockRealtimeCoarse:
    case abi::kClockTai:  // no leap second table: TAI offset 0, as Linux before it is set
      return k.hyp().wall_ns();
    case abi::kClockMonotonic:
    case abi::kClockMonotonicRaw:
    case abi::kClockMonotonicCoarse:
    case abi::kClockBoottime:
      return k.uptime_ns();
    default:
      return Errno::kInval;
  }
}

abi::Timespec to_timespec(int64_t ns) { return {ns / kNsPerSec, ns % kNsPerSec}; }

// Sleeps until `deadline` on `clock` (kernel time), without a virtual CPU. kIntr when the
// process is interrupted (Proc::interrupt) before or during the sleep.
Result<void> sleep_until(Lwp& l, int clock, int64_t deadline) {
  Kernel& k = l.kernel();
  const std::atomic<uint32_t>& interrupted = l.proc().interrupt_word();
  bool wall = clock == abi::kClockRealtime || clock == abi::kClockTai ||
              clock == abi::kClockRealtimeCoarse;
  Unscheduled off;
  for (;;) {
    if (interrupted.load(std::memory_order_seq_cst) != 0) return Errno::kIntr;
    int64_t host_deadline;
    if (wall) {
      // The wall clock may be set while we sleep: each wakeup re-reads it.
      int64_t left = deadline - k.hyp().wall_ns();
      if (left <= 0) return ok();
      int64_t now = k.hyp().monotonic_ns();
      host_deadline = left > INT64_MAX - now ? -1 : now + left;
    } else {
      host_deadline = deadline > INT64_MAX - k.boot_ns() ? -1 : deadline + k.boot_ns();
    }
    // Woken early (an interrupt, or another waiter of the same bucket): look again.
    if (!k.sleepq().park(interrupted, 0, host_deadline) && !wall) return ok();
  }
}

}  // namespace

Result<int64_t> timespec_in(Lwp& l, const void* uaddr) {
  abi::Timespec ts;
  RK_TRY(copyin(l, &ts, uaddr, sizeof ts));
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= kNsPerSec) return Errno::kInval;
  if (ts.tv_sec > INT64_MAX / kNsPerSec - 1) return INT64_MAX;  // "forever"
  return ts.tv_sec * kNsPerSec + ts.tv_nsec;
}

int64_t sys_clock_gettime(Lwp& l, const SyscallArgs& a) {
  Result<int64_t> now = clock_now(l.kernel(), static_cast<int>(a.a[0]));
  if (!now.ok()) return -to_int(now.error());
  abi::Timespec ts = to_timespec(now.value());
  return sysret(copyout(l, reinterpret_cast<void*>(a.a[1]), &ts, sizeof ts));
}

int64_t sys_clock_getres(Lwp& l, const SyscallArgs& a) {
  auto clock = static_cast<int>(a.a[0]);
  Result<int64_t> now = clock_now(l.kernel(), clock);
  if (!now.ok()) return -to_int(now.error());
  bool coarse = clock == abi::kClockRealtimeCoarse || clock == abi::kClockMonotonicCoarse;
  abi::Timespec ts = {0, coarse ? 4000000 : 1};
  if (a.a[1] == 0) return 0;  // Linux allows a null res
  return sysret(copyout(l, reinterpret_cast<void*>(a.a[1]), &ts, sizeof ts));
}

int64_t sys_clock_nanosleep(Lwp& l, const SyscallArgs& a) {
  auto clock = static_cast<int>(a.a[0]);
  auto flags = static_cast<int>(a.a[1]);
  Kernel& k = l.kernel();
  switch (clock) {
    case abi::kClockRealtime:
    case abi::kClockMonotonic:
    case abi::kClockBoottime:
    case abi::kClockTai:
      break;
    case abi::kClockMonotonicRaw:
    case abi::kClockRealtimeCoarse:
    case abi::kClockMonotonicCoarse:
      return -to_int(Errno::kOpNotSupp);  // clocks one can read but not sleep on, as Linux
    default:
      return -to_int(Errno::kInval);
  }
  Result<int64_t> t = timespec_in(l, reinterpret_cast<const void*>(a.a[2]));
  if (!t.ok()) return -to_int(t.error());
  int64_t deadline = t.value();
  if (!(flags & abi::kTimerAbstime)) {
    int64_t now = clock_now(k, clock).value();
    deadline = deadline > INT64_MAX - now ? INT64_MAX : now + deadline;
  }
  // Only the end of the process interrupts a sleep (there are no signals), so the remaining
  // time is never written: nobody is left to read it.
  return sysret(sleep_until(l, clock, deadline));
}

int64_t sys_nanosleep(Lwp& l, const SyscallArgs& a) {
  SyscallArgs b = {{abi::kClockMonotonic, 0, a.a[0], a.a[1], 0, 0}};
  return sys_clock_nanosleep(l, b);
}

int64_t sys_gettimeofday(Lwp& l, const SyscallArgs& a) {
  if (a.a[0] != 0) {
    int64_t now = l.kernel().hyp().wall_ns();
    abi::Timeval tv = {now / kNsPerSec, now % kNsPerSec / 1000};
    Result<void> rv = copyout(l, reinterpret_cast<void*>(a.a[0]), &tv, sizeof tv);
    if (!rv.ok()) return sysret(rv);
  }
  if (a.a[1] != 0) {
    int32_t tz[2] = {0, 0};  // struct timezone: UTC, no DST
    return sysret(copyout(l, reinterpret_cast<void*>(a.a[1]), tz, sizeof tz));
  }
  return 0;
}

int64_t sys_time(Lwp& l, const SyscallArgs& a) {
  int64_t now = l.kernel().hyp().wall_ns() / kNsPerSec;
  if (a.a[0] != 0) {
    Result<void> rv = copyout(l, reinterpret_cast<void*>(a.a[0]), &now, sizeof now);
    if (!rv.ok()) return sysret(rv);
  }
  return now;
}

int64_t sys_sched_yield(Lwp& l, const SyscallArgs&) {
  // Give the CPU to a thread waiting for one, if any.
  Unscheduled off;
  return 0;
}

}  // namespace rk::kern
