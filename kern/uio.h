// Moving data between a client's memory and the kernel's.
//
// A local client shares the kernel's address space, so these are copies guarded against null
// pointers; a remote client's data has already been brought into the server by the wire
// protocol (sysproxy), so the same calls serve both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kern/lib/result.h"

namespace rk::kern {

class Lwp;

inline constexpr size_t kPathMax = 4096;  // Linux's PATH_MAX, including the NUL

Result<void> copyin(Lwp& l, void* kaddr, const void* uaddr, size_t len);    // EFAULT
Result<void> copyout(Lwp& l, void* uaddr, const void* kaddr, size_t len);   // EFAULT
// Copies a NUL-terminated string into kbuf (kbuflen bytes with its NUL); returns its length.
// ENAMETOOLONG when it does not fit, EFAULT for a null pointer.
Result<size_t> copyinstr(Lwp& l, char* kbuf, const char* uaddr, size_t kbuflen);

// Uio: a transfer between a kernel buffer and a client's memory, scattered over iovecs (read,
// write, readv, writev, pread, readlink, getdents). Code that moves data calls move(), which
// copies through copyin/copyout, so the same code serves local and remote clients.
struct IoVec {
  void* base;
  size_t len;
};

enum class UioDir { kRead, kWrite };  // kRead: kernel -> client (the client reads)

class Uio {
 public:
  // iov points into the client's memory.
  Uio(Lwp& l, UioDir dir, std::span<IoVec> iov, uint64_t offset);
  // A transfer to or from a kernel buffer (kernel-internal I/O).
  Uio(Lwp& l, UioDir dir, void* kbuf, size_t len, uint64_t offset);
  Uio(const Uio&) = delete;
  Uio& operator=(const Uio&) = delete;

  UioDir dir() const { return dir_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t off) { offset_ = off; }
  size_t resid() const { return resid_; }
  Lwp& lwp() const { return lwp_; }

  // Moves up to n bytes between kbuf and the client's memory, in the direction of the
  // transfer; advances offset and resid. EFAULT for a bad client pointer.
  Result<void> move(void* kbuf, size_t n);
  // Zeroes for a read (n bytes of a hole); for a write, n client bytes consumed unread.
  Result<void> zero(size_t n);
  // Consumes n bytes without touching them (a write to /dev/null).
  void skip(size_t n);
  // The memory of the next n bytes (fewer when it takes more than `room` pieces), described in
  // out[0..*count) for a transfer straight between it and a device; consumes nothing (skip()
  // the bytes once moved). The bytes described; EFAULT for a null client pointer.
  Result<size_t> peek(size_t n, IoVec* out, size_t room, size_t* count) const;

 private:
  Lwp& lwp_;
  UioDir dir_;
  std::span<IoVec> iov_;
  size_t idx_ = 0;        // current iovec
  size_t iov_off_ = 0;    // offset in it
  size_t resid_ = 0;
  uint64_t offset_;
  bool kernel_ = false;
  IoVec single_{};
};


}  // namespace rk::kern
