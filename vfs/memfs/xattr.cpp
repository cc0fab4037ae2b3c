#include "vfs/memfs/xattr.h"

#include "kern/lib/string.h"
#include "vfs/memfs/account.h"

namespace rk::vfs {
namespace {

constexpr int kXattrCreate = 1;
constexpr int kXattrReplace = 2;
constexpr std::string_view kTrusted = "trusted.";

}  // namespace

MemXattrs::~MemXattrs() = default;

MemXattrs::Record** MemXattrs::find(std::string_view name) const {
  auto** at = const_cast<Record**>(&head_);
  for (; *at != nullptr; at = &(*at)->next) {
    if (std::string_view((*at)->name(), (*at)->name_len) == name) return at;
  }
  return at;  // the end: *at is null
}

Result<size_t> MemXattrs::get(std::string_view name, void* buf, size_t size) const {
  const Record* r = *find(name);
  if (r == nullptr) return Errno::kNoData;
  if (size == 0) return r->value_len;
  if (size < r->value_len) return Errno::kRange;
  mem_copy(buf, r->value(), r->value_len);
  return r->value_len;
}

Result<size_t> MemXattrs::list(bool trusted, char* buf, size_t size) const {
  size_t total = 0;
  for (const Record* r = head_; r != nullptr; r = r->next) {
    std::string_view name(r->name(), r->name_len);
    if (!trusted && name.starts_with(kTrusted)) continue;
    if (size != 0) {
      if (total + name.size() + 1 > size) return Errno::kRange;
      mem_copy(buf + total, name.data(), name.size());
      buf[total + name.size()] = '\0';
    }
    total += name.size() + 1;
  }
  return total;
}

Result<void> MemXattrs::set(MemAccount& acct, std::string_view name, const void* value,
                            size_t size, int flags) {
  Record** at = find(name);
  if (*at != nullptr && (flags & kXattrCreate)) return Errno::kExist;
  if (*at == nullptr && (flags & kXattrReplace)) return Errno::kNoData;
  // The new record first: a failure leaves the old value in place.
  size_t bytes = sizeof(Record) + name.size() + size;
  auto* r = static_cast<Record*>(RK_TRY(acct.alloc(bytes, alignof(Record))));
  r->name_len = static_cast<uint32_t>(name.size());
  r->value_len = static_cast<uint32_t>(size);
  mem_copy(r->name(), name.data(), name.size());
  if (size != 0) mem_copy(r->value(), value, size);
  if (Record* old = *at) {  // replaced where it stood: listings keep their order
    r->next = old->next;
    *at = r;
    acct.free(old, old->bytes());
  } else {
    r->next = nullptr;
    *at = r;
  }
  return ok();
}

Result<void> MemXattrs::remove(MemAccount& acct, std::string_view name) {
  Record** at = find(name);
  Record* r = *at;
  if (r == nullptr) return Errno::kNoData;
  *at = r->next;
  acct.free(r, r->bytes());
  return ok();
}

void MemXattrs::clear(MemAccount& acct) {
  while (Record* r = head_) {
    head_ = r->next;
    acct.free(r, r->bytes());
  }
}

}  // namespace rk::vfs
