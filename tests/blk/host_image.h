// Host files for the block device tests: a temporary directory that goes with its scope, and
// images made by sfdisk.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace rk::test {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/rk-blk-XXXXXX";
    path_ = mkdtemp(tmpl) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    if (!path_.empty()) (void)std::system(("rm -rf '" + path_ + "'").c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A sparse file of `size` bytes whose byte i is pattern(i).
inline bool make_file(const std::string& path, size_t size, unsigned seed = 0) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return false;
  std::vector<unsigned char> buf(size);
  for (size_t i = 0; i < size; ++i) buf[i] = static_cast<unsigned char>((i * 131 + seed) >> 3);
  bool ok = ::pwrite(fd, buf.data(), size, 0) == static_cast<ssize_t>(size);
  ::close(fd);
  return ok;
}

inline std::vector<unsigned char> read_host(const std::string& path, size_t off, size_t len) {
  std::vector<unsigned char> buf(len);
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return {};
  ssize_t n = ::pread(fd, buf.data(), len, static_cast<off_t>(off));
  ::close(fd);
  buf.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return buf;
}

// Writes `script` to sfdisk for the image; true if sfdisk succeeded.
inline bool sfdisk(const std::string& img, const std::string& script) {
  std::string cmd = "sfdisk -q '" + img + "' >/dev/null 2>&1";
  FILE* p = ::popen(cmd.c_str(), "w");
  if (p == nullptr) return false;
  std::fputs(script.c_str(), p);
  return ::pclose(p) == 0;
}

inline bool have_sfdisk() { return std::system("command -v sfdisk >/dev/null 2>&1") == 0; }

}  // namespace rk::test
