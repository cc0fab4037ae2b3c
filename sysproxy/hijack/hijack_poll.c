/* librumphijack: poll, ppoll, select and pselect over host and kernel descriptors.
 *
 * Only host descriptors: the host's call. Only kernel descriptors: the kernel's, with the
 * numbers translated. Both (a program polling a kernel pipe and its terminal): a helper thread
 * polls the host's while this thread polls the kernel's, each set with one more descriptor,
 * the read end of a pipe of the other side, so that whichever side is ready first wakes the
 * other by writing to it (NetBSD's rumphijack does the same). select and pselect become polls
 * when a kernel descriptor is in their sets (only aliases below 64 can be: the others are past
 * FD_SETSIZE). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <rump/rump_syscalls.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "hijack.h"

struct host_side {
  struct pollfd *fds;
  nfds_t n;
  const struct timespec *tmo;
  int wake_kernel; /* the kernel pipe's write end, to wake the kernel side */
  int rv;
  int err;
};

static void *poll_host_side(void *arg) {
  struct host_side *h = arg;
  h->rv = RK_HOST(ppoll)(h->fds, h->n, h->tmo, NULL);
  h->err = errno;
  (void)rump_sys_write(h->wake_kernel, "", 1);
  return NULL;
}

/* Polls fds (the program's numbers) with a timeout (NULL: for ever), as ppoll. */
static int rk_poll(struct pollfd *fds, nfds_t n, const struct timespec *tmo) {
  nfds_t nk = 0, nh = 0;
  for (nfds_t i = 0; i < n; ++i) {
    if (fds[i].fd < 0) continue;
    if (rk_is_rump_fd(fds[i].fd)) ++nk;
    else ++nh;
  }
  if (nk == 0) return RK_HOST(ppoll)(fds, n, tmo, NULL);

  /* The kernel's array: its numbers, and a last slot for the wake-up pipe when mixed. */
  struct pollfd *k = calloc(n + 1, sizeof *k);
  struct pollfd *h = nh > 0 ? calloc(n + 1, sizeof *h) : NULL;
  if (k == NULL || (nh > 0 && h == NULL)) {
    free(k);
    free(h);
    errno = ENOMEM;
    return -1;
  }
  for (nfds_t i = 0; i < n; ++i) {
    int fd = fds[i].fd;
    k[i].fd = fd >= 0 && rk_is_rump_fd(fd) ? rk_kfd(fd) : -1;
    k[i].events = fds[i].events;
    if (h != NULL) {
      h[i].fd = fd >= 0 && !rk_is_rump_fd(fd) ? fd : -1;
      h[i].events = fds[i].events;
    }
  }
  struct timespec left, *kt = NULL;
  if (tmo != NULL) {
    left = *tmo;
    kt = &left;
  }
  int rv, err = 0;
  if (h == NULL) {
    rv = rump_sys_ppoll(k, n, kt, NULL, 0);
    err = errno;
  } else {
    int hp[2], kp[2];
    if (pipe2(hp, O_CLOEXEC | O_NONBLOCK) != 0) {
      free(k);
      free(h);
      return -1;
    }
    if (rump_sys_pipe2(kp, O_NONBLOCK) != 0) {
      err = errno;
      close(hp[0]);
      close(hp[1]);
      free(k);
      free(h);
      errno = err;
      return -1;
    }
    k[n] = (struct pollfd){kp[0], POLLIN, 0};
    h[n] = (struct pollfd){hp[0], POLLIN, 0};
    struct host_side side = {h, n + 1, tmo, kp[1], 0, 0};
    pthread_t t;
    int terr = pthread_create(&t, NULL, poll_host_side, &side);
    if (terr == 0) {
      rv = rump_sys_ppoll(k, n + 1, kt, NULL, 0);
      err = errno;
      (void)RK_HOST(write)(hp[1], "", 1);
      pthread_join(t, NULL);
    } else {
      rv = -1;
      err = terr == EAGAIN ? EAGAIN : ENOMEM;
    }
    rump_sys_close(kp[0]);
    rump_sys_close(kp[1]);
    close(hp[0]);
    close(hp[1]);
    if (terr == 0 && rv >= 0 && side.rv < 0) {
      rv = -1;
      err = side.err;
    }
  }
  if (rv >= 0) {
    rv = 0;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].fd < 0) fds[i].revents = 0;
      else if (rk_is_rump_fd(fds[i].fd)) fds[i].revents = k[i].revents;
      else fds[i].revents = h[i].revents;
      if (fds[i].revents != 0) ++rv;
    }
  }
  free(k);
  free(h);
  if (rv < 0) errno = err;
  return rv;
}

