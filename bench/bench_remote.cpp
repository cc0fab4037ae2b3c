// Benchmark: remote system calls (sysproxy) against a raw unix-socket ping-pong of the same
// message sizes, in the same run. The server runs in this process on its own threads, as
// rump_server would; the client side is the protocol code librumpclient uses (encode, one
// send, one receive, decode), on one connection. Then an unmodified cp, through librumphijack,
// copies a 256 MiB file into a tmpfs of a rump_allserver process, against the same cp into a
// tmpfs of the host.
#include <limits.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdlib>

#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "benchmarks.h"
#include "kern/abi/linux.h"
#include "rump/rump.h"
#include "rump/rump_syscalls.h"
#include "sysproxy/call_codec.h"
#include "sysproxy/channel.h"
#include "sysproxy/server.h"
#include "sysproxy/url.h"

namespace rk::bench {
namespace {

using namespace rk::sysproxy;

// A client on one connection: what librumpclient does for a call, minus its connection pool.
class Conn {
 public:
  bool open(const std::string& url) {
    Endpoint ep;
    std::string why;
    if (!parse_url(url, &ep, &why) || connect_to(ep, &fd_) != 0) return false;
    ch_ = std::make_unique<Channel>(fd_);
    Hello h{};
    std::memcpy(h.magic, kMagic, sizeof kMagic);
    h.version = kProtocolVersion;
    h.flags = kHelloWantTable;
    begin_message(&out_, MsgType::kHello, 0);
    put(&out_, h);
    finish_message(&out_);
    MsgHeader mh;
    std::span<const uint8_t> body;
    if (ch_->write(out_) != 0 || ch_->read(&mh, &body) != 0 || body.size() < sizeof(Welcome))
      return false;
    Welcome w;
    std::memcpy(&w, body.data(), sizeof w);
    Reader r(body.subspan(sizeof w));
    for (uint32_t i = 0; i < w.nsyscalls; ++i) {
      WireSyscall s;
      if (!r.get(&s)) return false;
      specs_.add(s);
    }
    return w.error == 0;
  }
  ~Conn() {
    if (fd_ >= 0) close(fd_);
  }
  int64_t call(unsigned nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0) {
    uint64_t args[6] = {a0, a1, a2, a3, 0, 0};
    const WireSyscall* spec = specs_.find(nr);
    ArgPlan plan[6];
    if (spec == nullptr || plan_call(*spec, args, plan) != PlanStatus::kOk) return -ENOSYS;
    begin_message(&out_, MsgType::kCall, ++tag_);
    encode_call(*spec, args, plan, &out_);
    finish_message(&out_);
    last_request_ = out_.size();
    MsgHeader mh;
    std::span<const uint8_t> body;
    int64_t ret = -EIO;
    if (ch_->write(out_) != 0 || ch_->read(&mh, &body) != 0 ||
        !decode_result(body, *spec, args, plan, &ret))
      return -EIO;
    last_response_ = mh.len;
    return ret;
  }
  size_t last_request_ = 0, last_response_ = 0;

 private:
  int fd_ = -1;
  std::unique_ptr<Channel> ch_;
  std::vector<uint8_t> out_;
  uint64_t tag_ = 0;
  SyscallSpecs specs_;
};

// The baseline: a thread that answers every `req`-byte message with `resp` bytes, over a
// unix socket pair (one recv and one send each side per round trip, like the protocol).
class PingPong {
 public:
  PingPong(size_t req, size_t resp) : req_(req), resp_(resp) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_) != 0) return;
    echo_ = std::thread([this] {
      std::vector<uint8_t> in(req_), out(resp_, 1);
      for (;;) {
        size_t got = 0;
        while (got < req_) {
          ssize_t n = recv(fds_[1], in.data() + got, req_ - got, 0);
          if (n <= 0) return;
          got += static_cast<size_t>(n);
        }
        if (send(fds_[1], out.data(), resp_, MSG_NOSIGNAL) != static_cast<ssize_t>(resp_)) return;
      }
    });
  }
  ~PingPong() {
    shutdown(fds_[0], SHUT_RDWR);
    if (echo_.joinable()) echo_.join();
    close(fds_[0]);
    close(fds_[1]);
  }
  void round_trip() {
    std::vector<uint8_t>& out = out_;
    out.resize(req_);
    send(fds_[0], out.data(), req_, MSG_NOSIGNAL);
    in_.resize(resp_);
    size_t got = 0;
    while (got < resp_) {
      ssize_t n = recv(fds_[0], in_.data() + got, resp_ - got, 0);
      if (n <= 0) return;
      got += static_cast<size_t>(n);
    }
  }

 private:
  size_t req_, resp_;
  int fds_[2] = {-1, -1};
  std::thread echo_;
  std::vector<uint8_t> out_, in_;
};

