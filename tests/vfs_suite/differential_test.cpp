// Differential test against the Linux kernel: the same sequence of file system calls runs on a
// fresh directory of the host's tmpfs and on a fresh rump kernel (each file system in
// kFileSystems); every result — return value or errno, data read, stat (type, mode, links,
// size, owner), directory listing, cwd — and the whole tree afterwards must agree.
//
// Hand-written sequences cover known corners; a randomized generator covers the rest over a
// small name space where collisions and errors are frequent. CI runs a fixed set of seeds;
//   RUMP_DIFF_SEEDS=N    runs N seeds (default 200), RUMP_DIFF_OPS=M calls each (default 40)
//   RUMP_DIFF_SEED=S     runs seed S alone (to reproduce a failure)
// A failing sequence is shrunk to a minimal one that still fails, and both are printed.
//
// On the host the calls are made as root when the test runs as root; otherwise the rump
// process takes the same (unprivileged) ids, so that permission checks still agree.
#include <gtest/gtest.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/vfs_suite/sequence.h"
#include "tests/vfs_suite/target.h"

namespace vfs_suite {
namespace {

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtol(v, nullptr, 0);
}

const FileSystemSpec& spec_of(const std::string& name) {
  for (const auto& fs : kFileSystems)
    if (name == fs.name) return fs;
  return kFileSystems[0];
}

struct Outcome {
  std::string error;  // a target could not be set up
  Trace host, rump;
  bool host_escaped = false;  // the sequence climbed above the root on the host
  bool differs() const { return !error.empty() || first_difference(host, rump) >= 0; }
};

// Runs seq on a fresh host directory and a fresh kernel with fs.
Outcome run_both(const FileSystemSpec& spec, const Sequence& seq) {
  Outcome out;
  auto host = make_host_target();
  auto rump = make_rump_target(spec);
  if (!host->setup_error().empty()) out.error = host->setup_error();
  if (!rump->setup_error().empty()) out.error = rump->setup_error();
  if (!out.error.empty()) return out;
  if (!host->privileged()) {
    // Act as the same user on both sides (the rump root directory becomes ours first).
    uid_t uid = geteuid();
    gid_t gid = getegid();
    long r = rump->chown("/", uid, gid);
    if (r == 0) r = rump->become(uid, gid);
    if (r != 0) {
      out.error = "taking the host's ids in the rump kernel: " + result_str(r);
      return out;
    }
  }
  CompareOptions opt;
  opt.dir_sizes = std::string(spec.name) == "tmpfs";
  out.host = run(*host, seq, opt);
  out.rump = run(*rump, seq, opt);
  out.host_escaped = host->escaped();
  return out;
}

// Fails the test with the sequence, both traces and a shrunk reproducer.
void explain(const FileSystemSpec& spec, const std::string& what, const Sequence& seq,
             const Outcome& o) {
  if (!o.error.empty()) {
    ADD_FAILURE() << what << ": " << o.error;
    return;
  }
  // (Removing calls can leave a relative ".." at the root; such candidates do not count.)
  Sequence small = shrink(seq, [&](const Sequence& cand) {
    Outcome c = run_both(spec, cand);
    return c.differs() && !c.host_escaped;
  });
  Outcome so = run_both(spec, small);
  ADD_FAILURE() << what << " differs between Linux and " << spec.name << ":\n"
                << report(seq, o.host, o.rump, spec.name) << "\nshrunk to " << small.size()
                << " call(s):\n"
                << report(small, so.host, so.rump, spec.name);
}

class Differential : public testing::TestWithParam<std::string> {
 protected:
  const FileSystemSpec& spec() const { return spec_of(GetParam()); }
  // Stops the test at once when the rump side cannot even be set up.
  void SetUp() override {
    auto probe = make_rump_target(spec());
    ASSERT_EQ(probe->setup_error(), "");
  }
};

INSTANTIATE_TEST_SUITE_P(All, Differential, testing::ValuesIn(rump_targets()),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

// --- hand-written sequences ----------------------------------------------------------------


TEST_P(Differential, HandWrittenSequences) {
  for (const NamedSequence& n : hand_written_sequences()) {
    SCOPED_TRACE(n.name);
    Outcome o = run_both(spec(), n.seq);
    EXPECT_FALSE(o.host_escaped) << "the sequence climbs above its root";
    if (o.differs()) explain(spec(), std::string("sequence \"") + n.name + "\"", n.seq, o);
  }
}

// --- random sequences ----------------------------------------------------------------------

TEST_P(Differential, RandomSequences) {
  const long ops = env_long("RUMP_DIFF_OPS", 40);
  const long only = env_long("RUMP_DIFF_SEED", -1);
  const long seeds = only >= 0 ? 1 : env_long("RUMP_DIFF_SEEDS", 200);
  std::vector<long> failed;
  for (long i = 0; i < seeds; ++i) {
    const long seed = only >= 0 ? only : i;
    Sequence seq = random_sequence(uint64_t(seed), int(ops));
    Outcome o = run_both(spec(), seq);
    EXPECT_FALSE(o.host_escaped) << "seed " << seed << " climbs above the root";
    if (!o.differs()) continue;
    if (failed.size() < 2) {  // the first ones in full; the rest by number
      explain(spec(), "seed " + std::to_string(seed), seq, o);
    }
    failed.push_back(seed);
    if (!o.error.empty()) break;
  }
  if (!failed.empty()) {
    std::string list;
    for (long s : failed) list += " " + std::to_string(s);
    ADD_FAILURE() << failed.size() << " of " << seeds << " seeds differ:" << list
                  << "\nreproduce one with RUMP_DIFF_SEED=<seed>"
                  << (ops != 40 ? " RUMP_DIFF_OPS=" + std::to_string(ops) : "");
  }
}

// --- the harness itself --------------------------------------------------------------------

// Linux against Linux: the normalization leaves nothing that differs between two runs
// (descriptor numbers, paths, inode numbers, times).
TEST(DifferentialHarness, HostAgainstHostAgrees) {
  for (uint64_t seed = 0; seed < 25; ++seed) {
    Sequence seq = random_sequence(seed, 60);
    auto a = make_host_target();
    auto b = make_host_target();
    ASSERT_EQ(a->setup_error(), "");
    ASSERT_EQ(b->setup_error(), "");
    CompareOptions opt;
    opt.dir_sizes = true;
    Trace ta = run(*a, seq, opt);
    Trace tb = run(*b, seq, opt);
    ASSERT_EQ(first_difference(ta, tb), -1) << "seed " << seed << "\n"
                                            << report(seq, ta, tb, "host again");
  }
}

TEST(DifferentialHarness, RandomSequencesAreDeterministicAndVaried) {
  Sequence a = random_sequence(7, 40), b = random_sequence(7, 40), c = random_sequence(8, 40);
  ASSERT_EQ(a.size(), 40u);
  std::string sa, sb, sc;
  for (auto& o : a) sa += to_string(o) + "\n";
  for (auto& o : b) sb += to_string(o) + "\n";
  for (auto& o : c) sc += to_string(o) + "\n";
  EXPECT_EQ(sa, sb);
  EXPECT_NE(sa, sc);
  // Errors are frequent but not everything: the name space is small on purpose.
  auto host = make_host_target();
  ASSERT_EQ(host->setup_error(), "");
  int errors = 0, total = 0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    auto h = make_host_target();
    Trace t = run(*h, random_sequence(seed, 40), CompareOptions{});
    for (const auto& r : t.results) {
      ++total;
      if (!r.empty() && r[0] == 'E') ++errors;
    }
  }
  EXPECT_GT(errors, total / 5);
  EXPECT_LT(errors, total * 4 / 5);
}

// A real difference (one side runs with another umask) is found, reported and shrunk to the
// first call that shows it.
TEST(DifferentialHarness, FindsReportsAndShrinksADifference) {
  auto differs = [](const Sequence& seq, Trace* ta, Trace* tb) {
    auto a = make_host_target();
    auto b = make_host_target();
    b->umask(077);
    Trace x = run(*a, seq, CompareOptions{}), y = run(*b, seq, CompareOptions{});
    if (ta != nullptr) *ta = x;
    if (tb != nullptr) *tb = y;
    return first_difference(x, y) >= 0;
  };
  Sequence seq = random_sequence(11, 30);
  Trace ta, tb;
  ASSERT_TRUE(differs(seq, &ta, &tb));
  std::string text = report(seq, ta, tb, "other");
  const bool marked = text.find("^^^ first difference") != std::string::npos ||
                      text.find("the trees afterwards differ") != std::string::npos;
  EXPECT_TRUE(marked) << text;
  Sequence small = shrink(seq, [&](const Sequence& s) { return differs(s, nullptr, nullptr); });
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(small[0].kind == OpKind::kMkdir || small[0].kind == OpKind::kOpen ||
                small[0].kind == OpKind::kMknodFifo,
            true)
      << to_string(small[0]);
}

TEST(DifferentialHarness, ShrinkFindsTheCulprit) {
  Sequence seq = random_sequence(3, 40);
  seq.insert(seq.begin() + 17, op::umask(0123));
  auto has_culprit = [](const Sequence& s) {
    for (const Op& o : s)
      if (o.kind == OpKind::kUmask && o.x == 0123) return true;
    return false;
  };
  Sequence small = shrink(seq, has_culprit);
  ASSERT_EQ(small.size(), 1u);
  EXPECT_EQ(to_string(small[0]), "umask(0123)");
}

}  // namespace
}  // namespace vfs_suite
