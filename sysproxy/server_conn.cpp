// One connection's life on the server: handshake, then one call at a time until the client
// goes away.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kern/abi/linux.h"
#include "rump/rump_syscalls.h"
#include "sysproxy/call_codec.h"
#include "sysproxy/channel.h"
#include "sysproxy/server_impl.h"

namespace rk::sysproxy {
namespace {

constexpr int kFdCloexec = 1;
constexpr int kFGetfd = 1;

bool cookie_equal(const uint8_t* a, const uint8_t* b) {
  uint8_t diff = 0;  // constant time: the cookie is a secret
  for (size_t i = 0; i < kCookieSize; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

int64_t raw_syscall(uint32_t nr, const uint64_t a[6]) {
  long r = rump_syscall(nr, static_cast<long>(a[0]), static_cast<long>(a[1]),
                        static_cast<long>(a[2]), static_cast<long>(a[3]),
                        static_cast<long>(a[4]), static_cast<long>(a[5]));
  return r == -1 ? -static_cast<int64_t>(errno) : r;
}

// The state of one connection while it is served.
class Session {
 public:
  Session(Server::Impl& server, int fd) : server_(server), ch_(fd) {}
  void run();

 private:
  bool handshake();  // false: close
  int attach(const Hello& h, int32_t* pid, uint8_t cookie[kCookieSize]);
  void detach();
  bool on_call(const MsgHeader& h, std::span<const uint8_t> body);
  bool on_fork(const MsgHeader& h, std::span<const uint8_t> body);
  bool on_exec(const MsgHeader& h);
  // Sends out_, the answer to the message being handled. false: the connection broke.
  bool answer() {
    server_.answered.fetch_add(1, std::memory_order_relaxed);
    return ch_.write(out_) == 0;
  }
  int drop_creds();

  Server::Impl& server_;
  Channel ch_;
  int32_t pid_ = 0;
  struct lwp* self_ = nullptr;  // this connection's lwp, bound to this thread
  std::vector<uint8_t> out_;
  std::vector<uint8_t> scratch_;
};

void Session::run() {
  rump_kernel_switch(server_.kernel);
  if (handshake()) {
    for (;;) {
      MsgHeader h;
      std::span<const uint8_t> body;
      int e = ch_.read(&h, &body);
      if (e == EPROTO) server_.note_refused("bad message header");
      if (e != 0) break;
      server_.received.fetch_add(1, std::memory_order_relaxed);
      bool keep = false;
      switch (static_cast<MsgType>(h.type)) {
        case MsgType::kCall: keep = on_call(h, body); break;
        case MsgType::kFork: keep = on_fork(h, body); break;
        case MsgType::kExec: keep = body.empty() && on_exec(h); break;
        default: break;
      }
      if (!keep) {
        if (!server_.stopping.load()) server_.note_refused("malformed message");
        break;
      }
      if (server_.halted.load()) break;
    }
    detach();
  }
  rump_kernel_switch(nullptr);
}

bool Session::handshake() {
  MsgHeader h;
  std::span<const uint8_t> body;
  int e = ch_.read(&h, &body);
  if (e != 0 || h.type != static_cast<uint16_t>(MsgType::kHello) || body.size() != sizeof(Hello)) {
    if (e != ENOTCONN) server_.note_refused("bad hello");
    return false;
  }
  Hello hello;
  std::memcpy(&hello, body.data(), sizeof hello);
  Welcome w{};
  std::memcpy(w.magic, kMagic, sizeof kMagic);
  w.version = kProtocolVersion;
  w.max_message = kMaxMessage;
  if (std::memcmp(hello.magic, kMagic, sizeof kMagic) != 0) {
    server_.note_refused("not a sysproxy client");
    return false;
  }
  if (hello.version != kProtocolVersion) w.error = EPROTONOSUPPORT;
  else w.error = attach(hello, &w.pid, w.cookie);
  bool table = w.error == 0 && (hello.flags & kHelloWantTable) != 0;
  if (table) w.nsyscalls = server_.specs->count();
  begin_message(&out_, MsgType::kWelcome, h.tag);
  put(&out_, w);
  if (table) server_.specs->for_each([this](const WireSyscall& s) { put(&out_, s); });
  finish_message(&out_);
  if (ch_.write(out_) != 0 || w.error != 0) {
    if (w.error == 0) detach();
    return false;
  }
  return true;
}

int Session::drop_creds() {
  const ServerOptions& o = server_.opts;
  if (rump_sys_setgroups(0, nullptr) != 0) return errno;
  if (rump_sys_setresgid(o.gid, o.gid, o.gid) != 0) return errno;
  if (rump_sys_setresuid(o.uid, o.uid, o.uid) != 0) return errno;
  return 0;
}

int Session::attach(const Hello& h, int32_t* pid, uint8_t cookie[kCookieSize]) {
  switch (static_cast<HelloMode>(h.mode)) {
    case HelloMode::kNew: {
      if (int e = rump_pub_lwproc_rfork(RUMP_RFCFDG); e != 0) return e;
      self_ = rump_pub_lwproc_curlwp();
      pid_ = rump_sys_getpid();
      if (server_.opts.drop_creds) {
        if (int e = drop_creds(); e != 0) {
          rump_pub_lwproc_releaselwp();
          self_ = nullptr;
          return e;
        }
      }
      std::lock_guard<std::mutex> g(server_.procs_lock);
      ClientProc& p = server_.procs[pid_];
      p = {};
      p.pid = pid_;
      p.nconn = 1;
      p.conn_fds.push_back(ch_.fd());
      random_cookie(p.cookie);
      std::memcpy(cookie, p.cookie, kCookieSize);
      *pid = pid_;
      return 0;
    }
    case HelloMode::kJoin:
    case HelloMode::kChild: {
      bool child = static_cast<HelloMode>(h.mode) == HelloMode::kChild;
      std::lock_guard<std::mutex> g(server_.procs_lock);
      auto it = server_.procs.find(h.pid);
      if (it == server_.procs.end() || !cookie_equal(it->second.cookie, h.cookie)) return ESRCH;
      ClientProc& p = it->second;
      // A child is claimed once; a process still waiting for its child cannot be joined.
      if (child != (p.pending != nullptr)) return ESRCH;
      if (int e = rump_pub_lwproc_newlwp(h.pid); e != 0) return e;
      self_ = rump_pub_lwproc_curlwp();
      if (child) {
        release_unbound_lwp(p.pending, self_);
        p.pending = nullptr;
        random_cookie(p.cookie);  // the fork cookie is spent; joins use a new one
      }
      ++p.nconn;
      p.conn_fds.push_back(ch_.fd());
      pid_ = h.pid;
      *pid = pid_;
      std::memcpy(cookie, p.cookie, kCookieSize);
      return 0;
    }
  }
  return EINVAL;
}

void Session::detach() {
  if (self_ == nullptr) return;
  std::lock_guard<std::mutex> g(server_.procs_lock);
  auto it = server_.procs.find(pid_);
  if (it != server_.procs.end()) {
    ClientProc& p = it->second;
    std::erase(p.conn_fds, ch_.fd());
    if (client_is_gone(p)) {
      close_all_descriptors();
      p.torn_down = true;
    }
  }
  // The last lwp of the process: the process exits, its descriptors are closed.
  rump_pub_lwproc_releaselwp();
  self_ = nullptr;
  if (it != server_.procs.end() && --it->second.nconn == 0 && it->second.pending == nullptr)
    server_.procs.erase(it);
}

bool Session::on_call(const MsgHeader& h, std::span<const uint8_t> body) {
  ParsedCall call;
  ParseStatus st = parse_call(body, *server_.specs, &call);
  if (st == ParseStatus::kMalformed) return false;
  int64_t ret;
  if (st == ParseStatus::kNoSys) {
    ret = -ENOSYS;
  } else {
    // One scratch buffer for every argument that needs server memory; a string gets its NUL.
    size_t need = 0;
    for (int i = 0; i < 6; ++i) {
      const ArgPlan& p = call.plan[i];
      if (p.pass == Pass::kOut || p.pass == Pass::kInOut) need += p.bytes;
      if (p.pass == Pass::kString) need += call.in[i].size() + 1;
    }
    if (scratch_.size() < need) scratch_.resize(need);
    uint8_t* at = scratch_.data();
    uint64_t args[6];
    uint8_t* where[6] = {};
    for (int i = 0; i < 6; ++i) {
      const ArgPlan& p = call.plan[i];
      switch (p.pass) {
        case Pass::kValue: args[i] = call.args[i]; continue;
        case Pass::kIn:
          // The kernel only reads it: the bytes in the message do.
          where[i] = const_cast<uint8_t*>(call.in[i].data());
          break;
        case Pass::kInOut:
          std::memcpy(at, call.in[i].data(), p.bytes);
          where[i] = at;
          at += p.bytes;
          break;
        case Pass::kOut:
          std::memset(at, 0, p.bytes);
          where[i] = at;
          at += p.bytes;
          break;
        case Pass::kString:
          std::memcpy(at, call.in[i].data(), call.in[i].size());
          at[call.in[i].size()] = 0;
          where[i] = at;
          at += call.in[i].size() + 1;
          break;
        case Pass::kUnsupported: break;  // parse_call answered kNoSys
      }
      args[i] = reinterpret_cast<uintptr_t>(where[i]);
    }
    ret = raw_syscall(call.nr, args);
    begin_message(&out_, MsgType::kResult, h.tag);
    put(&out_, ResultFixed{ret});
    if (ret >= 0) {
      for (int i = 0; i < 6; ++i) {
        const ArgPlan& p = call.plan[i];
        if (p.pass != Pass::kOut && p.pass != Pass::kInOut) continue;
        uint32_t n = result_bytes(*call.spec, p, i, ret);
        put(&out_, n);
        put_bytes(&out_, where[i], n);
      }
    }
    finish_message(&out_);
    // reboot(2) that halted the kernel (not the Ctrl-Alt-Del toggles): every call of a halted
    // kernel answers ENXIO.
    if (call.nr == abi::kSysReboot && ret == 0 && rump_sys_getpid() == -1 && errno == ENXIO) {
      // Answer, then tell the server's owner.
      (void)answer();
      server_.halted.store(true);
      uint64_t one = 1;
      ssize_t w = write(server_.halt_efd, &one, sizeof one);
      (void)w;
      return true;
    }
    return answer();
  }
  begin_message(&out_, MsgType::kResult, h.tag);
  put(&out_, ResultFixed{ret});
  finish_message(&out_);
  return answer();
}

bool Session::on_fork(const MsgHeader& h, std::span<const uint8_t> body) {
  uint32_t flags = 0;
  if (!body.empty()) {
    Reader r(body);
    if (!r.get(&flags) || r.left() != 0 || (flags & ~kForkFlags) != 0) return false;
  }
  Forked f{};
  // The child: a process under ours with a copy of our descriptors (or none), held by a
  // placeholder lwp until a connection claims it (kChild) or the claim times out.
  if (int e = rump_pub_lwproc_rfork((flags & kForkNoFds) ? RUMP_RFCFDG : RUMP_RFFDG); e != 0) {
    f.error = e;
  } else {
    struct lwp* placeholder = rump_pub_lwproc_curlwp();
    f.pid = rump_sys_getpid();
    rump_pub_lwproc_switch(self_);
    std::lock_guard<std::mutex> g(server_.procs_lock);
    ClientProc& p = server_.procs[f.pid];
    p = {};
    p.pid = f.pid;
    p.pending = placeholder;
    p.claim_deadline = std::chrono::steady_clock::now() +
                       std::chrono::seconds(server_.opts.fork_claim_seconds);
    random_cookie(p.cookie);
    std::memcpy(f.cookie, p.cookie, kCookieSize);
  }
  begin_message(&out_, MsgType::kForked, h.tag);
  put(&out_, f);
  finish_message(&out_);
  return answer();
}

bool Session::on_exec(const MsgHeader& h) {
  // exec(2) keeps the process and closes its close-on-exec descriptors.
  for (int fd = 0; fd < kMaxFds; ++fd) {
    long fl = rump_syscall(abi::kSysFcntl, fd, kFGetfd, 0, 0, 0, 0);
    if (fl > 0 && (fl & kFdCloexec)) rump_sys_close(fd);
  }
  begin_message(&out_, MsgType::kExecDone, h.tag);
  put(&out_, ExecDone{0, 0});
  finish_message(&out_);
  return answer();
}

}  // namespace

void Server::Impl::serve(Conn* c) {
  {
    Session s(*this, c->fd);
    s.run();
  }
  {
    std::lock_guard<std::mutex> g(conns_lock);
    close(c->fd);
    c->fd = -1;
  }
  c->done.store(true);
  wake();
}

}  // namespace rk::sysproxy
