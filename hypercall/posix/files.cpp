// Host files of the POSIX host: metadata, synchronous scatter/gather I/O, and asynchronous block
// I/O served by a small pool of host threads.
#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/fs.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include "posix_host.h"

// A 32-bit off_t would silently wrap offsets into large disk images.
static_assert(sizeof(off_t) == sizeof(int64_t), "build with -D_FILE_OFFSET_BITS=64");

namespace rk::hypercall::posix {

namespace {

int block_device_size(const char *path, uint64_t *size) {
#ifdef BLKGETSIZE64
  int fd;
  do {
    fd = ::open(path, O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno;
  int error = ::ioctl(fd, BLKGETSIZE64, size) == 0 ? 0 : errno;
  ::close(fd);
  return error;
#else
  *size = 0;
  return 0;
#endif
}

// The kernel's iovecs are copied in batches: the host limits how many one call takes (IOV_MAX),
// and a short transfer restarts in the middle of an element.
constexpr size_t kIovBatch = 64;

int transfer(bool is_read, int fd, const rumpuser_iovec *iov, size_t iovcnt, int64_t off,
             size_t *retlen) {
  size_t total = 0;
  size_t index = 0;
  size_t skip = 0;  // bytes of iov[index] already moved
  int error = 0;
  while (index < iovcnt) {
    if (skip == iov[index].iov_len) {
      ++index;
      skip = 0;
      continue;
    }
    iovec batch[kIovBatch];
    int count = 0;
    batch[count++] = {static_cast<char *>(iov[index].iov_base) + skip, iov[index].iov_len - skip};
    for (size_t i = index + 1; i < iovcnt && count < static_cast<int>(kIovBatch); ++i)
      batch[count++] = {iov[i].iov_base, iov[i].iov_len};

    off_t at = static_cast<off_t>(off) + static_cast<off_t>(total);
    ssize_t n = is_read ? ::preadv(fd, batch, count, at) : ::pwritev(fd, batch, count, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    if (n == 0) {
      // End of file for a read; a write that moves nothing would loop forever.
      if (!is_read) error = EIO;
      break;
    }
    total += static_cast<size_t>(n);
    for (size_t left = static_cast<size_t>(n); left > 0;) {
      size_t step = std::min(left, iov[index].iov_len - skip);
      left -= step;
      skip += step;
      if (skip == iov[index].iov_len) {
        ++index;
        skip = 0;
      }
    }
  }
  if (retlen != nullptr) *retlen = total;
  return error;
}

int sync_fd(int fd, bool metadata) {
  int rv;
  do {
    rv = metadata ? ::fsync(fd) : ::fdatasync(fd);
  } while (rv != 0 && errno == EINTR);
  return rv == 0 ? 0 : errno;
}

// --- asynchronous block I/O ------------------------------------------------------------------
//
// One pool for the process, like the host itself: requests of every kernel share it, and it
// holds nothing of any kernel between requests, so kernels come and go without leaking into it.
// Workers are created on demand, are detached and wait for work forever: there is nothing to
// join at exit, and an idle worker costs one sleeping thread.

constexpr int kMaxWorkers = 4;
constexpr size_t kMaxBioIov = 1024;  // Linux's IOV_MAX

struct BioRequest {
  BioRequest *next;
  uint64_t seq;  // submission order, for syncfd's barrier
  int fd;
  int op;
  int64_t off;
  rumpuser_biodone_fn done;
  void *donearg;
  size_t iovcnt;
  rumpuser_iovec *iov;  // copied, just after the request: the caller's need not outlive it
};

struct Active {
  bool busy;
  int fd;
  uint64_t seq;
};

struct BioPool {
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t work = PTHREAD_COND_INITIALIZER;      // the queue is not empty
  pthread_cond_t finished = PTHREAD_COND_INITIALIZER;  // a request ended, for drain_waiters
  BioRequest *head = nullptr;
  BioRequest **tail = &head;
  int workers = 0;
  int idle = 0;
  int drain_waiters = 0;
  uint64_t next_seq = 0;
  Active active[kMaxWorkers] = {};
};

constinit BioPool pool;

std::pair<size_t, int> perform(const BioRequest &r) {
  bool is_read = (r.op & RUMPUSER_BIO_READ) != 0;
  bool is_write = (r.op & RUMPUSER_BIO_WRITE) != 0;
  if (is_read == is_write) return {0, EINVAL};
  size_t moved = 0;
  int error = transfer(is_read, r.fd, r.iov, r.iovcnt, r.off, &moved);
  if (error == 0 && is_write && (r.op & RUMPUSER_BIO_SYNC)) error = sync_fd(r.fd, false);
  return {moved, error};
}

void *worker(void *arg) {
  auto slot = reinterpret_cast<uintptr_t>(arg);
  must("pthread_mutex_lock", pthread_mutex_lock(&pool.lock));
  for (;;) {
    while (pool.head == nullptr) {
      ++pool.idle;
      must("pthread_cond_wait", pthread_cond_wait(&pool.work, &pool.lock));
      --pool.idle;
    }
    BioRequest *req = pool.head;
    pool.head = req->next;
    if (pool.head == nullptr) pool.tail = &pool.head;
    pool.active[slot] = {true, req->fd, req->seq};
    must("pthread_mutex_unlock", pthread_mutex_unlock(&pool.lock));

    auto [moved, error] = perform(*req);
    rumpuser_biodone_fn done = req->done;
    void *donearg = req->donearg;
    std::free(req);

    // Leave the active set before the completion runs: `done` may wake a thread that
    // calls syncfd, which must not wait for a request that has already ended.
    must("pthread_mutex_lock", pthread_mutex_lock(&pool.lock));
    pool.active[slot].busy = false;
    if (pool.drain_waiters > 0) pthread_cond_broadcast(&pool.finished);
    must("pthread_mutex_unlock", pthread_mutex_unlock(&pool.lock));
    done(donearg, moved, error);
    must("pthread_mutex_lock", pthread_mutex_lock(&pool.lock));
  }
}

// A child of fork() has none of the workers, but would inherit a pool that counts them and
// never start its own: its first bio would wait forever (a death test of a kernel, a server that
// forks after it has used its disk). The child starts from an empty pool; whatever was queued
// belongs to the parent, which completes it.
void before_fork() { must("pthread_mutex_lock", pthread_mutex_lock(&pool.lock)); }
void after_fork_parent() { must("pthread_mutex_unlock", pthread_mutex_unlock(&pool.lock)); }
void after_fork_child() { new (&pool) BioPool{}; }

pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
void register_atfork() { pthread_atfork(before_fork, after_fork_parent, after_fork_child); }

// Whether a request on `fd` submitted before `barrier` is still queued or running.
bool pending_locked(int fd, uint64_t barrier) {
  for (BioRequest *r = pool.head; r != nullptr; r = r->next)
    if (r->fd == fd && r->seq < barrier) return true;
  for (const Active &a : pool.active)
    if (a.busy && a.fd == fd && a.seq < barrier) return true;
  return false;
}

void drain(int fd) {
  must("pthread_mutex_lock", pthread_mutex_lock(&pool.lock));
  uint64_t barrier = pool.next_seq;
  ++pool.drain_waiters;
  while (pending_locked(fd, barrier))
    must("pthread_cond_wait", pthread_cond_wait(&pool.finished, &pool.lock));
  --pool.drain_waiters;
  must("pthread_mutex_unlock", pthread_mutex_unlock(&pool.lock));
}

}  // namespace

int getfileinfo(void *, const char *path, uint64_t *size, int *type) {
  struct stat st;
  if (::stat(path, &st) != 0) return errno;
  int ft = RUMPUSER_FT_OTHER;
  uint64_t bytes = 0;
  if (S_ISDIR(st.st_mode)) {
    ft = RUMPUSER_FT_DIR;
  } else if (S_ISREG(st.st_mode)) {
    ft = RUMPUSER_FT_REG;
    bytes = static_cast<uint64_t>(st.st_size);
  } else if (S_ISBLK(st.st_mode)) {
    ft = RUMPUSER_FT_BLK;
    // st_size of a device node is 0; the size must come from the device.
    if (size != nullptr) {
      int error = block_device_size(path, &bytes);
      if (error != 0) return error;
    }
  } else if (S_ISCHR(st.st_mode)) {
    ft = RUMPUSER_FT_CHR;
  }
  if (size != nullptr) *size = bytes;
  if (type != nullptr) *type = ft;
  return 0;
}

int file_open(void *, const char *path, int flags, int *fd) {
  constexpr int kKnown = RUMPUSER_OPEN_ACCMODE | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_EXCL |
                         RUMPUSER_OPEN_BIO;
  if (flags & ~kKnown) return EINVAL;
  // File descriptors of the kernel must not leak into programs the application executes.
  int oflags = O_CLOEXEC;
  switch (flags & RUMPUSER_OPEN_ACCMODE) {
    case RUMPUSER_OPEN_RDONLY: oflags |= O_RDONLY; break;
    case RUMPUSER_OPEN_WRONLY: oflags |= O_WRONLY; break;
    case RUMPUSER_OPEN_RDWR: oflags |= O_RDWR; break;
    default: return EINVAL;
  }
  // O_EXCL without O_CREAT means something else (exclusive use of a block device).
  if (flags & RUMPUSER_OPEN_CREATE) {
    oflags |= O_CREAT;
    if (flags & RUMPUSER_OPEN_EXCL) oflags |= O_EXCL;
  }
  // BIO adds nothing: O_DIRECT would need buffers and offsets aligned to the device's sector,
  // which the kernel does not promise, and the host page cache keeps a disk image coherent with
  // other host readers. Durability comes from BIO_SYNC and syncfd.
  int result;
  do {
    result = ::open(path, oflags, 0644);
  } while (result < 0 && errno == EINTR);
  if (result < 0) return errno;
  *fd = result;
  return 0;
}

int file_close(void *, int fd) {
  // Linux releases the descriptor even when close fails with EINTR: retrying could close a
  // descriptor another thread has opened meanwhile.
  if (::close(fd) != 0 && errno != EINTR) return errno;
  return 0;
}

int iovread(void *, int fd, const rumpuser_iovec *iov, size_t iovcnt, int64_t off,
            size_t *retlen) {
  return transfer(true, fd, iov, iovcnt, off, retlen);
}

int iovwrite(void *, int fd, const rumpuser_iovec *iov, size_t iovcnt, int64_t off,
             size_t *retlen) {
  return transfer(false, fd, iov, iovcnt, off, retlen);
}

int syncfd(void *, int fd, int flags) {
  if (flags & RUMPUSER_SYNCFD_START) {
    // Only the dirty pages are visited, so the whole file costs what the last writes left.
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
    if (::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) != 0 && errno != ESPIPE &&
        errno != EINVAL)
      return errno;
#endif
    return 0;
  }
  // "Everything before" includes block I/O submitted but not yet finished.
  drain(fd);
  if (flags & RUMPUSER_SYNCFD_SYNC) return sync_fd(fd, true);
  // Every write has reached the host once it has returned; ordering needs only the data flushed.
  if (flags & (RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_BARRIER)) return sync_fd(fd, false);
  return 0;
}

int bio(void *, int fd, int op, const rumpuser_iovec *iov, size_t iovcnt, int64_t off,
        rumpuser_biodone_fn done, void *donearg) {
  if (iovcnt > kMaxBioIov || done == nullptr || (iovcnt > 0 && iov == nullptr)) return EINVAL;
  pthread_once(&atfork_once, register_atfork);
  auto *req = static_cast<BioRequest *>(
      std::malloc(sizeof(BioRequest) + iovcnt * sizeof(rumpuser_iovec)));
  if (req == nullptr) return ENOMEM;
  req->next = nullptr;
  req->seq = 0;
  req->fd = fd;
  req->op = op;
  req->off = off;
  req->done = done;
  req->donearg = donearg;
  req->iovcnt = iovcnt;
  req->iov = reinterpret_cast<rumpuser_iovec *>(req + 1);
  for (size_t i = 0; i < iovcnt; ++i) req->iov[i] = iov[i];
  must("pthread_mutex_lock", pthread_mutex_lock(&pool.lock));
  if (pool.idle == 0 && pool.workers < kMaxWorkers &&
      spawn_detached(worker, reinterpret_cast<void *>(static_cast<uintptr_t>(pool.workers)),
                     "rumpuser_bio") == 0) {
    ++pool.workers;
  }
  if (pool.workers == 0) {
    // No thread could be started: the caller does the transfer itself (iovread/iovwrite).
    must("pthread_mutex_unlock", pthread_mutex_unlock(&pool.lock));
    std::free(req);
    return EAGAIN;
  }
  req->seq = pool.next_seq++;
  *pool.tail = req;
  pool.tail = &req->next;
  if (pool.idle > 0) pthread_cond_signal(&pool.work);
  must("pthread_mutex_unlock", pthread_mutex_unlock(&pool.lock));
  return 0;
}

}  // namespace rk::hypercall::posix
