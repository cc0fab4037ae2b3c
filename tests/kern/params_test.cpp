// Bootstrap parameters (DESIGN.md §4): parse_params for every good and bad value, and
// params_from_host reading RUMP_NCPU, RUMP_VERBOSE and RUMP_MEMLIMIT from the environment.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>

#include "kern/params.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

using testing::internal::CaptureStderr;
using testing::internal::GetCapturedStderr;

uint64_t host_physmem() {
  return static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
         static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

unsigned host_ncpu() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return static_cast<unsigned>(std::clamp<long>(n, 1, kMaxCpus));
}

// Parses `s`, expecting success and nothing on stderr.
BootParams parse_ok(const char* s) {
  SCOPED_TRACE(s != nullptr ? s : "(null)");
  Hyp hyp = test::posix_hyp();
  CaptureStderr();
  Result<BootParams> p = parse_params(hyp, s);
  std::string err = GetCapturedStderr();
  EXPECT_TRUE(p.ok()) << "stderr: " << err;
  EXPECT_EQ(err, "");
  return p.ok() ? p.value() : BootParams{};
}

// Parses `s`, expecting EINVAL and exactly one line on stderr that contains every `needle`.
void parse_bad(const char* s, std::initializer_list<std::string> needles) {
  SCOPED_TRACE(s);
  Hyp hyp = test::posix_hyp();
  CaptureStderr();
  Result<BootParams> p = parse_params(hyp, s);
  std::string err = GetCapturedStderr();
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), Errno::kInval);
  ASSERT_FALSE(err.empty()) << "no message on stderr";
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << "not one line: " << err;
  EXPECT_EQ(err.back(), '\n') << err;
  for (const std::string& n : needles) EXPECT_NE(err.find(n), std::string::npos) << "\"" << n << "\" not in: " << err;
}

TEST(ParseParams, Defaults) {
  for (const char* s : {static_cast<const char*>(nullptr), "", ",", ",,"}) {
    BootParams p = parse_ok(s);
    EXPECT_EQ(p.ncpu, 2u);
    EXPECT_FALSE(p.verbose);
    EXPECT_EQ(p.memlimit, 0u);
  }
}

TEST(ParseParams, AllKeys) {
  BootParams p = parse_ok("ncpu=1,memlimit=32m,verbose=1");
  EXPECT_EQ(p.ncpu, 1u);
  EXPECT_EQ(p.memlimit, 32ull << 20);
  EXPECT_TRUE(p.verbose);
  p = parse_ok("verbose=0,ncpu=256");
  EXPECT_FALSE(p.verbose);
  EXPECT_EQ(p.ncpu, 256u);
  p = parse_ok("verbose=7");
  EXPECT_TRUE(p.verbose);
  p = parse_ok("ncpu=3,,memlimit=1k,");
  EXPECT_EQ(p.ncpu, 3u);
  EXPECT_EQ(p.memlimit, 1024u);
}

TEST(ParseParams, NcpuHost) {
  BootParams p = parse_ok("ncpu=host");
  EXPECT_EQ(p.ncpu, host_ncpu());
}

TEST(ParseParams, MemlimitForms) {
  EXPECT_EQ(parse_ok("memlimit=4096").memlimit, 4096u);
  EXPECT_EQ(parse_ok("memlimit=1").memlimit, 1u);
  EXPECT_EQ(parse_ok("memlimit=1G").memlimit, 1ull << 30);
  EXPECT_EQ(parse_ok("memlimit=1g").memlimit, 1ull << 30);
  EXPECT_EQ(parse_ok("memlimit=3K").memlimit, 3ull << 10);
  EXPECT_EQ(parse_ok("memlimit=5M").memlimit, 5ull << 20);
  EXPECT_EQ(parse_ok("memlimit=16g").memlimit, 16ull << 30);
  EXPECT_EQ(parse_ok("memlimit=18446744073709551615").memlimit, UINT64_MAX);
  EXPECT_EQ(parse_ok("memlimit=50%").memlimit, host_physmem() / 100 * 50);
  EXPECT_EQ(parse_ok("memlimit=1%").memlimit, host_physmem() / 100);
  EXPECT_EQ(parse_ok("memlimit=100%").memlimit, host_physmem() / 100 * 100);
}

TEST(ParseParams, BadNcpu) {
  parse_bad("ncpu=0", {"ncpu", "=0"});
  parse_bad("ncpu=257", {"ncpu", "257"});
  parse_bad("ncpu=abc", {"ncpu", "abc"});
  parse_bad("ncpu=", {"ncpu="});
  parse_bad("ncpu=-1", {"ncpu", "-1"});
  parse_bad("ncpu=+2", {"ncpu", "+2"});
  parse_bad("ncpu= 2", {"ncpu", " 2"});
  parse_bad("ncpu=2x", {"ncpu", "2x"});
  parse_bad("ncpu=HOST", {"ncpu", "HOST"});
  parse_bad("ncpu=99999999999999999999999", {"ncpu", "99999999999999999999999"});
}