int poll(struct pollfd *fds, nfds_t n, int timeout) {
  if (timeout < 0) return rk_poll(fds, n, NULL);
  struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000};
  return rk_poll(fds, n, &ts);
}

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen) {
  (void)fdslen;
  return poll(fds, n, timeout);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask) {
  bool kernel = false;
  for (nfds_t i = 0; i < n && !kernel; ++i) kernel = fds[i].fd >= 0 && rk_is_rump_fd(fds[i].fd);
  /* A signal mask needs the host's ppoll; with kernel descriptors it is not carried. */
  if (!kernel) return RK_HOST(ppoll)(fds, n, tmo, mask);
  return rk_poll(fds, n, tmo);
}

int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask,
                size_t fdslen) {
  (void)fdslen;
  return ppoll(fds, n, tmo, mask);
}

/* select's sets as a poll: the events of Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET. */
static int select_as_poll(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *tmo) {
  struct pollfd *p = calloc(nfds > 0 ? (size_t)nfds : 1, sizeof *p);
  if (p == NULL) {
    errno = ENOMEM;
    return -1;
  }
  nfds_t n = 0;
  for (int fd = 0; fd < nfds; ++fd) {
    short ev = 0;
    if (r != NULL && FD_ISSET(fd, r)) ev |= POLLIN;
    if (w != NULL && FD_ISSET(fd, w)) ev |= POLLOUT;
    if (e != NULL && FD_ISSET(fd, e)) ev |= POLLPRI;
    if (ev != 0) p[n++] = (struct pollfd){fd, ev, 0};
  }
  int rv = rk_poll(p, n, tmo);
  if (rv >= 0) {
    for (nfds_t i = 0; i < n; ++i) {
      if (p[i].revents & POLLNVAL) {
        free(p);
        errno = EBADF;
        return -1;
      }
    }
    if (r != NULL) FD_ZERO(r);
    if (w != NULL) FD_ZERO(w);
    if (e != NULL) FD_ZERO(e);
    rv = 0;
    for (nfds_t i = 0; i < n; ++i) {
      short got = p[i].revents;
      if ((p[i].events & POLLIN) && (got & (POLLIN | POLLHUP | POLLERR))) {
        FD_SET(p[i].fd, r);
        ++rv;
      }
      if ((p[i].events & POLLOUT) && (got & (POLLOUT | POLLERR))) {
        FD_SET(p[i].fd, w);
        ++rv;
      }
      if ((p[i].events & POLLPRI) && (got & POLLPRI)) {
        FD_SET(p[i].fd, e);
        ++rv;
      }
    }
  }
  free(p);
  return rv;
}

static bool sets_have_kernel_fd(int nfds, fd_set *r, fd_set *w, fd_set *e) {
  for (int fd = 0; fd < nfds && fd < RK_ALIAS_MAX; ++fd) {
    if (!rk_is_rump_fd(fd)) continue;
    if ((r != NULL && FD_ISSET(fd, r)) || (w != NULL && FD_ISSET(fd, w)) ||
        (e != NULL && FD_ISSET(fd, e)))
      return true;
  }
  return false;
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
  if (nfds < 0 || !sets_have_kernel_fd(nfds, r, w, e)) return RK_HOST(select)(nfds, r, w, e, tv);
  if (tv == NULL) return select_as_poll(nfds, r, w, e, NULL);
  if (tv->tv_sec < 0 || tv->tv_usec < 0) {
    errno = EINVAL;
    return -1;
  }
  /* Linux folds microseconds past a second into the seconds, and writes the time left back. */
  struct timespec ts = {tv->tv_sec + tv->tv_usec / 1000000, (tv->tv_usec % 1000000) * 1000};
  const int64_t start = now_ns();
  int rv = select_as_poll(nfds, r, w, e, &ts);
  int saved = errno;
  int64_t left = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - (now_ns() - start);
  if (left < 0) left = 0;
  tv->tv_sec = left / 1000000000;
  tv->tv_usec = (left % 1000000000) / 1000;
  errno = saved;
  return rv;
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e, const struct timespec *tmo,
            const sigset_t *mask) {
  if (nfds < 0 || !sets_have_kernel_fd(nfds, r, w, e))
    return RK_HOST(pselect)(nfds, r, w, e, tmo, mask);
  return select_as_poll(nfds, r, w, e, tmo);
}
