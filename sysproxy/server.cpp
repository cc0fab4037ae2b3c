#include "sysproxy/server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "rump/rump_syscalls.h"
#include "sysproxy/server_impl.h"

namespace rk::sysproxy {

void random_cookie(uint8_t cookie[kCookieSize]) {
  size_t got = 0;
  while (got < kCookieSize) {
    ssize_t n = getrandom(cookie + got, kCookieSize - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
}

namespace {
bool peer_hung_up(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}
}  // namespace

bool client_is_gone(const ClientProc& p) {
  if (p.torn_down || p.pending != nullptr || p.conn_fds.empty()) return false;
  for (int fd : p.conn_fds)
    if (!peer_hung_up(fd)) return false;
  return true;
}

void close_all_descriptors() {
  for (int fd = 0; fd < kMaxFds; ++fd) rump_sys_close(fd);
}

void release_unbound_lwp(struct lwp* l, struct lwp* self) {
  rump_pub_lwproc_switch(l);
  rump_pub_lwproc_releaselwp();
  rump_pub_lwproc_switch(self);
}

Result<std::unique_ptr<Server>> Server::create(rump_kernel* k, std::string_view url,
                                               const ServerOptions& opts, std::string* why) {
  auto impl = std::make_unique<Impl>();
  impl->kernel = k;
  impl->opts = opts;
  if (k == nullptr) {
    *why = "no kernel";
    return Errno::kInval;
  }
  if (!parse_url(url, &impl->endpoint, why)) return Errno::kInval;
  impl->specs = std::make_unique<SyscallSpecs>(SyscallSpecs::from_kernel_table());
  impl->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  impl->halt_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->wake_fd < 0 || impl->halt_efd < 0) {
    int e = errno;
    *why = std::string("eventfd: ") + strerror(e);
    if (impl->wake_fd >= 0) close(impl->wake_fd);
    if (impl->halt_efd >= 0) close(impl->halt_efd);
    return static_cast<Errno>(e);
  }
  if (int e = listen_on(impl->endpoint, &impl->listen_fd); e != 0) {
    *why = std::string(url) + ": " + strerror(e);
    close(impl->wake_fd);
    close(impl->halt_efd);
    return static_cast<Errno>(e);
  }
  Impl* raw = impl.get();
  raw->acceptor = std::thread([raw] { raw->accept_loop(); });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
  close(impl_->wake_fd);
  close(impl_->halt_efd);
}

int Server::halt_fd() const { return impl_->halt_efd; }
bool Server::halted() const { return impl_->halted.load(); }

ServerStats Server::stats() const {
  ServerStats s{};
  {
    std::lock_guard<std::mutex> g(impl_->conns_lock);
    for (const auto& c : impl_->conns)
      if (!c->done.load()) ++s.connections;
  }
  {
    std::lock_guard<std::mutex> g(impl_->procs_lock);
    s.processes = impl_->procs.size();
  }
  s.refused = impl_->refused.load();
  s.received = impl_->received.load();
  s.answered = impl_->answered.load();
  return s;
}

void Server::stop() {
  Impl& m = *impl_;
  if (m.stopping.exchange(true)) {
    if (m.acceptor.joinable()) m.acceptor.join();
    return;
  }
  m.wake();
  if (m.acceptor.joinable()) m.acceptor.join();
  close(m.listen_fd);
  if (!m.endpoint.unix_path.empty()) unlink(m.endpoint.unix_path.c_str());
  // Calls still blocked in the kernel end: every process loses its descriptors (a read of a
  // pipe returns) and its sleeps. Every connection's recv returns; its thread detaches from
  // its process and ends.
  m.end_blocked_calls();
  std::list<std::unique_ptr<Conn>> conns;
  {
    std::lock_guard<std::mutex> g(m.conns_lock);
    for (auto& c : m.conns)
      if (c->fd >= 0) shutdown(c->fd, SHUT_RDWR);
    conns.swap(m.conns);
  }
  for (auto& c : conns) c->thread.join();
  m.release_unclaimed_forks(true);
}

void Server::Impl::wake() {
  uint64_t one = 1;
  ssize_t n = write(wake_fd, &one, sizeof one);
  (void)n;  // the counter cannot overflow in practice; a full one still wakes the poll
}

void Server::Impl::note_refused(const char* why) {
  refused.fetch_add(1);
  if (opts.verbose) fprintf(stderr, "rump_server: connection closed: %s\n", why);
}

void Server::Impl::reap_done_connections() {
  std::list<std::unique_ptr<Conn>> done;
  {
    std::lock_guard<std::mutex> g(conns_lock);
    for (auto it = conns.begin(); it != conns.end();) {
      if ((*it)->done.load()) {
        done.push_back(std::move(*it));
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : done) c->thread.join();
}

void Server::Impl::release_unclaimed_forks(bool all) {
  auto now = std::chrono::steady_clock::now();
  rump_kernel* prev = rump_kernel_switch(kernel);
  std::lock_guard<std::mutex> g(procs_lock);
  for (auto it = procs.begin(); it != procs.end();) {
    ClientProc& p = it->second;
    if (p.pending != nullptr && (all || now >= p.claim_deadline)) {
      release_unbound_lwp(p.pending, nullptr);
      p.pending = nullptr;
    }
    if (p.pending == nullptr && p.nconn == 0) it = procs.erase(it);
    else ++it;
  }
  rump_kernel_switch(prev);
}

// A client that died while some of its calls were blocked in the kernel (a read of a pipe
// whose other end it held itself) leaves lwps nobody will wake: its connections cannot tell,
// being inside those calls. Closing the process's descriptors ends what they wait for; their
// calls return, their connections see the hang-up and the process exits. The interrupt ends
// its sleeps and its waits for record locks (which it must not get once it is gone).
void Server::Impl::reap_dead_clients() {
  rump_kernel* prev = rump_kernel_switch(kernel);
  std::lock_guard<std::mutex> g(procs_lock);
  for (auto& [pid, p] : procs) {
    if (!client_is_gone(p)) continue;
    if (rump_pub_lwproc_newlwp(pid) != 0) continue;  // out of memory: the next round retries
    close_all_descriptors();
    (void)rump_pub_lwproc_interrupt();  // a sleep of an hour would hold its thread that long
    rump_pub_lwproc_releaselwp();  // not the last lwp: the blocked ones are still there
    p.torn_down = true;
  }
  rump_kernel_switch(prev);
}

void Server::Impl::end_blocked_calls() {
  rump_kernel* prev = rump_kernel_switch(kernel);
  std::lock_guard<std::mutex> g(procs_lock);
  for (auto& [pid, p] : procs) {
    if (p.nconn == 0 || rump_pub_lwproc_newlwp(pid) != 0) continue;
    close_all_descriptors();
    (void)rump_pub_lwproc_interrupt();
    rump_pub_lwproc_releaselwp();
    p.torn_down = true;
  }
  rump_kernel_switch(prev);
}

void Server::Impl::accept_loop() {
  while (!stopping.load()) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int n = poll(fds, 2, 250);
    if (n < 0 && errno != EINTR) break;
    if (fds[1].revents & POLLIN) {
      uint64_t v;
      ssize_t r = read(wake_fd, &v, sizeof v);
      (void)r;
    }
    reap_done_connections();
    release_unclaimed_forks(false);
    reap_dead_clients();
    if (stopping.load()) break;
    if (!(fds[0].revents & POLLIN)) continue;
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // the client gave up already, or out of descriptors for now
    std::lock_guard<std::mutex> g(conns_lock);
    if (conns.size() >= kMaxConnections) {
      close(fd);
      note_refused("too many connections");
      continue;
    }
    auto c = std::make_unique<Conn>();
    c->fd = fd;
    Conn* raw = c.get();
    conns.push_back(std::move(c));
    raw->thread = std::thread([this, raw] { serve(raw); });
  }
}

}  // namespace rk::sysproxy
