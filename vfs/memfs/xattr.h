// A memfs node's extended attributes: a short list of (name, value) records, each one allocation
// charged to the file system's account (so size= and the kernel's memory bound them: ENOSPC).
// Linux's tmpfs keeps any name of the user., trusted. and security. namespaces; so does this.
//
// Not locked: the node's vnode lock guards it (shared for get and list, exclusive for set and
// remove), as vnode.h says for the calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kern/lib/result.h"

namespace rk::vfs {

class MemAccount;

class MemXattrs {
 public:
  MemXattrs() = default;
  MemXattrs(const MemXattrs&) = delete;
  MemXattrs& operator=(const MemXattrs&) = delete;
  ~MemXattrs();  // clear() must have run

  // As Vnode::getxattr / listxattr / setxattr / removexattr. list: trusted.* names only when
  // `trusted` (a privileged caller).
  Result<size_t> get(std::string_view name, void* buf, size_t size) const;
  Result<size_t> list(bool trusted, char* buf, size_t size) const;
  Result<void> set(MemAccount& acct, std::string_view name, const void* value, size_t size,
                   int flags);
  Result<void> remove(MemAccount& acct, std::string_view name);
  // Frees every record (the node's storage goes).
  void clear(MemAccount& acct);
  bool empty() const { return head_ == nullptr; }

 private:
  struct Record {
    Record* next;
    uint32_t name_len;
    uint32_t value_len;
    char* name() { return reinterpret_cast<char*>(this + 1); }
    const char* name() const { return reinterpret_cast<const char*>(this + 1); }
    char* value() { return name() + name_len; }
    const char* value() const { return name() + name_len; }
    size_t bytes() const { return sizeof(Record) + name_len + value_len; }
  };
  Record** find(std::string_view name) const;

  Record* head_ = nullptr;
};

}  // namespace rk::vfs
