/*
 * rumpuser.h — the whole interface between a rump kernel and its host.
 *
 * Everything a kernel needs from the platform it runs on goes through one table of function
 * pointers, `struct rumpuser_ops`. Each kernel instance is handed a table when it is created;
 * `host` in the table is passed back as the first argument of every call, so one process can run
 * kernels on different hosts (the POSIX host, a test host with a virtual clock, ...).
 *
 * Rules for implementations:
 *  - every call returns 0 or a Linux errno value (positive); hosts that are not Linux translate;
 *  - calls marked BLOCKS may sleep; the kernel makes them only after giving its virtual CPU back;
 *  - no call ever calls back into the kernel, except the completion of `bio`, which runs on a host
 *    thread that is not in the kernel;
 *  - the table is versioned: a kernel refuses a table whose `version` differs from its own.
 *
 * This header includes no host header beyond the freestanding <stddef.h> and <stdint.h>.
 */
#ifndef RUMP_RUMPUSER_H_
#define RUMP_RUMPUSER_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RUMPUSER_VERSION 4  /* 2: dir_read; 3: bio gathers and reports refusal; 4: SYNCFD_START */

/* Opaque host objects. */
struct rumpuser_mtx;
struct rumpuser_rw;
struct rumpuser_cv;
struct rumpuser_thread;

/* Clocks for clock_gettime and clock_sleep. */
enum rumpuser_clock {
  RUMPUSER_CLOCK_RELWALL = 0, /* wall clock; clock_sleep takes a relative interval */
  RUMPUSER_CLOCK_ABSMONO = 1  /* monotonic clock; clock_sleep takes an absolute deadline */
};

/* mutex_init flags. */
#define RUMPUSER_MTX_SPIN 0x01    /* held only briefly: the host may spin before sleeping */
#define RUMPUSER_MTX_KMUTEX 0x02  /* backs a kernel mutex: owner tracking wanted */

/* rw_enter / rw_tryenter. */
enum rumpuser_rwlock { RUMPUSER_RW_READER = 0, RUMPUSER_RW_WRITER = 1 };

/* getrandom flags. */
#define RUMPUSER_RANDOM_HARD 0x01   /* block until the host pool is initialised */
#define RUMPUSER_RANDOM_NOWAIT 0x02 /* never block; may return fewer bytes */

/* open flags. */
#define RUMPUSER_OPEN_RDONLY 0x0000
#define RUMPUSER_OPEN_WRONLY 0x0001
#define RUMPUSER_OPEN_RDWR 0x0002
#define RUMPUSER_OPEN_ACCMODE 0x0003
#define RUMPUSER_OPEN_CREATE 0x0004 /* create if missing, mode 0644 */
#define RUMPUSER_OPEN_EXCL 0x0008   /* with CREATE: fail with EEXIST if it exists */
#define RUMPUSER_OPEN_BIO 0x0010    /* the file will be used with bio: open it for block I/O */

/* getfileinfo types. */
enum rumpuser_filetype {
  RUMPUSER_FT_OTHER = 0,
  RUMPUSER_FT_DIR = 1,
  RUMPUSER_FT_REG = 2,
  RUMPUSER_FT_BLK = 3,
  RUMPUSER_FT_CHR = 4
};

/* syncfd flags. */
#define RUMPUSER_SYNCFD_READ 0x01
#define RUMPUSER_SYNCFD_WRITE 0x02
#define RUMPUSER_SYNCFD_BARRIER 0x04 /* order: everything before completes first */
#define RUMPUSER_SYNCFD_SYNC 0x08    /* durable: on stable storage when the call returns */
/* Start writing the file's data to stable storage and return at once: no barrier, nothing
 * waited for. The kernel's write-back policy; writes themselves never start it. Flags 0 is a
 * barrier that flushes nothing: it waits for the bio submitted before it, no more. */
#define RUMPUSER_SYNCFD_START 0x10

