#include "vfs/blk/blkdev.h"

#include "kern/completion.h"
#include "kern/kernel.h"
#include "kern/kmem.h"
#include "kern/log.h"
#include "kern/sched.h"
#include "vfs/blk/partition.h"
#include "vfs/devices.h"

namespace rk::vfs {

namespace {

constexpr uint32_t kMaxIov = 1024;  // what the bio hypercall takes

// A host iovec array for bio's memory, built on the stack for up to kMaxIov entries.
uint32_t to_host_iov(const Bio& bio, rumpuser_iovec* out) {
  if (bio.iovcnt == 0) {
    out[0] = {bio.data, bio.len};
    return 1;
  }
  for (uint32_t i = 0; i < bio.iovcnt; ++i) out[i] = {bio.iov[i].base, bio.iov[i].len};
  return bio.iovcnt;
}

// Writes this large start their write-back at once on a kDurable device, the way a disk driver
// sends them on rather than leaving them dirty in a cache: the flush at the end then waits for
// what is left, not for the whole copy (a 1 GiB copy spent 0.6 s of 1.7 in its final fdatasync).
// Smaller writes (metadata) are left to the host; a file's streaming writes come in the size of
// its caller's calls (fsu copies 256 KiB).
constexpr size_t kWritebackMin = 128 * 1024;

void finish(Bio& bio, int error, size_t moved) {
  bio.error = error;
  bio.moved = moved;
  bio.done(bio);
}

}  // namespace

BlockDevice::BlockDevice(kern::Kernel& k, uint64_t dev, int host_fd, uint64_t host_begin,
                         uint64_t size, bool read_only, BlockDevice* parent, uint32_t partition)
    : kernel_(k),
      dev_(dev),
      host_fd_(host_fd),
      host_begin_(host_begin),
      size_(size),
      read_only_(read_only),
      parent_(parent),
      partition_(partition) {}

BlockDevice::~BlockDevice() {
  // A partition borrows its disk's descriptor (and keeps the disk alive meanwhile).
  if (parent_.get() == nullptr && host_fd_ >= 0) {
    kern::Unscheduled off;
    (void)kernel_.hyp().ops().close(kernel_.hyp().host(), host_fd_);
  }
}

void BlockDevice::release_last() { kernel_.kmem().destroy(this); }

void BlockDevice::submit(Bio& bio) {
  if (detached()) return finish(bio, ENXIO, 0);
  if (bio.op == Bio::Op::kFlush) {
    // Nothing written since the last flush: nothing of ours to wait for. (A read-only mount
    // must not wait for what other programs left dirty in the host file.)
    std::atomic<bool>& unflushed = whole().unflushed_;
    if (!unflushed.exchange(false, std::memory_order_acq_rel)) return finish(bio, 0, 0);
    // kHost: only the barrier (flags 0), which waits for the writes submitted before.
    const int how = cache() == DiskCache::kDurable
                        ? RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_BARRIER
                        : 0;
    int rv;
    {
      kern::Unscheduled off;
      rv = kernel_.hyp().ops().syncfd(kernel_.hyp().host(), host_fd_, how);
    }
    if (rv != 0) unflushed.store(true, std::memory_order_release);  // the next flush retries
    return finish(bio, rv, 0);
  }
  if (bio.op == Bio::Op::kWrite && read_only_) return finish(bio, EROFS, 0);
  if (bio.offset > size_ || bio.len > size_ - bio.offset || bio.iovcnt > kMaxIov)
    return finish(bio, EINVAL, 0);
  if (bio.len == 0) return finish(bio, 0, 0);

  rumpuser_iovec iov[kMaxIov];
  uint32_t n = to_host_iov(bio, iov);
  const int64_t at = static_cast<int64_t>(host_begin_ + bio.offset);
  int op = bio.op == Bio::Op::kRead ? RUMPUSER_BIO_READ : RUMPUSER_BIO_WRITE;
  const bool durable = cache() == DiskCache::kDurable;
  if (bio.sync && durable) op |= RUMPUSER_BIO_SYNC;
  if (bio.op == Bio::Op::kWrite) whole().unflushed_.store(true, std::memory_order_release);
  const rumpuser_ops& ops = kernel_.hyp().ops();
  bio.kernel = &kernel_;
  bio.device = this;
  kernel_.host_callback_begin();  // the kernel outlives the completion (host_done)
  if (ops.bio(kernel_.hyp().host(), host_fd_, op, iov, n, at, host_done, &bio) == 0) return;
  kernel_.host_callback_end();

  // The host could not queue it (no memory or threads): move the data here, synchronously.
  size_t moved = 0;
  int rv;
  {
    kern::Unscheduled off;
    rv = bio.op == Bio::Op::kRead
             ? ops.iovread(kernel_.hyp().host(), host_fd_, iov, n, at, &moved)
             : ops.iovwrite(kernel_.hyp().host(), host_fd_, iov, n, at, &moved);
    if (rv == 0 && bio.sync && durable)
      rv = ops.syncfd(kernel_.hyp().host(), host_fd_, RUMPUSER_SYNCFD_SYNC);
    else if (bio.op == Bio::Op::kWrite)
      written(moved, rv);
  }
  if (rv == 0 && moved < bio.len) rv = EIO;
  finish(bio, rv, moved);
}

void BlockDevice::host_done(void* arg, size_t moved, int error) {
  Bio& bio = *static_cast<Bio*>(arg);
  kern::Kernel* k = bio.kernel;  // bio may be gone once done() has run
  // Inside the device nothing ends early: a short transfer means the host file shrank.
  if (error == 0 && moved < bio.len) error = EIO;
  if (bio.op == Bio::Op::kWrite) bio.device->written(moved, error);
  finish(bio, error, moved);
  k->host_callback_end();
}

// Outside the kernel (host threads, or with the virtual CPU given back). Marked again at the
// end, not only when submitted: a flush that ran meanwhile did not cover this write.
void BlockDevice::written(size_t moved, int error) {
  whole().unflushed_.store(true, std::memory_order_release);
  if (error != 0 || moved < kWritebackMin || cache() != DiskCache::kDurable) return;
  (void)kernel_.hyp().ops().syncfd(kernel_.hyp().host(), host_fd_, RUMPUSER_SYNCFD_START);
}

namespace {

struct Waiter {
  explicit Waiter(kern::Kernel& k) : completion(k) {}
  kern::Completion completion;
  static void done(Bio& bio) { static_cast<Waiter*>(bio.arg)->completion.complete(); }
};

}  // namespace

Result<void> BlockDevice::wait_for(Bio& bio) {
  if (bio.op == Bio::Op::kFlush) {
    Waiter w(kernel_);
    bio.done = Waiter::done;
    bio.arg = &w;
    submit(bio);
    w.completion.wait();
    if (bio.error != 0) return static_cast<Errno>(bio.error);
    return ok();
  }
  // A caller that waits anyway moves the data on its own thread: handing one transfer to a host
  // worker and waiting for it costs two thread switches for nothing. (Transfers that run while
  // the caller goes on — read-ahead, write-back — use submit.)
  if (detached()) return Errno::kNxio;
  if (bio.op == Bio::Op::kWrite && read_only_) return Errno::kRoFs;
  if (bio.offset > size_ || bio.len > size_ - bio.offset || bio.iovcnt > kMaxIov)
    return Errno::kInval;
  if (bio.len == 0) return ok();
  rumpuser_iovec iov[kMaxIov];
  uint32_t n = to_host_iov(bio, iov);
  const int64_t at = static_cast<int64_t>(host_begin_ + bio.offset);
  const rumpuser_ops& ops = kernel_.hyp().ops();
  size_t moved = 0;
  int rv;
  {
    kern::Unscheduled off;
    rv = bio.op == Bio::Op::kRead
             ? ops.iovread(kernel_.hyp().host(), host_fd_, iov, n, at, &moved)
             : ops.iovwrite(kernel_.hyp().host(), host_fd_, iov, n, at, &moved);
    if (bio.op == Bio::Op::kWrite) written(moved, rv);
  }
  if (rv != 0) return static_cast<Errno>(rv);
  if (moved < bio.len) return Errno::kIo;  // the host file shrank underneath
  return ok();
}

Result<void> BlockDevice::transfer(Bio::Op op, uint64_t offset,
                                   std::span<const kern::IoVec> iov) {
  Bio bio;
  bio.op = op;
  bio.offset = offset;
  bio.iov = iov.data();
  bio.iovcnt = static_cast<uint32_t>(iov.size());
  for (const kern::IoVec& v : iov) bio.len += v.len;
  return wait_for(bio);
}

Result<void> BlockDevice::read(uint64_t offset, void* buf, size_t len) {
  const kern::IoVec v{buf, len};
  return transfer(Bio::Op::kRead, offset, {&v, 1});
}

Result<void> BlockDevice::write(uint64_t offset, const void* buf, size_t len) {
  const kern::IoVec v{const_cast<void*>(buf), len};
  return transfer(Bio::Op::kWrite, offset, {&v, 1});
}

Result<void> BlockDevice::readv(uint64_t offset, std::span<const kern::IoVec> iov) {
  return transfer(Bio::Op::kRead, offset, iov);
}

Result<void> BlockDevice::writev(uint64_t offset, std::span<const kern::IoVec> iov) {
  return transfer(Bio::Op::kWrite, offset, iov);
}

Result<void> BlockDevice::flush() {
  Bio bio;
  bio.op = Bio::Op::kFlush;
  return wait_for(bio);
}

Result<void> BlockDevice::claim(const void* holder) {
  BlockDevice& disk = whole();
  uint32_t c = disk.claims_.load(std::memory_order_relaxed);
  for (;;) {
    if (c & kDiskHeld) return Errno::kBusy;
    uint32_t want = this == &disk ? (c == 0 ? kDiskHeld : c) : c + 1;
    if (this == &disk && c != 0) return Errno::kBusy;  // a partition of it is held
    if (disk.claims_.compare_exchange_weak(c, want, std::memory_order_acq_rel)) break;
  }
  if (this == &disk) {
    holder_.store(holder, std::memory_order_release);
    return ok();
  }
  const void* none = nullptr;
  if (!holder_.compare_exchange_strong(none, holder, std::memory_order_acq_rel)) {
    disk.claims_.fetch_sub(1, std::memory_order_acq_rel);
    return Errno::kBusy;
  }
  return ok();
}

void BlockDevice::unclaim(const void* holder) {
  const void* expected = holder;
  if (!holder_.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel)) return;
  BlockDevice& disk = whole();
  if (this == &disk) disk.claims_.store(0, std::memory_order_release);
  else disk.claims_.fetch_sub(1, std::memory_order_acq_rel);
}

