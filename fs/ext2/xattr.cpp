#include "fs/ext2/xattr.h"

#include "fs/ext2/format.h"
#include "kern/lib/string.h"

namespace rk::fs::ext2 {
namespace {

// Walks the entry table at table[0..table_size), whose values are at value_base + e_value_offs
// inside [value_base, value_base + value_room).
bool walk(const uint8_t* table, uint32_t table_size, const uint8_t* value_base, uint32_t value_room,
          XattrVisitor& v, const char** why) {
  uint32_t off = 0;
  for (;;) {
    if (table_size - off < 4) {
      *why = "entry table runs off the end";
      return false;
    }
    uint32_t first;
    mem_copy(&first, table + off, 4);
    if (first == 0) return true;  // the end of the table
    if (table_size - off < sizeof(XattrEntry)) {
      *why = "entry runs off the end";
      return false;
    }
    XattrEntry e;
    mem_copy(&e, table + off, sizeof e);
    const uint32_t len = (static_cast<uint32_t>(sizeof(XattrEntry)) + e.e_name_len + 3) & ~3u;
    if (len > table_size - off) {
      *why = "name runs off the end";
      return false;
    }
    std::string_view name(reinterpret_cast<const char*>(table + off + sizeof(XattrEntry)),
                          e.e_name_len);
    std::span<const uint8_t> value;
    if (e.e_value_inum == 0 && e.e_value_size != 0) {
      if (e.e_value_offs > value_room || e.e_value_size > value_room - e.e_value_offs) {
        *why = "value outside the attribute space";
        return false;
      }
      value = {value_base + e.e_value_offs, e.e_value_size};
    }
    if (!v.visit(e.e_name_index, name, value)) return true;
    off += len;
  }
}

}  // namespace

std::string_view xattr_prefix(uint8_t index) {
  switch (index) {
    case kXattrIndexUser:
      return "user.";
    case kXattrIndexPosixAclAccess:
      return "system.posix_acl_access";
    case kXattrIndexPosixAclDefault:
      return "system.posix_acl_default";
    case kXattrIndexTrusted:
      return "trusted.";
    case kXattrIndexSecurity:
      return "security.";
    case kXattrIndexSystem:
      return "system.";
    default:
      return "";
  }
}

bool parse_xattr_block(const uint8_t* block, uint32_t bs, XattrVisitor& v, const char** why) {
  if (bs < sizeof(XattrHeader) + 4) {
    *why = "block too small";
    return false;
  }
  XattrHeader h;
  mem_copy(&h, block, sizeof h);
  if (h.h_magic != kXattrMagic) {
    *why = "bad magic number";
    return false;
  }
  if (h.h_blocks != 1) {
    *why = "more than one block";
    return false;
  }
  return walk(block + sizeof(XattrHeader), bs - sizeof(XattrHeader), block, bs, v, why);
}

bool parse_xattr_ibody(const uint8_t* area, uint32_t size, XattrVisitor& v, const char** why) {
  if (size < 4) return true;
  uint32_t magic;
  mem_copy(&magic, area, 4);
  if (magic != kXattrMagic) return true;  // no attributes in the inode
  // Values are placed relative to the first entry, just after the magic number.
  return walk(area + 4, size - 4, area + 4, size - 4, v, why);
}

}  // namespace rk::fs::ext2
