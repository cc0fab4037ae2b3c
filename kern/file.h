// Open files and descriptor tables.
//
// A File is what a descriptor refers to (a vnode, a socket, a pipe end, a device): reference
// counted, shared by every descriptor and process that has it open. Subsystems derive from it
// and implement the operations they support; the others fail the way Linux fails them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lib/vector.h"
#include "kern/lock.h"
#include "kern/poll.h"

namespace rk::kern {

class Kernel;
class Lwp;
class Proc;
class Uio;

class File : public RefCounted<File> {
 public:
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  Kernel& kernel() const { return kernel_; }
  uint32_t flags() const { return flags_.load(std::memory_order_relaxed); }  // O_* status flags
  void set_flags(uint32_t f) { flags_.store(f, std::memory_order_relaxed); }

  // What kind of object it is, for the calls that apply to one kind only (fstat on a vnode,
  // getdents, socket calls).
  enum class Kind { kVnode, kPipe, kSocket, kDevice, kOther };
  virtual Kind kind() const = 0;

  // Moves data at the file's own offset (advancing it), or at uio.offset() when `positioned`
  // (pread/pwrite). The access mode was checked by the caller. Linux's answers for files that
  // cannot: EINVAL.
  virtual Result<void> read(Lwp& l, Uio& uio, bool positioned) { return Errno::kInval; }
  virtual Result<void> write(Lwp& l, Uio& uio, bool positioned) { return Errno::kInval; }
  // lseek(2): the new offset. ESPIPE for files without one.
  virtual Result<int64_t> seek(Lwp& l, int64_t offset, int whence) { return Errno::kSPipe; }
  virtual Result<int64_t> ioctl(Lwp& l, unsigned long cmd, uint64_t arg) { return Errno::kNotTy; }
  // poll(2): the events of kern/poll.h the file has now (ready to read, to write, hung up...);
  // `events` says which the caller asks about, but a file may answer more. A file whose
  // answer can change without a call on it tells Kernel::poll_word() when it does. Files
  // without waiting (regular files, most devices) are always ready, as on Linux.
  virtual uint32_t poll(Lwp& l, uint32_t events) { return kPollDefault; }

  // Process p closed a descriptor of this file (close, dup2/dup3 over it, or its exit), before
  // the descriptor's reference is dropped: POSIX record locks p holds on the file go (the
  // file may still be open elsewhere). Called without locks held; may block.
  virtual void on_close(Proc& p) {}

  // The last reference went: release what the file holds, then free it.
  void release_last();

 protected:
  File(Kernel& kernel, uint32_t flags) : kernel_(kernel), flags_(flags) {}
  virtual ~File() = default;
  // Frees the object (called once, after close_last()). Derived classes free with the size
  // they were allocated with.
  virtual void free_self() = 0;
  // Called once when the last reference is dropped; may block.
  virtual void close_last() {}

 private:
  Kernel& kernel_;
  std::atomic<uint32_t> flags_;
};

// A process's descriptors: slot i is descriptor i. Shared between processes forked with
// FdInherit::kShare.
class FdTable final : public RefCounted<FdTable> {
 public:
  static Result<Ref<FdTable>> create(Kernel& kernel);  // ENOMEM
  // A copy holding the same files (descriptors of a forked process).
  Result<Ref<FdTable>> copy() RK_EXCLUDES(lock_);

  // Installs f at the lowest free descriptor >= min. EMFILE when the limit is reached.
  Result<int> install(Ref<File> f, int min, bool cloexec) RK_EXCLUDES(lock_);
  // Installs f at exactly fd, closing what was there (dup2). EBADF for fd out of range.
  Result<void> install_at(Ref<File> f, int fd, bool cloexec) RK_EXCLUDES(lock_);
  // install_at that hands back what was at fd (null if it was free), so that the caller can
  // tell it it was closed (File::on_close) before dropping it. EBADF for fd out of range.
  Result<RefPtr<File>> exchange_at(Ref<File> f, int fd, bool cloexec) RK_EXCLUDES(lock_);
  // Removes descriptor fd and hands its file to the caller (close(2), which calls
  // File::on_close before the reference goes). EBADF.
  Result<Ref<File>> detach(int fd) RK_EXCLUDES(lock_);
  Result<Ref<File>> get(int fd) RK_EXCLUDES(lock_);  // EBADF
  Result<void> close(int fd) RK_EXCLUDES(lock_);     // EBADF
  Result<bool> cloexec(int fd) RK_EXCLUDES(lock_);
  Result<void> set_cloexec(int fd, bool on) RK_EXCLUDES(lock_);
  void close_all() RK_EXCLUDES(lock_);
  size_t open_count() const RK_EXCLUDES(lock_);
  // Calls fn(File&) for each open descriptor (a file open twice is visited twice), without the
  // table's lock held, so fn may block; descriptors opened or closed meanwhile may be missed.
  template <typename Fn>
  void for_each_file(Fn&& fn) RK_EXCLUDES(lock_) {
    for (size_t i = 0;; ++i) {
      RefPtr<File> f;
      {
        MutexGuard g(lock_);
        if (i >= slots_.size()) return;
        f = slots_[i].file;
      }
      if (f) fn(*f);
    }
  }

  static constexpr int kMaxFds = 1024 * 1024;  // Linux's default nr_open
  int limit() const { return limit_; }

  void release_last();

 private:
  struct Slot {
    RefPtr<File> file;
    bool cloexec = false;
  };
  friend class Kmem;
  explicit FdTable(Kernel& kernel);
  int lowest_free_locked(int min) const RK_REQUIRES(lock_);
  Result<void> grow_locked(size_t n) RK_REQUIRES(lock_);

  Kernel& kernel_;
  mutable Mutex lock_;
  Vector<Slot> slots_ RK_GUARDED_BY(lock_);
  int limit_ = 1024;  // RLIMIT_NOFILE's usual soft limit
};

}  // namespace rk::kern
