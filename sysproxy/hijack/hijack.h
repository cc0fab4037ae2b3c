/*
 * librumphijack internals: which of a program's calls go to the rump kernel.
 *
 * Paths under the prefix (RUMPHIJACK "path=", default /rump; the prefix is stripped), paths
 * under one of the "blanket=" prefixes (kept as they are) and relative paths while the working
 * directory is in the kernel go there, as do descriptors at or above the offset ("fdoff=",
 * default the host's hard RLIMIT_NOFILE, so that no host descriptor can be taken for one): the
 * program sees kernel descriptor k as k + fdoff. New sockets of the families "socket=" names
 * (none by default) are made in the kernel. Everything else goes to the host's libc.
 */
#ifndef RK_HIJACK_H_
#define RK_HIJACK_H_

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* also set for the whole library: it must precede every header */
#endif
#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>

/* A kernel path buffer: PATH_MAX bytes and the NUL. A longer path is cut to PATH_MAX bytes,
 * which the kernel refuses with ENAMETOOLONG as it would the whole (cut to 4095 bytes it could
 * name another file). */
#define RK_HIJACK_PATH_MAX 4097
/* The kernel working directory a hijacked program started by another one begins in. */
#define RK_CWD_ENV "RUMPHIJACK__CWD"

#define RK_BLANKET_MAX 16
struct rk_hijack_config {
  char prefix[256];
  size_t prefix_len;
  /* blanket=: absolute prefixes whose paths go to the kernel unchanged. */
  char blanket[RK_BLANKET_MAX][256];
  size_t blanket_len[RK_BLANKET_MAX];
  int nblanket;
  /* socket=: bit f set when socket(f, ...) is made in the kernel (f < 64). */
  unsigned long long socket_families;
  int fdoff;
  bool debug;
};
extern struct rk_hijack_config rk_hijack;
/* The working directory is inside the kernel (after a chdir or fchdir there). */
extern _Atomic bool rk_cwd_in_rump;

/* An absolute path under a blanket= prefix (it goes to the kernel as it is). */
bool rk_blanket_path(const char *path);
/* Copies the kernel's path for `path` into out and returns true, or returns false (a host path). */
bool rk_rump_path(const char *path, char out[RK_HIJACK_PATH_MAX]);

/* Host descriptor numbers below RK_ALIAS_MAX that stand for a kernel descriptor: what dup2 of a
 * kernel file onto standard output makes (dd of=). rk_alias[n] is the kernel descriptor + 1, or
 * 0. The host number itself is held by an O_PATH placeholder, so that the host does not hand it
 * out again, and so that whatever reaches it without this library — glibc's stdio writing
 * through its internal write, a program exec'd with it — fails with EBADF instead of reading or
 * writing somewhere else. */
#define RK_ALIAS_MAX 64
extern _Atomic int rk_alias[RK_ALIAS_MAX];

static inline bool rk_is_rump_fd(int fd) {
  if (fd >= rk_hijack.fdoff) return true;
  return fd >= 0 && fd < RK_ALIAS_MAX && rk_alias[fd] != 0;
}
static inline int rk_kfd(int fd) {
  return fd >= rk_hijack.fdoff ? fd - rk_hijack.fdoff : rk_alias[fd] - 1;
}
static inline int rk_pfd(int kfd) { return kfd < 0 ? kfd : kfd + rk_hijack.fdoff; }

/* Where a (dirfd, path) pair of a *at call goes. 1: the kernel (*kdirfd, out set); 0: the host. */
int rk_route_at(int dirfd, const char *path, int *kdirfd, char out[RK_HIJACK_PATH_MAX]);

/* p == NULL, for arguments libc declares non-null that callers may still pass as NULL. */
bool rk_is_null(const void *p);

/* Fails with errno e, with a line on stderr under RUMPHIJACK_DEBUG: what cannot be carried. */
int rk_unsupported(const char *call, int e);

/* The host's definition of a libc function, looked up once. */
#define RK_HOST(name)                                                  \
  ({                                                                   \
    static __typeof__(&name) host_##name;                              \
    if (host_##name == NULL) host_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name); \
    host_##name;                                                       \
  })

#endif
