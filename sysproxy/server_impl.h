// Server internals shared by server.cpp (listener, lifecycle) and server_conn.cpp (one
// connection's protocol).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sysproxy/server.h"
#include "sysproxy/specs.h"
#include "sysproxy/url.h"
#include "sysproxy/wire.h"

namespace rk::sysproxy {

inline constexpr size_t kMaxConnections = 4096;
inline constexpr int kMaxFds = 1024;  // kern::FdTable's limit: descriptors of a process

// A client process the server manages.
struct ClientProc {
  int32_t pid = 0;
  uint8_t cookie[kCookieSize] = {};
  int nconn = 0;                 // connections bound to one of its lwps
  std::vector<int> conn_fds;     // their sockets (each open while its connection is attached)
  bool torn_down = false;        // its descriptors were closed: the client is gone
  struct lwp* pending = nullptr; // a kFork child nobody has claimed yet: its placeholder lwp,
                                 // bound to no thread (owned by this entry)
  std::chrono::steady_clock::time_point claim_deadline;
};

struct Conn {
  int fd = -1;  // -1 once its thread closed it (under Server::Impl::conns_lock)
  std::thread thread;
  std::atomic<bool> done{false};
};

struct Server::Impl {
  rump_kernel* kernel = nullptr;
  ServerOptions opts;
  Endpoint endpoint;
  std::unique_ptr<SyscallSpecs> specs;
  int listen_fd = -1;
  int wake_fd = -1;  // eventfd: a connection ended, or stop()
  int halt_efd = -1; // eventfd: a client halted the kernel
  std::atomic<bool> stopping{false};
  std::atomic<bool> halted{false};
  std::atomic<uint64_t> refused{0};
  // Messages after the handshakes, both ways: what shows a call to be one round trip.
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> answered{0};
  std::thread acceptor;

  std::mutex conns_lock;
  std::list<std::unique_ptr<Conn>> conns;  // guarded by conns_lock

  // Guards procs and every attach to or detach from a client process, so that an lwp is never
  // added to a process whose last lwp is going away.
  std::mutex procs_lock;
  std::unordered_map<int32_t, ClientProc> procs;

  void accept_loop();
  void reap_done_connections();
  void release_unclaimed_forks(bool all);
  void reap_dead_clients();
  // Tears down every process that still has connections (descriptors closed, sleeps
  // interrupted), so that calls blocked in the kernel return: for stop().
  void end_blocked_calls();
  void serve(Conn* c);  // server_conn.cpp
  void wake();
  void note_refused(const char* why);
};

// Fills a cookie with random bytes from the host.
void random_cookie(uint8_t cookie[kCookieSize]);
// True when every connection of p has been hung up by its peer while some of its lwps are
// still in the kernel: the client is dead. Caller holds procs_lock.
bool client_is_gone(const ClientProc& p);
// Closes every descriptor of the process the calling thread is bound to.
void close_all_descriptors();
// Releases lwp l, which no thread is bound to, from the calling thread (bound to `self` in the
// current kernel, or to nothing): switch to it, release it, switch back.
void release_unbound_lwp(struct lwp* l, struct lwp* self);

}  // namespace rk::sysproxy
