// printf-style formatting for kernel code (which has no stdio).
//
// Supported: %d %i %u %x %X %o %p %s %c %% with the flags '-', '0', '+', ' ', '#', a field
// width and precision (both may be '*'), and the length modifiers hh h l ll z j t.
// Output is always NUL-terminated when size > 0; the return value is the length the whole
// output would have had (snprintf's contract), so a result >= size means it was truncated.
#pragma once

#include <cstdarg>
#include <cstddef>

namespace rk {

int vformat(char* buf, size_t size, const char* fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int format(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

}  // namespace rk