// A host tmpfs for the baseline and the source file: /dev/shm, else /var/tmp (then the baseline
// is that file system, said in the report).
std::string host_scratch(bool* is_tmpfs) {
  struct statfs sf {};
  *is_tmpfs = statfs("/dev/shm", &sf) == 0 && sf.f_type == 0x01021994 /* TMPFS_MAGIC */ &&
              access("/dev/shm", W_OK) == 0 &&
              sf.f_bavail * static_cast<uint64_t>(sf.f_bsize) > (600ull << 20);
  return *is_tmpfs ? "/dev/shm" : "/var/tmp";
}

// cp of a 256 MiB file through librumphijack into a rump_allserver's tmpfs, against cp into
// the host's tmpfs; both read the same source on the host's tmpfs.
void run_remote_cp(Context& ctx) {
  const Options& opt = ctx.options;
  const std::string name = "cp 256 MiB via hijack to server tmpfs";
  const std::string bin = bin_dir(), lib = bin + "/../lib/librumphijack.so";
  for (const std::string& f : {bin + "/rump_allserver", bin + "/rump.mount", bin + "/rump.halt", lib})
    if (access(f.c_str(), R_OK) != 0) {
      ctx.report.error(name, "missing " + f + " (build rump_allserver, rump.mount, rump.halt and "
                             "rumphijack)");
      return;
    }
  bool tmpfs = false;
  std::string tmpl = host_scratch(&tmpfs) + "/rk-bench-cp-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ctx.report.error(name, describe_error("mkdtemp", errno));
    return;
  }
  const std::string dir = tmpl, src = dir + "/src", url = "unix://" + dir + "/ctrl";
  const std::string env = "RUMP_SERVER=" + quote(url) + " ";
  const std::string hijacked = env + "LD_PRELOAD=" + quote(lib) + " ";
  const uint64_t mib = opt.quick ? 32 : 256;
  bool ok = std::system(("head -c " + std::to_string(mib) + "M /dev/urandom > " + quote(src))
                            .c_str()) == 0 &&
            std::system((quote(bin + "/rump_allserver") + " -r 1g " + quote(url)).c_str()) == 0;
  if (ok) {
    ok = std::system(("cd " + quote(dir) + " && " + hijacked + "mkdir /rump/t && " + env +
                      quote(bin + "/rump.mount") + " -t tmpfs -o size=768m tmpfs /t")
                         .c_str()) == 0;
    std::vector<double> host, remote;
    for (int r = 0; ok && r < opt.reps(5); ++r) {
      double h = timed("cp " + quote(src) + " " + quote(dir + "/dst"));
      double m = timed(hijacked + "cp " + quote(src) + " /rump/t/dst");
      ok = h > 0 && m > 0 &&
           std::system(("rm " + quote(dir + "/dst") + " && " + hijacked + "rm /rump/t/dst")
                           .c_str()) == 0;
      host.push_back(h);
      remote.push_back(m);
    }
    if (std::system((env + quote(bin + "/rump.halt")).c_str()) != 0) ok = false;
    if (ok) {
      double bytes = static_cast<double>(mib << 20);
      double host_rate = bytes / (median(host) / 1e9), remote_rate = bytes / (median(remote) / 1e9);
      ctx.report.add({opt.quick ? "cp 32 MiB via hijack to server tmpfs" : name,
                      {remote_rate, Unit::kMBPerSec},
                      tmpfs ? "cp to host tmpfs" : "cp to host /var/tmp (no tmpfs)",
                      {host_rate, Unit::kMBPerSec}, host_rate / remote_rate, std::nullopt});
      ctx.report.note("cp reads the host file and writes the kernel's, each write one round "
                      "trip (copy_file_range across the two gets EXDEV: cp falls back)");
    }
  }
  if (!ok) ctx.report.error(name, "a command failed (see its output above)");
  if (std::system(("rm -rf " + quote(dir)).c_str()) != 0) ctx.report.note("could not remove " + dir);
}

}  // namespace

