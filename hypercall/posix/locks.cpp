// Host locks of the POSIX host: pthread mutexes, rwlocks and condition variables.
//
// The void calls have no way to report an error, and every error they could see is a kernel bug
// (unlocking a lock it does not hold, destroying a held lock), so those abort with the call named.
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <new>

#include "posix_host.h"

struct rumpuser_mtx {
  pthread_mutex_t mutex;
};

struct rumpuser_rw {
  pthread_rwlock_t lock;
};

struct rumpuser_cv {
  pthread_cond_t cond;
};

namespace rk::hypercall::posix {

namespace {

constexpr long kNanosPerSec = 1'000'000'000;

int mutex_type(int flags) {
#ifdef __GLIBC__
  // glibc's adaptive mutex spins a bounded number of trylocks before sleeping: what SPIN asks for.
  if (flags & RUMPUSER_MTX_SPIN) return PTHREAD_MUTEX_ADAPTIVE_NP;
#endif
  // A kernel mutex has an owner by contract; let the host check it, so that a release by the
  // wrong thread or a self-deadlock aborts at once instead of corrupting or hanging.
  if (flags & RUMPUSER_MTX_KMUTEX) return PTHREAD_MUTEX_ERRORCHECK;
  return PTHREAD_MUTEX_DEFAULT;
}

// sec+nsec after now on the monotonic clock. Longer than ~34,000 years is forever: clamping
// there keeps the arithmetic below from overflowing.
timespec monotonic_deadline(int64_t sec, long nsec) {
  constexpr int64_t kForever = int64_t{1} << 40;
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (sec < 0 || (sec == 0 && nsec <= 0)) return now;
  if (nsec < 0) nsec = 0;
  sec = std::min(sec, kForever) + nsec / kNanosPerSec;
  nsec %= kNanosPerSec;

  int64_t deadline_sec = static_cast<int64_t>(now.tv_sec) + sec;
  long deadline_nsec = now.tv_nsec + nsec;
  if (deadline_nsec >= kNanosPerSec) {
    deadline_nsec -= kNanosPerSec;
    deadline_sec += 1;
  }
  constexpr time_t kMaxTime = std::numeric_limits<time_t>::max();
  if (deadline_sec > static_cast<int64_t>(kMaxTime)) return timespec{kMaxTime, 0};
  return timespec{static_cast<time_t>(deadline_sec), deadline_nsec};
}

}  // namespace

int mutex_init(void *, int flags, rumpuser_mtx **out) {
  auto *mtx = new (std::nothrow) rumpuser_mtx;
  if (mtx == nullptr) return ENOMEM;
  pthread_mutexattr_t attr;
  int error = pthread_mutexattr_init(&attr);
  if (error == 0) {
    pthread_mutexattr_settype(&attr, mutex_type(flags));
    error = pthread_mutex_init(&mtx->mutex, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  if (error != 0) {
    delete mtx;
    return error;
  }
  *out = mtx;
  return 0;
}

void mutex_enter(rumpuser_mtx *mtx) { must("pthread_mutex_lock", pthread_mutex_lock(&mtx->mutex)); }

int mutex_tryenter(rumpuser_mtx *mtx) {
  int error = pthread_mutex_trylock(&mtx->mutex);
  if (error != 0 && error != EBUSY) fatal("pthread_mutex_trylock", error);
  return error;
}

void mutex_exit(rumpuser_mtx *mtx) {
  must("pthread_mutex_unlock", pthread_mutex_unlock(&mtx->mutex));
}

void mutex_destroy(rumpuser_mtx *mtx) {
  must("pthread_mutex_destroy", pthread_mutex_destroy(&mtx->mutex));
  delete mtx;
}

int rw_init(void *, rumpuser_rw **out) {
  auto *rw = new (std::nothrow) rumpuser_rw;
  if (rw == nullptr) return ENOMEM;
  pthread_rwlockattr_t attr;
  int error = pthread_rwlockattr_init(&attr);
  if (error == 0) {
#ifdef __GLIBC__
    // glibc prefers readers by default, so a steady stream of readers starves a writer forever.
    // Kernel rwlocks prefer writers; a reader must not take a lock it already holds as a reader.
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    error = pthread_rwlock_init(&rw->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
  }
  if (error != 0) {
    delete rw;
    return error;
  }
  *out = rw;
  return 0;
}

void rw_enter(rumpuser_rw *rw, int how) {
  if (how == RUMPUSER_RW_WRITER) {
    must("pthread_rwlock_wrlock", pthread_rwlock_wrlock(&rw->lock));
  } else {
    must("pthread_rwlock_rdlock", pthread_rwlock_rdlock(&rw->lock));
  }
}

int rw_tryenter(rumpuser_rw *rw, int how) {
  int error = how == RUMPUSER_RW_WRITER ? pthread_rwlock_trywrlock(&rw->lock)
                                        : pthread_rwlock_tryrdlock(&rw->lock);
  // EAGAIN: the reader count is at its maximum, which is just as busy for the caller.
  if (error == EBUSY || error == EAGAIN) return EBUSY;
  if (error != 0) fatal("pthread_rwlock_trylock", error);
  return 0;
}

void rw_exit(rumpuser_rw *rw) { must("pthread_rwlock_unlock", pthread_rwlock_unlock(&rw->lock)); }

void rw_destroy(rumpuser_rw *rw) {
  must("pthread_rwlock_destroy", pthread_rwlock_destroy(&rw->lock));
  delete rw;
}

int cv_init(void *, rumpuser_cv **out) {
  auto *cv = new (std::nothrow) rumpuser_cv;
  if (cv == nullptr) return ENOMEM;
  pthread_condattr_t attr;
  int error = pthread_condattr_init(&attr);
  if (error == 0) {
    // Timeouts are intervals: a wall clock step must neither cut nor stretch them.
    error = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (error == 0) error = pthread_cond_init(&cv->cond, &attr);
    pthread_condattr_destroy(&attr);
  }
  if (error != 0) {
    delete cv;
    return error;
  }
  *out = cv;
  return 0;
}

void cv_wait(rumpuser_cv *cv, rumpuser_mtx *mtx) {
  must("pthread_cond_wait", pthread_cond_wait(&cv->cond, &mtx->mutex));
}

int cv_timedwait(rumpuser_cv *cv, rumpuser_mtx *mtx, int64_t sec, long nsec) {
  timespec deadline = monotonic_deadline(sec, nsec);
  int error = pthread_cond_timedwait(&cv->cond, &mtx->mutex, &deadline);
  if (error != 0 && error != ETIMEDOUT) fatal("pthread_cond_timedwait", error);
  return error;
}

void cv_signal(rumpuser_cv *cv) { must("pthread_cond_signal", pthread_cond_signal(&cv->cond)); }

void cv_broadcast(rumpuser_cv *cv) {
  must("pthread_cond_broadcast", pthread_cond_broadcast(&cv->cond));
}

void cv_destroy(rumpuser_cv *cv) {
  must("pthread_cond_destroy", pthread_cond_destroy(&cv->cond));
  delete cv;
}

}  // namespace rk::hypercall::posix
