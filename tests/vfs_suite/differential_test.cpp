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

struct Named {
  const char* name;
  Sequence seq;
};

// clang-format off
std::vector<Named> hand_written() {
  using namespace op;
  constexpr long kCreat = O_CREAT | O_RDWR;
  std::vector<Named> v;
  v.push_back({"create-write-read",
               {open("/a", kCreat, 0644), write(0, "hello"), lseek(0, 0, SEEK_CUR),
                lseek(0, 0, SEEK_SET), read(0, 10), read(0, 10), fstat(0), close(0), stat("/a"),
                open("/a", O_RDONLY), pread(0, 3, 1), list("/"), close(0), close(0)}});
  v.push_back({"append-and-pwrite",
               {open("/a", kCreat | O_APPEND, 0600), write(0, "abc"), lseek(0, 0, SEEK_SET),
                write(0, "de"), pwrite(0, "X", 0), lseek(0, 0, SEEK_CUR), fcntl(0, F_GETFL),
                fcntl(0, F_SETFL, 0), pwrite(0, "Y", 0), pread(0, 10, 0), fstat(0)}});
  v.push_back({"holes",
               {open("/h", kCreat, 0644), pwrite(0, "b", 10000), lseek(0, 0, SEEK_DATA),
                lseek(0, 0, SEEK_HOLE), lseek(0, 4096, SEEK_DATA), lseek(0, 9000, SEEK_HOLE),
                lseek(0, 10001, SEEK_DATA), pread(0, 16, 4090), ftruncate(0, 20000),
                lseek(0, 10001, SEEK_HOLE), pwrite(0, std::string(12288, 'x'), 0),
                fallocate(0, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 8000),
                lseek(0, 0, SEEK_HOLE), lseek(0, 4096, SEEK_DATA), pread(0, 8, 96),
                fallocate(0, 0, 30000, 100), fstat(0)}});
  v.push_back({"rename-dance",
               {mkdir("/d"), mkdir("/d/e"), mkdir("/x"), open("/a", kCreat), close(0),
                open("/b", kCreat), write(0, "B"), close(0), link("/b", "/b2"),
                rename("/a", "/b"), lstat("/b2"), rename("/b", "/b2"), rename("/d", "/d/e/f"),
                rename("/x", "/d/e"), rename("/d/e", "/x"), rename("/d", "/x/d"),
                lstat("/"), lstat("/x"), renameat2("/b2", "/x", RENAME_NOREPLACE),
                renameat2("/b2", "/x", RENAME_EXCHANGE), lstat("/x"), lstat("/b2/d/.."),
                renameat2("/b2", "/nope", RENAME_EXCHANGE), rename("/b2/", "/c"),
                rename("/x/", "/y/"), list("/"), list("/b2")}});
  v.push_back({"links-and-symlinks",
               {open("/f", kCreat), close(0), link("/f", "/g"), lstat("/f"), unlink("/f"),
                lstat("/g"), mkdir("/d"), link("/d", "/d2"), symlink("g", "/l"),
                symlink("/nowhere", "/dl"), readlink("/l"), readlink("/dl", 3), stat("/l"),
                stat("/dl"), lstat("/dl"), open("/dl", kCreat | O_EXCL),
                open("/l", O_RDONLY | O_NOFOLLOW), open("/l", O_PATH | O_NOFOLLOW), fstat(0),
                open("/dl", kCreat, 0640),
                lstat("/nowhere"), symlink("self", "/self"), stat("/self"), symlink("d", "/ld"),
                open("/ld/x", kCreat), list("/d"), link("/l", "/l2"), lstat("/l2")}});
  v.push_back({"trailing-slashes",
               {open("/f", kCreat), close(0), mkdir("/d"), symlink("d", "/ld"),
                symlink("f", "/lf"), stat("/f/"), lstat("/ld/"), lstat("/lf/"),
                mkdir("/n/"), open("/n2/", kCreat), unlink("/d/"), unlink("/f/"),
                rmdir("/ld/"), rename("/f/", "/g"), rename("/f", "/g/"), link("/f", "/h/"),
                symlink("f", "/s/"), mkfifo("/p/"), list("/")}});
  v.push_back({"cwd",
               {mkdir("/d"), mkdir("/d/e"), chdir("/d/e"), getcwd(), getcwd(5), getcwd(6),
                rename("/d", "/x"), getcwd(), open("rel", kCreat), chdir(".."), getcwd(),
                list("e"), chdir("e"), rmdir("/x/e/rel"), unlink("/x/e/rel"), rmdir("/x/e"),
                getcwd(), open("new", kCreat), chdir(".."), getcwd(), fchdir(0)}});
  v.push_back({"umask",
               {umask(077), open("/f", kCreat, 0666), mkdir("/d", 0777), mkfifo("/p", 0666),
                symlink("f", "/l"), umask(0), mkdir("/e", 01777), mkdir("/g", 06777),
                umask(022), lstat("/f"), lstat("/d"), lstat("/p"), lstat("/l"), lstat("/e"),
                lstat("/g")}});
  v.push_back({"dup-and-fcntl",
               {open("/f", kCreat | O_CLOEXEC), dup(0), fcntl(1, F_GETFD), fcntl(0, F_GETFD),
                dup2(0, 5), dup2(0, 0), dup2(9, 3), fcntl(0, F_DUPFD, 3),
                fcntl(0, F_DUPFD_CLOEXEC, 3), fcntl(4, F_GETFD), write(5, "abc"),
                lseek(1, 0, SEEK_CUR), fcntl(0, F_SETFL, O_APPEND | O_NONBLOCK),
                fcntl(1, F_GETFL), close(0), close(1), open("/f", O_RDONLY), close(9),
                fcntl(99, F_GETFL), fcntl(0, 9999)}});
  v.push_back({"pipes",
               {pipe2(O_NONBLOCK), write(1, "abc"), read(0, 10), read(0, 10), fstat(0),
                lseek(0, 0, SEEK_SET), close(1), read(0, 10), pipe2(O_CLOEXEC | O_NONBLOCK),
                fcntl(1, F_GETFD), close(1), write(2, "x"), fcntl(2, F_GETFL)}});
  v.push_back({"errors",
               {mkdir("/d"), open("/d/f", kCreat), close(0), rmdir("/d"), unlink("/d"),
                open("/missing", O_RDONLY), mkdir("/d"), open("/d/f/x", O_RDONLY),
                mkdir("/d/f/x"), rename("/d", "/d/f"), open("/" + std::string(256, 'n'), kCreat),
                mkdir("/" + std::string(255, 'n')), rmdir("/d/."), rmdir("/d/.."),
                rename("/d/.", "/e"), open("/d", O_RDWR), open("/d", O_RDONLY | O_CREAT),
                read(0, 1), write(0, "x"), close(0), close(0), truncate("/d", 0),
                access("/d/f", 8)}});
  v.push_back({"fifo",
               {mkfifo("/p"), open("/p", O_WRONLY | O_NONBLOCK), open("/p", O_RDONLY | O_NONBLOCK),
                open("/p", O_WRONLY | O_NONBLOCK), write(1, "through"), read(0, 100),
                read(0, 100), lstat("/p"), close(1), read(0, 100), fcntl(0, F_GETFL)}});
  v.push_back({"permissions-as-root",
               {open("/f", kCreat, 0000), close(0), access("/f", R_OK | W_OK), access("/f", X_OK),
                chmod("/f", 0100), access("/f", X_OK), open("/f", O_RDWR), chmod("/f", 07777),
                lstat("/f"), chmod("/f", 0170644), lstat("/f"), mkdir("/d", 0), list("/d"),
                open("/d/x", kCreat), lstat("/d/x")}});
  v.push_back({"truncate-and-fallocate",
               {open("/f", kCreat), write(0, "hello world"), ftruncate(0, 5), pread(0, 20, 0),
                ftruncate(0, 8), pread(0, 20, 0), truncate("/f", 2), lseek(0, 0, SEEK_CUR),
                write(0, "!"), pread(0, 20, 0), fallocate(0, FALLOC_FL_KEEP_SIZE, 0, 20000),
                fstat(0), fallocate(0, FALLOC_FL_PUNCH_HOLE, 0, 1), fallocate(0, 0, 0, 0),
                open("/f", O_RDONLY), ftruncate(1, 0), fallocate(1, 0, 0, 1)}});
  std::vector<Op> many{mkdir("/m")};
  for (int i = 0; i < 60; ++i) many.push_back(open("/m/n" + std::to_string(i), kCreat | O_CLOEXEC));
  many.push_back(list("/m"));
  for (int i = 0; i < 60; i += 2) many.push_back(unlink("/m/n" + std::to_string(i)));
  many.push_back(list("/m"));
  many.push_back(lstat("/m"));
  v.push_back({"many-names", many});
  return v;
}
// clang-format on

TEST_P(Differential, HandWrittenSequences) {
  for (const Named& n : hand_written()) {
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