// --- the registry --------------------------------------------------------------------------

BlockDevices::BlockDevices(kern::Kernel& k) : kernel_(k), lock_(k) {}

BlockDevices::~BlockDevices() = default;

Result<Ref<BlockDevice>> BlockDevices::add_disk(const char* name, int host_fd, uint64_t begin,
                                                uint64_t size, bool read_only) {
  kern::MutexGuard g(lock_);
  const uint64_t minor = uint64_t{next_disk_} * kMinorsPerDisk;
  if (minor > 0xfffff - kMinorsPerDisk) {
    kern::Unscheduled off;
    (void)kernel_.hyp().ops().close(kernel_.hyp().host(), host_fd);
    return Errno::kNoSpc;
  }
  BlockDevice* d = kernel_.kmem().create<BlockDevice>(
      kern::KmFlags::kNoSleep, kernel_, make_dev(kDiskMajor, static_cast<uint32_t>(minor)),
      host_fd, begin, size, read_only, nullptr, 0u);
  if (d == nullptr) {
    kern::Unscheduled off;
    (void)kernel_.hyp().ops().close(kernel_.hyp().host(), host_fd);
    return Errno::kNoMem;
  }
  ++next_disk_;
  d->name_.assign(name);
  Ref<BlockDevice> ref = Ref<BlockDevice>::adopt(*d);
  d->ref();  // the registry's reference
  devices_.push_back(*d);
  return ref;
}

