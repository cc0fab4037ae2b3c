// librumptest_b: the component "test_b", which needs test_a and test_c (test_c is registered
// after it, so the kernel must reorder) and implements system call kSysTestB.
#include "components/test_components.h"
#include "kern/lwp.h"

namespace rk::testcomp {
namespace {

constexpr const char* kDeps[] = {"test_a", "test_c"};

// kSysTestB(a, b): a + b, computed in the kernel that has test_b attached; -EINVAL for a < 0.
int64_t sys_test_b(kern::Lwp& l, const kern::SyscallArgs& args) {
  auto* s = static_cast<State*>(l.kernel().component_state(kTestB));
  if (s == nullptr || s->magic != kMagicB || s->kernel != &l.kernel()) return -to_int(Errno::kIo);
  auto a = static_cast<int64_t>(args.a[0]);
  auto b = static_cast<int64_t>(args.a[1]);
  if (a < 0) return -to_int(Errno::kInval);
  return a + b;
}

constexpr kern::ComponentSyscall kCalls[] = {{kSysTestB, sys_test_b}};

Result<void*> init_b(kern::Kernel& k) {
  if (fail_b_init()) {
    record(EventKind::kInitFailed, "test_b", &k);
    return Errno::kIo;
  }
  // Its dependency is up already, in this kernel.
  void* a = k.component_state(kTestA);
  if (a == nullptr || static_cast<State*>(a)->magic != kMagicA) return Errno::kNoEnt;
  return new_state(k, kMagicB, "test_b", a);
}

void fini_b(kern::Kernel& k, void* state) { delete_state(k, state, "test_b"); }

}  // namespace

kern::Component kTestB{
    .name = "test_b",
    .depends = kDeps,
    .init = init_b,
    .fini = fini_b,
    .syscalls = kCalls,
};
RK_COMPONENT(kTestB);

}  // namespace rk::testcomp
