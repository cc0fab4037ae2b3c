#include "sysproxy/specs.h"


namespace rk::sysproxy {

bool SyscallSpecs::add(const WireSyscall& s) {
  if (s.nr >= kMaxSyscallNr || s.nargs > 6) return false;
  if (!present_[s.nr]) ++count_;
  entries_[s.nr] = s;
  present_[s.nr] = true;
  return true;
}

}  // namespace rk::sysproxy
