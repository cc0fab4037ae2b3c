#include "kern/completion.h"

#include "kern/kernel.h"
#include "kern/sched.h"
#include "kern/sleepq.h"

namespace rk::kern {

void Completion::complete() {
  // Copy what wake_all needs first: the waiter may free *this once state_ is set.
  Kernel* k = kernel_;
  const void* addr = &state_;
  state_.store(1, std::memory_order_seq_cst);
  k->sleepq().wake_all(addr);
}

void Completion::wait() {
  if (done()) return;
  Unscheduled off;
  while (state_.load(std::memory_order_acquire) == 0) kernel_->sleepq().park(state_, 0, -1);
}

}  // namespace rk::kern
