// librumptest_late: "test_late", loaded at run time by name and never linked. It adds system
// call kSysTestLate to the kernels created after it was loaded. Self-contained: it does not use
// the event record of librumptest_a (which the loading test does not link).
#include "components/test_components.h"
#include "kern/lwp.h"

namespace rk::testcomp {
namespace {

kern::Component* self();

// kSysTestLate(x): x * 2, only where test_late is attached.
int64_t sys_test_late(kern::Lwp& l, const kern::SyscallArgs& args) {
  auto* magic = static_cast<uint32_t*>(l.kernel().component_state(*self()));
  if (magic == nullptr || *magic != kMagicLate) return -to_int(Errno::kIo);
  return static_cast<int64_t>(args.a[0]) * 2;
}

Result<void*> init_late(kern::Kernel& k) {
  auto* magic = k.kmem().create<uint32_t>(kern::KmFlags::kNoSleep, kMagicLate);
  if (magic == nullptr) return Errno::kNoMem;
  return static_cast<void*>(magic);
}

void fini_late(kern::Kernel& k, void* state) { k.kmem().destroy(static_cast<uint32_t*>(state)); }

constexpr kern::ComponentSyscall kCalls[] = {{kSysTestLate, sys_test_late}};

kern::Component kTestLate{
    .name = "test_late",
    .depends = {},
    .init = init_late,
    .fini = fini_late,
    .syscalls = kCalls,
};
RK_COMPONENT(kTestLate);

kern::Component* self() { return &kTestLate; }

}  // namespace
}  // namespace rk::testcomp
