// librumptest_a: the component "test_a" (no dependencies) and the event record that every test
// component writes to.
#include "components/test_components.h"

namespace rk::testcomp {
namespace {

constexpr size_t kMaxEvents = 4096;
Event g_events[kMaxEvents];
std::atomic<size_t> g_count{0};
std::atomic<bool> g_fail_b{false};

Result<void*> init_a(kern::Kernel& k) { return new_state(k, kMagicA, "test_a", nullptr); }
void fini_a(kern::Kernel& k, void* state) { delete_state(k, state, "test_a"); }

}  // namespace

void record(EventKind kind, const char* component, const kern::Kernel* k) {
  size_t i = g_count.fetch_add(1);
  if (i < kMaxEvents) g_events[i] = {kind, component, k};
}

size_t event_count() {
  size_t n = g_count.load();
  return n < kMaxEvents ? n : kMaxEvents;
}

Event event(size_t i) { return g_events[i]; }
void clear_events() { g_count.store(0); }

void set_fail_b_init(bool fail) { g_fail_b.store(fail); }
bool fail_b_init() { return g_fail_b.load(); }

Result<void*> new_state(kern::Kernel& k, uint32_t magic, const char* name, void* dep) {
  State* s = k.kmem().create<State>(kern::KmFlags::kNoSleep, State{magic, &k, dep});
  if (s == nullptr) return Errno::kNoMem;
  record(EventKind::kInit, name, &k);
  return static_cast<void*>(s);
}

void delete_state(kern::Kernel& k, void* state, const char* name) {
  record(EventKind::kFini, name, &k);
  k.kmem().destroy(static_cast<State*>(state));
}

kern::Component kTestA{
    .name = "test_a",
    .depends = {},
    .init = init_a,
    .fini = fini_a,
    .syscalls = {},
};
RK_COMPONENT(kTestA);

}  // namespace rk::testcomp
