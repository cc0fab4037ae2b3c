#include "kern/params.h"

#include <string_view>

#include "kern/hyp.h"
#include "kern/lib/format.h"
#include "kern/lib/options.h"
#include "kern/lib/string.h"

namespace rk::kern {
namespace {

constexpr const char* kNcpuWants = "a number of CPUs from 1 to 256, or \"host\"";
constexpr const char* kVerboseWants = "a number (0: quiet, other: verbose)";
constexpr const char* kMemlimitWants =
    "a size in bytes greater than 0 with an optional k, m or g suffix, or a percentage of host "
    "memory from 1% to 100%";

// One line on the console naming what was wrong: "rump: RUMP_NCPU=abc: expected ...".
Errno reject(const Hyp& hyp, std::string_view name, std::string_view value, const char* wants) {
  char line[512];
  format(line, sizeof line, "rump: %.*s=%.*s: expected %s\n", static_cast<int>(name.size()),
         name.data(), static_cast<int>(value.size()), value.data(), wants);
  hyp.putstr(line);
  return Errno::kInval;
}

// A decimal number with no sign, no spaces and no overflow.
bool parse_u64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    if (v > (UINT64_MAX - (c - '0')) / 10) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

uint64_t host_number(const Hyp& hyp, const char* name) {
  char buf[32];
  uint64_t v = 0;
  if (hyp.getparam(name, buf, sizeof buf) != 0 || !parse_u64(buf, &v)) return 0;
  return v;
}

Result<void> set_ncpu(const Hyp& hyp, std::string_view name, std::string_view v, BootParams& p) {
  uint64_t n = 0;
  if (v == "host") {
    n = host_number(hyp, "_RUMPUSER_NCPU");
    if (n == 0) n = 1;
    if (n > kMaxCpus) n = kMaxCpus;
  } else if (!parse_u64(v, &n) || n < 1 || n > kMaxCpus) {
    return reject(hyp, name, v, kNcpuWants);
  }
  p.ncpu = static_cast<unsigned>(n);
  return ok();
}

Result<void> set_verbose(const Hyp& hyp, std::string_view name, std::string_view v,
                         BootParams& p) {
  uint64_t n = 0;
  if (!parse_u64(v, &n)) return reject(hyp, name, v, kVerboseWants);
  p.verbose = n != 0;
  return ok();
}

Result<void> set_memlimit(const Hyp& hyp, std::string_view name, std::string_view v,
                          BootParams& p) {
  if (v.empty()) return reject(hyp, name, v, kMemlimitWants);
  uint64_t n = 0;
  char last = v.back();
  if (last == '%') {
    if (!parse_u64(v.substr(0, v.size() - 1), &n) || n < 1 || n > 100)
      return reject(hyp, name, v, kMemlimitWants);
    uint64_t physmem = host_number(hyp, "_RUMPUSER_PHYSMEM");
    if (physmem == 0) return reject(hyp, name, v, "a size in bytes (the host's memory size is unknown)");
    p.memlimit = physmem / 100 * n;
    return ok();
  }
  uint64_t scale = 1;
  std::string_view digits = v;
  switch (last) {
    case 'k': case 'K': scale = 1ull << 10; break;
    case 'm': case 'M': scale = 1ull << 20; break;
    case 'g': case 'G': scale = 1ull << 30; break;
    default: break;
  }
  if (scale != 1) digits = v.substr(0, v.size() - 1);
  if (!parse_u64(digits, &n) || n == 0 || n > UINT64_MAX / scale)
    return reject(hyp, name, v, kMemlimitWants);
  p.memlimit = n * scale;
  return ok();
}

using Setter = Result<void> (*)(const Hyp&, std::string_view, std::string_view, BootParams&);

struct Key {
  const char* key;  // in a params string
  const char* env;  // in the environment
  Setter set;
};

constexpr Key kKeys[] = {
    {"ncpu", "RUMP_NCPU", set_ncpu},
    {"verbose", "RUMP_VERBOSE", set_verbose},
    {"memlimit", "RUMP_MEMLIMIT", set_memlimit},
};

}  // namespace

Result<BootParams> parse_params(const Hyp& hyp, const char* params) {
  BootParams p;
  if (params == nullptr) return p;
  OptionReader reader(params);
  for (OptionItem item; reader.next(item);) {
    std::string_view key = item.key;
    std::string_view value = item.value;
    const Key* k = nullptr;
    for (const Key& candidate : kKeys)
      if (key == candidate.key) k = &candidate;
    if (k == nullptr) return reject(hyp, key, value, "one of the keys ncpu, verbose, memlimit");
    if (!item.has_value) return reject(hyp, key, value, "key=value");
    RK_TRY(k->set(hyp, key, value, p));
  }
  return p;
}

Result<BootParams> params_from_host(const Hyp& hyp) {
  BootParams p;
  for (const Key& k : kKeys) {
    char buf[256];
    int rv = hyp.getparam(k.env, buf, sizeof buf);
    if (rv == 0) {
      RK_TRY(k.set(hyp, k.env, buf, p));
    } else if (rv == to_int(Errno::k2Big)) {
      return reject(hyp, k.env, "...", "a shorter value");
    }
  }
  return p;
}

}  // namespace rk::kern
