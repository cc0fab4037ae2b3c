// The end of a kernel that found itself broken: prints the reason, the recent message log and
// a backtrace to the host console, then aborts the host process. Never silent.
#pragma once

namespace rk::kern {

class Kernel;

[[noreturn]] void panic(Kernel& k, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// The kernel of the calling thread (it must be inside one).
[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace rk::kern

#define RK_ASSERT(cond)                                                                   \
  do {                                                                                    \
    if (__builtin_expect(!(cond), 0))                                                     \
      ::rk::kern::panic("assertion \"%s\" failed at %s:%d", #cond, __FILE__, __LINE__);   \
  } while (0)
