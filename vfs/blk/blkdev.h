// Block devices: the disks file systems mount from.
//
// A BlockDevice is a range of bytes on a host file (an etfs RUMP_ETFS_BLK key, or one of the
// partitions found on it), moved with the asynchronous block I/O hypercall. The kernel submits a
// Bio and goes on; the host completes it on a thread of its own. Callers that want the data
// before going on use the synchronous helpers, which give the virtual CPU back while they wait.
//
// Devices have Linux device numbers: whole disks are major 8 (sd) with minors in steps of 16,
// their partitions 1..15 the minors after it, and partitions beyond 15 major 259 (blkext), as
// Linux numbers them. A BlockDevice is reference counted: a mount, an open device file and the
// registry each hold one, so a device removed while mounted lives until it is unmounted (its
// I/O then fails with ENXIO).
//
// Sizes and offsets are in bytes; host disks take any offset and length, but file systems keep to
// multiples of sector_size() as they would on hardware.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lib/string.h"
#include "kern/lock.h"
#include "kern/uio.h"

namespace rk::kern {
class Kernel;
class Kmem;
}  // namespace rk::kern

namespace rk::vfs {

inline constexpr uint32_t kSectorSize = 512;
inline constexpr uint32_t kDiskMajor = 8;      // Linux's SCSI disk major (sda, sdb, ...)
inline constexpr uint32_t kBlkExtMajor = 259;  // partitions past 15, as Linux's blkext
inline constexpr uint32_t kMinorsPerDisk = 16;

class BlockDevice;

// One block transfer. The submitter owns it until `done` has run.
struct Bio {
  enum class Op : uint8_t { kRead, kWrite, kFlush };
  Op op = Op::kRead;
  bool sync = false;    // a write that must be on stable storage when it completes (FUA)
  uint64_t offset = 0;  // bytes from the start of the device
  // The memory: one buffer, or a gather list when iovcnt > 0 (iov then describes `len` bytes).
  void* data = nullptr;
  const kern::IoVec* iov = nullptr;
  uint32_t iovcnt = 0;
  size_t len = 0;
  // Completion: called exactly once with `error` (0 or an errno) and `moved` set. It runs on a
  // host thread outside the kernel, or on the submitting thread when the transfer is refused or
  // failed at once: it must not take kernel locks, only wake someone (kern::Completion).
  void (*done)(Bio& bio) = nullptr;
  void* arg = nullptr;
  int error = 0;
  size_t moved = 0;
  kern::Kernel* kernel = nullptr;  // set by submit: the completion's last touch
  BlockDevice* device = nullptr;   // set by submit; the submitter keeps it alive until done
};

// How a device's flushes reach its host file (QEMU's cache= modes, in the two a user needs).
//  kDurable: a flush (fsync, sync, unmount) puts every write before it on the host's stable
//   storage (fdatasync), and large writes start their write-back at once, so that a flush finds
//   little left to wait for. The default: what a disk promises.
//  kHost: a flush waits until the writes before it have reached the host file, and no longer;
//   the host writes them back in its own time, as it does cp's writes (QEMU's cache=unsafe).
//   Every other reader of the host file sees them at once; a crash of the host can lose them.
enum class DiskCache : uint8_t { kDurable, kHost };

class BlockDevice final : public RefCounted<BlockDevice> {
 public:
  kern::Kernel& kernel() const { return kernel_; }
  uint64_t dev() const { return dev_; }       // Linux dev_t
  const char* name() const { return name_.c_str(); }  // the key it was registered under
  uint64_t size() const { return size_; }     // bytes
  uint32_t sector_size() const { return kSectorSize; }
  bool read_only() const { return read_only_; }
  // The whole disk of a partition (nullptr for a whole disk) and its number there.
  BlockDevice* parent() const { return parent_.get(); }
  uint32_t partition() const { return partition_; }

  // A partition follows its whole disk.
  DiskCache cache() const { return whole().cache_.load(std::memory_order_relaxed); }
  void set_cache(DiskCache c) { whole().cache_.store(c, std::memory_order_relaxed); }

  // Starts a transfer. Refused at once (done() runs on the calling thread): a range outside the
  // device (EINVAL), a write to a read-only device (EROFS), a device removed (ENXIO). A kFlush
  // makes every write completed before it durable (as cache() says), and is done at once when
  // nothing was written since the last one; it waits for the host on the calling thread
  // (giving the CPU back) before done() runs.
  void submit(Bio& bio);

  // The synchronous forms: the transfer is done on the calling thread, with the virtual CPU
  // given back meanwhile (synchronous host I/O: no worker handoff for a caller that waits
  // anyway). Errors as submit's; a short transfer (the host file shrank underneath) is EIO.
  Result<void> read(uint64_t offset, void* buf, size_t len);
  Result<void> write(uint64_t offset, const void* buf, size_t len);
  Result<void> readv(uint64_t offset, std::span<const kern::IoVec> iov);
  Result<void> writev(uint64_t offset, std::span<const kern::IoVec> iov);
  Result<void> flush();

