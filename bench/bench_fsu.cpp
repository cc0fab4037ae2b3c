// Benchmark 8: fs-utils on ext2 images against the tools people use without root, in the same
// run: fsu_put of a 1 GiB file into an ext2 image and fsu_get back out against
// `debugfs -w -R write` / `debugfs -R dump` and e2tools' `e2cp` (target: twice as fast, ratio
// <= 0.5), and against `cat image >/dev/null` (target: at least half its speed, ratio <= 2);
// fsu_ls -lR of an image with 20,000 files against debugfs's `ls -l` of every directory.
// debugfs and e2cp fsync the image before they exit, so the put they are measured against is
// `fsu_put --sync`, which does too; against cat it is the plain fsu_put, which leaves the
// image's write-back to the host as cp does (docs/FSUTILS.md).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "benchmarks.h"

namespace rk::bench {
namespace {

struct Medians {
  std::vector<double> v;
  double median() {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
};

void add(Context& ctx, const std::string& name, double ns, const std::string& base_name,
         double base_ns, std::optional<double> target) {
  if (ns < 0 || base_ns <= 0) {
    ctx.report.error(name + " vs " + base_name, "a command failed (see its output above)");
    return;
  }
  ctx.report.add({name, {ns, Unit::kNanos}, base_name, {base_ns, Unit::kNanos}, ns / base_ns,
                  target});
}

}  // namespace

void run_fsu(Context& ctx) {
  const std::string fsu = bin_dir() + "/fsu";
  if (access(fsu.c_str(), X_OK) != 0) {
    ctx.report.error("fsu", "no fsu program beside rump_bench (" + fsu + ")");
    return;
  }
  if (!have("mke2fs") && !have("/usr/sbin/mke2fs")) {
    ctx.report.error("fsu", "mke2fs is missing (apt-get install e2fsprogs)");
    return;
  }
  char tmpl[] = "/var/tmp/rk-bench-fsu-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    ctx.report.error("fsu", describe_error("mkdtemp", errno));
    return;
  }
  const std::string dir = tmpl;
  const std::string path = "PATH=$PATH:/usr/sbin:/sbin ";
  const bool quick = ctx.options.quick;
  const uint64_t mib = quick ? 128 : 1024;
  const int reps = ctx.options.reps(3);
  const std::string src = dir + "/src", img = dir + "/img", out = dir + "/out";

  // The file: incompressible enough, written once.
  if (std::system(("head -c " + std::to_string(mib) + "M /dev/urandom >" + quote(src)).c_str()) !=
      0) {
    ctx.report.error("fsu", "cannot make the source file in " + dir);
    return;
  }
  const std::string mkfs = path + "mke2fs -q -F -t ext2 -b 4096 " + quote(img) + " " +
                           std::to_string(mib + mib / 8 + 64) + "M";
  auto fresh = [&] { return std::system(mkfs.c_str()) == 0; };
  const bool e2cp = have("e2cp");

  Medians put, put_sync, dfs_write, cp_in, get, dfs_dump, cp_out, cat;
  for (int r = 0; r < reps; ++r) {
    if (!fresh()) break;
    put.v.push_back(timed(fsu + " put " + quote(img) + " " + quote(src) + " /f"));
    // The readers start alike, whatever the put left to the host's write-back, and their
    // output file is removed before the clock starts (a removal waits for its write-back).
    auto no_output = [&] { return std::system(("rm -f " + quote(out) + " && sync").c_str()) == 0; };
    if (!no_output()) break;
    cat.v.push_back(timed("cat " + quote(img) + " >/dev/null"));
    get.v.push_back(timed(fsu + " get " + quote(img) + " /f " + quote(out)));
    if (!no_output()) break;
    dfs_dump.v.push_back(timed(path + "debugfs -R " + quote("dump /f " + out) + " " +
                               quote(img) + " >/dev/null 2>&1"));
    if (e2cp) {
      if (!no_output()) break;
      cp_out.v.push_back(timed("e2cp " + quote(img + ":/f") + " " + quote(out)));
    }
    if (!fresh()) break;
    put_sync.v.push_back(timed(fsu + " put --sync " + quote(img) + " " + quote(src) + " /f"));
    if (!fresh()) break;
    dfs_write.v.push_back(timed(path + "debugfs -w -R " + quote("write " + src + " f") + " " +
                                quote(img) + " >/dev/null 2>&1"));
    if (e2cp) {
      if (!fresh()) break;
      cp_in.v.push_back(timed("e2cp " + quote(src) + " " + quote(img + ":/f")));
    }
  }
  const std::string what = std::to_string(mib) + " MiB";
  const std::string put_sync_name = "fsu_put --sync " + what + " into ext2";
  add(ctx, put_sync_name, put_sync.median(), "debugfs -w write", dfs_write.median(), 0.5);
  if (e2cp) add(ctx, put_sync_name, put_sync.median(), "e2cp in", cp_in.median(), 0.5);
  else ctx.report.error("fsu_put vs e2cp", "e2cp is missing (apt-get install e2tools)");
  add(ctx, "fsu_put " + what + " into ext2", put.median(), "cat image >/dev/null", cat.median(),
      2.0);
  add(ctx, "fsu_get " + what + " out of ext2", get.median(), "debugfs dump", dfs_dump.median(),
      0.5);
  if (e2cp) add(ctx, "fsu_get " + what + " out of ext2", get.median(), "e2cp out", cp_out.median(), 0.5);
  else ctx.report.error("fsu_get vs e2cp", "e2cp is missing (apt-get install e2tools)");
  add(ctx, "fsu_get " + what + " out of ext2", get.median(), "cat image >/dev/null", cat.median(),
      2.0);

  // 20,000 files in 20 directories, listed long and recursively.
  const int ndirs = 20, per_dir = quick ? 100 : 1000;
  const std::string tree = dir + "/tree";
  std::string make_tree = "mkdir -p " + quote(tree) + " && cd " + quote(tree) +
                          " && for d in $(seq 1 " + std::to_string(ndirs) +
                          "); do mkdir d$d && (cd d$d && seq 1 " + std::to_string(per_dir) +
                          " | xargs touch); done";
  std::string cmds = dir + "/cmds";
  {
    std::ofstream c(cmds);
    c << "ls -l /\n";
    for (int d = 1; d <= ndirs; ++d) c << "ls -l /d" << d << "\n";
  }
  const std::string mkfs_tree = path + "mke2fs -q -F -t ext2 -N " +
                                std::to_string(ndirs * per_dir + 1000) + " -d " + quote(tree) +
                                " " + quote(img) + " 256M";
  if (std::system(make_tree.c_str()) != 0 || std::system(mkfs_tree.c_str()) != 0) {
    ctx.report.error("fsu_ls -lR", "cannot make the image of " + std::to_string(ndirs * per_dir) +
                                       " files");
  } else {
    Medians ls, dls;
    for (int r = 0; r < reps; ++r) {
      ls.v.push_back(timed(fsu + " ls " + quote(img) + " -lR / >/dev/null"));
      dls.v.push_back(timed(path + "debugfs -f " + quote(cmds) + " " + quote(img) +
                            " >/dev/null 2>&1"));
    }
    add(ctx, "fsu_ls -lR, " + std::to_string(ndirs * per_dir) + " files", ls.median(),
        "debugfs ls -l of each dir", dls.median(), std::nullopt);
  }
  (void)std::system(("rm -rf " + quote(dir)).c_str());
}

}  // namespace rk::bench