namespace {

bool read_sectors(void* ctx, uint64_t lba, uint32_t count, void* buf) {
  auto& disk = *static_cast<BlockDevice*>(ctx);
  return disk.read(lba * kSectorSize, buf, size_t{count} * kSectorSize).ok();
}

// "sda" + 1 = "sda1"; "nvme0n1" + 1 = "nvme0n1p1", as Linux names partitions.
void partition_name(FixedString<256>& out, std::string_view disk, uint32_t index) {
  char buf[256];
  size_t n = disk.size() < 240 ? disk.size() : 240;
  for (size_t i = 0; i < n; ++i) buf[i] = disk[i];
  if (n > 0 && buf[n - 1] >= '0' && buf[n - 1] <= '9') buf[n++] = 'p';
  char digits[12];
  size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + index % 10);
    index /= 10;
  } while (index != 0);
  while (d > 0) buf[n++] = digits[--d];
  out.assign({buf, n});
}

}  // namespace

Result<uint32_t> BlockDevices::scan_partitions(BlockDevice& disk, RefPtr<BlockDevice>* out,
                                               uint32_t room) {
  // The table is large (128 entries): kernel memory, not the stack.
  PartitionTable* table = kernel_.kmem().create<PartitionTable>(kern::KmFlags::kSleep);
  if (table == nullptr) return Errno::kNoMem;
  Result<void> r = read_partitions(read_sectors, &disk, disk.size() / kSectorSize,
                                   kSectorSize, *table);
  if (!r.ok()) {
    kernel_.kmem().destroy(table);
    kernel_.log().log(kern::LogLevel::kWarning, "%s: unreadable partition table", disk.name());
    return r.error();
  }
  uint32_t made = 0;
  kern::MutexGuard g(lock_);
  for (uint32_t i = 0; i < table->count && made < room; ++i) {
    const Partition& p = table->parts[i];
    uint64_t dev;
    if (p.index < kMinorsPerDisk) {
      dev = make_dev(kDiskMajor, dev_minor(disk.dev()) + p.index);
    } else {
      if (next_ext_minor_ > 0xfffff) break;
      dev = make_dev(kBlkExtMajor, next_ext_minor_++);
    }
    BlockDevice* d = kernel_.kmem().create<BlockDevice>(
        kern::KmFlags::kNoSleep, kernel_, dev, disk.host_fd_,
        disk.host_begin_ + p.first_lba * kSectorSize, p.sectors * kSectorSize,
        disk.read_only(), &disk, p.index);
    if (d == nullptr) break;
    partition_name(d->name_, disk.name_.view(), p.index);
    out[made++] = Ref<BlockDevice>::adopt(*d);  // the creator's reference
    d->ref();                                    // the registry's
    devices_.push_back(*d);
  }
  kernel_.log().log(kern::LogLevel::kInfo, "%s: %s, %u partition%s", disk.name(),
                    table->kind == PartitionTable::Kind::kGpt   ? "GPT"
                    : table->kind == PartitionTable::Kind::kMbr ? "MBR"
                                                                : "no partition table",
                    made, made == 1 ? "" : "s");
  kernel_.kmem().destroy(table);
  return made;
}

void BlockDevices::remove(BlockDevice& disk) {
  kern::MutexGuard g(lock_);
  for (auto it = devices_.begin(); it != devices_.end();) {
    BlockDevice& d = *it;
    ++it;
    if (&d != &disk && d.parent() != &disk) continue;
    devices_.remove(d);
    d.unref();
  }
}

Result<Ref<BlockDevice>> BlockDevices::find(uint64_t dev) {
  kern::MutexGuard g(lock_);
  for (BlockDevice& d : devices_)
    if (d.dev() == dev) return Ref<BlockDevice>(d);
  return Errno::kNxio;
}

void BlockDevices::shutdown() {
  kern::MutexGuard g(lock_);
  while (!devices_.empty()) {
    BlockDevice& d = *devices_.front();
    d.detach();
    devices_.remove(d);
    d.unref();
  }
}

}  // namespace rk::vfs