  // A file system mounted from the device holds it exclusively: EBUSY while it, its whole disk
  // or one of its partitions is held by another holder.
  Result<void> claim(const void* holder);
  void unclaim(const void* holder);
  // Whether the device (for a disk: it or any of its partitions) is claimed.
  bool claimed() const { return whole().claims_.load(std::memory_order_acquire) != 0; }

  // The registry's side (BlockDevices): after this, every transfer fails with ENXIO. The host
  // file is closed when the last reference goes.
  void detach() { detached_.store(true, std::memory_order_release); }
  bool detached() const { return detached_.load(std::memory_order_acquire); }

  void release_last();

 private:
  friend class BlockDevices;
  friend class kern::Kmem;
  BlockDevice(kern::Kernel& k, uint64_t dev, int host_fd, uint64_t host_begin, uint64_t size,
              bool read_only, BlockDevice* parent, uint32_t partition);
  ~BlockDevice();
  static void host_done(void* arg, size_t moved, int error);
  Result<void> wait_for(Bio& bio);
  Result<void> transfer(Bio::Op op, uint64_t offset, std::span<const kern::IoVec> iov);
  // A write of `moved` bytes has ended (with `error`): the disk has something to flush, and a
  // large one starts its write-back (kDurable).
  void written(size_t moved, int error);
  // The whole disk: this one, or a partition's parent.
  BlockDevice& whole() { return parent_.get() != nullptr ? *parent_ : *this; }
  const BlockDevice& whole() const { return parent_.get() != nullptr ? *parent_ : *this; }
  // Claims of a whole disk and its partitions, in the disk's word: kDiskHeld, or the number of
  // partitions held.
  static constexpr uint32_t kDiskHeld = 1u << 31;

  kern::Kernel& kernel_;
  const uint64_t dev_;
  int host_fd_;                 // owned; closed when detached and idle
  const uint64_t host_begin_;  // where the device starts in the host file
  const uint64_t size_;
  const bool read_only_;
  RefPtr<BlockDevice> parent_;
  const uint32_t partition_;
  FixedString<256> name_;
  std::atomic<bool> detached_{false};
  std::atomic<DiskCache> cache_{DiskCache::kDurable};
  // A whole disk's: a write was submitted or has ended since the last flush began. A flush
  // without one has nothing to do (and asks nothing of the host).
  std::atomic<bool> unflushed_{false};
  std::atomic<const void*> holder_{nullptr};
  std::atomic<uint32_t> claims_{0};  // a whole disk's: see kDiskHeld
  ListNode<BlockDevice> node_;           // in BlockDevices::devices_
};

// The block devices of one kernel (part of its Vfs).
class BlockDevices {
 public:
  explicit BlockDevices(kern::Kernel& k);
  ~BlockDevices();  // shutdown() must have run
  BlockDevices(const BlockDevices&) = delete;
  BlockDevices& operator=(const BlockDevices&) = delete;

  // A whole disk over [begin, begin + size) of the host file `host_fd` (the device owns the fd
  // from the call on, also on failure). ENOMEM, ENOSPC (no device number left).
  Result<Ref<BlockDevice>> add_disk(const char* name, int host_fd, uint64_t begin,
                                    uint64_t size, bool read_only) RK_EXCLUDES(lock_);
  // Reads the disk's MBR or GPT (blk/partition.h) and adds a device for each partition, in the
  // order of their numbers, into out (room entries at most); their count. A disk without a
  // table has none. EIO (the table cannot be read), EINVAL (a protective MBR, no valid GPT).
  Result<uint32_t> scan_partitions(BlockDevice& disk, RefPtr<BlockDevice>* out, uint32_t room)
      RK_EXCLUDES(lock_);
  // Removes a disk and its partitions from the registry: no new mount or open finds them.
  // Whoever holds one already (a mount, an open device file) keeps using it until letting go.
  void remove(BlockDevice& disk) RK_EXCLUDES(lock_);

  // The device with number dev, or ENXIO.
  Result<Ref<BlockDevice>> find(uint64_t dev) RK_EXCLUDES(lock_);

  void shutdown() RK_EXCLUDES(lock_);  // detaches every device still registered

 private:
  kern::Kernel& kernel_;
  kern::Mutex lock_;
  IntrusiveList<BlockDevice, &BlockDevice::node_> devices_ RK_GUARDED_BY(lock_);
  uint32_t next_disk_ RK_GUARDED_BY(lock_) = 0;     // disk index: minor = index * 16
  uint32_t next_ext_minor_ RK_GUARDED_BY(lock_) = 0;
};

}  // namespace rk::vfs
