// librumpclient's state: the server's address, the process this program is in the kernel, and
// a pool of connections to it (one per call in flight). Process-wide host state, as a client
// library's is (DESIGN.md §3 restricts kernel code, not this).
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <vector>

#include "sysproxy/channel.h"
#include "sysproxy/specs.h"
#include "sysproxy/url.h"

namespace rk::sysproxy {

struct ClientConn {
  explicit ClientConn(int fd) : ch(fd) {}
  Channel ch;
  std::vector<uint8_t> out;
  uint64_t tag = 0;
  uint64_t generation = 0;  // the process it belongs to (see RemoteClient::generation)
};

class RemoteClient {
 public:
  // Connects as a new process (or takes over the one an exec handed over). 0 or an errno.
  int init();
  const SyscallSpecs& specs() const { return *specs_; }

  // A connection of this process for one call: an idle one, or a new one that joins the
  // process. nullptr and *error when none can be had (*generation says which process the
  // attempt was for).
  ClientConn* acquire(int* error, uint64_t* generation = nullptr);
  void release(ClientConn* c);
  // The process of `generation` became unreachable: c (if not null) broke and is closed; then
  // the reconnect policy applies. true: connected again (as a new process), redo the call.
  bool lost(ClientConn* c, uint64_t generation);

  int set_retry(time_t t);
  int prefork(int32_t* pid, uint8_t cookie[kCookieSize]);
  int fork_child(int32_t pid, const uint8_t cookie[kCookieSize]);  // in the child
  int exec(const char* path, char* const argv[], char* const envp[]);
  bool debug() const { return debug_; }

 private:
  // Opens a connection and does the handshake. 0 or an errno (the server's refusal included).
  int open(HelloMode mode, int32_t pid, const uint8_t* cookie, bool want_table,
           std::unique_ptr<ClientConn>* out, int32_t* pid_out, uint8_t cookie_out[kCookieSize]);
  int reconnect_locked();

  std::mutex lock_;
  Endpoint endpoint_;
  std::unique_ptr<SyscallSpecs> specs_;  // set once by init(), read without the lock
  int32_t pid_ = 0;
  uint8_t cookie_[kCookieSize] = {};
  uint64_t generation_ = 0;  // bumped when the client becomes a new process (reconnect, fork)
  std::vector<ClientConn*> idle_;
  time_t retry_ = 0;
  bool debug_ = false;
};

// The process's client, once rumpclient_init() succeeded.
extern std::atomic<RemoteClient*> g_client;

}  // namespace rk::sysproxy
