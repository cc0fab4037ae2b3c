// Moving data between a client's memory and the kernel's.
//
// A local client shares the kernel's address space, so these are copies guarded against null
// pointers; a remote client's data has already been brought into the server by the wire
// protocol (sysproxy), so the same calls serve both.
#pragma once

#include <cstddef>

#include "kern/lib/result.h"

namespace rk::kern {

class Lwp;

inline constexpr size_t kPathMax = 4096;  // Linux's PATH_MAX, including the NUL

Result<void> copyin(Lwp& l, void* kaddr, const void* uaddr, size_t len);    // EFAULT
Result<void> copyout(Lwp& l, void* uaddr, const void* kaddr, size_t len);   // EFAULT
// Copies a NUL-terminated string into kbuf (kbuflen bytes with its NUL); returns its length.
// ENAMETOOLONG when it does not fit, EFAULT for a null pointer.
Result<size_t> copyinstr(Lwp& l, char* kbuf, const char* uaddr, size_t kbuflen);

}  // namespace rk::kern
