// librumpclient: connections to rump_server and the rumpclient_* functions.
#include "rump/rumpclient.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>

#include "sysproxy/call_codec.h"
#include "sysproxy/client_impl.h"

namespace rk::sysproxy {

std::atomic<RemoteClient*> g_client{nullptr};

namespace {

constexpr const char* kExecEnv = "RUMPCLIENT__EXECFD";
std::mutex g_init_lock;

std::string hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

bool unhex(std::string_view s, uint8_t* p, size_t n) {
  if (s.size() != 2 * n) return false;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < n; ++i) {
    int hi = digit(s[2 * i]), lo = digit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    p[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

int RemoteClient::open(HelloMode mode, int32_t pid, const uint8_t* cookie, bool want_table,
                       std::unique_ptr<ClientConn>* out, int32_t* pid_out,
                       uint8_t cookie_out[kCookieSize]) {
  int fd;
  if (int e = connect_to(endpoint_, &fd); e != 0) return e;
  auto c = std::make_unique<ClientConn>(fd);
  Hello h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kProtocolVersion;
  h.mode = static_cast<uint32_t>(mode);
  h.pid = pid;
  h.flags = want_table ? kHelloWantTable : 0;
  if (cookie != nullptr) std::memcpy(h.cookie, cookie, kCookieSize);
  begin_message(&c->out, MsgType::kHello, 0);
  put(&c->out, h);
  finish_message(&c->out);
  auto fail = [fd](int e) {
    close(fd);
    return e;
  };
  if (c->ch.write(c->out) != 0) return fail(ECONNRESET);
  MsgHeader mh;
  std::span<const uint8_t> body;
  if (int e = c->ch.read(&mh, &body); e != 0) return fail(e == EPROTO ? EPROTO : ECONNRESET);
  Reader r(body);
  Welcome w;
  if (mh.type != static_cast<uint16_t>(MsgType::kWelcome) || !r.get(&w) ||
      std::memcmp(w.magic, kMagic, sizeof kMagic) != 0)
    return fail(EPROTO);
  if (w.error != 0) return fail(w.error);
  if (want_table) {
    auto specs = std::make_unique<SyscallSpecs>();
    for (uint32_t i = 0; i < w.nsyscalls; ++i) {
      WireSyscall s;
      if (!r.get(&s) || !specs->add(s)) return fail(EPROTO);
    }
    if (specs_ == nullptr) specs_ = std::shared_ptr<const SyscallSpecs>(std::move(specs));
  }
  if (r.left() != 0) return fail(EPROTO);
  *pid_out = w.pid;
  std::memcpy(cookie_out, w.cookie, kCookieSize);
  *out = std::move(c);
  return 0;
}

RemoteClient::~RemoteClient() {
  for (ClientConn* c : idle_) {
    close(c->ch.fd());
    delete c;
  }
}

int RemoteClient::init_at(const char* url, std::string* why) {
  debug_ = getenv("RUMPCLIENT_DEBUG") != nullptr;
  if (!parse_url(url, &endpoint_, why)) return EINVAL;
  std::unique_ptr<ClientConn> c;
  if (int e = open(HelloMode::kNew, 0, nullptr, true, &c, &pid_, cookie_); e != 0) return e;
  c->generation = generation_;
  idle_.push_back(c.release());
  return 0;
}

int RemoteClient::init() {
  debug_ = getenv("RUMPCLIENT_DEBUG") != nullptr;
  const char* url = getenv("RUMP_SERVER");
  // One line naming the variable, under the program's name, as bad boot parameters get.
  if (url == nullptr) {
    fprintf(stderr, "%s: RUMP_SERVER: not set\n", program_invocation_short_name);
    return EINVAL;
  }
  std::string why;
  if (!parse_url(url, &endpoint_, &why)) {
    fprintf(stderr, "%s: RUMP_SERVER=%s: %s\n", program_invocation_short_name, url, why.c_str());
    return EINVAL;
  }
  std::unique_ptr<ClientConn> c;
  const char* handed = getenv(kExecEnv);
  if (handed != nullptr) {
    // After rumpclient_exec: "fd,pid,cookie". Join that process, say the exec happened, then
    // let go of the connection the old image kept it alive with.
    std::string v(handed);
    int fd = -1, pid = 0;
    char cookie_hex[2 * kCookieSize + 1] = {};
    uint8_t cookie[kCookieSize];
    if (sscanf(v.c_str(), "%d,%d,%32s", &fd, &pid, cookie_hex) != 3 ||
        !unhex(cookie_hex, cookie, kCookieSize)) {
      fprintf(stderr, "%s: %s=%s: not what rumpclient_exec sets\n", program_invocation_short_name,
              kExecEnv, handed);
      return EINVAL;
    }
    unsetenv(kExecEnv);
    int e = open(HelloMode::kJoin, pid, cookie, true, &c, &pid_, cookie_);
    close(fd);
    if (e != 0) return e;
    begin_message(&c->out, MsgType::kExec, 0);
    finish_message(&c->out);
    MsgHeader mh;
    std::span<const uint8_t> body;
    if (c->ch.write(c->out) != 0 || c->ch.read(&mh, &body) != 0 ||
        mh.type != static_cast<uint16_t>(MsgType::kExecDone))
      return ECONNRESET;
  } else if (int e = open(HelloMode::kNew, 0, nullptr, true, &c, &pid_, cookie_); e != 0) {
    return e;
  }
  c->generation = generation_;
  idle_.push_back(c.release());
  return 0;
}

ClientConn* RemoteClient::acquire(int* error, uint64_t* generation) {
  int32_t pid;
  uint8_t cookie[kCookieSize];
  uint64_t gen;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (!idle_.empty()) {
      ClientConn* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    pid = pid_;
    std::memcpy(cookie, cookie_, kCookieSize);
    gen = generation_;
    if (generation != nullptr) *generation = gen;
  }
  // Another thread has every connection: this one joins the process with a connection of its
  // own, so that calls of different threads never wait for each other.
  std::unique_ptr<ClientConn> c;
  int32_t got_pid;
  uint8_t got_cookie[kCookieSize];
  if (int e = open(HelloMode::kJoin, pid, cookie, false, &c, &got_pid, got_cookie); e != 0) {
    *error = e;
    return nullptr;
  }
  c->generation = gen;
  return c.release();
}

void RemoteClient::release(ClientConn* c) {
  {
    std::lock_guard<std::mutex> g(lock_);
    if (c->generation == generation_) {
      idle_.push_back(c);
      return;
    }
  }
  close(c->ch.fd());  // belongs to a process this client is no longer
  delete c;
}

int RemoteClient::reconnect_locked() {
  std::unique_ptr<ClientConn> c;
  int32_t pid;
  uint8_t cookie[kCookieSize];
  if (int e = open(HelloMode::kNew, 0, nullptr, false, &c, &pid, cookie); e != 0) return e;
  for (ClientConn* old : idle_) {
    close(old->ch.fd());
    delete old;
  }
  idle_.clear();
  ++generation_;
  pid_ = pid;
  std::memcpy(cookie_, cookie, kCookieSize);
  c->generation = generation_;
  idle_.push_back(c.release());
  return 0;
}

bool RemoteClient::lost(ClientConn* c, uint64_t gen) {
  if (c != nullptr) {
    close(c->ch.fd());
    delete c;
  }
  std::lock_guard<std::mutex> g(lock_);
  if (gen != generation_) return true;  // another thread reconnected already
  if (retry_ == 0) return false;
  if (retry_ == RUMPCLIENT_RETRYCONN_DIE) {
    fprintf(stderr, "rumpclient: lost the connection to the server\n");
    exit(1);
  }
  time_t deadline = retry_ > 0 ? time(nullptr) + retry_ : 0;
  for (;;) {
    if (reconnect_locked() == 0) return true;
    if (retry_ == RUMPCLIENT_RETRYCONN_ONCE) return false;
    if (retry_ > 0 && time(nullptr) >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

int RemoteClient::set_retry(time_t t) {
  if (t < RUMPCLIENT_RETRYCONN_DIE) return EINVAL;
  std::lock_guard<std::mutex> g(lock_);
  retry_ = t;
  return 0;
}

int RemoteClient::prefork(int32_t* pid, uint8_t cookie[kCookieSize], uint32_t fork_flags) {
  int e = 0;
  ClientConn* c = acquire(&e);
  if (c == nullptr) return e;
  begin_message(&c->out, MsgType::kFork, ++c->tag);
  // A plain fork sends the empty body every server version understands.
  if (fork_flags != 0) put(&c->out, fork_flags);
  finish_message(&c->out);
  MsgHeader mh;
  std::span<const uint8_t> body;
  Forked f;
  if (c->ch.write(c->out) != 0 || c->ch.read(&mh, &body) != 0 ||
      mh.type != static_cast<uint16_t>(MsgType::kForked) || body.size() != sizeof f) {
    lost(c, c->generation);
    return ENOTCONN;
  }
  std::memcpy(&f, body.data(), sizeof f);
  release(c);
  if (f.error != 0) return f.error;
  *pid = f.pid;
  std::memcpy(cookie, f.cookie, kCookieSize);
  return 0;
}

int RemoteClient::fork_child(int32_t pid, const uint8_t cookie[kCookieSize]) {
  // The child has one thread: whatever other threads of the parent held is gone, the lock
  // included. The inherited connections are the parent's: close them unused.
  new (&lock_) std::mutex();
  for (ClientConn* c : idle_) {
    close(c->ch.fd());
    delete c;
  }
  idle_.clear();
  ++generation_;
  std::unique_ptr<ClientConn> c;
  if (int e = open(HelloMode::kChild, pid, cookie, false, &c, &pid_, cookie_); e != 0) return e;
  c->generation = generation_;
  idle_.push_back(c.release());
  return 0;
}

int RemoteClient::rfork(uint32_t fork_flags, std::unique_ptr<RemoteClient>* child) {
  int32_t pid;
  uint8_t cookie[kCookieSize];
  if (int e = prefork(&pid, cookie, fork_flags); e != 0) return e;
  auto ch = std::make_unique<RemoteClient>();
  ch->endpoint_ = endpoint_;
  ch->specs_ = specs_;
  ch->debug_ = debug_;
  std::unique_ptr<ClientConn> c;
  if (int e = ch->open(HelloMode::kChild, pid, cookie, false, &c, &ch->pid_, ch->cookie_); e != 0)
    return e;
  c->generation = ch->generation_;
  ch->idle_.push_back(c.release());
  *child = std::move(ch);
  return 0;
}

void RemoteClient::end_process() {
  std::vector<ClientConn*> conns;
  {
    std::lock_guard<std::mutex> g(lock_);
    conns.swap(idle_);
  }
  // The server tears the process down when its last connection ends and closes its side only
  // afterwards: waiting for that end of file makes the exit synchronous, as releasing a local
  // process's last lwp is (a lock it held is free when this returns).
  for (ClientConn* c : conns) shutdown(c->ch.fd(), SHUT_WR);
  for (ClientConn* c : conns) {
    char b[64];
    while (::read(c->ch.fd(), b, sizeof b) > 0) {
    }
    close(c->ch.fd());
    delete c;
  }
}

int RemoteClient::exec(const char* path, char* const argv[], char* const envp[]) {
  int e = 0;
  ClientConn* c = acquire(&e);
  if (c == nullptr) return e;
  int32_t pid;
  uint8_t cookie[kCookieSize];
  {
    std::lock_guard<std::mutex> g(lock_);
    pid = pid_;
    std::memcpy(cookie, cookie_, kCookieSize);
  }
  std::string handed = std::string(kExecEnv) + "=" + std::to_string(c->ch.fd()) + "," +
                       std::to_string(pid) + "," + hex(cookie, kCookieSize);
  std::vector<char*> env;
  for (char* const* p = envp; p != nullptr && *p != nullptr; ++p)
    if (strncmp(*p, kExecEnv, strlen(kExecEnv)) != 0) env.push_back(*p);
  env.push_back(handed.data());
  env.push_back(nullptr);
  // This connection survives the exec and keeps the process alive until the new image joins.
  fcntl(c->ch.fd(), F_SETFD, 0);
  execve(path, argv, env.data());
  e = errno;
  fcntl(c->ch.fd(), F_SETFD, FD_CLOEXEC);
  release(c);
  return e;
}

}  // namespace rk::sysproxy

using rk::sysproxy::g_client;
using rk::sysproxy::RemoteClient;

struct rumpclient_fork {
  int32_t pid;
  uint8_t cookie[rk::sysproxy::kCookieSize];
};
using ForkHandle = struct rumpclient_fork;

extern "C" {

int rumpclient_init(void) {
  std::lock_guard<std::mutex> g(rk::sysproxy::g_init_lock);
  if (g_client.load() != nullptr) return 0;
  auto* c = new RemoteClient();
  if (int e = c->init(); e != 0) {
    delete c;
    errno = e;
    return -1;
  }
  g_client.store(c);
  return 0;
}

int rumpclient_setconnretry(time_t timeout) {
  RemoteClient* c = g_client.load();
  int e = c == nullptr ? ENXIO : c->set_retry(timeout);
  if (e != 0) {
    errno = e;
    return -1;
  }
  return 0;
}

struct rumpclient_fork* rumpclient_prefork(void) {
  RemoteClient* c = g_client.load();
  auto* rf = new ForkHandle{};
  int e = c == nullptr ? ENXIO : c->prefork(&rf->pid, rf->cookie);
  if (e != 0) {
    delete rf;
    errno = e;
    return nullptr;
  }
  return rf;
}

int rumpclient_fork_init(struct rumpclient_fork* rf) {
  RemoteClient* c = g_client.load();
  int e = c == nullptr ? ENXIO : c->fork_child(rf->pid, rf->cookie);
  delete rf;
  if (e != 0) {
    errno = e;
    return -1;
  }
  return 0;
}

void rumpclient_fork_cancel(struct rumpclient_fork* rf) { delete rf; }

pid_t rumpclient_fork(void) {
  struct rumpclient_fork* rf = rumpclient_prefork();
  if (rf == nullptr) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    if (rumpclient_fork_init(rf) != 0) {
      fprintf(stderr, "rumpclient_fork: the child cannot connect: %s\n", strerror(errno));
      _exit(1);
    }
    return 0;
  }
  rumpclient_fork_cancel(rf);
  return pid;
}

int rumpclient_exec(const char* path, char* const argv[], char* const envp[]) {
  RemoteClient* c = g_client.load();
  errno = c == nullptr ? ENXIO : c->exec(path, argv, envp);
  return -1;
}

}  // extern "C"
