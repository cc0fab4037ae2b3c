// RUMP_SERVER addresses (DESIGN.md §4 "Programs"): unix://relative/path, unix:///absolute/path,
// tcp://127.0.0.1:port, tcp://[::1]:port. Only numeric addresses: a server listens exactly
// where its URL says, never on an address a name happens to resolve to.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

namespace rk::sysproxy {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string unix_path;  // for unix://: the path as given ("" for tcp)
};

// Parses url. On failure returns false and says why in *why ("expected unix:// or tcp://").
bool parse_url(std::string_view url, Endpoint* out, std::string* why);

// A listening socket for ep (close-on-exec). A unix socket's file is created mode 0600; a
// stale socket file at its path is replaced, any other file is EEXIST. Returns 0 or an errno.
int listen_on(const Endpoint& ep, int* fd);
// A socket connected to ep (close-on-exec, TCP_NODELAY for tcp). Returns 0 or an errno.
int connect_to(const Endpoint& ep, int* fd);

}  // namespace rk::sysproxy
