/* librumphijack: configuration, connecting, and where a path or descriptor belongs. */
#include "hijack.h"

#include <errno.h>
#include <fcntl.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpclient.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <unistd.h>

struct rk_hijack_config rk_hijack = {.prefix = "/rump", .prefix_len = 5, .fdoff = 1 << 20};
_Atomic bool rk_cwd_in_rump = false;

static void die(const char *what, const char *why) {
  fprintf(stderr, "%s: librumphijack: %s: %s\n", program_invocation_short_name, what, why);
  _exit(1);
}

/* An absolute prefix without trailing slashes into out (256 bytes); false if it is not one. */
static bool set_prefix(const char *v, size_t n, char *out, size_t *out_len) {
  while (n > 1 && v[n - 1] == '/') --n;
  if (n == 0 || v[0] != '/' || n >= 256) return false;
  memcpy(out, v, n);
  out[n] = '\0';
  *out_len = n;
  return true;
}

/* socket=: NetBSD's names, "unix" also for "local"; route is Linux's netlink (AF_ROUTE). */
static const struct {
  const char *name;
  int family;
} kFamilies[] = {
    {"local", AF_UNIX}, {"unix", AF_UNIX},     {"inet", AF_INET},
    {"inet6", AF_INET6}, {"route", AF_NETLINK}, {"packet", AF_PACKET},
};

/* A colon-separated list, applied left to right: all, no, a family, or no<family>. */
static void parse_sockets(const char *v) {
  char buf[256];
  if (strlen(v) >= sizeof buf) die("socket=", "too long");
  strcpy(buf, v);
  for (char *save = NULL, *w = strtok_r(buf, ":", &save); w != NULL;
       w = strtok_r(NULL, ":", &save)) {
    if (strcmp(w, "all") == 0) {
      rk_hijack.socket_families = ~0ULL;
      continue;
    }
    if (strcmp(w, "no") == 0) {
      rk_hijack.socket_families = 0;
      continue;
    }
    bool off = strncmp(w, "no", 2) == 0;
    const char *name = off ? w + 2 : w;
    size_t i;
    for (i = 0; i < sizeof kFamilies / sizeof kFamilies[0]; ++i)
      if (strcmp(name, kFamilies[i].name) == 0) break;
    if (i == sizeof kFamilies / sizeof kFamilies[0])
      die(w, "not a socket= word (all, no, local, unix, inet, inet6, route, packet, no<family>)");
    unsigned long long bit = 1ULL << kFamilies[i].family;
    if (off) rk_hijack.socket_families &= ~bit;
    else rk_hijack.socket_families |= bit;
  }
}

/* RUMPHIJACK="path=/rump,blanket=/a:/b,socket=all:nolocal,fdoff=N", as NetBSD's
 * rumphijack(3). */
static void parse_config(const char *s) {
  char buf[4096];
  if (strlen(s) >= sizeof buf) die("RUMPHIJACK", "too long");
  strcpy(buf, s);
  for (char *save = NULL, *item = strtok_r(buf, ",", &save); item != NULL;
       item = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(item, '=');
    if (eq == NULL) die(item, "expected key=value in RUMPHIJACK");
    *eq = '\0';
    const char *v = eq + 1;
    if (strcmp(item, "path") == 0) {
      if (!set_prefix(v, strlen(v), rk_hijack.prefix, &rk_hijack.prefix_len))
        die(v, "path= needs an absolute path");
    } else if (strcmp(item, "blanket") == 0) {
      for (const char *p = v; *p != '\0';) {
        size_t n = strcspn(p, ":");
        if (n > 0) {
          if (rk_hijack.nblanket == RK_BLANKET_MAX) die(v, "blanket= takes at most 16 prefixes");
          int i = rk_hijack.nblanket;
          if (!set_prefix(p, n, rk_hijack.blanket[i], &rk_hijack.blanket_len[i]))
            die(v, "blanket= needs absolute paths separated by ':'");
          /* "/" would send every absolute path: the program could not even load its libraries. */
          if (rk_hijack.blanket_len[i] == 1) die(v, "blanket= cannot be /");
          rk_hijack.nblanket++;
        }
        p += n;
        if (*p == ':') ++p;
      }
    } else if (strcmp(item, "socket") == 0) {
      parse_sockets(v);
    } else if (strcmp(item, "fdoff") == 0) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end != '\0' || n < 3 || n > (1 << 30)) die(v, "fdoff= needs a number from 3");
      rk_hijack.fdoff = (int)n;
    } else {
      die(item, "not supported (path=, blanket=, socket= and fdoff= are)");
    }
  }
}

