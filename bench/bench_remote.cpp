// Benchmark: remote system calls (sysproxy) against a raw unix-socket ping-pong of the same
// message sizes, in the same run. The server runs in this process on its own threads, as
// rump_server would; the client side is the protocol code librumpclient uses (encode, one
// send, one receive, decode), on one connection.
#include <sys/socket.h>
#include <unistd.h>

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
      PairTiming w = time_pair(reps, n, pwrite, n, remote);
      ctx.report.add({"remote pwrite 4 KiB", {w.a_ns, Unit::kNanos}, "remote getpid",
                      {w.b_ns, Unit::kNanos}, w.a_ns / w.b_ns, std::nullopt});
      PairTiming s = time_pair(reps, n, stat, n, remote);
      ctx.report.add({"remote stat", {s.a_ns, Unit::kNanos}, "remote getpid",
                      {s.b_ns, Unit::kNanos}, s.a_ns / s.b_ns, std::nullopt});
      ctx.report.note("each call is one request and one response (docs/PROTOCOL.md)");
    }
  }
  server.value()->stop();
  rump_kernel_switch(prev);
  rump_kernel_destroy(k);
}

}  // namespace rk::bench
