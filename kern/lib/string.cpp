#include "kern/lib/string.h"

namespace rk {

size_t str_copy(char* dst, std::string_view src, size_t size) {
  if (size > 0) {
    size_t n = src.size() < size - 1 ? src.size() : size - 1;
    mem_copy(dst, src.data(), n);
    dst[n] = '\0';
  }
  return src.size();
}

}  // namespace rk
