// The progress line of long copies: shown on stderr (only when the Context says stderr is a
// terminal), once a copy has run for half a second (FSU_PROGRESS_AFTER_MS, for tests), redrawn
// at most five times a second, and erased when the copy ends.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "tools/fsu/fsu.h"

namespace fsu {

class Progress {
 public:
  explicit Progress(const Context& ctx);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // A new file of `size` bytes starts.
  void start_file(const std::string& name, uint64_t size);
  // `n` more bytes were copied.
  void add(uint64_t n);

 private:
  void draw();
  const Context& ctx_;
  std::chrono::steady_clock::time_point begin_, last_;
  std::chrono::milliseconds after_{500};
  std::string name_;
  uint64_t file_size_ = 0, file_done_ = 0, total_ = 0;
  bool shown_ = false;
};

// "1.5 MiB" etc.
std::string iec_bytes(double v);

}  // namespace fsu