/* bio operations. */
#define RUMPUSER_BIO_READ 0x01
#define RUMPUSER_BIO_WRITE 0x02
#define RUMPUSER_BIO_SYNC 0x04 /* a write that must be durable before completion */

/* exit status meaning "the kernel panicked": the host aborts (core dump) instead of exiting. */
#define RUMPUSER_PANIC (-1)

struct rumpuser_iovec {
  void *iov_base;
  size_t iov_len;
};

/* Completion of an asynchronous block I/O: `done` bytes moved, or `error`. Called exactly once,
 * on a host thread that is not inside the kernel. */
typedef void (*rumpuser_biodone_fn)(void *arg, size_t done, int error);

/* Entry point of a host thread. */
typedef void *(*rumpuser_thread_fn)(void *arg);

struct rumpuser_ops {
  uint32_t version; /* RUMPUSER_VERSION */
  void *host;       /* per-instance host state, first argument of every call */

  /* --- parameters ------------------------------------------------------------------------ */
  /* Copies the value of `name` (NUL-terminated) into buf. ENOENT: not set; E2BIG: buf too
   * small. Besides the RUMP_* variables a host answers "_RUMPUSER_NCPU" (its core count),
   * "_RUMPUSER_PHYSMEM" (bytes of memory) and "_RUMPUSER_HOSTNAME". */
  int (*getparam)(void *host, const char *name, char *buf, size_t buflen);

  /* --- memory ---------------------------------------------------------------------------- */
  /* `align` is 0 (the host's natural alignment) or a power of two. ENOMEM on failure. */
  int (*malloc)(void *host, size_t len, size_t align, void **out);
  void (*free)(void *host, void *ptr, size_t len);

  /* --- console, errors, the end ---------------------------------------------------------- */
  void (*putstr)(void *host, const char *str, size_t len); /* to the host console (stderr) */
  void (*backtrace)(void *host);                           /* the caller's stack, to the console */
  void (*exit)(void *host, int status);                    /* RUMPUSER_PANIC aborts; no return */
  void (*seterrno)(void *host, int error);                 /* set the calling client's errno */

  /* --- time ------------------------------------------------------------------------------ */
  int (*clock_gettime)(void *host, int clock, int64_t *sec, long *nsec);
  int (*clock_sleep)(void *host, int clock, int64_t sec, long nsec); /* BLOCKS */

  /* --- randomness ------------------------------------------------------------------------ */
  int (*getrandom)(void *host, void *buf, size_t len, int flags, size_t *retlen); /* BLOCKS */

  /* --- threads --------------------------------------------------------------------------- */
  /* A thread runs fn(arg); its name (at most 15 characters shown) is for debuggers. A joinable
   * thread is reaped with thread_join, which returns once it has ended. */
  int (*thread_create)(void *host, rumpuser_thread_fn fn, void *arg, const char *name,
                       int joinable, struct rumpuser_thread **out);
  int (*thread_join)(void *host, struct rumpuser_thread *thread); /* BLOCKS */
  void (*thread_exit)(void *host);                               /* no return */
  int (*thread_setname)(void *host, const char *name);            /* the calling thread */

  /* --- locks ----------------------------------------------------------------------------- */
  int (*mutex_init)(void *host, int flags, struct rumpuser_mtx **out);
  void (*mutex_enter)(struct rumpuser_mtx *mtx); /* BLOCKS */
  int (*mutex_tryenter)(struct rumpuser_mtx *mtx); /* 0 or EBUSY */
  void (*mutex_exit)(struct rumpuser_mtx *mtx);
  void (*mutex_destroy)(struct rumpuser_mtx *mtx);

  int (*rw_init)(void *host, struct rumpuser_rw **out);
  void (*rw_enter)(struct rumpuser_rw *rw, int how); /* BLOCKS; how: enum rumpuser_rwlock */
  int (*rw_tryenter)(struct rumpuser_rw *rw, int how); /* 0 or EBUSY */
  void (*rw_exit)(struct rumpuser_rw *rw);
  void (*rw_destroy)(struct rumpuser_rw *rw);

