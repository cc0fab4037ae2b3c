// read, write, pread64, pwrite64, readv, writev, lseek: on any open file.
#include "kern/kernel.h"
#include "kern/uio.h"
#include "vfs/sys.h"
#include "vfs/sys_common.h"

namespace rk::vfs {
namespace {

constexpr size_t kMaxRwCount = 0x7ffff000;  // Linux's MAX_RW_COUNT
constexpr int kUioMaxIov = 1024;            // Linux's UIO_MAXIOV

Result<Ref<kern::File>> file_for(kern::Lwp& l, int fd, bool write) {
  Ref<kern::File> f = RK_TRY(l.proc().fds().get(fd));
  uint32_t flags = f->flags();
  if (flags & kOPath) return Errno::kBadF;
  uint32_t acc = flags & kOAccmode;
  if (write ? acc == kORdonly : acc == kOWronly) return Errno::kBadF;
  return f;
}

int64_t transfer(kern::Lwp& l, int fd, kern::Uio& uio, bool write, bool positioned) {
  if (positioned) {
    // pread/pwrite on something without a position: ESPIPE comes before the access mode.
    Result<Ref<kern::File>> any = l.proc().fds().get(fd);
    if (!any.ok()) return -to_int(any.error());
    if (any.value()->kind() != kern::File::Kind::kVnode) return -to_int(Errno::kSPipe);
  }
  Result<Ref<kern::File>> f = file_for(l, fd, write);
  if (!f.ok()) return -to_int(f.error());
  size_t want = uio.resid();
  Result<void> r = write ? f.value()->write(l, uio, positioned) : f.value()->read(l, uio, positioned);
  size_t done = want - uio.resid();
  // A partial transfer counts: the error is for the next call, as on Linux.
  if (!r.ok() && done == 0) return -to_int(r.error());
  return static_cast<int64_t>(done);
}

int64_t rw(kern::Lwp& l, const SyscallArgs& a, bool write, bool positioned) {
  int fd = iarg(a.a[0]);
  void* buf = uptr<void>(a.a[1]);
  size_t count = a.a[2];
  if (count > kMaxRwCount) count = kMaxRwCount;
  int64_t off = positioned ? static_cast<int64_t>(a.a[3]) : 0;
  if (positioned && off < 0) return -to_int(Errno::kInval);
  IoVec iov{buf, count};
  kern::Uio uio(l, write ? kern::UioDir::kWrite : kern::UioDir::kRead, {&iov, 1},
                static_cast<uint64_t>(off));
  return transfer(l, fd, uio, write, positioned);
}

int64_t rwv(kern::Lwp& l, const SyscallArgs& a, bool write) {
  int fd = iarg(a.a[0]);
  const void* uiov = uptr<const void>(a.a[1]);
  int iovcnt = iarg(a.a[2]);
  if (iovcnt < 0 || iovcnt > kUioMaxIov) return -to_int(Errno::kInval);
  if (iovcnt == 0) {
    Result<Ref<kern::File>> f = file_for(l, fd, write);
    return f.ok() ? 0 : -to_int(f.error());
  }
  kern::Kmem& kmem = l.kernel().kmem();
  size_t bytes = sizeof(IoVec) * static_cast<size_t>(iovcnt);
  auto* iov = static_cast<IoVec*>(kmem.alloc(bytes));
  if (iov == nullptr) return -to_int(Errno::kNoMem);
  int64_t rv;
  Result<void> in = kern::copyin(l, iov, uiov, bytes);
  if (!in.ok()) {
    rv = -to_int(in.error());
  } else {
    // The total must fit a ssize_t; past MAX_RW_COUNT the transfer is cut short, as on Linux.
    size_t total = 0;
    bool bad = false;
    for (int i = 0; i < iovcnt; ++i) {
      if (static_cast<int64_t>(iov[i].len) < 0) bad = true;
      size_t room = kMaxRwCount - total;
      if (iov[i].len > room) iov[i].len = room;
      total += iov[i].len;
    }
    if (bad) {
      rv = -to_int(Errno::kInval);
    } else {
      kern::Uio uio(l, write ? kern::UioDir::kWrite : kern::UioDir::kRead,
                    {iov, static_cast<size_t>(iovcnt)}, 0);
      rv = transfer(l, fd, uio, write, false);
    }
  }
  kmem.free(iov, bytes);
  return rv;
}

}  // namespace

int64_t sys_read(Lwp& l, const SyscallArgs& a) { return rw(l, a, false, false); }
int64_t sys_write(Lwp& l, const SyscallArgs& a) { return rw(l, a, true, false); }
int64_t sys_pread64(Lwp& l, const SyscallArgs& a) { return rw(l, a, false, true); }
int64_t sys_pwrite64(Lwp& l, const SyscallArgs& a) { return rw(l, a, true, true); }
int64_t sys_readv(Lwp& l, const SyscallArgs& a) { return rwv(l, a, false); }
int64_t sys_writev(Lwp& l, const SyscallArgs& a) { return rwv(l, a, true); }

int64_t sys_lseek(Lwp& l, const SyscallArgs& a) {
  Result<Ref<kern::File>> f = l.proc().fds().get(iarg(a.a[0]));
  if (!f.ok()) return -to_int(f.error());
  if (f.value()->flags() & kOPath) return -to_int(Errno::kBadF);
  return sysret(f.value()->seek(l, static_cast<int64_t>(a.a[1]), iarg(a.a[2])));
}

}  // namespace rk::vfs
