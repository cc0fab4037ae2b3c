// rk::format against the host's snprintf: every conversion, flag, width, precision and length
// modifier that kern/lib/format.h lists, on the same inputs, with every buffer size from 0 to
// past the end (truncation and the return value).
#include <gtest/gtest.h>

#include <cstdarg>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "kern/lib/format.h"

// The format strings below are run-time values on purpose (see expect_like_snprintf).
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

namespace {

int call_vformat(char* b, size_t n, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = rk::vformat(b, n, fmt, ap);
  va_end(ap);
  return r;
}

// The format string is a run-time value here, so the compiler checks neither call against it:
// that is what lets a test pass flags whose combination -Wformat would question.
template <typename... A>
void expect_like_snprintf(const char* fmt, A... args) {
  char want[512];
  int want_n = std::snprintf(want, sizeof want, fmt, args...);
  ASSERT_GE(want_n, 0) << fmt;
  ASSERT_LT(static_cast<size_t>(want_n), sizeof want) << fmt;
  char got[512];
  std::memset(got, 'Z', sizeof got);
  int got_n = rk::format(got, sizeof got, fmt, args...);
  if (got_n != want_n || std::memcmp(got, want, want_n + 1) != 0) {
    ADD_FAILURE() << "format \"" << fmt << "\": kernel \""
                  << std::string(got, got_n >= 0 && got_n < 512 ? got_n : 0) << "\" (" << got_n
                  << "), host \"" << std::string(want, want_n) << "\" (" << want_n << ")";
    return;  // the truncations would only repeat the difference
  }
  // Every truncation: same return value, same bytes, always NUL-terminated, nothing written past
  // the buffer.
  for (size_t size = 0; size <= static_cast<size_t>(want_n) + 1; ++size) {
    char h[520];
    char k[520];
    std::memset(h, 'Z', sizeof h);
    std::memset(k, 'Z', sizeof k);
    int hn = std::snprintf(h, size, fmt, args...);
    int kn = rk::format(k, size, fmt, args...);
    if (kn != hn || std::memcmp(k, h, size + 1) != 0) {
      ADD_FAILURE() << "format \"" << fmt << "\" into " << size << " bytes: kernel \""
                    << std::string(k, size) << "\" (" << kn << "), host \"" << std::string(h, size)
                    << "\" (" << hn << ")";
      return;
    }
  }
}

TEST(Format, PlainText) {
  expect_like_snprintf("");
  expect_like_snprintf("hello, world");
  expect_like_snprintf("100%% sure %%");
  expect_like_snprintf("%%%%");
}

TEST(Format, SignedDecimal) {
  const int values[] = {0, 1, -1, 7, -7, 42, -42, 12345, -12345, INT_MAX, INT_MIN};
  const char* fmts[] = {"%d",    "%i",    "%5d",    "%-5d",  "%05d",   "%+d",   "% d",
                        "%+5d",  "%-+5d", "% 5d",   "%-05d", "%.3d",   "%.0d",  "%8.3d",
                        "%-8.3d", "%08.3d", "%+.3d", "% .0d", "%+.0d", "%012d", "%+012d",
                        "% 012d", "%1d",   "%.12d",  "%+-12.5d", "%0-8d", "%- 8d", "%+ d"};
  for (const char* f : fmts)
    for (int v : values) expect_like_snprintf(f, v);
}

TEST(Format, UnsignedConversions) {
  const unsigned values[] = {0u, 1u, 7u, 8u, 10u, 15u, 16u, 255u, 256u, 0xdeadbeefu, UINT_MAX};
  const char* fmts[] = {"%u",   "%x",    "%X",    "%o",    "%#x",   "%#X",   "%#o",
                        "%8x",  "%-8x",  "%08x",  "%#08x", "%#8x",  "%-#8x", "%.4x",
                        "%#.4x", "%.0x", "%#.0x", "%.0o",  "%#.0o", "%08o",  "%#08o",
                        "%12u", "%-12u", "%012u", "%.10u", "%10.4X", "%#10.4X", "%.0u"};
  for (const char* f : fmts)
    for (unsigned v : values) expect_like_snprintf(f, v);
}

// C (7.21.6.1): the '+' and ' ' flags apply to signed conversions only; for %u, %x, %X and %o
// the host ignores them.
TEST(Format, SignFlagsAreIgnoredByUnsignedConversions) {
  const unsigned values[] = {0u, 5u, 255u};
  const char* fmts[] = {"%+u", "% u", "%+x", "% x", "%+X", "%+o", "% o", "%+5u", "% 05x"};
  for (const char* f : fmts)
    for (unsigned v : values) expect_like_snprintf(f, v);
}

// C: for 'o', '#' increases the precision just enough to make the first digit a zero; when the
// precision already yields a leading zero, no further zero is added.
TEST(Format, AlternateOctalWithPrecision) {
  const unsigned values[] = {0u, 1u, 8u, 64u, 511u};
  const char* fmts[] = {"%#.3o", "%#.5o", "%#8.5o", "%#-8.4o", "%#.2o"};
  for (const char* f : fmts)
    for (unsigned v : values) expect_like_snprintf(f, v);
}

TEST(Format, LengthModifiers) {
  // hh and h: the argument is promoted to int and converted back.
  expect_like_snprintf("%hhd %hhd %hhd %hhd", 127, -128, 300, -1);
  expect_like_snprintf("%hhu %hhx %hho %hhX", 255u, 0x1ffu, 0777u, 0xabcu);
  expect_like_snprintf("%hd %hd %hd", 32767, -32768, 70000);
  expect_like_snprintf("%hu %hx %ho", 65535u, 0x1ffffu, 0177777u);
  expect_like_snprintf("%ld %li %ld", 0L, LONG_MAX, LONG_MIN);
  expect_like_snprintf("%lu %lx %lo %lX", ULONG_MAX, 0x123456789abcdefUL, 01234567UL, 0xabcUL);
  expect_like_snprintf("%lld %lli %lld", 0LL, LLONG_MAX, LLONG_MIN);
  expect_like_snprintf("%llu %llx %llo %#llX", ULLONG_MAX, 0xfedcba9876543210ULL, 0777ULL,
                       0xabcdefULL);
  expect_like_snprintf("%zu %zx %zd %zd", SIZE_MAX, static_cast<size_t>(4096),
                       static_cast<ptrdiff_t>(-5), static_cast<ptrdiff_t>(123));
  expect_like_snprintf("%jd %jd %ju %jx", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX,
                       static_cast<uintmax_t>(48879));
  expect_like_snprintf("%td %td %tu %tx", static_cast<ptrdiff_t>(-1), PTRDIFF_MIN,
                       static_cast<ptrdiff_t>(77), static_cast<ptrdiff_t>(255));
  expect_like_snprintf("%+20lld|%-20lld|%020lld", LLONG_MIN, LLONG_MIN, LLONG_MIN);
}

TEST(Format, Int64Extremes) {
  expect_like_snprintf("%lld", static_cast<long long>(INT64_MIN));
  expect_like_snprintf("%lld", static_cast<long long>(INT64_MAX));
  expect_like_snprintf("%llu", static_cast<unsigned long long>(UINT64_MAX));
  expect_like_snprintf("%llx", static_cast<unsigned long long>(UINT64_MAX));
  expect_like_snprintf("%llo", static_cast<unsigned long long>(UINT64_MAX));
  expect_like_snprintf("%#llo", static_cast<unsigned long long>(UINT64_MAX));
  expect_like_snprintf("%ld", static_cast<long>(INT64_MIN));
  expect_like_snprintf("%jd", static_cast<intmax_t>(INT64_MIN));
  expect_like_snprintf("%30.25lld", static_cast<long long>(INT64_MIN));
  expect_like_snprintf("%d", INT_MIN);
  char buf[32];
  EXPECT_EQ(rk::format(buf, sizeof buf, "%lld", static_cast<long long>(INT64_MIN)), 20);
  EXPECT_STREQ(buf, "-9223372036854775808");
}

TEST(Format, Strings) {
  const char* values[] = {"", "a", "hello", "a somewhat longer string"};
  const char* fmts[] = {"%s",   "%10s",  "%-10s", "%.3s", "%.0s", "%10.2s", "%-10.2s",
                        "[%s]", "%1s",   "%.30s", "%*s",  "%-*s", "%.*s"};
  for (const char* f : fmts) {
    for (const char* v : values) {
      if (std::strchr(f, '*') != nullptr) {
        for (int n : {-8, 0, 3, 12}) expect_like_snprintf(f, n, v);
      } else {
        expect_like_snprintf(f, v);
      }
    }
  }
}

TEST(Format, NullString) {
  const char* volatile null = nullptr;  // volatile: so the compiler does not see it is null
  char buf[64];
  EXPECT_EQ(rk::format(buf, sizeof buf, "%s", null), 6);
  EXPECT_STREQ(buf, "(null)");
  EXPECT_EQ(rk::format(buf, sizeof buf, "[%10s]", null), 12);
  EXPECT_STREQ(buf, "[    (null)]");
  EXPECT_EQ(rk::format(buf, sizeof buf, "[%-8s]", null), 10);
  EXPECT_STREQ(buf, "[(null)  ]");
  // glibc agrees when the precision does not cut the placeholder.
  expect_like_snprintf("%s|%8s|%-8s|%.6s", static_cast<const char*>(null),
                       static_cast<const char*>(null), static_cast<const char*>(null),
                       static_cast<const char*>(null));
}

TEST(Format, Characters) {
  expect_like_snprintf("%c", 'x');
  expect_like_snprintf("%c%c%c", 'a', 'b', 'c');
  expect_like_snprintf("[%5c]", 'x');
  expect_like_snprintf("[%-5c]", 'x');
  expect_like_snprintf("[%*c]", 4, 'y');
  expect_like_snprintf("[%*c]", -4, 'y');
  expect_like_snprintf("%c", 200);
  // A NUL character is output and counted like any other.
  expect_like_snprintf("a%cb", 0);
}

TEST(Format, Pointers) {
  int x = 0;
  void* values[] = {&x, reinterpret_cast<void*>(0x1), reinterpret_cast<void*>(0xdeadbeef),
                    reinterpret_cast<void*>(UINTPTR_MAX)};
  const char* fmts[] = {"%p", "%20p", "%-20p", "[%p]"};
  for (const char* f : fmts)
    for (void* v : values) expect_like_snprintf(f, v);
  // The null pointer is implementation-defined (glibc prints "(nil)"); ours prints 0.
  char buf[32];
  EXPECT_EQ(rk::format(buf, sizeof buf, "%p", static_cast<void*>(nullptr)), 1);
  EXPECT_STREQ(buf, "0");
}

TEST(Format, StarWidthAndPrecision) {
  for (int w : {-10, -1, 0, 1, 5, 20}) {
    for (int p : {-3, -1, 0, 1, 4, 12}) {
      expect_like_snprintf("%*.*d", w, p, 1234);
      expect_like_snprintf("%*.*d", w, p, -1234);
      expect_like_snprintf("%*.*x", w, p, 0xabcu);
      expect_like_snprintf("%*.*s", w, p, "string");
      expect_like_snprintf("%-*.*u", w, p, 99u);
      expect_like_snprintf("%0*d", w, -77);
    }
  }
}

TEST(Format, MixedConversions) {
  expect_like_snprintf("pid %d (%s) at %p: %zu bytes, mode %#o, flags 0x%08x, %c%%", 42, "init",
                       reinterpret_cast<void*>(0x7fff1234), static_cast<size_t>(65536), 0755u,
                       0x80041u, '!');
  expect_like_snprintf("[%5lld.%06lld] %s", 12LL, 345LL, "kernel up");
  expect_like_snprintf("%s=%.*s: expected %s", "ncpu", 3, "abcdef", "a number");
}

TEST(Format, Truncation) {
  char buf[8];
  std::memset(buf, 'Z', sizeof buf);
  EXPECT_EQ(rk::format(buf, 0, "hello"), 5);
  EXPECT_EQ(buf[0], 'Z') << "size 0 must write nothing";
  EXPECT_EQ(rk::format(nullptr, 0, "%d", 12345), 5);
  EXPECT_EQ(rk::format(buf, 1, "hello"), 5);
  EXPECT_STREQ(buf, "");
  EXPECT_EQ(rk::format(buf, 4, "%d", -123456), 7);
  EXPECT_STREQ(buf, "-12");
  EXPECT_EQ(rk::format(buf, sizeof buf, "%s", "1234567"), 7);
  EXPECT_STREQ(buf, "1234567");
  EXPECT_EQ(rk::format(buf, sizeof buf, "%s", "12345678"), 8);
  EXPECT_STREQ(buf, "1234567");
  expect_like_snprintf("%-40s|", "a long line that is cut at every length");
}

TEST(Format, Vformat) {
  char buf[64];
  EXPECT_EQ(call_vformat(buf, sizeof buf, "%s-%d-%x", "a", -1, 255u), 7);
  EXPECT_STREQ(buf, "a--1-ff");
}

TEST(Format, LoneTrailingPercentIsDropped) {
  // Not C (undefined there): documents what the kernel does so a change is noticed.
  char buf[16];
  const char* fmt = "abc%";
  EXPECT_EQ(rk::format(buf, sizeof buf, fmt), 3);
  EXPECT_STREQ(buf, "abc");
}

TEST(Format, UnknownConversionIsPrintedAsWritten) {
  char buf[16];
  const char* fmt = "a%qb";
  EXPECT_EQ(rk::format(buf, sizeof buf, fmt), 4);
  EXPECT_STREQ(buf, "a%qb");
}

}  // namespace
