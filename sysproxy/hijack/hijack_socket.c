/* librumphijack: sockets. socket() and socketpair() of the families RUMPHIJACK's socket= names
 * are made in the kernel, whatever it answers — a kernel without a network component has no
 * socket call (ENOSYS, as Linux built without networking), one without a family says
 * EAFNOSUPPORT — comes back to the program. The socket calls on a kernel descriptor go to the
 * kernel; those whose pointer arguments the protocol has no layout for fail there with ENOSYS.
 * glibc's internal sockets (the resolver's) are made without passing through here: they stay
 * the host's. */
#include <errno.h>
#include <rump/rump_syscalls.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "hijack.h"

static bool hijacked_family(int domain) {
  return domain >= 0 && domain < 64 && (rk_hijack.socket_families >> domain & 1) != 0;
}

/* A kernel answer to a socket call that failed, reported under RUMPHIJACK_DEBUG. */
static int kernel_failed(const char *call, int domain) {
  int e = errno;
  if (rk_hijack.debug)
    fprintf(stderr, "%s: librumphijack: %s of family %d on the rump kernel: %s\n",
            program_invocation_short_name, call, domain, strerror(e));
  errno = e;
  return -1;
}

int socket(int domain, int type, int protocol) {
  if (!hijacked_family(domain)) return RK_HOST(socket)(domain, type, protocol);
  long r = rump_syscall(SYS_socket, domain, type, protocol, 0, 0, 0);
  if (r < 0) return kernel_failed("socket", domain);
  return rk_pfd((int)r);
}

int socketpair(int domain, int type, int protocol, int sv[2]) {
  if (!hijacked_family(domain)) return RK_HOST(socketpair)(domain, type, protocol, sv);
  int k[2];
  long r = rump_syscall(SYS_socketpair, domain, type, protocol, (long)k, 0, 0);
  if (r < 0) return kernel_failed("socketpair", domain);
  sv[0] = rk_pfd(k[0]);
  sv[1] = rk_pfd(k[1]);
  return 0;
}

/* A call on a kernel descriptor goes to the kernel as it is, its other arguments unchanged. */
#define RK_SOCKCALL(nr, fd, a1, a2, a3, a4, a5) \
  rump_syscall(nr, rk_kfd(fd), (long)(a1), (long)(a2), (long)(a3), (long)(a4), (long)(a5))

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(bind)(fd, addr, len);
  return (int)RK_SOCKCALL(SYS_bind, fd, addr, len, 0, 0, 0);
}
int connect(int fd, const struct sockaddr *addr, socklen_t len) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(connect)(fd, addr, len);
  return (int)RK_SOCKCALL(SYS_connect, fd, addr, len, 0, 0, 0);
}
int listen(int fd, int backlog) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(listen)(fd, backlog);
  return (int)RK_SOCKCALL(SYS_listen, fd, backlog, 0, 0, 0, 0);
}
int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(accept4)(fd, addr, len, flags);
  return rk_pfd((int)RK_SOCKCALL(SYS_accept4, fd, addr, len, flags, 0, 0));
}
int accept(int fd, struct sockaddr *addr, socklen_t *len) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(accept)(fd, addr, len);
  return rk_pfd((int)RK_SOCKCALL(SYS_accept, fd, addr, len, 0, 0, 0));
}
int shutdown(int fd, int how) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(shutdown)(fd, how);
  return (int)RK_SOCKCALL(SYS_shutdown, fd, how, 0, 0, 0, 0);
}
int getsockname(int fd, struct sockaddr *addr, socklen_t *len) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(getsockname)(fd, addr, len);
  return (int)RK_SOCKCALL(SYS_getsockname, fd, addr, len, 0, 0, 0);
}
int getpeername(int fd, struct sockaddr *addr, socklen_t *len) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(getpeername)(fd, addr, len);
  return (int)RK_SOCKCALL(SYS_getpeername, fd, addr, len, 0, 0, 0);
}
int setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(setsockopt)(fd, level, name, val, len);
  return (int)RK_SOCKCALL(SYS_setsockopt, fd, level, name, val, len, 0);
}
int getsockopt(int fd, int level, int name, void *val, socklen_t *len) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(getsockopt)(fd, level, name, val, len);
  return (int)RK_SOCKCALL(SYS_getsockopt, fd, level, name, val, len, 0);
}
ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
               socklen_t len) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(sendto)(fd, buf, n, flags, addr, len);
  return RK_SOCKCALL(SYS_sendto, fd, buf, n, flags, addr, len);
}
ssize_t send(int fd, const void *buf, size_t n, int flags) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(send)(fd, buf, n, flags);
  return RK_SOCKCALL(SYS_sendto, fd, buf, n, flags, 0, 0);
}
ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *len) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(recvfrom)(fd, buf, n, flags, addr, len);
  return RK_SOCKCALL(SYS_recvfrom, fd, buf, n, flags, addr, len);
}
ssize_t recv(int fd, void *buf, size_t n, int flags) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(recv)(fd, buf, n, flags);
  return RK_SOCKCALL(SYS_recvfrom, fd, buf, n, flags, 0, 0);
}
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(sendmsg)(fd, msg, flags);
  return RK_SOCKCALL(SYS_sendmsg, fd, msg, flags, 0, 0, 0);
}
ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(recvmsg)(fd, msg, flags);
  return RK_SOCKCALL(SYS_recvmsg, fd, msg, flags, 0, 0, 0);
}
