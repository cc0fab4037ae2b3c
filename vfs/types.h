// The vocabulary of the file system faction: node types, attributes, attribute changes,
// directory entries. Values follow Linux's ABI (S_IF* bits, DT_* types) where they cross it.
#pragma once

#include <cstdint>
#include <string_view>

namespace rk::vfs {

enum class VType : uint8_t { kNon, kReg, kDir, kBlk, kChr, kLnk, kSock, kFifo };

// Linux's S_IFMT bits for a type, and back.
uint32_t type_to_ifmt(VType t);
VType ifmt_to_type(uint32_t mode);
// Linux's DT_* value for a type (getdents64).
uint8_t type_to_dt(VType t);

inline constexpr uint32_t kModeMask = 07777;   // permission bits with setuid, setgid, sticky
inline constexpr uint32_t kSetUid = 04000;
inline constexpr uint32_t kSetGid = 02000;
inline constexpr uint32_t kSticky = 01000;
inline constexpr size_t kNameMax = 255;        // Linux's NAME_MAX

struct Timespec {
  int64_t sec = 0;
  int64_t nsec = 0;
};

struct Vattr {
  VType type = VType::kNon;
  uint32_t mode = 0;  // permission bits only (kModeMask)
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t nlink = 0;
  uint64_t size = 0;
  uint64_t blocks = 0;   // 512-byte units allocated
  uint32_t blksize = 4096;
  uint64_t ino = 0;
  uint64_t dev = 0;      // the file system's device number
  uint64_t rdev = 0;     // for device nodes
  Timespec atime, mtime, ctime, btime;
};

// A change of attributes (chmod, chown, truncate, utimens). Only the fields in `mask` apply.
struct SetAttr {
  enum : uint32_t {
    kMode = 1u << 0,
    kUid = 1u << 1,
    kGid = 1u << 2,
    kSize = 1u << 3,
    kAtime = 1u << 4,
    kMtime = 1u << 5,
    kCtime = 1u << 6,
  };
  uint32_t mask = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  Timespec atime, mtime, ctime;
};

// Receives directory entries from Vnode::readdir. `next` is the cookie that resumes after this
// entry. Returns false when it has no room: the entry is not consumed.
class DirSink {
 public:
  virtual bool emit(uint64_t ino, VType type, std::string_view name, uint64_t next) = 0;

 protected:
  ~DirSink() = default;
};

}  // namespace rk::vfs
