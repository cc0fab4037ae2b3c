// One end of a sysproxy connection: whole messages in and out of a stream socket.
//
// Reads are buffered so that a message usually costs one recv(2); a message is valid until
// the next read. Not thread-safe: a connection carries one call at a time (docs/PROTOCOL.md).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sysproxy/wire.h"

namespace rk::sysproxy {

class Channel {
 public:
  explicit Channel(int fd) : fd_(fd) {}
  int fd() const { return fd_; }

  // Reads the next message. 0; ENOTCONN when the peer closed or reset the connection; EPROTO
  // for a header that is not valid (too long, unknown type): the caller closes the connection.
  int read(MsgHeader* header, std::span<const uint8_t>* body);
  // Writes a whole message (begin_message/finish_message). 0 or ENOTCONN.
  int write(std::span<const uint8_t> msg);

 private:
  int fill(size_t need);  // until have_ - start_ >= need

  int fd_;
  std::vector<uint8_t> buf_;
  size_t start_ = 0;  // first unread byte
  size_t have_ = 0;   // bytes in buf_
  bool shrink_pending_ = false;
};

}  // namespace rk::sysproxy
