// tmpfs's mount options, in Linux's syntax (mm/shmem.c: shmem_parse_one).
#include <string_view>

#include "kern/kernel.h"
#include "kern/lib/options.h"
#include "vfs/memfs/options.h"
#include "vfs/memfs/pages.h"
#include "vfs/types.h"

namespace rk::vfs {
namespace {

// An unsigned number as strtoull with base 0 reads it ("0x" hex, leading-0 octal, decimal);
// the digits not taken are left in `rest`. False when there are none or it overflows.
bool parse_number(std::string_view s, uint64_t* out, std::string_view* rest) {
  unsigned base = 10;
  size_t i = 0;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    i = 2;
  } else if (s.size() >= 2 && s[0] == '0') {
    base = 8;
  }
  uint64_t v = 0;
  size_t digits = 0;
  for (; i < s.size(); ++i, ++digits) {
    char c = s[i];
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else break;
    if (d >= base) break;
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
  }
  if (digits == 0) return false;
  *out = v;
  *rest = s.substr(i);
  return true;
}

// Linux's memparse: a number with an optional k, m, g, t, p or e suffix (either case).
bool parse_size(std::string_view s, uint64_t* out, std::string_view* rest) {
  uint64_t v;
  if (!parse_number(s, &v, rest)) return false;
  unsigned shift = 0;
  if (!rest->empty()) {
    switch ((*rest)[0]) {
      case 'e': case 'E': shift = 60; break;
      case 'p': case 'P': shift = 50; break;
      case 't': case 'T': shift = 40; break;
      case 'g': case 'G': shift = 30; break;
      case 'm': case 'M': shift = 20; break;
      case 'k': case 'K': shift = 10; break;
      default: break;
    }
    if (shift != 0) *rest = rest->substr(1);
  }
  if (shift != 0 && v > (UINT64_MAX >> shift)) return false;
  *out = v << shift;
  return true;
}

bool parse_plain(std::string_view s, uint64_t* out) {
  std::string_view rest;
  return parse_number(s, out, &rest) && rest.empty();
}

bool parse_mem(std::string_view s, uint64_t* out) {
  std::string_view rest;
  return parse_size(s, out, &rest) && rest.empty();
}

uint64_t parse_host_number(const char* buf) {
  uint64_t v = 0;
  for (const char* p = buf; *p >= '0' && *p <= '9'; ++p) {
    if (v > (UINT64_MAX - (*p - '0')) / 10) return 0;
    v = v * 10 + static_cast<uint64_t>(*p - '0');
  }
  return v;
}

// Flags Linux's VFS takes from the data string itself (fs_context.c); mount flags are the
// VFS's business, so they are accepted and left alone here.
constexpr std::string_view kGenericFlags[] = {"ro",    "rw",  "sync",     "async", "dirsync",
                                             "lazytime", "nolazytime", "mand", "nomand",
                                             "silent", "loud"};
// tmpfs options that change nothing here: 64-bit inode numbers always, no swap, no huge pages.
constexpr std::string_view kIgnored[] = {"inode64", "inode32", "noswap"};
constexpr std::string_view kHugeValues[] = {"never", "always", "within_size", "advise"};

template <size_t N>
bool one_of(std::string_view s, const std::string_view (&set)[N]) {
  for (std::string_view x : set)
    if (s == x) return true;
  return false;
}

Errno bad(kern::Kernel& k, std::string_view item) {
  k.log().log(kern::LogLevel::kWarning, "tmpfs: bad mount option \"%.*s\"",
              static_cast<int>(item.size()), item.data());
  return Errno::kInval;
}

Result<void> parse_one(kern::Kernel& k, std::string_view key, std::string_view value,
                       bool has_value, MemFsOptions& out, unsigned* seen) {
  if (!has_value) {
    if (one_of(key, kGenericFlags) || one_of(key, kIgnored)) return ok();
    return Errno::kInval;
  }
  uint64_t v = 0;
  if (key == "size") {
    std::string_view rest;
    if (!parse_size(value, &v, &rest)) return Errno::kInval;
    if (rest == "%") {
      uint64_t mem = memfs_memory_size(k);
      if (mem == 0) return Errno::kInval;  // a percentage of an unknown size
      if (v != 0 && mem / kPageSize > UINT64_MAX / v) return Errno::kInval;
      v = mem / kPageSize * v / 100 * kPageSize;
    } else if (!rest.empty()) {
      return Errno::kInval;
    }
    if (v > UINT64_MAX - (kPageSize - 1)) return Errno::kInval;
    out.max_bytes = (v + kPageSize - 1) / kPageSize * kPageSize;
    *seen |= kSeenSize;
  } else if (key == "nr_blocks") {
    if (!parse_mem(value, &v) || v > UINT64_MAX / kPageSize) return Errno::kInval;
    out.max_bytes = v * kPageSize;
    *seen |= kSeenSize;
  } else if (key == "nr_inodes") {
    if (!parse_mem(value, &v)) return Errno::kInval;
    out.max_inodes = v;
    *seen |= kSeenInodes;
  } else if (key == "mode") {
    if (value.empty()) return Errno::kInval;
    for (char c : value) {
      if (c < '0' || c > '7' || v > 0xFFFFFFFu) return Errno::kInval;
      v = v * 8 + static_cast<uint64_t>(c - '0');
    }
    out.root_mode = static_cast<uint32_t>(v) & kModeMask;
    *seen |= kSeenMode;
  } else if (key == "uid" || key == "gid") {
    // (uint32_t)-1 is no id at all.
    if (!parse_plain(value, &v) || v >= UINT32_MAX) return Errno::kInval;
    if (key == "uid") {
      out.root_uid = static_cast<uint32_t>(v);
      *seen |= kSeenUid;
    } else {
      out.root_gid = static_cast<uint32_t>(v);
      *seen |= kSeenGid;
    }
  } else if (key == "huge") {
    if (!one_of(value, kHugeValues)) return Errno::kInval;
  } else {
    return Errno::kInval;
  }
  return ok();
}

}  // namespace

uint64_t memfs_memory_size(kern::Kernel& k) {
  if (k.kmem().limit() != 0) return k.kmem().limit();
  char buf[32];
  if (k.hyp().getparam("_RUMPUSER_PHYSMEM", buf, sizeof buf) != 0) return 0;
  return parse_host_number(buf);
}

Result<void> memfs_parse_into(kern::Kernel& k, const char* data, MemFsOptions& out,
                              unsigned* seen) {
  *seen = 0;
  if (data == nullptr) return ok();
  OptionReader reader(data);
  for (OptionItem item; reader.next(item);) {
    if (!parse_one(k, item.key, item.value, item.has_value, out, seen).ok()) return bad(k, item.whole);
  }
  return ok();
}

Result<MemFsOptions> memfs_parse_options(kern::Kernel& k, const char* data) {
  // Linux's defaults: half the memory, one inode per two of its pages, a world-writable sticky
  // root (what /tmp wants).
  MemFsOptions o;
  uint64_t mem = memfs_memory_size(k);
  o.max_bytes = mem / 2 / kPageSize * kPageSize;
  o.max_inodes = mem / kPageSize / 2;
  o.root_mode = 01777;
  o.magic = kTmpfsMagic;
  unsigned seen;
  RK_TRY(memfs_parse_into(k, data, o, &seen));
  return o;
}

}  // namespace rk::vfs
