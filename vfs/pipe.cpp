// Pipes, modelled on Linux's: a ring of page-sized slots (16 by default: 65536 bytes), filled
// one page at a time. A write first tops up the last slot when all of its odd tail
// (len % 4096) fits there, then fills fresh pages; so a write of at most PIPE_BUF (4096)
// bytes lands whole or waits, and the pipe holds exactly what a Linux pipe holds for the same
// sequence of writes (which EAGAIN and partial writes make visible). With O_DIRECT on the
// write end each page is a packet: a read takes at most one and drops what does not fit.
// Pages are allocated as slots fill and freed as they drain (one is kept for the next write).
#include "vfs/pipe.h"
#include "vfs/pipe_buffer.h"

#include <new>

#include "kern/cred.h"
#include "kern/kernel.h"
#include "kern/lock.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kern/uio.h"
#include "vfs/sys_common.h"
#include "vfs/vfile.h"

namespace rk::vfs {
namespace {

constexpr uint32_t kPipeMaxSize = 1048576;  // /proc/sys/fs/pipe-max-size
constexpr unsigned long kFionread = 0x541B;

// Linux's fcntl commands for pipes, which sys_fcntl hands to PipeFile::ioctl with bit 32 set:
// out of reach of ioctl(2), whose command is 32 bits wide.
constexpr unsigned long kPipeFcntl = 1ul << 32;
constexpr unsigned long kFSetpipeSz = 1031;
constexpr unsigned long kFGetpipeSz = 1032;

}  // namespace

PipeBuffer::PipeBuffer(kern::Kernel& k, uint32_t uid, uint32_t gid, Slot* slots)
    : kernel_(k),
      uid_(uid),
      gid_(gid),
      created_(now(k)),
      lock_(k),
      rd_wait_(k),
      wr_wait_(k),
      slots_(slots),
      partner_(k) {}

Result<Ref<PipeBuffer>> PipeBuffer::create(kern::Kernel& k, uint32_t uid, uint32_t gid) {
  kern::Kmem& km = k.kmem();
  auto* slots = static_cast<Slot*>(km.zalloc(sizeof(Slot) * kDefaultSlots));
  if (slots == nullptr) return Errno::kNFile;
  PipeBuffer* b = km.create<PipeBuffer>(kern::KmFlags::kNoSleep, k, uid, gid, slots);
  if (b == nullptr) {
    km.free(slots, sizeof(Slot) * kDefaultSlots);
    return Errno::kNFile;
  }
  return Ref<PipeBuffer>::adopt(*b);
}

void PipeBuffer::release_last() {
  kern::Kmem& km = kernel_.kmem();
  {
    // Nobody else can reach the buffer; the lock only satisfies the analysis.
    kern::MutexGuard g(lock_);
    for (uint32_t i = tail_; i != head_; ++i) put_page_locked(slot_locked(i).page);
    if (spare_ != nullptr) km.free(spare_, kPage);
    spare_ = nullptr;
    km.free(slots_, sizeof(Slot) * nslots_);
    slots_ = nullptr;
  }
  km.destroy(this);
}

char* PipeBuffer::get_page_locked() {
  if (spare_ != nullptr) return std::exchange(spare_, nullptr);
  return static_cast<char*>(kernel_.kmem().alloc(kPage, kern::KmFlags::kNoSleep));
}

void PipeBuffer::put_page_locked(char* page) {
  if (page == nullptr) return;
  if (spare_ == nullptr) spare_ = page;
  else kernel_.kmem().free(page, kPage);
}

void PipeBuffer::wake_readers_locked() {
  rd_wait_.broadcast();
  kernel_.poll_word().changed();
}

void PipeBuffer::wake_writers_locked() {
  wr_wait_.broadcast();
  kernel_.poll_word().changed();
}

uint32_t PipeBuffer::poll(bool read_end, bool write_end, int64_t w_seen) {
  kern::MutexGuard g(lock_);
  uint32_t mask = 0;
  if (read_end) {
    if (!empty_locked()) mask |= kern::kPollIn | kern::kPollRdNorm;
    if (writers_ == 0 && (w_seen < 0 || w_counter_ != static_cast<uint32_t>(w_seen)))
      mask |= kern::kPollHup;
  }
  if (write_end) {
    if (!full_locked()) mask |= kern::kPollOut | kern::kPollWrNorm;
    if (readers_ == 0) mask |= kern::kPollErr;
  }
  return mask;
}

void PipeBuffer::open_end(bool write_end) {
  kern::MutexGuard g(lock_);
  if (write_end) ++writers_;
  else ++readers_;
}

Result<void> PipeBuffer::fifo_open(bool read, bool write, bool nonblock, int64_t* w_seen) {
  kern::MutexGuard g(lock_);
  *w_seen = -1;
  if (read && write) {
    ++readers_, ++r_counter_;
    ++writers_, ++w_counter_;
    partner_.broadcast();
    kernel_.poll_word().changed();  // pollers of the other end see a partner come
    return ok();
  }
  if (read) {
    ++readers_, ++r_counter_;
    partner_.broadcast();
    kernel_.poll_word().changed();  // pollers of the other end see a partner come
    if (writers_ == 0 && nonblock) *w_seen = w_counter_;  // no POLLHUP before a writer came
    if (writers_ == 0 && !nonblock) {
      // Wait for a writer to come (even if it has gone again meanwhile: its open counted).
      uint32_t seen = w_counter_;
      while (w_counter_ == seen) partner_.wait(lock_);
    }
    return ok();
  }
  if (readers_ == 0 && nonblock) return Errno::kNxio;
  ++writers_, ++w_counter_;
  partner_.broadcast();
  // A reader blocked at end of file (or polling) may now wait for data instead.
  wake_readers_locked();
  if (readers_ == 0) {
    uint32_t seen = r_counter_;
    while (r_counter_ == seen) partner_.wait(lock_);
  }
  return ok();
}

bool PipeBuffer::idle() {
  kern::MutexGuard g(lock_);
  return readers_ == 0 && writers_ == 0;
}

void PipeBuffer::close_end(bool write_end) {
  kern::MutexGuard g(lock_);
  if (write_end) {
    if (--writers_ == 0) wake_readers_locked();  // readers see end of file
  } else {
    if (--readers_ == 0) wake_writers_locked();  // writers see EPIPE
  }
}

Result<void> PipeBuffer::read(kern::Uio& uio, bool nonblock) {
  if (uio.resid() == 0) return ok();
  kern::MutexGuard g(lock_);
  size_t got = 0;
  bool freed = false;
  Result<void> rv = ok();
  for (;;) {
    if (!empty_locked()) {
      Slot& s = slot_locked(tail_);
      size_t chars = s.len < uio.resid() ? s.len : uio.resid();
      Result<void> r = uio.move(s.page + s.off, chars);
      if (!r.ok()) {
        rv = r;
        break;
      }
      got += chars;
      s.off = static_cast<uint16_t>(s.off + chars);
      s.len = static_cast<uint16_t>(s.len - chars);
      bool packet = s.packet;
      if (packet) s.len = 0;  // the rest of a packet is dropped
      if (s.len == 0) {
        put_page_locked(s.page);
        s = Slot{};
        ++tail_;
        freed = true;
      }
      if (packet || uio.resid() == 0) break;
      if (!empty_locked()) continue;
    }
    if (writers_ == 0 || got > 0) break;  // end of file, or what there was
    if (nonblock) {
      rv = Errno::kAgain;
      break;
    }
    if (freed) {
      wake_writers_locked();
      freed = false;
    }
    rd_wait_.wait(lock_);  // gives the CPU back
  }
  if (freed) wake_writers_locked();
  return rv;  // with got > 0 the caller reports the bytes, not the error
}

Result<void> PipeBuffer::write(kern::Uio& uio, bool nonblock, bool packet) {
  size_t total = uio.resid();
  if (total == 0) return ok();  // a null write succeeds, readers or not
  kern::MutexGuard g(lock_);
  if (readers_ == 0) return Errno::kPipe;
  size_t put = 0;
  Result<void> rv = ok();
  // The odd tail of the write joins the last page if all of it fits there.
  size_t chars = total & (kPage - 1);
  if (chars != 0 && !empty_locked()) {
    Slot& s = slot_locked(head_ - 1);
    if (!s.packet && s.off + s.len + chars <= kPage) {
      RK_TRY(uio.move(s.page + s.off + s.len, chars));
      s.len = static_cast<uint16_t>(s.len + chars);
      put += chars;
    }
  }
  while (uio.resid() > 0) {
    if (readers_ == 0) {
      rv = Errno::kPipe;
      break;
    }
    if (!full_locked()) {
      char* page = get_page_locked();
      if (page == nullptr) {
        rv = Errno::kNoMem;
        break;
      }
      size_t n = uio.resid() < kPage ? uio.resid() : kPage;
      Result<void> r = uio.move(page, n);
      if (!r.ok()) {
        put_page_locked(page);
        rv = r;
        break;
      }
      slot_locked(head_) = Slot{page, 0, static_cast<uint16_t>(n), packet};
      ++head_;
      put += n;
      continue;
    }
    if (nonblock) {
      rv = Errno::kAgain;
      break;
    }
    if (put > 0) wake_readers_locked();
    wr_wait_.wait(lock_);  // gives the CPU back
  }
  if (put > 0) wake_readers_locked();
  return rv;  // with put > 0 the caller reports the bytes, not the error
}

int PipeBuffer::available() {
  kern::MutexGuard g(lock_);
  size_t n = 0;
  for (uint32_t i = tail_; i != head_; ++i) n += slot_locked(i).len;
  return static_cast<int>(n);
}

uint32_t PipeBuffer::size() {
  kern::MutexGuard g(lock_);
  return nslots_ * static_cast<uint32_t>(kPage);
}

Result<uint32_t> PipeBuffer::resize(uint32_t bytes, bool privileged) {
  // Linux's round_pipe_size: at least a page, a power of two, at most 2^31.
  if (bytes > (1u << 31)) return Errno::kInval;
  uint32_t size = static_cast<uint32_t>(kPage);
  while (size < bytes) size <<= 1;
  uint32_t n = size / static_cast<uint32_t>(kPage);
  kern::Kmem& km = kernel_.kmem();
  {
    kern::MutexGuard g(lock_);
    if (n > nslots_ && size > kPipeMaxSize && !privileged) return Errno::kPerm;
    if (n == nslots_) return size;
  }
  auto* slots = static_cast<Slot*>(km.zalloc(sizeof(Slot) * n));
  if (slots == nullptr) return Errno::kNoMem;
  Slot* drop = slots;  // freed after: the new array, or the old one once replaced
  uint32_t drop_n = n;
  bool busy = false;
  {
    kern::MutexGuard g(lock_);
    uint32_t used = head_ - tail_;
    if (used > n) {
      busy = true;
    } else {
      for (uint32_t i = 0; i < used; ++i) slots[i] = slot_locked(tail_ + i);
      drop = slots_;
      drop_n = nslots_;
      slots_ = slots;
      nslots_ = n;
      tail_ = 0;
      head_ = used;
      wake_writers_locked();  // there may be more room
    }
  }
  km.free(drop, sizeof(Slot) * drop_n);
  if (busy) return Errno::kBusy;
  return size;
}

void PipeBuffer::getattr(Vattr& va) const {
  va = Vattr{};
  va.type = VType::kFifo;
  va.mode = 0600;
  va.uid = uid_;
  va.gid = gid_;
  va.nlink = 1;
  va.size = 0;  // Linux reports 0 whatever is buffered (FIONREAD tells)
  va.blocks = 0;
  va.blksize = static_cast<uint32_t>(kPage);
  // Unique among live pipes, and the same for both ends.
  va.ino = reinterpret_cast<uintptr_t>(this) / alignof(PipeBuffer);
  va.dev = 0;
  va.atime = va.mtime = va.ctime = va.btime = created_;
}

// --- PipeFile ---------------------------------------------------------------------------

PipeFile::PipeFile(kern::Kernel& k, uint32_t flags, Ref<PipeBuffer> buf, bool write_end)
    : File(k, flags), buf_(std::move(buf)), write_end_(write_end) {
  buf_->open_end(write_end_);
}

Result<void> PipeFile::create_pair(kern::Kernel& k, uint32_t flags, RefPtr<PipeFile> ends[2]) {
  if (flags & ~(kONonblock | kODirect | kOCloexec)) return Errno::kInval;
  // Owned by whoever makes it, as Linux's pipe inodes (fsuid, fsgid).
  uint32_t uid = 0, gid = 0;
  if (kern::Lwp* cur = kern::curlwp()) {
    kern::Cred c = cur->proc().cred();
    uid = c.fsuid;
    gid = c.fsgid;
  }
  Ref<PipeBuffer> buf = RK_TRY(PipeBuffer::create(k, uid, gid));
  uint32_t status = flags & (kONonblock | kODirect);
  RefPtr<PipeFile> made[2];
  for (int i = 0; i < 2; ++i) {
    void* mem = k.kmem().alloc(sizeof(PipeFile), kern::KmFlags::kNoSleep, alignof(PipeFile));
    if (mem == nullptr) return Errno::kNFile;  // made[0] is dropped: nothing is left
    auto* f = new (mem) PipeFile(k, (i == 0 ? kORdonly : kOWronly) | status, buf, i == 1);
    made[i] = RefPtr<PipeFile>(Ref<PipeFile>::adopt(*f));
  }
  ends[0] = std::move(made[0]);
  ends[1] = std::move(made[1]);
  return ok();
}

void PipeFile::free_self() { kernel().kmem().destroy(this); }

void PipeFile::close_last() { buf_->close_end(write_end_); }

Result<void> PipeFile::read(kern::Lwp& l, kern::Uio& uio, bool positioned) {
  if (positioned) return Errno::kSPipe;
  if (write_end_) return Errno::kBadF;
  return buf_->read(uio, flags() & kONonblock);
}

Result<void> PipeFile::write(kern::Lwp& l, kern::Uio& uio, bool positioned) {
  if (positioned) return Errno::kSPipe;
  if (!write_end_) return Errno::kBadF;
  uint32_t fl = flags();
  return buf_->write(uio, fl & kONonblock, fl & kODirect);
}

uint32_t PipeFile::poll(kern::Lwp&, uint32_t) { return buf_->poll(!write_end_, write_end_, -1); }

Result<int64_t> PipeFile::ioctl(kern::Lwp& l, unsigned long cmd, uint64_t arg) {
  switch (cmd) {
    case kFionread: {
      int n = buf_->available();
      RK_TRY(kern::copyout(l, reinterpret_cast<void*>(arg), &n, sizeof n));
      return 0;
    }
    case kPipeFcntl | kFGetpipeSz:
      return buf_->size();
    case kPipeFcntl | kFSetpipeSz: {
      bool privileged = l.proc().cred().privileged();
      return RK_TRY(buf_->resize(static_cast<uint32_t>(arg), privileged));
    }
    default:
      return Errno::kNotTy;
  }
}

Result<void> PipeFile::getattr(Vattr& va) {
  buf_->getattr(va);
  return ok();
}

}  // namespace rk::vfs
