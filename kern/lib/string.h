// Byte and string helpers for kernel code, which has no libc (compiler builtins only).
#pragma once

#include <cstddef>
#include <string_view>

namespace rk {

inline void mem_copy(void* dst, const void* src, size_t n) { __builtin_memcpy(dst, src, n); }
inline void mem_move(void* dst, const void* src, size_t n) { __builtin_memmove(dst, src, n); }
inline void mem_set(void* dst, int c, size_t n) { __builtin_memset(dst, c, n); }
inline int mem_compare(const void* a, const void* b, size_t n) { return __builtin_memcmp(a, b, n); }
inline size_t str_length(const char* s) { return __builtin_strlen(s); }

// Copies `src` into dst[0..size) and NUL-terminates (when size > 0). Returns src.size(), so a
// result >= size means the copy was truncated (strlcpy's contract).
size_t str_copy(char* dst, std::string_view src, size_t size);

// A fixed-capacity, always NUL-terminated string held inline (names, hostnames).
template <size_t N>
class FixedString {
 public:
  FixedString() { buf_[0] = '\0'; }
  explicit FixedString(std::string_view s) { assign(s); }
  // False (and unchanged) when s does not fit.
  bool assign(std::string_view s) {
    if (s.size() >= N) return false;
    mem_copy(buf_, s.data(), s.size());
    buf_[s.size()] = '\0';
    len_ = s.size();
    return true;
  }
  const char* c_str() const { return buf_; }
  std::string_view view() const { return {buf_, len_}; }
  size_t size() const { return len_; }
  static constexpr size_t capacity() { return N - 1; }

 private:
  char buf_[N];
  size_t len_ = 0;
};

}  // namespace rk
