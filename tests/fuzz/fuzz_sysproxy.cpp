// Fuzzes the sysproxy wire parsers (docs/PROTOCOL.md): the server's parser of client messages
// (header check, then a kCall body against the kernel's real system call table) and the
// client's parser of a kResult body. No input may crash, read out of bounds or hang; every
// buffer parse_call accepts must have exactly the size its plan says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "sysproxy/call_codec.h"

using namespace rk::sysproxy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const SyscallSpecs* specs = new SyscallSpecs(SyscallSpecs::from_kernel_table());
  if (size < 1) return 0;
  uint8_t mode = data[0];
  std::span<const uint8_t> in(data + 1, size - 1);
  if (mode & 1) {
    // A whole message as the server reads it: header, then body.
    if (in.size() < sizeof(MsgHeader)) return 0;
    MsgHeader h;
    std::memcpy(&h, in.data(), sizeof h);
    if (!header_valid(h)) return 0;
    std::span<const uint8_t> body = in.subspan(sizeof h);
    if (body.size() > h.len - sizeof h) body = body.first(h.len - sizeof h);
    ParsedCall call;
    if (parse_call(body, *specs, &call) != ParseStatus::kOk) return 0;
    for (int i = 0; i < 6; ++i) {
      const ArgPlan& p = call.plan[i];
      if ((p.pass == Pass::kIn || p.pass == Pass::kInOut) && call.in[i].size() != p.bytes) abort();
      if (p.pass == Pass::kString && call.in[i].size() > kMaxString) abort();
      if (p.bytes > kMaxArgBytes) abort();
    }
  } else {
    // A kResult body as the client reads it, for a call chosen by the input.
    if (in.size() < 2 + 48) return 0;
    uint16_t nr;
    std::memcpy(&nr, in.data(), 2);
    const WireSyscall* spec = specs->find(nr % kMaxSyscallNr);
    if (spec == nullptr) return 0;
    uint64_t args[6];
    std::memcpy(args, in.data() + 2, sizeof args);
    // Pointer arguments point at buffers of the planned sizes.
    ArgPlan plan[6];
    static std::vector<uint8_t> bufs[6];
    for (int i = 0; i < 6; ++i) {
      if (args[i] > 1 && args[i] < 4096) continue;  // a small value: a length or a flag
      args[i] &= 1;
    }
    uint64_t marks[6];
    std::memcpy(marks, args, sizeof marks);
    for (int i = 0; i < 6; ++i) if (marks[i] == 1) args[i] = reinterpret_cast<uintptr_t>(&bufs[i]);
    if (plan_call(*spec, args, plan) != PlanStatus::kOk) return 0;
    for (int i = 0; i < 6; ++i) {
      if (plan[i].pass == Pass::kValue) continue;
      bufs[i].assign(plan[i].bytes, 0);
      args[i] = reinterpret_cast<uintptr_t>(bufs[i].data());
    }
    int64_t ret;
    (void)decode_result(in.subspan(2 + 48), *spec, args, plan, &ret);
  }
  return 0;
}
