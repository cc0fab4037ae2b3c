#include "kern/file.h"

#include "kern/kernel.h"

namespace rk::kern {

void File::release_last() {
  close_last();
  free_self();
}

FdTable::FdTable(Kernel& kernel) : kernel_(kernel), lock_(kernel), slots_(kernel.kmem()) {}

Result<Ref<FdTable>> FdTable::create(Kernel& kernel) {
  FdTable* t = kernel.kmem().create<FdTable>(KmFlags::kNoSleep, kernel);
  if (t == nullptr) return Errno::kNoMem;
  return Ref<FdTable>::adopt(*t);
}

void FdTable::release_last() {
  close_all();
  kernel_.kmem().destroy(this);
}

Result<Ref<FdTable>> FdTable::copy() {
  Ref<FdTable> t = RK_TRY(create(kernel_));
  MutexGuard g(lock_);
  MutexGuard g2(t->lock_);
  RK_TRY(t->slots_.resize(slots_.size()));
  for (size_t i = 0; i < slots_.size(); ++i) t->slots_[i] = slots_[i];
  t->limit_ = limit_;
  return t;
}

Result<void> FdTable::grow_locked(size_t n) {
  // Doubling keeps opening many descriptors linear.
  size_t want = slots_.size() * 2 > n ? slots_.size() * 2 : n;
  if (want > static_cast<size_t>(limit_)) want = n;
  RK_TRY(slots_.reserve(want));
  return slots_.resize(n);
}

int FdTable::lowest_free_locked(int min) const {
  for (size_t i = static_cast<size_t>(min); i < slots_.size(); ++i)
    if (!slots_[i].file) return static_cast<int>(i);
  return static_cast<int>(slots_.size() > static_cast<size_t>(min) ? slots_.size() : min);
}

Result<int> FdTable::install(Ref<File> f, int min, bool cloexec) {
  if (min < 0) return Errno::kInval;
  MutexGuard g(lock_);
  int fd = lowest_free_locked(min);
  if (fd >= limit_) return Errno::kMFile;
  if (static_cast<size_t>(fd) >= slots_.size()) RK_TRY(grow_locked(fd + 1));
  slots_[fd].file = RefPtr<File>(std::move(f));
  slots_[fd].cloexec = cloexec;
  return fd;
}

Result<void> FdTable::install_at(Ref<File> f, int fd, bool cloexec) {
  RefPtr<File> old;
  {
    MutexGuard g(lock_);
    if (fd < 0 || fd >= limit_) return Errno::kBadF;
    if (static_cast<size_t>(fd) >= slots_.size()) RK_TRY(grow_locked(fd + 1));
    old = slots_[fd].file;
    slots_[fd].file = RefPtr<File>(std::move(f));
    slots_[fd].cloexec = cloexec;
  }
  return ok();  // `old` is dropped outside the lock: its last close may block
}

Result<RefPtr<File>> FdTable::exchange_at(Ref<File> f, int fd, bool cloexec) {
  MutexGuard g(lock_);
  if (fd < 0 || fd >= limit_) return Errno::kBadF;
  if (static_cast<size_t>(fd) >= slots_.size()) RK_TRY(grow_locked(fd + 1));
  RefPtr<File> old = std::move(slots_[fd].file);
  slots_[fd].file = RefPtr<File>(std::move(f));
  slots_[fd].cloexec = cloexec;
  return old;  // the caller drops it outside the lock
}

Result<Ref<File>> FdTable::detach(int fd) {
  MutexGuard g(lock_);
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return Errno::kBadF;
  File* f = slots_[fd].file.leak();  // its reference moves to the caller
  slots_[fd].cloexec = false;
  return Ref<File>::adopt(*f);
}

Result<Ref<File>> FdTable::get(int fd) {
  MutexGuard g(lock_);
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return Errno::kBadF;
  return Ref<File>(*slots_[fd].file);
}

Result<void> FdTable::close(int fd) {
  RefPtr<File> old;
  {
    MutexGuard g(lock_);
    if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file)
      return Errno::kBadF;
    old = std::move(slots_[fd].file);
    slots_[fd].cloexec = false;
  }
  return ok();
}

Result<bool> FdTable::cloexec(int fd) {
  MutexGuard g(lock_);
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return Errno::kBadF;
  return slots_[fd].cloexec;
}

Result<void> FdTable::set_cloexec(int fd, bool on) {
  MutexGuard g(lock_);
  if (fd < 0 || static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return Errno::kBadF;
  slots_[fd].cloexec = on;
  return ok();
}

void FdTable::close_all() {
  // Files are released one at a time outside the lock (a last close may block).
  for (;;) {
    RefPtr<File> f;
    {
      MutexGuard g(lock_);
      for (Slot& s : slots_) {
        if (s.file) {
          f = std::move(s.file);
          break;
        }
      }
      if (!f) {
        slots_.clear();
        return;
      }
    }
  }
}

size_t FdTable::open_count() const {
  MutexGuard g(lock_);
  size_t n = 0;
  for (const Slot& s : slots_)
    if (s.file) ++n;
  return n;
}

}  // namespace rk::kern