__attribute__((constructor)) static void rk_hijack_init(void) {
  rk_hijack.debug = getenv("RUMPHIJACK_DEBUG") != NULL;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY && rl.rlim_max > 3 &&
      rl.rlim_max < (1 << 30))
    rk_hijack.fdoff = (int)rl.rlim_max;
  const char *cfg = getenv("RUMPHIJACK");
  if (cfg != NULL) parse_config(cfg);
  if (rumpclient_init() != 0) die("rumpclient_init", strerror(errno));
  const char *cwd = getenv(RK_CWD_ENV);
  if (cwd != NULL) {
    if (rump_sys_chdir(cwd) == 0) rk_cwd_in_rump = true;
    else unsetenv(RK_CWD_ENV);
  }
}

bool rk_blanket_path(const char *path) {
  for (int i = 0; i < rk_hijack.nblanket; ++i) {
    size_t n = rk_hijack.blanket_len[i];
    if (strncmp(path, rk_hijack.blanket[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
      return true;
  }
  return false;
}

bool rk_rump_path(const char *path, char out[RK_HIJACK_PATH_MAX]) {
  if (path == NULL) return false;
  const char *rest;
  if (path[0] == '/') {
    size_t n = rk_hijack.prefix_len;
    if (strncmp(path, rk_hijack.prefix, n) == 0 && (path[n] == '\0' || path[n] == '/')) {
      rest = path + n;
      if (*rest == '\0') rest = "/";
    } else if (rk_blanket_path(path)) {
      rest = path;
    } else {
      return false;
    }
  } else {
    if (!rk_cwd_in_rump) return false;
    rest = path;
  }
  size_t len = strlen(rest);
  if (len >= RK_HIJACK_PATH_MAX) len = RK_HIJACK_PATH_MAX - 1; /* the kernel says ENAMETOOLONG */
  memcpy(out, rest, len);
  out[len] = '\0';
  return true;
}

int rk_route_at(int dirfd, const char *path, int *kdirfd, char out[RK_HIJACK_PATH_MAX]) {
  if (path != NULL && path[0] == '/') {
    *kdirfd = AT_FDCWD;
    return rk_rump_path(path, out) ? 1 : 0;
  }
  if (dirfd == AT_FDCWD) {
    *kdirfd = AT_FDCWD;
    return rk_rump_path(path, out) ? 1 : 0;
  }
  if (!rk_is_rump_fd(dirfd)) return 0;
  *kdirfd = rk_kfd(dirfd);
  if (path == NULL) {
    out[0] = '\0';
  } else {
    size_t len = strlen(path);
    if (len >= RK_HIJACK_PATH_MAX) len = RK_HIJACK_PATH_MAX - 1;
    memcpy(out, path, len);
    out[len] = '\0';
  }
  return 1;
}

int rk_unsupported(const char *call, int e) {
  if (rk_hijack.debug)
    fprintf(stderr, "%s: librumphijack: %s on the rump kernel: %s\n",
            program_invocation_short_name, call, strerror(e));
  errno = e;
  return -1;
}

bool rk_is_null(const void *p) { return p == NULL; }

/* A forked child is a process of its own in the kernel, with a copy of the parent's kernel
 * descriptors (rumpclient_fork's semantics): the child must not share the parent's
 * connections. vfork is a fork here (which POSIX allows). */
pid_t fork(void) {
  struct rumpclient_fork *rf = rumpclient_prefork();
  if (rf == NULL) return -1;
  pid_t pid = RK_HOST(fork)();
  if (pid == 0) {
    if (rumpclient_fork_init(rf) != 0) die("fork", strerror(errno));
    return 0;
  }
  rumpclient_fork_cancel(rf);
  return pid;
}
pid_t vfork(void) { return fork(); }
