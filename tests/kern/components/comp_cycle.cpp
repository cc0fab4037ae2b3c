// librumptest_cycle: "test_cycle_x" and "test_cycle_y" need each other; no kernel can boot in a
// process that links them.
#include "components/test_components.h"

namespace rk::testcomp {

namespace {
constexpr const char* kDepsX[] = {"test_cycle_y"};
constexpr const char* kDepsY[] = {"test_cycle_x"};
Result<void*> init_cycle(kern::Kernel& k) { return new_state(k, 0, "test_cycle", nullptr); }
void fini_cycle(kern::Kernel& k, void* state) { delete_state(k, state, "test_cycle"); }
}  // namespace

kern::Component kTestCycleX{
    .name = "test_cycle_x",
    .depends = kDepsX,
    .init = init_cycle,
    .fini = fini_cycle,
    .syscalls = {},
};
kern::Component kTestCycleY{
    .name = "test_cycle_y",
    .depends = kDepsY,
    .init = init_cycle,
    .fini = fini_cycle,
    .syscalls = {},
};
RK_COMPONENT(kTestCycleX);
RK_COMPONENT(kTestCycleY);

}  // namespace rk::testcomp
