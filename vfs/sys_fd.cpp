// Descriptor calls: dup, dup2, dup3, fcntl, pipe, pipe2.
#include "kern/kernel.h"
#include "kern/uio.h"
#include "vfs/access.h"
#include "vfs/lockf.h"
#include "vfs/pipe.h"
#include "vfs/sys.h"
#include "vfs/sys_common.h"

namespace rk::vfs {
namespace {

// fcntl commands (the lock commands are in lockf.h).
constexpr int kFDupfd = 0;
constexpr int kFGetfd = 1;
constexpr int kFSetfd = 2;
constexpr int kFGetfl = 3;
constexpr int kFSetfl = 4;
constexpr int kFDupfdCloexec = 1030;
constexpr int kFSetpipeSz = 1031;
constexpr int kFGetpipeSz = 1032;
constexpr uint64_t kFdCloexec = 1;

constexpr uint32_t kOAsync = 020000;        // FASYNC
constexpr uint32_t kONotificationPipe = kOExcl;
// ENOPKG: a kernel without CONFIG_WATCH_QUEUE answers it for notification pipes.
constexpr Errno kNoPkg = static_cast<Errno>(65);
// Pipe fcntl commands reach PipeFile::ioctl as (this | cmd); see pipe.cpp.
constexpr unsigned long kPipeFcntl = 1ul << 32;

int64_t err(Errno e) { return -to_int(e); }

// dup2/dup3 replaced `old` at a descriptor: the process closed it.
void replaced(Lwp& l, RefPtr<kern::File> old) {
  if (old) old->on_close(l.proc());
}  // the reference goes here, outside every lock

int64_t dup_to(Lwp& l, int oldfd, uint64_t newfd_arg, bool cloexec) {
  kern::FdTable& fds = l.proc().fds();
  // Descriptors are unsigned ints to Linux: a negative one is past the limit.
  auto newfd = static_cast<uint32_t>(newfd_arg);
  if (newfd >= static_cast<uint32_t>(fds.limit())) return err(Errno::kBadF);
  Result<Ref<kern::File>> f = fds.get(oldfd);
  if (!f.ok()) return err(f.error());
  Result<RefPtr<kern::File>> old =
      fds.exchange_at(std::move(f).value(), static_cast<int>(newfd), cloexec);
  if (!old.ok()) return err(old.error());
  replaced(l, std::move(old).value());
  return newfd;
}

// F_GETFL: the access mode and status flags as Linux reports them (O_LARGEFILE for every file
// opened on a 64-bit kernel, except O_PATH ones).
int64_t getfl(kern::File& f) {
  uint32_t fl = f.flags();
  if (fl & kOPath) fl &= ~kOLargefile;
  return fl;
}

// The owner of the file behind f, for O_NOATIME.
Result<void> check_file_owner(Lwp& l, kern::File& f) {
  Vattr va;
  RK_TRY(file_attr(f, va));
  return check_owner(l.proc().cred(), va);
}

int64_t setfl(Lwp& l, kern::File& f, uint32_t arg) {
  uint32_t cur = f.flags();
  bool vnode = f.kind() == kern::File::Kind::kVnode;
  VType type = vnode ? static_cast<VnodeFile&>(f).vnode().type() : VType::kNon;
  bool fifo = f.kind() == kern::File::Kind::kPipe || type == VType::kFifo;
  // O_NOATIME only for the owner (or a privileged caller).
  if ((arg & kONoatime) && !(cur & kONoatime)) {
    if (Result<void> r = check_file_owner(l, f); !r.ok()) return err(r.error());
  }
  // O_DIRECT: packet mode on pipes; direct I/O on regular files; nothing else can.
  if ((arg & kODirect) && !fifo && type != VType::kReg) return err(Errno::kInval);
  uint32_t mask = kSetflMask;
  // FASYNC sticks on files with a fasync operation (pipes, sockets), not on vnodes.
  if (!vnode) mask |= kOAsync;
  f.set_flags((arg & mask) | (cur & ~mask));
  return 0;
}

int64_t lock_cmd(Lwp& l, kern::File& f, int cmd, uint64_t arg) {
  Flock fl;
  void* uarg = uptr<void>(arg);
  if (Result<void> r = kern::copyin(l, &fl, uarg, sizeof fl); !r.ok()) return err(r.error());
  // Record locks live on vnodes; pipes and sockets have none here.
  if (f.kind() != kern::File::Kind::kVnode) return err(Errno::kNoLck);
  if (Result<void> r = record_lock(l, static_cast<VnodeFile&>(f), cmd, fl); !r.ok())
    return err(r.error());
  if (cmd == kFGetlk || cmd == kFOfdGetlk) return sysret(kern::copyout(l, uarg, &fl, sizeof fl));
  return 0;
}

int64_t do_pipe2(Lwp& l, void* ufds, uint32_t flags) {
  if (flags & ~(kOCloexec | kONonblock | kODirect | kONotificationPipe)) return err(Errno::kInval);
  if (flags & kONotificationPipe) return err(kNoPkg);
  RefPtr<PipeFile> ends[2];
  if (Result<void> r = PipeFile::create_pair(l.kernel(), flags, ends); !r.ok())
    return err(r.error());
  bool cloexec = flags & kOCloexec;
  kern::FdTable& fds = l.proc().fds();
  Result<int> fd0 = fds.install(Ref<kern::File>(*ends[0]), 0, cloexec);
  if (!fd0.ok()) return err(fd0.error());
  Result<int> fd1 = fds.install(Ref<kern::File>(*ends[1]), 0, cloexec);
  if (!fd1.ok()) {
    (void)fds.detach(fd0.value());
    return err(fd1.error());
  }
  int out[2] = {fd0.value(), fd1.value()};
  if (Result<void> r = kern::copyout(l, ufds, out, sizeof out); !r.ok()) {
    // Nothing is left behind (the descriptors were never reported).
    (void)fds.detach(out[0]);
    (void)fds.detach(out[1]);
    return err(r.error());
  }
  return 0;
}

}  // namespace

int64_t sys_dup(Lwp& l, const SyscallArgs& a) {
  kern::FdTable& fds = l.proc().fds();
  Result<Ref<kern::File>> f = fds.get(iarg(a.a[0]));
  if (!f.ok()) return err(f.error());
  return sysret(fds.install(std::move(f).value(), 0, false));
}

int64_t sys_dup2(Lwp& l, const SyscallArgs& a) {
  int oldfd = iarg(a.a[0]);
  if (static_cast<uint32_t>(a.a[1]) == static_cast<uint32_t>(oldfd)) {
    // The same descriptor: only its validity is checked.
    Result<Ref<kern::File>> f = l.proc().fds().get(oldfd);
    return f.ok() ? oldfd : err(f.error());
  }
  return dup_to(l, oldfd, a.a[1], false);
}

int64_t sys_dup3(Lwp& l, const SyscallArgs& a) {
  int oldfd = iarg(a.a[0]);
  auto flags = static_cast<uint32_t>(a.a[2]);
  if (flags & ~kOCloexec) return err(Errno::kInval);
  if (static_cast<uint32_t>(a.a[1]) == static_cast<uint32_t>(oldfd)) return err(Errno::kInval);
  return dup_to(l, oldfd, a.a[1], flags & kOCloexec);
}

int64_t sys_fcntl(Lwp& l, const SyscallArgs& a) {
  int fd = iarg(a.a[0]);
  int cmd = iarg(a.a[1]);
  uint64_t arg = a.a[2];
  int argi = iarg(arg);  // most commands take an int, as Linux's do_fcntl
  kern::FdTable& fds = l.proc().fds();
  Result<Ref<kern::File>> got = fds.get(fd);
  if (!got.ok()) return err(got.error());
  kern::File& f = *got.value();

  // An O_PATH descriptor is good only for the descriptor commands and F_GETFL.
  if (f.flags() & kOPath) {
    switch (cmd) {
      case kFDupfd:
      case kFDupfdCloexec:
      case kFGetfd:
      case kFSetfd:
      case kFGetfl:
        break;
      default:
        return err(Errno::kBadF);
    }
  }

  switch (cmd) {
    case kFDupfd:
    case kFDupfdCloexec: {
      auto from = static_cast<uint32_t>(argi);
      if (from >= static_cast<uint32_t>(fds.limit())) return err(Errno::kInval);
      return sysret(fds.install(std::move(got).value(), static_cast<int>(from),
                                cmd == kFDupfdCloexec));
    }
    case kFGetfd: {
      Result<bool> c = fds.cloexec(fd);
      if (!c.ok()) return err(c.error());
      return c.value() ? 1 : 0;
    }
    case kFSetfd:
      return sysret(fds.set_cloexec(fd, arg & kFdCloexec));
    case kFGetfl:
      return getfl(f);
    case kFSetfl:
      return setfl(l, f, static_cast<uint32_t>(argi));
    case kFGetlk:
    case kFSetlk:
    case kFSetlkw:
    case kFOfdGetlk:
    case kFOfdSetlk:
    case kFOfdSetlkw:
      return lock_cmd(l, f, cmd, arg);
    case kFGetpipeSz:
    case kFSetpipeSz:
      if (f.kind() != kern::File::Kind::kPipe) return err(Errno::kBadF);
      return sysret(f.ioctl(l, kPipeFcntl | static_cast<unsigned long>(cmd),
                            static_cast<uint32_t>(argi)));
    default:
      return err(Errno::kInval);
  }
}

int64_t sys_pipe(Lwp& l, const SyscallArgs& a) { return do_pipe2(l, uptr<void>(a.a[0]), 0); }

int64_t sys_pipe2(Lwp& l, const SyscallArgs& a) {
  return do_pipe2(l, uptr<void>(a.a[0]), static_cast<uint32_t>(a.a[1]));
}

}  // namespace rk::vfs
