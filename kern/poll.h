// Waiting for files to become ready: poll(2), ppoll(2), select(2) and pselect6(2) (sys_poll.cpp).
//
// Each file answers File::poll() with the events it has now. A file whose answer can change by
// itself (a pipe gaining data, losing its last writer) calls PollWord::changed() after the
// change; pollers of the kernel sleep on that one word and look at their files again. One word
// per kernel rather than a wait queue per file: a poller has nothing to register, hence nothing
// to take down when a file goes away under it, and a change wakes only the kernel's pollers,
// who are few (a rump kernel's clients), at the cost of looking at their files once more.
#pragma once

#include <atomic>
#include <cstdint>

namespace rk::kern {

class SleepTable;

// Linux's poll event bits.
inline constexpr uint32_t kPollIn = 0x0001;
inline constexpr uint32_t kPollPri = 0x0002;
inline constexpr uint32_t kPollOut = 0x0004;
inline constexpr uint32_t kPollErr = 0x0008;
inline constexpr uint32_t kPollHup = 0x0010;
inline constexpr uint32_t kPollNval = 0x0020;
inline constexpr uint32_t kPollRdNorm = 0x0040;
inline constexpr uint32_t kPollRdBand = 0x0080;
inline constexpr uint32_t kPollWrNorm = 0x0100;
inline constexpr uint32_t kPollWrBand = 0x0200;
inline constexpr uint32_t kPollRdHup = 0x2000;
// What a file without a poll of its own answers (Linux's DEFAULT_POLLMASK): always ready.
inline constexpr uint32_t kPollDefault = kPollIn | kPollOut | kPollRdNorm | kPollWrNorm;

class PollWord {
 public:
  explicit PollWord(SleepTable& q) : sleepq_(q) {}
  PollWord(const PollWord&) = delete;
  PollWord& operator=(const PollWord&) = delete;

  // A file's readiness may have changed (after the change, from any thread, with or without
  // the file's own lock).
  void changed();

  // A poller: begin() before its first look, then for each round seq() before looking at its
  // files and wait(seen, ...) when none was ready; end() when it returns.
  void begin() { waiters_.fetch_add(1, std::memory_order_seq_cst); }
  void end() { waiters_.fetch_sub(1, std::memory_order_seq_cst); }
  uint32_t seq() const { return seq_.load(std::memory_order_seq_cst); }
  // Sleeps, without a virtual CPU, until changed() is called after `seen` was read, or until
  // host_deadline_ns (host monotonic clock; < 0: none). May return early: look again.
  void wait(uint32_t seen, int64_t host_deadline_ns);

 private:
  SleepTable& sleepq_;
  std::atomic<uint32_t> seq_{0};
  std::atomic<uint32_t> waiters_{0};
};

}  // namespace rk::kern
