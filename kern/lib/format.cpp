#include "kern/lib/format.h"

#include <cstdint>

#include "kern/lib/string.h"

namespace rk {
namespace {

// Appends to a bounded buffer while counting everything, as snprintf does.
class Sink {
 public:
  Sink(char* buf, size_t size) : buf_(buf), size_(size) {}
  void put(char c) {
    if (len_ + 1 < size_) buf_[len_] = c;
    ++len_;
  }
  void repeat(char c, int n) {
    for (int i = 0; i < n; ++i) put(c);
  }
  void finish() {
    if (size_ == 0) return;
    buf_[len_ < size_ ? len_ : size_ - 1] = '\0';
  }
  int length() const { return static_cast<int>(len_); }

 private:
  char* buf_;
  size_t size_;
  size_t len_ = 0;
};

struct Spec {
  bool left = false, zero = false, plus = false, space = false, alt = false;
  int width = 0;
  int precision = -1;
};

void put_padded(Sink& out, const Spec& spec, const char* prefix, const char* body, int body_len,
                bool numeric) {
  int prefix_len = static_cast<int>(str_length(prefix));
  int zeros = 0;
  if (numeric && spec.precision > body_len) zeros = spec.precision - body_len;
  int total = prefix_len + zeros + body_len;
  int pad = spec.width > total ? spec.width - total : 0;
  bool zero_pad = numeric && spec.zero && !spec.left && spec.precision < 0;
  if (!spec.left && !zero_pad) out.repeat(' ', pad);
  for (int i = 0; i < prefix_len; ++i) out.put(prefix[i]);
  if (zero_pad) out.repeat('0', pad);
  out.repeat('0', zeros);
  for (int i = 0; i < body_len; ++i) out.put(body[i]);
  if (spec.left) out.repeat(' ', pad);
}

void put_number(Sink& out, const Spec& spec, uint64_t magnitude, bool negative, unsigned base,
                bool upper, bool is_pointer, bool is_signed) {
  char digits[24];
  int n = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  // "%.0d" of zero prints nothing, as in C.
  if (!(magnitude == 0 && spec.precision == 0)) {
    do {
      digits[n++] = set[magnitude % base];
      magnitude /= base;
    } while (magnitude != 0);
  }
  char body[24];
  for (int i = 0; i < n; ++i) body[i] = digits[n - 1 - i];
  const char* prefix = "";
  // '+' and ' ' apply to signed conversions only, as in C.
  if (negative) prefix = "-";
  else if (is_signed && spec.plus) prefix = "+";
  else if (is_signed && spec.space) prefix = " ";
  if ((spec.alt || is_pointer) && base == 16 && (n > 0 && !(n == 1 && body[0] == '0')))
    prefix = upper ? "0X" : "0x";
  // '#' with 'o' makes the first digit a 0, unless the precision's zeros already do.
  if (spec.alt && base == 8 && (n == 0 || body[0] != '0') && spec.precision <= n) prefix = "0";
  put_padded(out, spec, prefix, body, n, true);
}

enum class Length { kInt, kChar, kShort, kLong, kLongLong, kSize, kMax, kPtrdiff };

int64_t signed_arg(va_list& ap, Length len) {
  switch (len) {
    case Length::kChar: return static_cast<signed char>(va_arg(ap, int));
    case Length::kShort: return static_cast<short>(va_arg(ap, int));
    case Length::kLong: return va_arg(ap, long);
    case Length::kLongLong: return va_arg(ap, long long);
    case Length::kSize: return static_cast<int64_t>(va_arg(ap, size_t));
    case Length::kMax: return va_arg(ap, intmax_t);
    case Length::kPtrdiff: return va_arg(ap, ptrdiff_t);
    case Length::kInt: break;
  }
  return va_arg(ap, int);
}

uint64_t unsigned_arg(va_list& ap, Length len) {
  switch (len) {
    case Length::kChar: return static_cast<unsigned char>(va_arg(ap, unsigned));
    case Length::kShort: return static_cast<unsigned short>(va_arg(ap, unsigned));
    case Length::kLong: return va_arg(ap, unsigned long);
    case Length::kLongLong: return va_arg(ap, unsigned long long);
    case Length::kSize: return va_arg(ap, size_t);
    case Length::kMax: return va_arg(ap, uintmax_t);
    case Length::kPtrdiff: return static_cast<uint64_t>(va_arg(ap, ptrdiff_t));
    case Length::kInt: break;
  }
  return va_arg(ap, unsigned);
}

}  // namespace

int vformat(char* buf, size_t size, const char* fmt, va_list ap_in) {
  Sink out(buf, size);
  va_list ap;
  va_copy(ap, ap_in);
  for (const char* p = fmt; *p != '\0'; ++p) {
    if (*p != '%') {
      out.put(*p);
      continue;
    }
    ++p;
    Spec spec;
    for (;; ++p) {
      if (*p == '-') spec.left = true;
      else if (*p == '0') spec.zero = true;
      else if (*p == '+') spec.plus = true;
      else if (*p == ' ') spec.space = true;
      else if (*p == '#') spec.alt = true;
      else break;
    }
    if (*p == '*') {
      spec.width = va_arg(ap, int);
      if (spec.width < 0) {
        spec.left = true;
        spec.width = -spec.width;
      }
      ++p;
    } else {
      while (*p >= '0' && *p <= '9') spec.width = spec.width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
      ++p;
      spec.precision = 0;
      if (*p == '*') {
        spec.precision = va_arg(ap, int);
        if (spec.precision < 0) spec.precision = -1;
        ++p;
      } else {
        while (*p >= '0' && *p <= '9') spec.precision = spec.precision * 10 + (*p++ - '0');
      }
    }
    Length len = Length::kInt;
    if (*p == 'h') {
      len = Length::kShort;
      if (*++p == 'h') {
        len = Length::kChar;
        ++p;
      }
    } else if (*p == 'l') {
      len = Length::kLong;
      if (*++p == 'l') {
        len = Length::kLongLong;
        ++p;
      }
    } else if (*p == 'z') {
      len = Length::kSize;
      ++p;
    } else if (*p == 'j') {
      len = Length::kMax;
      ++p;
    } else if (*p == 't') {
      len = Length::kPtrdiff;
      ++p;
    }
    switch (*p) {
      case 'd':
      case 'i': {
        int64_t v = signed_arg(ap, len);
        uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        put_number(out, spec, mag, v < 0, 10, false, false, true);
        break;
      }
      case 'u': put_number(out, spec, unsigned_arg(ap, len), false, 10, false, false, false); break;
      case 'x': put_number(out, spec, unsigned_arg(ap, len), false, 16, false, false, false); break;
      case 'X': put_number(out, spec, unsigned_arg(ap, len), false, 16, true, false, false); break;
      case 'o': put_number(out, spec, unsigned_arg(ap, len), false, 8, false, false, false); break;
      case 'p': {
        auto v = reinterpret_cast<uintptr_t>(va_arg(ap, void*));
        put_number(out, spec, v, false, 16, false, true, false);
        break;
      }
      case 'c': {
        char c = static_cast<char>(va_arg(ap, int));
        put_padded(out, spec, "", &c, 1, false);
        break;
      }
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (s == nullptr) s = "(null)";
        int n = 0;
        while (s[n] != '\0' && (spec.precision < 0 || n < spec.precision)) ++n;
        put_padded(out, spec, "", s, n, false);
        break;
      }
      case '%': out.put('%'); break;
      case '\0':  // a lone '%' at the end
        --p;
        break;
      default:  // unknown conversion: print it as written, so the mistake is visible
        out.put('%');
        out.put(*p);
        break;
    }
  }
  va_end(ap);
  out.finish();
  return out.length();
}

int format(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vformat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

}  // namespace rk
