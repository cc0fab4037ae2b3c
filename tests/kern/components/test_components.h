// Test components (librumptest_*.so) and the process-wide event record they share with the
// tests. Test code may keep globals; kernel code may not.
//
//   librumptest_a       "test_a": no dependencies; holds the event record
//   librumptest_b       "test_b": needs test_a and test_c; adds system call kSysTestB
//   (component_test)    "test_c": defined in the test binary itself, registered last
//   librumptest_late    "test_late": loaded at run time; adds system call kSysTestLate
//   librumptest_orphan  "test_orphan": needs "nonexistent"
//   librumptest_cycle   "test_cycle_x" <-> "test_cycle_y"
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "kern/component.h"
#include "kern/kernel.h"

namespace rk::testcomp {

inline constexpr unsigned kSysTestB = 500;
inline constexpr unsigned kSysTestLate = 501;

enum class EventKind : uint8_t { kInit, kFini, kInitFailed };

struct Event {
  EventKind kind;
  const char* component;
  const kern::Kernel* kernel;
};

// The record, in the order things happened (a fixed array: no allocation, no lock needed for
// the tests' serial kernel creation; appends are atomic anyway).
void record(EventKind kind, const char* component, const kern::Kernel* k);
size_t event_count();
Event event(size_t i);
void clear_events();

// When set, test_b's init fails with EIO (a boot failing after others initialised).
void set_fail_b_init(bool fail);
bool fail_b_init();

// What each test component keeps in a kernel.
struct State {
  uint32_t magic;
  const kern::Kernel* kernel;
  void* dependency_state;  // test_b: test_a's state in the same kernel
};
inline constexpr uint32_t kMagicA = 0xA0A0A0A0;
inline constexpr uint32_t kMagicB = 0xB0B0B0B0;
inline constexpr uint32_t kMagicC = 0xC0C0C0C0;
inline constexpr uint32_t kMagicLate = 0x1A7E1A7E;

// Allocates and frees a State in k's memory (helpers for the components' init and fini).
Result<void*> new_state(kern::Kernel& k, uint32_t magic, const char* name, void* dep);
void delete_state(kern::Kernel& k, void* state, const char* name);

extern kern::Component kTestA;
extern kern::Component kTestB;

}  // namespace rk::testcomp
