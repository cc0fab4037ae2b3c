// librumpclient's state: the server's address, the process this program is in the kernel, and
// a pool of connections to it (one per call in flight). Process-wide host state, as a client
// library's is (DESIGN.md §3 restricts kernel code, not this).
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
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
  RemoteClient() = default;
  // Closes the idle connections; when they are all of the process's, the process ends.
  ~RemoteClient();
  RemoteClient(const RemoteClient&) = delete;
  RemoteClient& operator=(const RemoteClient&) = delete;

  // Connects to $RUMP_SERVER as a new process (or takes over the one an exec handed over). 0
  // or an errno.
  int init();
  // Connects to url as a new process. 0 or an errno (EINVAL for a bad url, with *why).
  int init_at(const char* url, std::string* why);
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
  // kFork: a child process with a copy of this one's descriptors (or none: kForkNoFds).
  int prefork(int32_t* pid, uint8_t cookie[kCookieSize], uint32_t fork_flags = 0);
  // A child process of this one, claimed by this host process: rump_pub_lwproc_rfork. The
  // child shares this client's server and table. 0 or an errno.
  int rfork(uint32_t fork_flags, std::unique_ptr<RemoteClient>* child);
  // Closes every connection of this process and waits until the server has torn the process
  // down (its descriptors closed, its locks released). Only when no call is in flight.
  void end_process();
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
  // Set once by init() (or shared from the parent by rfork), read without the lock.
  std::shared_ptr<const SyscallSpecs> specs_;
  int32_t pid_ = 0;
  uint8_t cookie_[kCookieSize] = {};
  uint64_t generation_ = 0;  // bumped when the client becomes a new process (reconnect, fork)
  std::vector<ClientConn*> idle_;
  time_t retry_ = 0;
  bool debug_ = false;
};

// The process's client, once rumpclient_init() succeeded.
extern std::atomic<RemoteClient*> g_client;

// The kernel process the calling thread's calls go to: the one rump_pub_lwproc_switch bound
// it to, else g_client's (nullptr before rumpclient_init).
RemoteClient* current_client();
// Binds the calling thread to c (nullptr: back to g_client). c is owned by the caller.
void bind_thread(RemoteClient* c);

}  // namespace rk::sysproxy
