#include "sysproxy/wire.h"

#include <cstring>

#include "sysproxy/call_codec.h"

namespace rk::sysproxy {

bool header_valid(const MsgHeader& h) {
  if (h.len < sizeof(MsgHeader) || h.len > kMaxMessage) return false;
  if (h.flags != 0) return false;
  return h.type >= static_cast<uint16_t>(MsgType::kHello) &&
         h.type <= static_cast<uint16_t>(MsgType::kExecDone);
}

bool Reader::take(void* out, size_t n) {
  if (n > left_) return false;
  if (n != 0) std::memcpy(out, p_, n);
  p_ += n;
  left_ -= n;
  return true;
}

bool Reader::view(size_t n, std::span<const uint8_t>* out) {
  if (n > left_) return false;
  *out = {p_, n};
  p_ += n;
  left_ -= n;
  return true;
}

void put_bytes(std::vector<uint8_t>* msg, const void* p, size_t n) {
  if (n == 0) return;
  size_t at = msg->size();
  msg->resize(at + n);
  std::memcpy(msg->data() + at, p, n);
}

void begin_message(std::vector<uint8_t>* msg, MsgType type, uint64_t tag) {
  msg->clear();
  MsgHeader h{0, static_cast<uint16_t>(type), 0, tag};
  put(msg, h);
}

void finish_message(std::vector<uint8_t>* msg) {
  auto len = static_cast<uint32_t>(msg->size());
  std::memcpy(msg->data(), &len, sizeof len);
}

ParseStatus parse_call(std::span<const uint8_t> body, const SyscallSpecs& specs, ParsedCall* out) {
  Reader r(body);
  CallFixed fixed;
  if (!r.get(&fixed)) return ParseStatus::kMalformed;
  *out = {};
  out->nr = fixed.nr;
  for (int i = 0; i < 6; ++i) out->args[i] = fixed.args[i];
  out->spec = specs.find(fixed.nr);
  if (out->spec == nullptr) return r.left() == 0 ? ParseStatus::kNoSys : ParseStatus::kMalformed;
  PlanStatus ps = plan_call(*out->spec, out->args, out->plan);
  if (ps == PlanStatus::kTooBig) return ParseStatus::kMalformed;
  bool unsupported = ps == PlanStatus::kUnsupported;
  for (int i = 0; i < 6; ++i) {
    const ArgPlan& p = out->plan[i];
    if (p.pass == Pass::kValue) continue;
    // A pointer argument is 0 or 1 on the wire: anything else is not a client of ours.
    if (out->args[i] != 1) return ParseStatus::kMalformed;
    if (p.pass != Pass::kIn && p.pass != Pass::kInOut && p.pass != Pass::kString) continue;
    uint32_t n;
    if (!r.get(&n)) return ParseStatus::kMalformed;
    if (p.pass == Pass::kString ? n > kMaxString : n != p.bytes) return ParseStatus::kMalformed;
    if (!r.view(n, &out->in[i])) return ParseStatus::kMalformed;
  }
  if (r.left() != 0) return ParseStatus::kMalformed;
  return unsupported ? ParseStatus::kNoSys : ParseStatus::kOk;
}

void encode_call(const WireSyscall& spec, const uint64_t args[6], const ArgPlan plan[6],
                 std::vector<uint8_t>* msg) {
  CallFixed fixed{};
  fixed.nr = spec.nr;
  for (int i = 0; i < 6; ++i)
    fixed.args[i] = plan[i].pass == Pass::kValue ? args[i] : 1;
  put(msg, fixed);
  for (int i = 0; i < 6; ++i) {
    const ArgPlan& p = plan[i];
    const void* ptr = reinterpret_cast<const void*>(static_cast<uintptr_t>(args[i]));
    if (p.pass == Pass::kIn || p.pass == Pass::kInOut) {
      put(msg, p.bytes);
      put_bytes(msg, ptr, p.bytes);
    } else if (p.pass == Pass::kString) {
      // Longer strings are cut at kMaxString: the kernel then sees a name of PATH_MAX bytes
      // without its NUL and answers ENAMETOOLONG, as it would for the whole string locally.
      auto n = static_cast<uint32_t>(strnlen(static_cast<const char*>(ptr), kMaxString));
      put(msg, n);
      put_bytes(msg, ptr, n);
    }
  }
}

bool decode_result(std::span<const uint8_t> body, const WireSyscall& spec, const uint64_t args[6],
                   const ArgPlan plan[6], int64_t* ret) {
  Reader r(body);
  ResultFixed fixed;
  if (!r.get(&fixed)) return false;
  *ret = fixed.ret;
  if (fixed.ret >= 0) {
    for (int i = 0; i < 6; ++i) {
      const ArgPlan& p = plan[i];
      if (p.pass != Pass::kOut && p.pass != Pass::kInOut) continue;
      uint32_t n;
      if (!r.get(&n) || n > p.bytes) return false;
      void* ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(args[i]));
      if (!r.take(ptr, n)) return false;
    }
  }
  return r.left() == 0;
}

}  // namespace rk::sysproxy
