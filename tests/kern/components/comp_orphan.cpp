// librumptest_orphan: "test_orphan" needs a component that does not exist, so no kernel can boot
// in a process that links it.
#include "components/test_components.h"

namespace rk::testcomp {

namespace {
constexpr const char* kDeps[] = {"test_a", "nonexistent"};
Result<void*> init_orphan(kern::Kernel& k) { return new_state(k, 0, "test_orphan", nullptr); }
void fini_orphan(kern::Kernel& k, void* state) { delete_state(k, state, "test_orphan"); }
}  // namespace

kern::Component kTestOrphan{
    .name = "test_orphan",
    .depends = kDeps,
    .init = init_orphan,
    .fini = fini_orphan,
    .syscalls = {},
};
RK_COMPONENT(kTestOrphan);

}  // namespace rk::testcomp
