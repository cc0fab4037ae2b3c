// Extended attributes, read only: the entries kept in a large inode after i_extra_isize, and
// in an attribute block (i_file_acl). Parsers over raw bytes that check every offset, so that a
// damaged table cannot send them outside the bytes they were given.
//
// The VFS has no getxattr/listxattr yet; the driver checks attribute
// blocks when it frees them, and these parsers are ready for the calls.
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

}  // namespace rk::fs::ext2