  int (*cv_init)(void *host, struct rumpuser_cv **out);
  void (*cv_wait)(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx); /* BLOCKS */
  /* Waits at most sec+nsec (relative, monotonic). 0 when signalled, ETIMEDOUT otherwise. */
  int (*cv_timedwait)(struct rumpuser_cv *cv, struct rumpuser_mtx *mtx, int64_t sec,
                      long nsec); /* BLOCKS */
  void (*cv_signal)(struct rumpuser_cv *cv);
  void (*cv_broadcast)(struct rumpuser_cv *cv);
  void (*cv_destroy)(struct rumpuser_cv *cv);

  /* --- host files and block I/O ---------------------------------------------------------- */
  int (*getfileinfo)(void *host, const char *path, uint64_t *size, int *type);
  int (*open)(void *host, const char *path, int flags, int *fd);
  int (*close)(void *host, int fd);
  /* Synchronous scatter/gather I/O at offset `off`; *retlen is the byte count moved. */
  int (*iovread)(void *host, int fd, const struct rumpuser_iovec *iov, size_t iovcnt, int64_t off,
                 size_t *retlen); /* BLOCKS */
  int (*iovwrite)(void *host, int fd, const struct rumpuser_iovec *iov, size_t iovcnt,
                  int64_t off, size_t *retlen); /* BLOCKS */
  int (*syncfd)(void *host, int fd, int flags); /* BLOCKS */
  /* Asynchronous block I/O of the bytes described by iov (at most 1024 entries, copied: the
   * array need not outlive the call; the memory it points at must, until `done`) at offset
   * `off`. Returns 0 and calls `done` exactly once when the transfer has ended, on a host
   * thread that is not in the kernel; or returns an errno (ENOMEM, EAGAIN: no worker could be
   * started; EINVAL) without calling `done`, and the kernel falls back to iovread/iovwrite.
   * A read past end of file completes short, without an error. */
  int (*bio)(void *host, int fd, int op, const struct rumpuser_iovec *iov, size_t iovcnt,
             int64_t off, rumpuser_biodone_fn done, void *donearg);

  /* --- components ------------------------------------------------------------------------ */
  /* Loads a shared library by name (a file name searched the host's way and beside the
   * kernel's own library, or a path). On failure, a message in errbuf. */
  int (*dl_open)(void *host, const char *name, char *errbuf, size_t errlen);

  /* --- host directories (etfs) ----------------------------------------------------------- */
  /* Reads one entry of the host directory `path`, "." and ".." left out. *cookie is the number
   * of entries already read (0 for the first one) and is advanced past the entry read: pass it
   * back for the next one. Nothing stays open between calls; entries added or removed on the
   * host meanwhile may be missed or seen twice, as with any directory read while it changes.
   * The name is copied NUL-terminated into namebuf; *type is an enum rumpuser_filetype of what
   * the entry names, symbolic links followed (as getfileinfo reports it; RUMPUSER_FT_OTHER for
   * a dangling link). Returns 0, ENOENT after the last entry, ENAMETOOLONG for a name that
   * does not fit (*cookie is then past it, so the caller may skip it), or the error of opening
   * or reading the directory (ENOTDIR, EACCES, ...). A kernel treats a NULL dir_read as a host
   * that lists no entries. BLOCKS */
  int (*dir_read)(void *host, const char *path, uint64_t *cookie, char *namebuf, size_t namelen,
                  int *type);
};

/* The POSIX host: threads, locks and files of the process the kernel lives in. The table is
 * constant and shared by every kernel of the process; its `host` is NULL. */
const struct rumpuser_ops *rumpuser_posix_ops(void);

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMPUSER_H_ */
