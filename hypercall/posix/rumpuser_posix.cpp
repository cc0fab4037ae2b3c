// The POSIX host: parameters, memory, console, time, randomness and component loading, and the
// table that gathers every call of this host (threads, locks and files live beside this file).
#include <dlfcn.h>
#include <execinfo.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "posix_host.h"

namespace rk::hypercall::posix {

namespace {

constexpr long kNanosPerSec = 1'000'000'000;

// Copies `value` with its NUL; a value that does not fit is an error rather than a truncation
// because the kernel parses these strings (a cut number is a wrong number).
int copy_param(const char *value, char *buf, size_t buflen) {
  size_t len = std::strlen(value);
  if (buf == nullptr || len >= buflen) return E2BIG;
  std::memcpy(buf, value, len + 1);
  return 0;
}

int copy_number(uint64_t value, char *buf, size_t buflen) {
  char text[24];
  auto [end, ec] = std::to_chars(text, text + sizeof(text) - 1, value);
  *end = '\0';
  return copy_param(text, buf, buflen);
}

int getparam(void *, const char *name, char *buf, size_t buflen) {
  if (name == nullptr) return EINVAL;
  if (std::strcmp(name, "_RUMPUSER_NCPU") == 0) {
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    return copy_number(ncpu > 0 ? static_cast<uint64_t>(ncpu) : 1, buf, buflen);
  }
  if (std::strcmp(name, "_RUMPUSER_PHYSMEM") == 0) {
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return ENOENT;
    return copy_number(static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size), buf,
                       buflen);
  }
  if (std::strcmp(name, "_RUMPUSER_HOSTNAME") == 0) {
    char host[HOST_NAME_MAX + 1];
    if (gethostname(host, sizeof(host)) != 0) return errno;
    host[sizeof(host) - 1] = '\0';  // POSIX leaves a truncated name unterminated
    return copy_param(host, buf, buflen);
  }
  const char *value = std::getenv(name);
  if (value == nullptr) return ENOENT;
  return copy_param(value, buf, buflen);
}

int mem_alloc(void *, size_t len, size_t align, void **out) {
  if (align & (align - 1)) return EINVAL;
  // malloc(0) may legitimately return NULL, which the kernel would take for ENOMEM.
  if (len == 0) len = 1;
  void *ptr = nullptr;
  if (align > alignof(std::max_align_t)) {
    if (posix_memalign(&ptr, align, len) != 0) return ENOMEM;
  } else {
    ptr = std::malloc(len);
    if (ptr == nullptr) return ENOMEM;
  }
  *out = ptr;
  return 0;
}

void mem_free(void *, void *ptr, size_t) { std::free(ptr); }

// Console output must not disturb the caller's errno: the kernel may print between a failing
// call and the moment it reads errno.
void putstr(void *, const char *str, size_t len) {
  int saved = errno;
  while (len > 0) {
    ssize_t n = ::write(STDERR_FILENO, str, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // nowhere left to report a console failure
    }
    str += n;
    len -= static_cast<size_t>(n);
  }
  errno = saved;
}

void print_backtrace(void *) {
  void *frames[64];
  int n = ::backtrace(frames, 64);
  ::backtrace_symbols_fd(frames, n, STDERR_FILENO);
}

[[noreturn]] void host_exit(void *, int status) {
  if (status == RUMPUSER_PANIC) std::abort();  // keep the core dump of the panicked kernel
  std::exit(status);
}

void seterrno(void *, int error) { errno = error; }

bool host_clock(int clock, clockid_t *id) {
  switch (clock) {
    case RUMPUSER_CLOCK_RELWALL: *id = CLOCK_REALTIME; return true;
    case RUMPUSER_CLOCK_ABSMONO: *id = CLOCK_MONOTONIC; return true;
    default: return false;
  }
}

time_t to_time_t(int64_t sec) {
  if constexpr (sizeof(time_t) < sizeof(int64_t)) {
    if (sec > std::numeric_limits<time_t>::max()) return std::numeric_limits<time_t>::max();
  }
  return static_cast<time_t>(sec);
}

int clock_now(void *, int clock, int64_t *sec, long *nsec) {
  clockid_t id;
  if (!host_clock(clock, &id)) return EINVAL;
  timespec ts;
  if (::clock_gettime(id, &ts) != 0) return errno;
  *sec = ts.tv_sec;
  *nsec = ts.tv_nsec;
  return 0;
}

int clock_sleep(void *, int clock, int64_t sec, long nsec) {
  clockid_t id;
  if (!host_clock(clock, &id) || nsec < 0 || nsec >= kNanosPerSec) return EINVAL;
  // A negative interval, or a deadline before the monotonic clock's origin, has passed already.
  if (sec < 0) return 0;
  timespec ts{to_time_t(sec), nsec};
  switch (clock) {
    case RUMPUSER_CLOCK_RELWALL: {
      timespec rem;
      while (::nanosleep(&ts, &rem) != 0) {
        if (errno != EINTR) return errno;
        ts = rem;  // a signal must not restart the whole interval
      }
      return 0;
    }
    case RUMPUSER_CLOCK_ABSMONO: {
      int error;
      while ((error = ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr)) == EINTR) {
      }
      return error;
    }
    default:
      return EINVAL;
  }
}

