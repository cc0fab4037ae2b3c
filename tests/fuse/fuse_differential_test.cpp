// The Linux differential tests of the VFS suite (tests/vfs_suite), run through rump_fuse: the same
// call sequences go to a fresh directory of the host's tmpfs and to a fresh directory of a
// rump_fuse mount (a tmpfs, and an ext2 image), both made by the host kernel, and every result,
// error and the whole tree afterwards must agree — what the rump kernel answers through FUSE must
// be what Linux's own tmpfs answers. "server" is the root of a rump_server's kernel mounted with
// rump_fuse --server, its calls going through librumpclient and the wire protocol.
//
//   RUMP_DIFF_SEEDS=N   random sequences to run (default 100), RUMP_DIFF_OPS=M calls each (40)
//   RUMP_DIFF_SEED=S    seed S alone
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/fuse/fuse_harness.h"
#include "tests/vfs_suite/sequence.h"
#include "tests/vfs_suite/target.h"

namespace {

using namespace fuse_test;
using vfs_suite::CompareOptions;
using vfs_suite::Sequence;
using vfs_suite::Trace;

long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtol(v, nullptr, 0);
}

// One rump_fuse mount per file system type, kept for the whole program.
struct Mounted {
  std::string dir, mnt;
  std::unique_ptr<FuseProcess> fuse;
  std::string skip, error;
  std::string halt;  // stops the rump_server, for "server"
  ~Mounted() {
    fuse.reset();
    if (!halt.empty()) sh(halt);
  }
};

Mounted& mount_of(const std::string& type) {
  static std::map<std::string, std::unique_ptr<Mounted>> mounts;
  auto& m = mounts[type];
  if (m) return *m;
  m = std::make_unique<Mounted>();
  if (std::string why = fuse_unavailable(); !why.empty()) {
    m->skip = why;
    return *m;
  }
  m->dir = root_dir() + "/" + type;
  m->mnt = m->dir + "/mnt";
  sh("rm -rf " + quote(m->dir));
  if (sh("mkdir -p " + quote(m->mnt) + " && chmod 755 " + quote(root_dir()) + " " + quote(m->dir)).status != 0) {
    m->error = "cannot make " + m->mnt;
    return *m;
  }
  std::vector<std::string> args;
  std::string image = "none";
  if (type == "tmpfs") {
    args = {"-t", "tmpfs"};
  } else if (type == "server") {
    // The root (rumpfs) of a rump_server's kernel, through librumpclient.
    const std::string bin = std::string(RUMP_FUSE_BIN).substr(0, std::string(RUMP_FUSE_BIN).rfind('/'));
    if (::access((bin + "/rump_fuse_remote").c_str(), X_OK) != 0 ||
        ::access((bin + "/rump_allserver").c_str(), X_OK) != 0) {
      m->skip = "rump_fuse_remote or rump_allserver is not built (librumpclient)";
      return *m;
    }
    const std::string url = "unix://" + m->dir + "/k.sock";
    Outcome r = sh(quote(bin + "/rump_allserver") + " " + quote(url));
    if (r.status != 0) {
      m->error = "rump_allserver: " + r.err;
      return *m;
    }
    m->halt = "RUMP_SERVER=" + quote(url) + " " + quote(bin + "/rump.halt");
    args = {"--server", url};
    image = "/";
  } else {
    if (!FUSE_HAVE_EXT2) {
      m->skip = "the ext2 driver (librumpfs_ext2) is not built";
      return *m;
    }
    image = m->dir + "/fs.img";
    Outcome r = sh("mke2fs -q -F -t ext2 -b 4096 " + quote(image) + " 64M");
    if (r.status != 0) {
      m->skip = "mke2fs failed (e2fsprogs missing?): " + r.err;
      return *m;
    }
  }
  m->fuse = std::make_unique<FuseProcess>(m->mnt, m->dir + "/rump_fuse.stderr");
  bool not_permitted = false;
  std::string err = m->fuse->start(args, image, &not_permitted);
  if (not_permitted) m->skip = "mounting through FUSE is not permitted here: " + err;
  else m->error = err;
  // Tests run as the invoking user: the mount's root is theirs, as /dev/shm's directories are.
  if (err.empty() && ::geteuid() != 0 && ::chown(m->mnt.c_str(), ::geteuid(), ::getegid()) != 0)
    m->error = "chown " + m->mnt;
  return *m;
}

