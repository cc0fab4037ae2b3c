#include "sysproxy/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace rk::sysproxy {

namespace {

// A host socket, made with the system call itself: in a program under librumphijack, socket()
// is the library's, which with socket= would make the client's own connection in the kernel
// it is trying to reach.
int host_socket(int family) {
  return static_cast<int>(::syscall(SYS_socket, family, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

// A client's connection moved to a high descriptor, out of the way of the numbers programs
// pick for themselves: a hijacked shell's `exec 3>/rump/f` is dup2 onto 3, which must not
// replace the connection it travels on (NetBSD's rumpclient moves its descriptors up too). The
// system calls themselves, as for host_socket: fcntl and close may be librumphijack's.
int move_high(int fd) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur <= 512) return fd;
  const long min = static_cast<long>(rl.rlim_cur > 4096 ? 3840 : rl.rlim_cur - 256);
  long high = ::syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, min);
  if (high < 0) return fd;  // no room up there: the low number still works
  (void)::syscall(SYS_close, fd);
  return static_cast<int>(high);
}

bool parse_port(std::string_view s, uint16_t* port) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v > 65535) return false;
  *port = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

bool parse_url(std::string_view url, Endpoint* out, std::string* why) {
  *out = {};
  if (url.starts_with("unix://")) {
    std::string_view path = url.substr(7);
    sockaddr_un sun{};
    if (path.empty()) {
      *why = "a unix:// URL needs a path";
      return false;
    }
    if (path.size() >= sizeof sun.sun_path) {
      *why = "socket path longer than " + std::to_string(sizeof sun.sun_path - 1) + " bytes";
      return false;
    }
    if (path.find('\0') != std::string_view::npos) {
      *why = "socket path contains a NUL";
      return false;
    }
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, path.data(), path.size());
    std::memcpy(&out->addr, &sun, sizeof sun);
    out->addr_len = sizeof sun;
    out->unix_path = std::string(path);
    return true;
  }
  if (url.starts_with("tcp://")) {
    std::string_view rest = url.substr(6);
    std::string host;
    std::string_view port;
    if (rest.starts_with("[")) {
      size_t close = rest.find(']');
      if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
        *why = "expected tcp://[ipv6-address]:port";
        return false;
      }
      host = std::string(rest.substr(1, close - 1));
      port = rest.substr(close + 2);
      sockaddr_in6 sin6{};
      sin6.sin6_family = AF_INET6;
      if (inet_pton(AF_INET6, host.c_str(), &sin6.sin6_addr) != 1) {
        *why = "not a numeric IPv6 address: " + host;
        return false;
      }
      if (!parse_port(port, &sin6.sin6_port)) {
        *why = "bad port: " + std::string(port);
        return false;
      }
      sin6.sin6_port = htons(sin6.sin6_port);
      std::memcpy(&out->addr, &sin6, sizeof sin6);
      out->addr_len = sizeof sin6;
      return true;
    }
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      *why = "expected tcp://address:port";
      return false;
    }
    host = std::string(rest.substr(0, colon));
    port = rest.substr(colon + 1);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    if (inet_pton(AF_INET, host.c_str(), &sin.sin_addr) != 1) {
      *why = "not a numeric IPv4 address: " + host;
      return false;
    }
    if (!parse_port(port, &sin.sin_port)) {
      *why = "bad port: " + std::string(port);
      return false;
    }
    sin.sin_port = htons(sin.sin_port);
    std::memcpy(&out->addr, &sin, sizeof sin);
    out->addr_len = sizeof sin;
    return true;
  }
  *why = "expected unix://path or tcp://address:port";
  return false;
}

int listen_on(const Endpoint& ep, int* fd_out) {
  int fd = host_socket(ep.addr.ss_family);
  if (fd < 0) return errno;
  auto fail = [fd](int e) {
    close(fd);
    return e;
  };
  if (ep.addr.ss_family == AF_UNIX) {
    struct stat st;
    if (lstat(ep.unix_path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) return fail(EEXIST);
      unlink(ep.unix_path.c_str());  // a stale socket of an earlier server
    }
  } else {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  if (bind(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.addr_len) != 0) return fail(errno);
  // Nobody can connect before listen(), so setting the mode here leaves no window.
  if (ep.addr.ss_family == AF_UNIX && chmod(ep.unix_path.c_str(), 0600) != 0) {
    int e = errno;
    unlink(ep.unix_path.c_str());
    return fail(e);
  }
  if (listen(fd, 512) != 0) return fail(errno);
  *fd_out = fd;
  return 0;
}

int connect_to(const Endpoint& ep, int* fd_out) {
  int fd = host_socket(ep.addr.ss_family);
  if (fd < 0) return errno;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&ep.addr), ep.addr_len) != 0) {
    int e = errno;
    close(fd);
    return e;
  }
  if (ep.addr.ss_family != AF_UNIX) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  *fd_out = move_high(fd);
  return 0;
}

}  // namespace rk::sysproxy