int get_random(void *, void *buf, size_t len, int flags, size_t *retlen) {
  unsigned gflags = 0;
  if (flags & RUMPUSER_RANDOM_NOWAIT) gflags |= GRND_NONBLOCK;
#ifdef GRND_INSECURE
  // Without HARD the caller accepts bytes from a pool that is not initialised yet.
  if (!(flags & RUMPUSER_RANDOM_HARD)) gflags |= GRND_INSECURE;
#endif
  auto *out = static_cast<unsigned char *>(buf);
  size_t got = 0;
  int error = 0;
  while (got < len) {
    ssize_t n = ::getrandom(out + got, len - got, gflags);
    if (n >= 0) {
      got += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
#ifdef GRND_INSECURE
    if (errno == EINVAL && (gflags & GRND_INSECURE)) {  // host kernel older than Linux 5.6
      gflags &= ~static_cast<unsigned>(GRND_INSECURE);
      continue;
    }
#endif
    // NOWAIT: what we have is the answer; EAGAIN only when there is nothing at all.
    error = errno == EAGAIN && got > 0 ? 0 : errno;
    break;
  }
  if (retlen != nullptr) *retlen = got;
  return error;
}

void copy_message(char *errbuf, size_t errlen, const char *msg) {
  if (errbuf == nullptr || errlen == 0) return;
  if (msg == nullptr) msg = "unknown dynamic loader error";
  size_t len = std::min(std::strlen(msg), errlen - 1);
  std::memcpy(errbuf, msg, len);
  errbuf[len] = '\0';
}

int dl_open(void *, const char *name, char *errbuf, size_t errlen);

}  // namespace

[[noreturn]] void fatal(const char *what, int error) {
  char number[16];
  auto [end, ec] = std::to_chars(number, number + sizeof(number), error);
  putstr(nullptr, "rumpuser: ", 10);
  putstr(nullptr, what, std::strlen(what));
  putstr(nullptr, " failed with error ", 19);
  putstr(nullptr, number, static_cast<size_t>(end - number));
  putstr(nullptr, "\n", 1);
  std::abort();
}

namespace {

const rumpuser_ops kOps = {
    .version = RUMPUSER_VERSION,
    .host = nullptr,
    .getparam = getparam,
    .malloc = mem_alloc,
    .free = mem_free,
    .putstr = putstr,
    .backtrace = print_backtrace,
    .exit = host_exit,
    .seterrno = seterrno,
    .clock_gettime = clock_now,
    .clock_sleep = clock_sleep,
    .getrandom = get_random,
    .thread_create = thread_create,
    .thread_join = thread_join,
    .thread_exit = thread_exit,
    .thread_setname = thread_setname,
    .mutex_init = mutex_init,
    .mutex_enter = mutex_enter,
    .mutex_tryenter = mutex_tryenter,
    .mutex_exit = mutex_exit,
    .mutex_destroy = mutex_destroy,
    .rw_init = rw_init,
    .rw_enter = rw_enter,
    .rw_tryenter = rw_tryenter,
    .rw_exit = rw_exit,
    .rw_destroy = rw_destroy,
    .cv_init = cv_init,
    .cv_wait = cv_wait,
    .cv_timedwait = cv_timedwait,
    .cv_signal = cv_signal,
    .cv_broadcast = cv_broadcast,
    .cv_destroy = cv_destroy,
    .getfileinfo = getfileinfo,
    .open = file_open,
    .close = file_close,
    .iovread = iovread,
    .iovwrite = iovwrite,
    .syncfd = syncfd,
    .bio = bio,
    .dl_open = dl_open,
    .dir_read = dir_read,
};

// Components are installed beside librump, which may not be on the loader's search path (a
// build tree, a relocated install), so a bare name is also tried in librump's own directory.
int dl_open(void *, const char *name, char *errbuf, size_t errlen) {
  if (name == nullptr) return EINVAL;
  if (::dlopen(name, RTLD_NOW | RTLD_GLOBAL) != nullptr) return 0;
  copy_message(errbuf, errlen, ::dlerror());
  if (std::strchr(name, '/') != nullptr) return ENOENT;

  Dl_info info;
  if (::dladdr(&kOps, &info) == 0 || info.dli_fname == nullptr) return ENOENT;
  const char *slash = std::strrchr(info.dli_fname, '/');
  if (slash == nullptr) return ENOENT;
  size_t dirlen = static_cast<size_t>(slash - info.dli_fname) + 1;
  size_t namelen = std::strlen(name);
  char path[PATH_MAX];
  if (dirlen + namelen >= sizeof(path)) return ENOENT;
  std::memcpy(path, info.dli_fname, dirlen);
  std::memcpy(path + dirlen, name, namelen + 1);
  if (::dlopen(path, RTLD_NOW | RTLD_GLOBAL) != nullptr) {
    copy_message(errbuf, errlen, "");  // the first attempt's message no longer applies
    return 0;
  }
  const char *msg = ::dlerror();
  // The library exists beside librump but does not load (a missing symbol, a wrong
  // architecture): that is the error worth reporting, not "not found on the search path".
  if (::access(path, F_OK) == 0) copy_message(errbuf, errlen, msg);
  return ENOENT;
}

}  // namespace

}  // namespace rk::hypercall::posix

extern "C" __attribute__((visibility("default"))) const rumpuser_ops *rumpuser_posix_ops(void) {
  return &rk::hypercall::posix::kOps;
}
