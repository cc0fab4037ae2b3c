// librumpclient's backend of rump_sys_*: each call is one request and one response on a
// connection of this process (docs/PROTOCOL.md "Calls").
#include <sys/uio.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "api/syscall_backend.h"
#include "kern/abi/linux.h"
#include "sysproxy/call_codec.h"
#include "sysproxy/client_impl.h"

namespace rk::sysproxy {
namespace {

constexpr int kIovMax = 1024;  // Linux's UIO_MAXIOV

long fail(int e) {
  errno = e;
  return -1;
}

// One call on the wire. Returns the raw result (>= 0 or a negated errno).
int64_t remote(RemoteClient& client, const WireSyscall& spec, uint64_t args[6]) {
  clamp_byte_counts(spec, args);
  ArgPlan plan[6];
  PlanStatus ps = plan_call(spec, args, plan);
  if (ps == PlanStatus::kTooBig) return -EINVAL;
  if (ps == PlanStatus::kUnsupported) {
    if (client.debug())
      fprintf(stderr, "rumpclient: system call %u: an argument the protocol cannot carry\n",
              spec.nr);
    return -ENOSYS;
  }
  for (;;) {
    int error = 0;
    uint64_t generation = 0;
    ClientConn* c = client.acquire(&error, &generation);
    if (c == nullptr) {
      // The server is gone, or no longer knows this process (it restarted): the same as a
      // connection lost in the middle of a call.
      if (error == ENOMEM || error == EMFILE || error == ENFILE) return -error;
      if (client.lost(nullptr, generation)) continue;
      return -ENOTCONN;
    }
    uint64_t tag = ++c->tag;
    begin_message(&c->out, MsgType::kCall, tag);
    encode_call(spec, args, plan, &c->out);
    finish_message(&c->out);
    MsgHeader h;
    std::span<const uint8_t> body;
    int64_t ret;
    if (c->ch.write(c->out) == 0 && c->ch.read(&h, &body) == 0 &&
        h.type == static_cast<uint16_t>(MsgType::kResult) && h.tag == tag &&
        decode_result(body, spec, args, plan, &ret)) {
      client.release(c);
      return ret;
    }
    if (!client.lost(c, c->generation)) return -ENOTCONN;
  }
}

// readv and writev carry their iovec arrays as one buffer: the call becomes read or write of
// the whole (cut to kMaxArgBytes, a short count as Linux allows).
int64_t vector_io(RemoteClient& client, bool write, const kern::SyscallArgs& a) {
  const auto* iov = reinterpret_cast<const iovec*>(static_cast<uintptr_t>(a.a[1]));
  auto cnt = static_cast<int>(a.a[2]);
  if (cnt < 0 || cnt > kIovMax) return -EINVAL;
  if (cnt > 0 && iov == nullptr) return -EFAULT;
  size_t total = 0;
  for (int i = 0; i < cnt; ++i) {
    if (iov[i].iov_len > SSIZE_MAX - total) return -EINVAL;
    total += iov[i].iov_len;
  }
  if (total > kMaxArgBytes) total = kMaxArgBytes;
  std::vector<uint8_t> buf(total);
  if (write) {
    size_t at = 0;
    for (int i = 0; i < cnt && at < total; ++i) {
      size_t n = iov[i].iov_len < total - at ? iov[i].iov_len : total - at;
      std::memcpy(buf.data() + at, iov[i].iov_base, n);
      at += n;
    }
  }
  const WireSyscall* spec = client.specs().find(write ? abi::kSysWrite : abi::kSysRead);
  if (spec == nullptr) return -ENOSYS;
  uint64_t args[6] = {a.a[0], reinterpret_cast<uintptr_t>(buf.data()), total, 0, 0, 0};
  int64_t ret = remote(client, *spec, args);
  if (!write && ret > 0) {
    size_t at = 0, left = static_cast<size_t>(ret);
    for (int i = 0; i < cnt && left > 0; ++i) {
      size_t n = iov[i].iov_len < left ? iov[i].iov_len : left;
      std::memcpy(iov[i].iov_base, buf.data() + at, n);
      at += n;
      left -= n;
    }
  }
  return ret;
}

}  // namespace
}  // namespace rk::sysproxy

namespace rk::api {

long invoke_syscall(unsigned nr, const kern::SyscallArgs& a) {
  using namespace rk::sysproxy;
  RemoteClient* client = current_client();
  if (client == nullptr) return fail(ENXIO);  // as librump before rump_init()
  int64_t ret;
  if (nr == abi::kSysReadv || nr == abi::kSysWritev) {
    ret = vector_io(*client, nr == abi::kSysWritev, a);
  } else {
    const WireSyscall* spec = client->specs().find(nr);
    if (spec == nullptr) return fail(ENOSYS);
    uint64_t args[6];
    for (int i = 0; i < 6; ++i) args[i] = a.a[i];
    ret = remote(*client, *spec, args);
  }
  if (ret < 0 && ret >= -4095) return fail(static_cast<int>(-ret));
  return static_cast<long>(ret);
}

}  // namespace rk::api
