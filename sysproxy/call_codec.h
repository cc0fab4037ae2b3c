// Encoding and parsing of kCall and kResult bodies (docs/PROTOCOL.md "Calls").
//
// The client encodes with the caller's real pointers; the server parses into a ParsedCall
// whose input buffers are views into the received message, and encodes the result from its
// own buffers. Parsing trusts nothing: every length is checked against the plan the server
// computes itself.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sysproxy/layout.h"
#include "sysproxy/specs.h"

namespace rk::sysproxy {

struct ParsedCall {
  uint32_t nr = 0;
  const WireSyscall* spec = nullptr;  // null: a number the kernel does not know (ENOSYS)
  uint64_t args[6] = {};
  ArgPlan plan[6];
  std::span<const uint8_t> in[6];  // kIn, kInOut, kString: the bytes that came with the call
};

enum class ParseStatus {
  kOk,
  kNoSys,      // well formed, but the call cannot be made remotely (unknown number, or a
               // pointer argument without a layout): answer ENOSYS
  kMalformed,  // close the connection
};

ParseStatus parse_call(std::span<const uint8_t> body, const SyscallSpecs& specs, ParsedCall* out);

// Client side: appends the kCall body for spec with the caller's arguments (pointers real) to
// *msg. plan is plan_call()'s for those arguments.
void encode_call(const WireSyscall& spec, const uint64_t args[6], const ArgPlan plan[6],
                 std::vector<uint8_t>* msg);

// Client side: copies a kResult body's output bytes into the caller's buffers. false: the
// body does not match the plan (the server is broken or hostile; drop the connection).
bool decode_result(std::span<const uint8_t> body, const WireSyscall& spec, const uint64_t args[6],
                   const ArgPlan plan[6], int64_t* ret);

// Appends raw bytes / a plain value to a message being built.
void put_bytes(std::vector<uint8_t>* msg, const void* p, size_t n);
template <typename T>
void put(std::vector<uint8_t>* msg, const T& v) {
  put_bytes(msg, &v, sizeof v);
}
// Starts a message: a header whose len is fixed by finish_message().
void begin_message(std::vector<uint8_t>* msg, MsgType type, uint64_t tag);
void finish_message(std::vector<uint8_t>* msg);

}  // namespace rk::sysproxy
