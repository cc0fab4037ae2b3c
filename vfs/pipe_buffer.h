// The buffer behind a pipe or a named pipe (FIFO): both ends' files share it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kern/kmem.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lock.h"
#include "kern/uio.h"
#include "vfs/types.h"

namespace rk::vfs {

inline constexpr size_t kPage = 4096;          // PAGE_SIZE, and PIPE_BUF
inline constexpr uint32_t kDefaultSlots = 16;  // Linux's PIPE_DEF_BUFFERS

class PipeBuffer final : public RefCounted<PipeBuffer> {
 public:
  struct Slot {
    char* page;     // kPage bytes; null when the slot is free
    uint16_t off;   // first unread byte
    uint16_t len;   // unread bytes
    bool packet;    // written in packet mode (O_DIRECT): read whole or not at all
  };

  // ENFILE when out of memory (as Linux answers when it cannot make a pipe inode).
  static Result<Ref<PipeBuffer>> create(kern::Kernel& k, uint32_t uid, uint32_t gid);

  void open_end(bool write_end) RK_EXCLUDES(lock_);
  void close_end(bool write_end) RK_EXCLUDES(lock_);
  // A named pipe's open, as Linux's: a reader without O_NONBLOCK waits for a writer, a writer
  // waits for a reader (with O_NONBLOCK and no reader: ENXIO), O_RDWR never waits.
  // *w_seen: what poll() of this opener's file passes (see poll).
  Result<void> fifo_open(bool read, bool write, bool nonblock, int64_t* w_seen)
      RK_EXCLUDES(lock_);
  bool idle() RK_EXCLUDES(lock_);  // no end is open

  Result<void> read(kern::Uio& uio, bool nonblock) RK_EXCLUDES(lock_);
  Result<void> write(kern::Uio& uio, bool nonblock, bool packet) RK_EXCLUDES(lock_);
  int available() RK_EXCLUDES(lock_);  // FIONREAD
  // poll(2) of a file open on the read end, the write end, or both, as Linux's pipe_poll:
  // readable with data, writable with room, POLLHUP for a reader once no writer is left,
  // POLLERR for a writer once no reader is. w_seen: -1, or for a named pipe opened to read
  // with O_NONBLOCK while no writer had it open, the writer count of then: no POLLHUP until a
  // writer has come.
  uint32_t poll(bool read_end, bool write_end, int64_t w_seen) RK_EXCLUDES(lock_);
  uint32_t size() RK_EXCLUDES(lock_);  // F_GETPIPE_SZ
  // F_SETPIPE_SZ: the new size. EINVAL, EPERM (past pipe-max-size unprivileged), EBUSY (less
  // room than is buffered), ENOMEM.
  Result<uint32_t> resize(uint32_t bytes, bool privileged) RK_EXCLUDES(lock_);
  void getattr(Vattr& va) const;

  void release_last();

 private:
  friend class kern::Kmem;
  PipeBuffer(kern::Kernel& k, uint32_t uid, uint32_t gid, Slot* slots);
  ~PipeBuffer() = default;

  bool empty_locked() const RK_REQUIRES(lock_) { return head_ == tail_; }
  bool full_locked() const RK_REQUIRES(lock_) { return head_ - tail_ >= nslots_; }
  Slot& slot_locked(uint32_t i) RK_REQUIRES(lock_) { return slots_[i & (nslots_ - 1)]; }
  char* get_page_locked() RK_REQUIRES(lock_);
  // Wake the blocked readers (writers) and the kernel's pollers: something they wait for came.
  void wake_readers_locked() RK_REQUIRES(lock_);
  void wake_writers_locked() RK_REQUIRES(lock_);
  void put_page_locked(char* page) RK_REQUIRES(lock_);

  kern::Kernel& kernel_;
  const uint32_t uid_;
  const uint32_t gid_;
  const Timespec created_;  // Linux never updates a pipe's times
  kern::Mutex lock_;
  kern::CondVar rd_wait_;  // readers: data came, or the last writer went
  kern::CondVar wr_wait_;  // writers: room was made, or the last reader went
  Slot* slots_ RK_GUARDED_BY(lock_);
  uint32_t nslots_ RK_GUARDED_BY(lock_) = kDefaultSlots;  // a power of two
  uint32_t head_ RK_GUARDED_BY(lock_) = 0;  // the next slot to fill (counts on, wraps)
  uint32_t tail_ RK_GUARDED_BY(lock_) = 0;  // the next slot to read
  char* spare_ RK_GUARDED_BY(lock_) = nullptr;  // a free page kept for the next write
  int readers_ RK_GUARDED_BY(lock_) = 0;
  int writers_ RK_GUARDED_BY(lock_) = 0;
  // Opens so far, for a named pipe's opener waiting for its partner (Linux's r/w_counter).
  uint32_t r_counter_ RK_GUARDED_BY(lock_) = 0;
  uint32_t w_counter_ RK_GUARDED_BY(lock_) = 0;
  kern::CondVar partner_;  // a named pipe gained a reader or a writer
};

}  // namespace rk::vfs
