// A raw sysproxy client for the server tests: speaks the protocol message by message over a
// socket, so tests can also send what no real client would (truncated, oversized, garbage).
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sysproxy/call_codec.h"
#include "sysproxy/channel.h"
#include "sysproxy/url.h"

namespace rk::test {

using namespace rk::sysproxy;

class WireClient {
 public:
  // Connects to url; fd() < 0 on failure.
  explicit WireClient(const std::string& url) {
    Endpoint ep;
    std::string why;
    if (parse_url(url, &ep, &why) && connect_to(ep, &fd_) == 0) ch_ = std::make_unique<Channel>(fd_);
  }
  ~WireClient() { close_now(); }
  WireClient(const WireClient&) = delete;
  WireClient& operator=(const WireClient&) = delete;

  int fd() const { return fd_; }
  void close_now() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // Sends a hello; returns the welcome's error (0: attached) or -1 when the connection broke.
  int hello(HelloMode mode = HelloMode::kNew, int32_t pid = 0, const uint8_t* cookie = nullptr,
            uint32_t version = kProtocolVersion, bool want_table = true) {
    Hello h{};
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.version = version;
    h.mode = static_cast<uint32_t>(mode);
    h.pid = pid;
    h.flags = want_table ? kHelloWantTable : 0;
    if (cookie != nullptr) std::memcpy(h.cookie, cookie, kCookieSize);
    begin_message(&out_, MsgType::kHello, 0);
    put(&out_, h);
    finish_message(&out_);
    if (!send_raw(out_)) return -1;
    MsgHeader mh;
    std::span<const uint8_t> body;
    if (ch_->read(&mh, &body) != 0 || body.size() < sizeof(Welcome)) return -1;
    std::memcpy(&welcome, body.data(), sizeof welcome);
    Reader r(body.subspan(sizeof welcome));
    for (uint32_t i = 0; i < welcome.nsyscalls; ++i) {
      WireSyscall s;
      if (!r.get(&s)) return -1;
      specs.add(s);
    }
    return welcome.error;
  }

  // One call with real pointers in a[]: the raw result (>= 0 or -errno), or -10000 when the
  // connection broke.
  int64_t call(unsigned nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0, uint64_t a5 = 0) {
    uint64_t args[6] = {a0, a1, a2, a3, a4, a5};
    const WireSyscall* spec = specs.find(nr);
    WireSyscall unknown{};
    unknown.nr = static_cast<uint16_t>(nr);
    if (spec == nullptr) spec = &unknown;
    ArgPlan plan[6];
    if (plan_call(*spec, args, plan) == PlanStatus::kTooBig) return -EINVAL;
    begin_message(&out_, MsgType::kCall, ++tag_);
    encode_call(*spec, args, plan, &out_);
    finish_message(&out_);
    if (!send_raw(out_)) return kBroken;
    MsgHeader mh;
    std::span<const uint8_t> body;
    if (ch_->read(&mh, &body) != 0 || mh.type != static_cast<uint16_t>(MsgType::kResult))
      return kBroken;
    int64_t ret;
    if (!decode_result(body, *spec, args, plan, &ret)) return kBroken;
    return ret;
  }

  // A bodiless request (kFork, kExec); the answer's body, empty when the connection broke.
  std::vector<uint8_t> request(MsgType type) {
    begin_message(&out_, type, ++tag_);
    finish_message(&out_);
    if (!send_raw(out_)) return {};
    MsgHeader mh;
    std::span<const uint8_t> body;
    if (ch_->read(&mh, &body) != 0) return {};
    return {body.begin(), body.end()};
  }

  // The next message (the answer to a call sent with send_raw); false when the connection broke.
  bool read_message(MsgHeader* header, std::vector<uint8_t>* body) {
    std::span<const uint8_t> b;
    if (fd_ < 0 || ch_->read(header, &b) != 0) return false;
    body->assign(b.begin(), b.end());
    return true;
  }

  bool send_raw(std::span<const uint8_t> bytes) {
    if (fd_ < 0) return false;
    return ch_->write(bytes) == 0;
  }
  // True once the server closed the connection (reads EOF within timeout_ms).
  bool closed_by_server(int timeout_ms = 5000) {
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    for (;;) {
      ssize_t n = recv(fd_, &c, 1, 0);
      if (n == 0) return true;
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && errno == ECONNRESET;
    }
  }

  static constexpr int64_t kBroken = -10000;
  Welcome welcome{};
  SyscallSpecs specs;

 private:
  int fd_ = -1;
  std::unique_ptr<Channel> ch_;
  std::vector<uint8_t> out_;
  uint64_t tag_ = 0;
};

}  // namespace rk::test
