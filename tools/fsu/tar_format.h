// The tar format of POSIX (ustar, with pax extended headers for long names, long link targets
// and large sizes), and GNU's long-name entries when reading. Pure functions on 512-byte
// blocks; the input of decode is untrusted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fsu::tar {

inline constexpr size_t kBlock = 512;

struct Header {
  std::string name;      // member name (no leading slash)
  std::string linkname;  // symbolic link target, or hard link's first name
  char type = '0';       // '0' file, '1' hard link, '2' symlink, '3' chr, '4' blk, '5' dir, '6' fifo
  mode_t mode = 0;       // permission bits (07777)
  uid_t uid = 0;
  gid_t gid = 0;
  std::string uname, gname;
  uint64_t size = 0;
  int64_t mtime = 0;
  uint32_t mtime_nsec = 0;
  unsigned devmajor = 0, devminor = 0;
};

// The blocks that describe h: a pax extended header first when the name, link or size do
// not fit ustar's fields, then the ustar header. Data blocks follow (the caller writes them).
std::vector<char> encode(const Header& h);

// Decoding is a state machine over blocks, since pax and GNU headers apply to the next member.
class Decoder {
 public:
  enum class Status { kNeedData, kHeader, kEnd, kError };
  // Feeds one header block. kHeader: `out` holds the next member, whose size() bytes of data
  // (padded to whole blocks) follow. kNeedData: the block began an extended header whose
  // `pending_data()` bytes (padded) must be fed with feed_extension next. kEnd: a zero block.
  Status feed(const char* block, Header& out);
  uint64_t pending_data() const { return pending_; }
  Status feed_extension(const std::string& data);
  const std::string& error() const { return error_; }

 private:
  char ext_type_ = 0;
  uint64_t pending_ = 0;
  std::string path_, linkpath_, error_;
  bool have_size_ = false, have_mtime_ = false;
  uint64_t size_ = 0;
  int64_t mtime_ = 0;
  uint32_t mtime_nsec_ = 0;
};

}  // namespace fsu::tar
