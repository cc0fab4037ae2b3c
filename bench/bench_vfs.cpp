// Benchmark 6: the file system calls, against the host's tmpfs (/dev/shm) in the same run:
// stat of a 4-deep path, small-file create+write+close then unlink, and 256 MiB of sequential
// write then read in 64 KiB calls. The rump side runs in a tmpfs mounted in a fresh kernel.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "benchmarks.h"
#include "rump/rump.h"
#include "rump/rump_syscalls.h"

namespace rk::bench {
namespace {

// The same operations on the host (under a fresh /dev/shm directory) and in the kernel (under a
// tmpfs mounted at /bench).
struct Side {
  std::string root;
  bool rump;
  int mkdir(const std::string& p) const {
    return rump ? rump_sys_mkdir((root + p).c_str(), 0755) : ::mkdir((root + p).c_str(), 0755);
  }
  int stat(const std::string& p, struct stat* st) const {
    return rump ? rump_sys_stat((root + p).c_str(), st) : ::stat((root + p).c_str(), st);
  }
  int open(const std::string& p, int flags) const {
    return rump ? rump_sys_open((root + p).c_str(), flags, 0644) : ::open((root + p).c_str(), flags, 0644);
  }
  ssize_t write(int fd, const void* b, size_t n) const {
    return rump ? rump_sys_write(fd, b, n) : ::write(fd, b, n);
  }
  ssize_t read(int fd, void* b, size_t n) const {
    return rump ? rump_sys_read(fd, b, n) : ::read(fd, b, n);
  }
  int close(int fd) const { return rump ? rump_sys_close(fd) : ::close(fd); }
  int unlink(const std::string& p) const {
    return rump ? rump_sys_unlink((root + p).c_str()) : ::unlink((root + p).c_str());
  }
  int rmdir(const std::string& p) const {
    return rump ? rump_sys_rmdir((root + p).c_str()) : ::rmdir((root + p).c_str());
  }
};

std::string name_of(uint64_t i) { return "/files/f" + std::to_string(i); }

void small_files(const Side& s, uint64_t n) {
  char data[64];
  std::memset(data, 'x', sizeof data);
  for (uint64_t i = 0; i < n; ++i) {
    int fd = s.open(name_of(i), O_CREAT | O_WRONLY | O_TRUNC);
    s.write(fd, data, sizeof data);
    s.close(fd);
  }
  for (uint64_t i = 0; i < n; ++i) s.unlink(name_of(i));
}

void stream(const Side& s, uint64_t bytes, std::vector<char>& buf) {
  int fd = s.open("/big", O_CREAT | O_RDWR | O_TRUNC);
  for (uint64_t done = 0; done < bytes; done += buf.size()) s.write(fd, buf.data(), buf.size());
  s.close(fd);
  fd = s.open("/big", O_RDONLY);
  for (uint64_t done = 0; done < bytes; done += buf.size()) keep(s.read(fd, buf.data(), buf.size()));
  s.close(fd);
  s.unlink("/big");
}

}  // namespace

void run_vfs(Context& ctx) {
  const Options& opt = ctx.options;
  rump_kernel* k = nullptr;
  if (int rv = rump_kernel_create(nullptr, &k); rv != 0) {
    ctx.report.error("vfs", describe_error("rump_kernel_create", rv));
    return;
  }
  rump_kernel* prev = rump_kernel_switch(k);
  char host_dir[] = "/dev/shm/rump_bench.XXXXXX";
  if (rump_sys_mkdir("/bench", 0755) != 0 ||
      rump_sys_mount("tmpfs", "/bench", "tmpfs", 0, "size=320m") != 0 || mkdtemp(host_dir) == nullptr) {
    ctx.report.error("vfs", describe_error("mount tmpfs / mkdtemp", errno));
    rump_kernel_switch(prev);
    rump_kernel_destroy(k);
    return;
  }
  Side rump{"/bench", true};
  Side host{host_dir, false};
  for (const Side* s : {&rump, &host}) {
    s->mkdir("/a");
    s->mkdir("/a/b");
    s->mkdir("/a/b/c");
    s->mkdir("/a/b/c/d");
    int fd = s->open("/a/b/c/d/f", O_CREAT | O_WRONLY);
    s->close(fd);
    s->mkdir("/files");
  }

  // stat of a 4-deep path.
  uint64_t n = opt.iters(200000);
  auto stat_loop = [](const Side& s) {
    return [&s](uint64_t count) {
      struct stat st;
      for (uint64_t i = 0; i < count; ++i) keep(s.stat("/a/b/c/d/f", &st));
    };
  };
  PairTiming st = time_pair(opt.reps(9), n, stat_loop(rump), n, stat_loop(host));
  ctx.report.add({"stat of a 4-deep path", {st.a_ns, Unit::kNanos}, "host tmpfs stat",
                  {st.b_ns, Unit::kNanos}, st.a_ns / st.b_ns, 0.5});

  // Small files: create + write 64 bytes + close, then unlink.
  uint64_t files = opt.quick ? 2000 : 20000;
  PairTiming sf = time_pair(
      opt.reps(5), files, [&](uint64_t c) { small_files(rump, c); }, files,
      [&](uint64_t c) { small_files(host, c); });
  ctx.report.add({"create+write64+close, unlink", {sf.a_ns, Unit::kNanos}, "host tmpfs",
                  {sf.b_ns, Unit::kNanos}, sf.a_ns / sf.b_ns, 1.0});
  ctx.report.note("per file, " + std::to_string(files) + " files a run");

  // 256 MiB written then read in 64 KiB calls.
  uint64_t bytes = (opt.quick ? 32ull : 256ull) << 20;
  std::vector<char> buf(64 << 10, 'y');
  PairTiming io = time_pair(
      opt.reps(3), 1, [&](uint64_t) { stream(rump, bytes, buf); }, 1,
      [&](uint64_t) { stream(host, bytes, buf); });
  double mib = static_cast<double>(bytes >> 20);
  ctx.report.add({"256 MiB write+read, 64 KiB calls", {io.a_ns / mib, Unit::kNanos},
                  "host tmpfs", {io.b_ns / mib, Unit::kNanos}, io.a_ns / io.b_ns, 1.0});
  ctx.report.note("per MiB written and read back; " + std::to_string(static_cast<int>(mib * 2 * 1e9 / io.a_ns)) +
                  " MiB/s in the kernel, " + std::to_string(static_cast<int>(mib * 2 * 1e9 / io.b_ns)) +
                  " MiB/s on the host");

  for (const Side* s : {&rump, &host}) {
    s->unlink("/a/b/c/d/f");
    s->rmdir("/a/b/c/d");
    s->rmdir("/a/b/c");
    s->rmdir("/a/b");
    s->rmdir("/a");
    s->rmdir("/files");
  }
  ::rmdir(host_dir);
  rump_kernel_switch(prev);
  rump_kernel_destroy(k);
}

}  // namespace rk::bench
