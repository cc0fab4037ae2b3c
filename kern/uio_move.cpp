#include "kern/uio.h"

#include "kern/lib/string.h"

namespace rk::kern {

Uio::Uio(Lwp& l, UioDir dir, std::span<IoVec> iov, uint64_t offset)
    : lwp_(l), dir_(dir), iov_(iov), offset_(offset) {
  for (const IoVec& v : iov) resid_ += v.len;
}

Uio::Uio(Lwp& l, UioDir dir, void* kbuf, size_t len, uint64_t offset)
    : lwp_(l), dir_(dir), resid_(len), offset_(offset), kernel_(true), single_{kbuf, len} {
  iov_ = {&single_, 1};
}

Result<void> Uio::move(void* kbuf, size_t n) {
  auto* k = static_cast<char*>(kbuf);
  while (n > 0 && resid_ > 0) {
    while (idx_ < iov_.size() && iov_off_ == iov_[idx_].len) {
      ++idx_;
      iov_off_ = 0;
    }
    if (idx_ == iov_.size()) break;
    IoVec& v = iov_[idx_];
    size_t chunk = v.len - iov_off_;
    if (chunk > n) chunk = n;
    char* client = static_cast<char*>(v.base) + iov_off_;
    if (kernel_) {
      if (dir_ == UioDir::kRead) mem_copy(client, k, chunk);
      else mem_copy(k, client, chunk);
    } else if (dir_ == UioDir::kRead) {
      RK_TRY(copyout(lwp_, client, k, chunk));
    } else {
      RK_TRY(copyin(lwp_, k, client, chunk));
    }
    k += chunk;
    n -= chunk;
    iov_off_ += chunk;
    resid_ -= chunk;
    offset_ += chunk;
  }
  return ok();
}

void Uio::skip(size_t n) {
  while (n > 0 && resid_ > 0) {
    while (idx_ < iov_.size() && iov_off_ == iov_[idx_].len) {
      ++idx_;
      iov_off_ = 0;
    }
    if (idx_ == iov_.size()) break;
    size_t chunk = iov_[idx_].len - iov_off_;
    if (chunk > n) chunk = n;
    iov_off_ += chunk;
    resid_ -= chunk;
    offset_ += chunk;
    n -= chunk;
  }
}

Result<size_t> Uio::peek(size_t n, IoVec* out, size_t room, size_t* count) const {
  size_t bytes = 0, used = 0;
  size_t idx = idx_, at = iov_off_;
  if (n > resid_) n = resid_;
  while (bytes < n && used < room && idx < iov_.size()) {
    const IoVec& v = iov_[idx];
    if (at == v.len) {
      ++idx;
      at = 0;
      continue;
    }
    size_t chunk = v.len - at;
    if (chunk > n - bytes) chunk = n - bytes;
    // copyin/copyout's check: a client's null pointer is the one fault this kernel can see.
    if (!kernel_ && v.base == nullptr) return Errno::kFault;
    out[used++] = {static_cast<char*>(v.base) + at, chunk};
    bytes += chunk;
    at += chunk;
  }
  *count = used;
  return bytes;
}

Result<void> Uio::zero(size_t n) {
  char zeros[256];
  mem_set(zeros, 0, sizeof zeros);
  while (n > 0 && resid_ > 0) {
    size_t chunk = n < sizeof zeros ? n : sizeof zeros;
    if (dir_ == UioDir::kRead) {
      RK_TRY(move(zeros, chunk));
    } else {
      char sink[256];
      RK_TRY(move(sink, chunk));
    }
    n -= chunk;
  }
  return ok();
}

}  // namespace rk::kern
