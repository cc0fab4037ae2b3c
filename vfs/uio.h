// Uio: a transfer between a kernel buffer and a client's memory, scattered over iovecs (read,
// write, readv, writev, pread, readlink, getdents). File systems move data with uiomove(), which
// copies through kern's copyin/copyout, so the same code serves local and remote clients.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kern/lib/result.h"

namespace rk::kern {
class Lwp;
}

namespace rk::vfs {

struct IoVec {
  void* base;
  size_t len;
};

enum class UioDir { kRead, kWrite };  // kRead: kernel -> client (the client reads)

class Uio {
 public:
  // iov points into the client's memory.
  Uio(kern::Lwp& l, UioDir dir, std::span<IoVec> iov, uint64_t offset);
  // A transfer to or from a kernel buffer (kernel-internal I/O).
  Uio(kern::Lwp& l, UioDir dir, void* kbuf, size_t len, uint64_t offset);
  Uio(const Uio&) = delete;
  Uio& operator=(const Uio&) = delete;

  UioDir dir() const { return dir_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t off) { offset_ = off; }
  size_t resid() const { return resid_; }
  kern::Lwp& lwp() const { return lwp_; }

  // Moves up to n bytes between kbuf and the client's memory, in the direction of the
  // transfer; advances offset and resid. EFAULT for a bad client pointer.
  Result<void> move(void* kbuf, size_t n);
  // Client bytes for a write, zeroes for a read: (n bytes of a hole).
  Result<void> zero(size_t n);

 private:
  kern::Lwp& lwp_;
  UioDir dir_;
  std::span<IoVec> iov_;
  size_t idx_ = 0;        // current iovec
  size_t iov_off_ = 0;    // offset in it
  size_t resid_ = 0;
  uint64_t offset_;
  bool kernel_ = false;
  IoVec single_{};
};

}  // namespace rk::vfs
