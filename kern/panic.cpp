#include "kern/panic.h"

#include <cstdarg>

#include "kern/kernel.h"
#include "kern/lib/format.h"
#include "kern/lib/result.h"
#include "kern/lwp.h"

namespace rk::kern {
namespace {

[[noreturn]] void vpanic(Kernel& k, const char* fmt, va_list ap) {
  char msg[512];
  int n = format(msg, sizeof msg, "rump kernel panic: ");
  vformat(msg + n, sizeof msg - n, fmt, ap);
  // The recent log says what led here (unless it went to the console already).
  char tail[2048];
  size_t len = k.log().verbose() ? 0 : k.log().read(tail, sizeof tail);
  if (len > 0) {
    k.hyp().putstr("--- last kernel messages ---\n");
    k.hyp().putstr({tail, len});
  }
  k.log().log(LogLevel::kEmerg, "%s", msg);  // kEmerg always reaches the console
  k.hyp().putstr("--- backtrace ---\n");
  k.hyp().backtrace();
  k.hyp().exit(RUMPUSER_PANIC);
}

}  // namespace

void panic(Kernel& k, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vpanic(k, fmt, ap);
}

void panic(const char* fmt, ...) {
  Lwp* l = curlwp();
  if (l == nullptr) __builtin_trap();  // no kernel to report through: stop right here
  va_list ap;
  va_start(ap, fmt);
  vpanic(l->kernel(), fmt, ap);
}

}  // namespace rk::kern

namespace rk {

void result_value_of_error(Errno e) {
  kern::panic("value() of a Result holding %s (%d)", errno_name(e), to_int(e));
}

void ref_underflow() { kern::panic("reference count dropped below zero"); }

}  // namespace rk