void run_remote(Context& ctx) {
  const Options& opt = ctx.options;
  rump_kernel* k = nullptr;
  if (int e = rump_kernel_create("ncpu=2", &k); e != 0) {
    ctx.report.error("remote getpid", describe_error("rump_kernel_create", e));
    return;
  }
  rump_kernel* prev = rump_kernel_switch(k);
  std::string url = "unix:///tmp/rump_bench_remote." + std::to_string(getpid());
  std::string why;
  auto server = Server::create(k, url, {}, &why);
  if (!server.ok()) {
    ctx.report.error("remote getpid", "Server::create: " + why);
    rump_kernel_switch(prev);
    rump_kernel_destroy(k);
    return;
  }
  rump_sys_mkdir("/t", 0755);
  rump_sys_mount("tmpfs", "/t", "tmpfs", 0, "size=16m");
  {
    Conn c;
    if (!c.open(url)) {
      ctx.report.error("remote getpid", "cannot connect to the in-process server");
    } else {
      const int reps = opt.reps(15);
      const uint64_t n = opt.iters(20000);
      // getpid: the smallest call, against a ping-pong of exactly its message sizes.
      c.call(abi::kSysGetpid);
      PingPong pp(c.last_request_, c.last_response_);
      auto remote = [&](uint64_t m) {
        for (uint64_t i = 0; i < m; ++i) keep(c.call(abi::kSysGetpid));
      };
      auto raw = [&](uint64_t m) {
        for (uint64_t i = 0; i < m; ++i) pp.round_trip();
      };
      remote(n / 10);
      raw(n / 10);
      PairTiming t = time_pair(reps, n, remote, n, raw);
      ctx.report.add({"remote rump_sys_getpid", {t.a_ns, Unit::kNanos},
                      "unix-socket ping-pong, " + std::to_string(c.last_request_) + "/" +
                          std::to_string(c.last_response_) + " bytes",
                      {t.b_ns, Unit::kNanos}, t.a_ns / t.b_ns, 1.3});

      // A call copying 4 KiB in and one copying a pathname in and a struct out: still one
      // round trip each, against getpid's.
      int64_t fd = c.call(abi::kSysOpen, reinterpret_cast<uint64_t>("/t/f"), 0102 /* O_CREAT|O_RDWR */,
                          0644);
      std::vector<char> page(4096, 'x');
      auto pwrite = [&](uint64_t m) {
        for (uint64_t i = 0; i < m; ++i)
          keep(c.call(abi::kSysPwrite64, static_cast<uint64_t>(fd),
                      reinterpret_cast<uint64_t>(page.data()), page.size(), 0));
      };
      abi::Stat st{};
      auto stat = [&](uint64_t m) {
        for (uint64_t i = 0; i < m; ++i)
          keep(c.call(abi::kSysStat, reinterpret_cast<uint64_t>("/t/f"),
                      reinterpret_cast<uint64_t>(&st)));
      };
      // Messages the server saw per call while timing, both ways.
      ServerStats m0 = server.value()->stats();
      PairTiming w = time_pair(reps, n, pwrite, n, remote);
      ctx.report.add({"remote pwrite 4 KiB", {w.a_ns, Unit::kNanos}, "remote getpid",
                      {w.b_ns, Unit::kNanos}, w.a_ns / w.b_ns, std::nullopt});
      PairTiming s = time_pair(reps, n, stat, n, remote);
      ctx.report.add({"remote stat", {s.a_ns, Unit::kNanos}, "remote getpid",
                      {s.b_ns, Unit::kNanos}, s.a_ns / s.b_ns, std::nullopt});
      ServerStats m1 = server.value()->stats();
      double calls = 4.0 * static_cast<double>(reps) * static_cast<double>(n);
      char per[160];
      std::snprintf(per, sizeof per,
                    "messages per call (pwrite 4 KiB, stat, getpid): %.2f requests, %.2f "
                    "answers; one round trip each (docs/PROTOCOL.md)",
                    static_cast<double>(m1.received - m0.received) / calls,
                    static_cast<double>(m1.answered - m0.answered) / calls);
      ctx.report.note(per);
    }
  }
  server.value()->stop();
  rump_kernel_switch(prev);
  rump_kernel_destroy(k);
  run_remote_cp(ctx);
}

}  // namespace rk::bench
