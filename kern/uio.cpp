#include "kern/uio.h"

#include "kern/lib/string.h"

namespace rk::kern {

Result<void> copyin(Lwp& l, void* kaddr, const void* uaddr, size_t len) {
  if (len == 0) return ok();
  if (uaddr == nullptr) return Errno::kFault;
  mem_copy(kaddr, uaddr, len);
  return ok();
}

Result<void> copyout(Lwp& l, void* uaddr, const void* kaddr, size_t len) {
  if (len == 0) return ok();
  if (uaddr == nullptr) return Errno::kFault;
  mem_copy(uaddr, kaddr, len);
  return ok();
}

Result<size_t> copyinstr(Lwp& l, char* kbuf, const char* uaddr, size_t kbuflen) {
  if (uaddr == nullptr) return Errno::kFault;
  for (size_t i = 0; i < kbuflen; ++i) {
    kbuf[i] = uaddr[i];
    if (kbuf[i] == '\0') return i;
  }
  return Errno::kNameTooLong;
}

}  // namespace rk::kern
