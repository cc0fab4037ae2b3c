#include "sysproxy/channel.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace rk::sysproxy {

namespace {
constexpr size_t kInitialBuffer = 64 * 1024;
}

int Channel::fill(size_t need) {
  if (have_ - start_ >= need) return 0;
  if (start_ != 0) {  // move the unread part to the front
    std::memmove(buf_.data(), buf_.data() + start_, have_ - start_);
    have_ -= start_;
    start_ = 0;
  }
  if (buf_.size() < need) buf_.resize(need < kInitialBuffer ? kInitialBuffer : need);
  while (have_ < need) {
    ssize_t n = recv(fd_, buf_.data() + have_, buf_.size() - have_, 0);
    if (n > 0) {
      have_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return ENOTCONN;
  }
  return 0;
}

int Channel::read(MsgHeader* header, std::span<const uint8_t>* body) {
  if (start_ == have_) {
    start_ = have_ = 0;
    if (shrink_pending_) {
      buf_.resize(kInitialBuffer);
      buf_.shrink_to_fit();
      shrink_pending_ = false;
    }
  }
  if (int e = fill(sizeof(MsgHeader)); e != 0) return e;
  std::memcpy(header, buf_.data() + start_, sizeof *header);
  if (!header_valid(*header)) return EPROTO;
  if (int e = fill(header->len); e != 0) return e;
  *body = {buf_.data() + start_ + sizeof *header, header->len - sizeof *header};
  start_ += header->len;
  // A large message's buffer is not kept for the rest of the connection's life.
  // (body points into buf_ until the next read, which shrinks it).
  if (buf_.size() > 4 * kInitialBuffer) shrink_pending_ = true;
  return 0;
}

int Channel::write(std::span<const uint8_t> msg) {
  const uint8_t* p = msg.data();
  size_t left = msg.size();
  while (left > 0) {
    ssize_t n = send(fd_, p, left, MSG_NOSIGNAL);
    if (n > 0) {
      p += n;
      left -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return ENOTCONN;
  }
  return 0;
}

}  // namespace rk::sysproxy
