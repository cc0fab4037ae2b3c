// Host threads of the POSIX host: pthreads, named for debuggers.
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <new>

#include "posix_host.h"

// Only joinable threads get one: it is what thread_join needs and frees.
struct rumpuser_thread {
  pthread_t tid;
};

namespace rk::hypercall::posix {

namespace {

// Linux shows 15 characters of a thread name and rejects longer ones.
constexpr size_t kNameMax = 15;

// Stacks are reserved address space, committed only as they are touched, so a generous size
// costs nothing but addresses; a small one costs a crash deep in a file system, and sanitizer
// builds need several times the stack of a plain build. The pthread default (ulimit -s, 8 MiB on
// most Linux systems) is kept because the user can tune it; it is only raised to this floor where
// the C library's default is small (musl: 128 KiB).
constexpr size_t kMinStack = size_t{1} << 20;

struct Start {
  void *(*fn)(void *);
  void *arg;
  char name[kNameMax + 1];
};

void copy_name(char (&dst)[kNameMax + 1], const char *name) {
  size_t len = name == nullptr ? 0 : strnlen(name, kNameMax);
  std::memcpy(dst, name == nullptr ? "" : name, len);
  dst[len] = '\0';
}

// The thread names itself: naming it from the creator would race with a detached thread that
// has already ended and whose pthread_t is gone.
void *trampoline(void *p) {
  auto *start = static_cast<Start *>(p);
  void *(*fn)(void *) = start->fn;
  void *arg = start->arg;
  if (start->name[0] != '\0') pthread_setname_np(pthread_self(), start->name);
  delete start;
  return fn(arg);
}

// Host threads run kernel code, never the application's signal handlers: a handler that calls
// into the kernel from a kernel thread would re-enter it. Faults stay unblocked so that a crash
// is still reported (by a debugger or a sanitizer) instead of killing the process silently.
void block_async_signals(sigset_t *old) {
  sigset_t set;
  sigfillset(&set);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS}) sigdelset(&set, sig);
  pthread_sigmask(SIG_SETMASK, &set, old);
}

int start_thread(pthread_t *tid, void *(*fn)(void *), void *arg, const char *name,
                 bool joinable) {
  auto *start = new (std::nothrow) Start{fn, arg, {}};
  if (start == nullptr) return ENOMEM;
  copy_name(start->name, name);

  pthread_attr_t attr;
  int error = pthread_attr_init(&attr);
  if (error != 0) {
    delete start;
    return error;
  }
  size_t stack = 0;
  if (pthread_attr_getstacksize(&attr, &stack) == 0 && stack < kMinStack)
    pthread_attr_setstacksize(&attr, kMinStack);
  pthread_attr_setdetachstate(&attr, joinable ? PTHREAD_CREATE_JOINABLE : PTHREAD_CREATE_DETACHED);

  sigset_t old;
  block_async_signals(&old);  // inherited by the new thread
  error = pthread_create(tid, &attr, trampoline, start);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  pthread_attr_destroy(&attr);
  if (error != 0) delete start;
  return error;
}

}  // namespace

int thread_create(void *, rumpuser_thread_fn fn, void *arg, const char *name, int joinable,
                  rumpuser_thread **out) {
  if (fn == nullptr) return EINVAL;
  pthread_t tid;
  if (!joinable) {
    int error = start_thread(&tid, fn, arg, name, false);
    if (error == 0 && out != nullptr) *out = nullptr;
    return error;
  }
  if (out == nullptr) return EINVAL;  // nobody could ever join it
  auto *thread = new (std::nothrow) rumpuser_thread;
  if (thread == nullptr) return ENOMEM;
  int error = start_thread(&thread->tid, fn, arg, name, true);
  if (error != 0) {
    delete thread;
    return error;
  }
  *out = thread;
  return 0;
}

int thread_join(void *, rumpuser_thread *thread) {
  if (thread == nullptr) return EINVAL;
  int error = pthread_join(thread->tid, nullptr);
  if (error == 0) delete thread;  // on failure the thread is still there to be joined
  return error;
}

void thread_exit(void *) { pthread_exit(nullptr); }

int thread_setname(void *, const char *name) {
  char buf[kNameMax + 1];
  copy_name(buf, name);
  return pthread_setname_np(pthread_self(), buf);
}

int spawn_detached(void *(*fn)(void *), void *arg, const char *name) {
  pthread_t tid;
  return start_thread(&tid, fn, arg, name, false);
}

}  // namespace rk::hypercall::posix
