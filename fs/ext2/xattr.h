// Extended attributes: the entries kept in a large inode after i_extra_isize, and in an
// attribute block (i_file_acl). Parsers over raw bytes that check every offset, so that a
// damaged table cannot send them outside the bytes they were given; and the packer that lays a
// set of attributes out again (node_xattr.cpp uses both).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace rk::fs::ext2 {

// e_name_index values: the name's prefix.
inline constexpr uint8_t kXattrIndexUser = 1, kXattrIndexPosixAclAccess = 2,
                         kXattrIndexPosixAclDefault = 3, kXattrIndexTrusted = 4,
                         kXattrIndexSecurity = 6, kXattrIndexSystem = 7;
// The prefix of a name index ("user.", ...), "" for an unknown one.
std::string_view xattr_prefix(uint8_t index);

class XattrVisitor {
 public:
  // One attribute. value is empty when it lives in an inode of its own (ea_inode); false stops.
  virtual bool visit(uint8_t index, std::string_view name, std::span<const uint8_t> value) = 0;

 protected:
  ~XattrVisitor() = default;
};

// An attribute block of block_size bytes. False with *why when it is malformed.
bool parse_xattr_block(const uint8_t* block, uint32_t block_size, XattrVisitor& v,
                       const char** why);
// The in-inode area: the bytes of an inode after 128 + i_extra_isize (starting with the magic
// number when there are attributes). True with nothing visited when there are none.
bool parse_xattr_ibody(const uint8_t* area, uint32_t size, XattrVisitor& v, const char** why);

// One attribute as the packer takes it (the bytes stay the caller's).
struct XattrItem {
  uint8_t index;
  std::string_view name;  // without the prefix; at most 255 bytes
  std::span<const uint8_t> value;
};
// Linux's order of entries in a table: by name index, then name length, then name.
bool xattr_item_less(const XattrItem& a, const XattrItem& b);
// Lays items (in xattr_item_less order) out in area[0..size), zeroed first: an attribute block
// (block: header with refcount 1, h_blocks 1 and the block hash; table at 32; value offsets
// from the block's start) or an in-inode area (the magic number, then the table; offsets from
// the table's start; an empty set leaves the area zero). Entry hashes are e2fsprogs'. Values
// are 4-byte aligned, from the end down. False when they do not fit.
bool pack_xattrs(std::span<const XattrItem> items, uint8_t* area, uint32_t size, bool block);

}  // namespace rk::fs::ext2