struct Outcome2 {
  std::string error;
  Trace host, fuse;
  bool differs() const { return !error.empty() || vfs_suite::first_difference(host, fuse) >= 0; }
};

class FuseDifferential : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Mounted& m = mount_of(GetParam());
    if (!m.skip.empty()) GTEST_SKIP() << m.skip;
    ASSERT_EQ(m.error, "");
  }

  std::string target_name() const { return "rump_fuse " + GetParam(); }

  Outcome2 run_both(const Sequence& seq) {
    Outcome2 out;
    auto host = vfs_suite::make_host_target();
    auto fuse = vfs_suite::make_host_target_in(target_name(), mount_of(GetParam()).mnt);
    if (!host->setup_error().empty()) out.error = host->setup_error();
    if (!fuse->setup_error().empty()) out.error = fuse->setup_error();
    if (!out.error.empty()) return out;
    CompareOptions opt;
    opt.dir_sizes = GetParam() != "ext2";
    out.host = vfs_suite::run(*host, seq, opt);
    out.fuse = vfs_suite::run(*fuse, seq, opt);
    forgive_host_fuse_layer(seq, out);
    return out;
  }

  // What the host's FUSE layer answers without asking rump_fuse, where it differs from Linux's
  // tmpfs: lseek on a directory. tmpfs's directory lseek takes only SEEK_SET and SEEK_CUR
  // (EINVAL otherwise); FUSE's is the generic one, relative to the directory's size.
  static void forgive_host_fuse_layer(const Sequence& seq, Outcome2& o) {
    for (size_t i = 0; i < seq.size() && i < o.host.results.size() && i < o.fuse.results.size(); ++i) {
      if (vfs_suite::to_string(seq[i]).rfind("lseek(", 0) == 0 && o.host.results[i] == "EINVAL")
        o.fuse.results[i] = o.host.results[i];
    }
  }

  void explain(const std::string& what, const Sequence& seq, const Outcome2& o) {
    if (!o.error.empty()) {
      ADD_FAILURE() << what << ": " << o.error;
      return;
    }
    Sequence small = vfs_suite::shrink(seq, [&](const Sequence& c) { return run_both(c).differs(); }, 150);
    Outcome2 so = run_both(small);
    ADD_FAILURE() << what << " differs between Linux and " << target_name() << ":\n"
                  << vfs_suite::report(seq, o.host, o.fuse, target_name()) << "\nshrunk to "
                  << small.size() << " call(s):\n"
                  << vfs_suite::report(small, so.host, so.fuse, target_name());
  }
};

INSTANTIATE_TEST_SUITE_P(Through, FuseDifferential, testing::Values("tmpfs", "ext2", "server"),
                         [](const testing::TestParamInfo<std::string>& p) { return p.param; });

TEST_P(FuseDifferential, HandWrittenSequences) {
  for (const auto& n : vfs_suite::hand_written_sequences()) {
    SCOPED_TRACE(n.name);
    Outcome2 o = run_both(n.seq);
    if (o.differs()) explain(std::string("sequence \"") + n.name + "\"", n.seq, o);
  }
}

TEST_P(FuseDifferential, RandomSequences) {
  const long ops = env_long("RUMP_DIFF_OPS", 40);
  const long only = env_long("RUMP_DIFF_SEED", -1);
  const long seeds = only >= 0 ? 1 : env_long("RUMP_DIFF_SEEDS", 100);
  std::vector<long> failed;
  for (long i = 0; i < seeds; ++i) {
    const long seed = only >= 0 ? only : i;
    Sequence seq = vfs_suite::random_sequence(uint64_t(seed), int(ops));
    Outcome2 o = run_both(seq);
    if (!o.differs()) continue;
    if (failed.size() < 2) explain("seed " + std::to_string(seed), seq, o);
    failed.push_back(seed);
    if (!o.error.empty()) break;
  }
  if (!failed.empty()) {
    std::string list;
    for (long s : failed) list += " " + std::to_string(s);
    ADD_FAILURE() << failed.size() << " of " << seeds << " seeds differ:" << list
                  << "\nreproduce one with RUMP_DIFF_SEED=<seed>";
  }
}

}  // namespace
