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

bool xattr_item_less(const XattrItem& a, const XattrItem& b) {
  if (a.index != b.index) return a.index < b.index;
  if (a.name.size() != b.name.size()) return a.name.size() < b.name.size();
  return a.name < b.name;
}

namespace {

constexpr uint32_t kNameHashShift = 5, kValueHashShift = 16, kBlockHashShift = 16;

uint32_t round4(uint32_t n) { return (n + 3) & ~3u; }

// The entry hash over the name (its bytes as signed chars, as e2fsprogs and older kernels
// hash them) and the value's 32-bit words, zero padding included.
uint32_t entry_hash(std::string_view name, const uint8_t* value, uint32_t value_size) {
  uint32_t h = 0;
  for (char c : name)
    h = (h << kNameHashShift) ^ (h >> (32 - kNameHashShift)) ^
        static_cast<uint32_t>(static_cast<int32_t>(static_cast<signed char>(c)));
  for (uint32_t i = 0; i < round4(value_size) / 4; ++i) {
    uint32_t w;
    mem_copy(&w, value + 4 * i, 4);
    h = (h << kValueHashShift) ^ (h >> (32 - kValueHashShift)) ^ w;
  }
  return h;
}

}  // namespace

bool pack_xattrs(std::span<const XattrItem> items, uint8_t* area, uint32_t size, bool block) {
  mem_set(area, 0, size);
  if (!block && items.empty()) return true;
  const uint32_t table = block ? sizeof(XattrHeader) : 4;  // where the first entry goes
  const uint32_t base = block ? 0 : table;                  // what value offsets count from
  if (size < table + 4) return false;
  uint32_t entry_at = table;
  uint32_t value_end = size;  // values go below this
  uint32_t block_hash = 0;
  for (const XattrItem& it : items) {
    const uint32_t elen = round4(static_cast<uint32_t>(sizeof(XattrEntry) + it.name.size()));
    const uint32_t vlen = round4(static_cast<uint32_t>(it.value.size()));
    if (it.name.size() > 255 || vlen > value_end || value_end - vlen < entry_at + elen + 4)
      return false;  // the table's end marker (4 zero bytes) must fit too
    value_end -= vlen;
    XattrEntry e{};
    e.e_name_len = static_cast<uint8_t>(it.name.size());
    e.e_name_index = it.index;
    e.e_value_size = static_cast<uint32_t>(it.value.size());
    e.e_value_offs = static_cast<uint16_t>(it.value.empty() ? 0 : value_end - base);
    if (!it.value.empty()) mem_copy(area + value_end, it.value.data(), it.value.size());
    e.e_hash = entry_hash(it.name, area + value_end, e.e_value_size);
    mem_copy(area + entry_at, &e, sizeof e);
    mem_copy(area + entry_at + sizeof e, it.name.data(), it.name.size());
    entry_at += elen;
    block_hash = (block_hash << kBlockHashShift) ^ (block_hash >> (32 - kBlockHashShift)) ^ e.e_hash;
  }
  if (block) {
    XattrHeader h{};
    h.h_magic = kXattrMagic;
    h.h_refcount = 1;
    h.h_blocks = 1;
    h.h_hash = block_hash;
    mem_copy(area, &h, sizeof h);
  } else {
    const uint32_t magic = kXattrMagic;
    mem_copy(area, &magic, 4);
  }
  return true;
}

}  // namespace rk::fs::ext2
