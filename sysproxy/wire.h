// The sysproxy wire protocol: message layouts, limits and their parsers (docs/PROTOCOL.md).
//
// Every message is a 16-byte header followed by a body. All integers are little-endian (the
// only byte order the project's hosts have; the handshake's magic catches a mismatch). The
// parsers here take untrusted bytes and either return a fully checked message or an error;
// they allocate nothing and never read outside the span they are given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace rk::sysproxy {

inline constexpr uint32_t kProtocolVersion = 1;
inline constexpr char kMagic[8] = {'R', 'U', 'M', 'P', 'W', 'I', 'R', 'E'};

// Most bytes one pointer argument may carry, and most bytes of any message with its header.
inline constexpr uint32_t kMaxArgBytes = 1u << 20;
inline constexpr uint32_t kMaxMessage = 4u << 20;
// Longest string argument, without its NUL: Linux's PATH_MAX, one byte more than any string the
// kernel takes, so that a longer string cut to it is still one the kernel refuses as too long
// (cut to 4095 it would name another file).
inline constexpr uint32_t kMaxString = 4096;

enum class MsgType : uint16_t {
  kHello = 1,    // client -> server: first message of a connection
  kWelcome = 2,  // server -> client: answer to kHello
  kCall = 3,     // client -> server: one system call
  kResult = 4,   // server -> client: its result
  kFork = 5,     // client -> server: prepare a child process (rumpclient_prefork)
  kForked = 6,   // server -> client: the child's pid and cookie
  kExec = 7,     // client -> server: the process execs: close its close-on-exec descriptors
  kExecDone = 8, // server -> client
};

struct MsgHeader {
  uint32_t len;   // whole message, header included: 16 .. kMaxMessage
  uint16_t type;  // MsgType
  uint16_t flags; // 0
  uint64_t tag;   // chosen by the client, echoed in the answer
};
static_assert(sizeof(MsgHeader) == 16);

// How a kHello attaches the connection to a process in the kernel.
enum class HelloMode : uint32_t {
  kNew = 0,   // a new process (its own descriptors, cwd, umask, credentials)
  kJoin = 1,  // another lwp of process `pid` (another thread of the same client)
  kChild = 2, // the child prepared by kFork: the connection becomes its first lwp
};

inline constexpr size_t kCookieSize = 16;
inline constexpr uint32_t kHelloWantTable = 1;  // the kWelcome carries the system call table

struct Hello {
  char magic[8];
  uint32_t version;
  uint32_t mode;    // HelloMode
  int32_t pid;      // kJoin, kChild: the process
  uint32_t flags;   // kHelloWantTable
  uint8_t cookie[kCookieSize];  // kJoin, kChild: the secret the server gave for it
};
static_assert(sizeof(Hello) == 40);

struct Welcome {
  char magic[8];
  uint32_t version;  // the server's
  int32_t error;     // 0, or why the connection is refused (EPROTO, ESRCH, EPERM, ...)
  int32_t pid;       // the process this connection runs as
  uint32_t max_message;
  uint8_t cookie[kCookieSize];  // for kJoin
  uint32_t nsyscalls;  // WireSyscall entries that follow (when the hello asked; else 0)
  uint32_t reserved;
};
static_assert(sizeof(Welcome) == 48);

// One system call's description as the server's table gives it (kern/syscall.h SyscallInfo).
struct WireArg {
  uint8_t kind;      // kern::ArgKind
  int8_t size_arg;   // -1 or the index of the length argument
  uint16_t reserved;
  uint32_t size;     // fixed size, or the element size when size_arg >= 0
};
struct WireSyscall {
  uint16_t nr;
  uint8_t nargs;
  uint8_t reserved;
  WireArg args[6];
};
static_assert(sizeof(WireSyscall) == 52);

// kCall body: this, then for each non-null kIn, kInOut and kString argument in order, a
// uint32_t byte count and that many bytes. args[i] of a pointer argument is 0 (NULL) or 1.
struct CallFixed {
  uint32_t nr;
  uint32_t reserved;
  uint64_t args[6];
};
static_assert(sizeof(CallFixed) == 56);

// kResult body: this, then (when ret >= 0) for each non-null kOut and kInOut argument in order,
// a uint32_t byte count and that many bytes.
struct ResultFixed {
  int64_t ret;  // >= 0, or a negated errno
};

// kFork body: empty (the child gets a copy of the descriptor table), or a uint32 of flags.
inline constexpr uint32_t kForkNoFds = 1;  // the child starts with no descriptors (RUMP_RFCFDG)
inline constexpr uint32_t kForkFlags = kForkNoFds;

// kForked body.
struct Forked {
  int32_t error;
  int32_t pid;
  uint8_t cookie[kCookieSize];
};
static_assert(sizeof(Forked) == 24);

// kExecDone body.
struct ExecDone {
  int32_t error;
  int32_t reserved;
};

// Checks a header read from the wire. false: the connection must be closed.
bool header_valid(const MsgHeader& h);

// A bounded reader over untrusted bytes.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : p_(bytes.data()), left_(bytes.size()) {}
  // Copies sizeof(T) bytes into *out; false when fewer are left.
  template <typename T>
  bool get(T* out) {
    return take(out, sizeof(T));
  }
  bool take(void* out, size_t n);
  // A view of the next n bytes; false when fewer are left.
  bool view(size_t n, std::span<const uint8_t>* out);
  size_t left() const { return left_; }

 private:
  const uint8_t* p_;
  size_t left_;
};

}  // namespace rk::sysproxy
