// The server side of sysproxy: serves one rump kernel to remote clients (docs/PROTOCOL.md,
// docs/SERVER.md).
//
// Every connection runs on a host thread of its own, bound to an lwp in the kernel. A
// connection that says kNew starts a process (a child of pid 1, no descriptors, the
// credentials the server grants); kJoin adds an lwp to the client's process, which is how a
// multithreaded client has several calls in flight; kChild takes over a process prepared by
// kFork. A process ends when its last connection closes, whatever the client was doing: a
// client that dies is torn down like one that exits.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "kern/lib/result.h"
#include "rump/rump.h"

namespace rk::sysproxy {

struct ServerOptions {
  // Clients' credentials: root, or uid/gid with no supplementary groups.
  bool drop_creds = false;
  uint32_t uid = 0;
  uint32_t gid = 0;
  // One line on stderr for each connection refused or closed for a protocol error.
  bool verbose = false;
  // A child prepared by kFork that nobody claims within this time is released.
  int fork_claim_seconds = 30;
};

struct ServerStats {
  size_t connections;  // open now
  size_t processes;    // client processes alive now (including unclaimed fork children)
  uint64_t refused;    // connections closed for a protocol error, since start
  uint64_t received;   // messages received after the handshakes, since start
  uint64_t answered;   // messages sent after the handshakes (each a call's one answer)
};

class Server {
 public:
  // Starts serving kernel k (which must outlive the server) at url. On failure returns the
  // errno and says why in *why: EINVAL (a bad URL), EADDRINUSE, EACCES, EEXIST (a file that is
  // not a socket at a unix:// path), ...
  static Result<std::unique_ptr<Server>> create(rump_kernel* k, std::string_view url,
                                                const ServerOptions& opts, std::string* why);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Stops accepting, closes every connection and waits for their threads (a thread inside a
  // blocking system call is waited for until the call returns). The unix socket file is
  // removed. Idempotent.
  void stop();

  // A descriptor that becomes readable once a client halted the kernel with reboot(2): the
  // server's owner then stops the server and destroys the kernel.
  int halt_fd() const;
  bool halted() const;

  ServerStats stats() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rk::sysproxy