TEST(ParseParams, BadMemlimit) {
  parse_bad("memlimit=0", {"memlimit", "=0"});
  parse_bad("memlimit=0k", {"memlimit", "0k"});
  parse_bad("memlimit=12x", {"memlimit", "12x"});
  parse_bad("memlimit=0%", {"memlimit", "0%"});
  parse_bad("memlimit=101%", {"memlimit", "101%"});
  parse_bad("memlimit=18446744073709551616", {"memlimit", "18446744073709551616"});
  parse_bad("memlimit=17179869184g", {"memlimit", "17179869184g"});  // 2^64 bytes
  parse_bad("memlimit=", {"memlimit="});
  parse_bad("memlimit=m", {"memlimit", "=m"});
  parse_bad("memlimit=%", {"memlimit", "=%"});
  parse_bad("memlimit=-1", {"memlimit", "-1"});
  parse_bad("memlimit=1.5g", {"memlimit", "1.5g"});
  parse_bad("memlimit=10kb", {"memlimit", "10kb"});
  parse_bad("memlimit=50%%", {"memlimit", "50%%"});
}

TEST(ParseParams, BadVerbose) {
  parse_bad("verbose=yes", {"verbose", "yes"});
  parse_bad("verbose=", {"verbose="});
}

TEST(ParseParams, UnknownKeyOrNoValue) {
  parse_bad("cpus=2", {"cpus", "2"});
  parse_bad("ncpu=1,bogus=7", {"bogus", "7"});
  parse_bad("NCPU=1", {"NCPU", "1"});
  parse_bad("ncpu", {"ncpu"});
  parse_bad("memlimit", {"memlimit"});
  parse_bad("ncpu=1,verbose", {"verbose"});
  parse_bad("=5", {"=5"});
}

TEST(ParseParams, FirstBadValueStopsParsing) {
  parse_bad("ncpu=0,memlimit=0", {"ncpu"});
}

// --- params_from_host ------------------------------------------------------------------------

// Sets an environment variable for the scope and restores the old value (or its absence).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_.c_str(), old_->c_str(), 1);
    else unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

TEST(ParamsFromHost, DefaultsWhenUnset) {
  ScopedEnv a("RUMP_NCPU", nullptr), b("RUMP_VERBOSE", nullptr), c("RUMP_MEMLIMIT", nullptr);
  Hyp hyp = test::posix_hyp();
  Result<BootParams> p = params_from_host(hyp);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ncpu, 2u);
  EXPECT_FALSE(p->verbose);
  EXPECT_EQ(p->memlimit, 0u);
}

TEST(ParamsFromHost, ReadsTheEnvironment) {
  ScopedEnv a("RUMP_NCPU", "3"), b("RUMP_VERBOSE", "1"), c("RUMP_MEMLIMIT", "16m");
  Hyp hyp = test::posix_hyp();
  Result<BootParams> p = params_from_host(hyp);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ncpu, 3u);
  EXPECT_TRUE(p->verbose);
  EXPECT_EQ(p->memlimit, 16ull << 20);
}

TEST(ParamsFromHost, HostAndPercent) {
  ScopedEnv a("RUMP_NCPU", "host"), b("RUMP_VERBOSE", "0"), c("RUMP_MEMLIMIT", "25%");
  Hyp hyp = test::posix_hyp();
  Result<BootParams> p = params_from_host(hyp);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ncpu, host_ncpu());
  EXPECT_FALSE(p->verbose);
  EXPECT_EQ(p->memlimit, host_physmem() / 100 * 25);
}

void from_host_bad(const char* var, const char* value, std::initializer_list<std::string> needles) {
  SCOPED_TRACE(std::string(var) + "=" + value);
  ScopedEnv a("RUMP_NCPU", nullptr), b("RUMP_VERBOSE", nullptr), c("RUMP_MEMLIMIT", nullptr);
  ScopedEnv bad(var, value);
  Hyp hyp = test::posix_hyp();
  CaptureStderr();
  Result<BootParams> p = params_from_host(hyp);
  std::string err = GetCapturedStderr();
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), Errno::kInval);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  for (const std::string& n : needles) EXPECT_NE(err.find(n), std::string::npos) << "\"" << n << "\" not in: " << err;
}

TEST(ParamsFromHost, BadValuesNameTheVariable) {
  from_host_bad("RUMP_NCPU", "0", {"RUMP_NCPU", "=0"});
  from_host_bad("RUMP_NCPU", "", {"RUMP_NCPU="});
  from_host_bad("RUMP_NCPU", "257", {"RUMP_NCPU", "257"});
  from_host_bad("RUMP_VERBOSE", "on", {"RUMP_VERBOSE", "on"});
  from_host_bad("RUMP_MEMLIMIT", "12x", {"RUMP_MEMLIMIT", "12x"});
  from_host_bad("RUMP_MEMLIMIT", "0%", {"RUMP_MEMLIMIT", "0%"});
  // A value too long for the kernel's buffer is rejected, not cut.
  std::string huge(1000, '1');
  from_host_bad("RUMP_MEMLIMIT", huge.c_str(), {"RUMP_MEMLIMIT"});
}

TEST(ParamsFromHost, EnvironmentIsRestored) {
  // The ScopedEnv of the tests above must not leak values into later tests.
  ScopedEnv a("RUMP_NCPU", "5");
  { ScopedEnv b("RUMP_NCPU", "7"); EXPECT_STREQ(std::getenv("RUMP_NCPU"), "7"); }
  EXPECT_STREQ(std::getenv("RUMP_NCPU"), "5");
}

// A kernel boots with what the parser produced.
TEST(ParseParams, KernelBootsWithParsedValues) {
  BootParams p = parse_ok("ncpu=3,memlimit=8m");
  auto k = test::boot(p);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->sched().ncpu(), 3u);
  EXPECT_FALSE(k->uniprocessor());
  EXPECT_EQ(k->kmem().limit(), 8ull << 20);
  EXPECT_EQ(k->params().ncpu, 3u);
}

}  // namespace
}  // namespace rk::kern
