#include "tools/fsu/progress.h"

#include <cstdio>
#include <cstdlib>

namespace fsu {

using Clock = std::chrono::steady_clock;

std::string iec_bytes(double v) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

Progress::Progress(const Context& ctx) : ctx_(ctx), begin_(Clock::now()), last_(begin_) {
  if (const char* e = std::getenv("FSU_PROGRESS_AFTER_MS")) after_ = std::chrono::milliseconds(std::atoi(e));
}

Progress::~Progress() {
  if (shown_) {
    std::fputs("\r\033[K", ctx_.err);
    std::fflush(ctx_.err);
  }
}

void Progress::start_file(const std::string& name, uint64_t size) {
  name_ = name;
  file_size_ = size;
  file_done_ = 0;
}

void Progress::add(uint64_t n) {
  file_done_ += n;
  total_ += n;
  if (!ctx_.progress) return;
  auto now = Clock::now();
  if (now - begin_ < after_) return;
  if (shown_ && now - last_ < std::chrono::milliseconds(200)) return;
  last_ = now;
  draw();
}

void Progress::draw() {
  double secs = std::chrono::duration<double>(Clock::now() - begin_).count();
  std::string name = name_.size() > 40 ? "..." + name_.substr(name_.size() - 37) : name_;
  std::fprintf(ctx_.err, "\r\033[K%s: %s: %s", ctx_.prog.c_str(), name.c_str(),
               iec_bytes(static_cast<double>(file_done_)).c_str());
  if (file_size_ > 0) {
    std::fprintf(ctx_.err, " of %s (%d%%)", iec_bytes(static_cast<double>(file_size_)).c_str(),
                 static_cast<int>(100.0 * static_cast<double>(file_done_) / static_cast<double>(file_size_)));
  }
  if (secs > 0) {
    std::fprintf(ctx_.err, ", %s/s", iec_bytes(static_cast<double>(total_) / secs).c_str());
  }
  std::fflush(ctx_.err);
  shown_ = true;
}

}  // namespace fsu
