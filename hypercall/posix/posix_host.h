// Internal to the POSIX host: the calls each source file contributes to the table in
// rumpuser_posix.cpp. Nothing here is part of librump's interface; the symbols are hidden so
// that only rumpuser_posix_ops() is visible outside the shared library.
#ifndef RK_HYPERCALL_POSIX_POSIX_HOST_H_
#define RK_HYPERCALL_POSIX_POSIX_HOST_H_

#include <pthread.h>

#include <rump/rumpuser.h>

#pragma GCC visibility push(hidden)

namespace rk::hypercall::posix {

// threads.cpp
int thread_create(void *host, rumpuser_thread_fn fn, void *arg, const char *name, int joinable,
                  rumpuser_thread **out);
int thread_join(void *host, rumpuser_thread *thread);
[[noreturn]] void thread_exit(void *host);
int thread_setname(void *host, const char *name);

// Starts a detached host thread with the stack size and signal mask every host thread gets.
// `name` is truncated to what the host shows (15 characters). Returns 0 or an errno.
int spawn_detached(void *(*fn)(void *), void *arg, const char *name);

// locks.cpp
int mutex_init(void *host, int flags, rumpuser_mtx **out);
void mutex_enter(rumpuser_mtx *mtx);
int mutex_tryenter(rumpuser_mtx *mtx);
void mutex_exit(rumpuser_mtx *mtx);
void mutex_destroy(rumpuser_mtx *mtx);
int rw_init(void *host, rumpuser_rw **out);
void rw_enter(rumpuser_rw *rw, int how);
int rw_tryenter(rumpuser_rw *rw, int how);
void rw_exit(rumpuser_rw *rw);
void rw_destroy(rumpuser_rw *rw);
int cv_init(void *host, rumpuser_cv **out);
void cv_wait(rumpuser_cv *cv, rumpuser_mtx *mtx);
int cv_timedwait(rumpuser_cv *cv, rumpuser_mtx *mtx, int64_t sec, long nsec);
void cv_signal(rumpuser_cv *cv);
void cv_broadcast(rumpuser_cv *cv);
void cv_destroy(rumpuser_cv *cv);

// files.cpp
int getfileinfo(void *host, const char *path, uint64_t *size, int *type);
int file_open(void *host, const char *path, int flags, int *fd);
int file_close(void *host, int fd);
int iovread(void *host, int fd, const rumpuser_iovec *iov, size_t iovcnt, int64_t off,
            size_t *retlen);
int iovwrite(void *host, int fd, const rumpuser_iovec *iov, size_t iovcnt, int64_t off,
             size_t *retlen);
int syncfd(void *host, int fd, int flags);
int bio(void *host, int fd, int op, const rumpuser_iovec *iov, size_t iovcnt, int64_t off,
        rumpuser_biodone_fn done, void *donearg);

// dirs.cpp
int dir_read(void *host, const char *path, uint64_t *cookie, char *namebuf, size_t namelen,
             int *type);

// rumpuser_posix.cpp
// A failed pthread call on a lock the host created is a bug in the kernel (an unlock of a lock
// it does not hold, a destroyed lock) or a corrupted object: say which call, then abort.
[[noreturn]] void fatal(const char *what, int error);
inline void must(const char *what, int error) {
  if (error != 0) fatal(what, error);
}

}  // namespace rk::hypercall::posix

#pragma GCC visibility pop

#endif  // RK_HYPERCALL_POSIX_POSIX_HOST_H_
