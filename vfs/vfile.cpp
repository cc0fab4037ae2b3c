#include "vfs/vfile.h"

#include "kern/kernel.h"
#include "kern/lib/string.h"
#include "kern/uio.h"
#include "kern/proc.h"
#include "vfs/lockf.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"

namespace rk::vfs {

VnodeFile::VnodeFile(kern::Kernel& k, Ref<Vnode> v, uint32_t flags, const CharDevice* dev,
                     RefPtr<BlockDevice> blk)
    : File(k, flags), vnode_(std::move(v)), dev_(dev), blk_(std::move(blk)), pos_lock_(k) {
  vnode_->mount().busy();
}

Result<Ref<VnodeFile>> VnodeFile::create(kern::Kernel& k, Ref<Vnode> v, uint32_t flags) {
  const CharDevice* dev = nullptr;
  RefPtr<BlockDevice> blk;
  if (!(flags & kOPath)) {
    switch (v->type()) {
      case VType::kChr:
      case VType::kBlk: {
        if ((v->mount().flags() & kMsNodev) != 0) return Errno::kAcces;
        if (v->has_own_io()) break;  // etfs: the node moves the data (read/write below)
        Vattr va;
        {
          kern::ReadGuard g(v->lock());
          RK_TRY(v->getattr(va));
        }
        if (v->type() == VType::kBlk) {
          Ref<BlockDevice> d = RK_TRY(Vfs::of(k).block_devices().find(va.rdev));
          if (d->read_only() && (flags & kOAccmode) != kORdonly) return Errno::kRoFs;
          blk = std::move(d);
          break;
        }
        dev = find_char_device(va.rdev);
        if (dev == nullptr) return Errno::kNxio;
        break;
      }
      case VType::kFifo:
        break;  // open_fifo, below
      case VType::kSock:
        return Errno::kNxio;
      default:
        break;
    }
  }
  bool fifo = v->type() == VType::kFifo && !(flags & kOPath);
  VnodeFile* f = k.kmem().create<VnodeFile>(kern::KmFlags::kNoSleep, k, std::move(v), flags, dev,
                                            std::move(blk));
  if (f == nullptr) return Errno::kNoMem;
  Ref<VnodeFile> file = Ref<VnodeFile>::adopt(*f);
  if (fifo) RK_TRY(file->open_fifo(flags));
  return file;
}

Result<void> VnodeFile::open_fifo(uint32_t flags) {
  Vfs& vfs = Vfs::of(kernel());
  PipeBuffer* buf;
  {
    kern::MutexGuard g(vfs.fifo_lock());
    if (vnode_->fifo_buffer == nullptr) {
      Vattr va;
      {
        kern::ReadGuard vg(vnode_->lock());
        RK_TRY(vnode_->getattr(va));
      }
      Ref<PipeBuffer> fresh = RK_TRY(PipeBuffer::create(kernel(), va.uid, va.gid));
      vnode_->fifo_buffer = fresh.get();
      fresh->ref();  // the vnode's reference
    }
    buf = vnode_->fifo_buffer;
    buf->ref();  // ours
  }
  uint32_t acc = flags & kOAccmode;
  Result<void> r =
      buf->fifo_open(acc != kOWronly, acc != kORdonly, flags & kONonblock, &fifo_w_seen_);
  fifo_ = buf;
  if (!r.ok()) {
    // Nothing was counted: drop the buffer again if nobody else has it open.
    close_fifo();
    return r.error();
  }
  return ok();
}

void VnodeFile::close_fifo() {
  PipeBuffer* drop = nullptr;
  auto detach_if_idle = [&] {
    if (vnode_->fifo_buffer == fifo_ && fifo_->idle()) {
      drop = vnode_->fifo_buffer;  // the last opener went: the data goes, as on Linux
      vnode_->fifo_buffer = nullptr;
    }
  };
  if (Vfs* vfs = Vfs::find(kernel())) {
    kern::MutexGuard g(vfs->fifo_lock());
    detach_if_idle();
  } else {
    detach_if_idle();  // the kernel is being torn down, single-threaded: no VFS lock left
  }
  if (drop != nullptr) drop->unref();
  fifo_->unref();
  fifo_ = nullptr;
}

void VnodeFile::free_self() { kernel().kmem().destroy(this); }

uint32_t VnodeFile::poll(kern::Lwp& l, uint32_t events) {
  if (path_only()) return kern::kPollNval;  // Linux's fdget does not see O_PATH files
  if (fifo_ == nullptr) return kern::File::poll(l, events);
  const uint32_t acc = flags() & kOAccmode;
  return fifo_->poll(acc != kOWronly, acc != kORdonly, fifo_w_seen_);
}

void VnodeFile::on_close(kern::Proc& p) {
  if (!path_only()) record_locks_release(*vnode_, p.pid());
}

void VnodeFile::close_last() {
  record_locks_release_file(*vnode_, *this);  // OFD locks go with the open file
  if (fifo_ != nullptr) {
    uint32_t acc = flags() & kOAccmode;
    if (acc != kOWronly) fifo_->close_end(false);
    if (acc != kORdonly) fifo_->close_end(true);
    close_fifo();
  }
  vnode_->mount().unbusy();
}

Result<void> VnodeFile::block_io(kern::Uio& uio) {
  BlockDevice& d = *blk_;
  const bool reading = uio.dir() == kern::UioDir::kRead;
  if (uio.offset() >= d.size()) {
    if (reading || uio.resid() == 0) return ok();  // end of the device
    return Errno::kNoSpc;  // Linux: a write at the end of a block device
  }
  constexpr size_t kChunk = 64 * 1024;
  kern::Kmem& km = kernel().kmem();
  void* bounce = km.alloc(kChunk, kern::KmFlags::kSleep);
  if (bounce == nullptr) return Errno::kNoMem;
  Result<void> r = ok();
  while (uio.resid() > 0 && uio.offset() < d.size()) {
    const uint64_t off = uio.offset();
    size_t n = uio.resid() < kChunk ? uio.resid() : kChunk;
    if (n > d.size() - off) n = static_cast<size_t>(d.size() - off);
    if (reading) {
      r = d.read(off, bounce, n);
      if (r.ok()) r = uio.move(bounce, n);
    } else {
      r = uio.move(bounce, n);
      if (r.ok()) r = d.write(off, bounce, n);
    }
    if (!r.ok()) break;
  }
  km.free(bounce, kChunk);
  return r;
}

Result<void> VnodeFile::sync_block_device() {
  BufCache& cache = Vfs::of(kernel()).bufcache();
  return cache.sync(*blk_);
}

Result<void> VnodeFile::read(kern::Lwp& l, kern::Uio& uio, bool positioned) {
  if (dev_ != nullptr) return dev_->read(l, uio);
  if (blk_) {
    if (positioned) return block_io(uio);
    kern::MutexGuard pos(pos_lock_);
    uio.set_offset(offset_);
    Result<void> rv = block_io(uio);
    offset_ = uio.offset();
    return rv;
  }
  if (fifo_ != nullptr) return positioned ? Errno::kSPipe : fifo_->read(uio, flags() & kONonblock);
  if (vnode_->is_dir()) return Errno::kIsDir;
  if (positioned) {
    kern::ReadGuard g(vnode_->lock());
    return vnode_->read(uio);
  }
  kern::MutexGuard pos(pos_lock_);
  uio.set_offset(offset_);
  Result<void> rv = [&] {
    kern::ReadGuard g(vnode_->lock());
    return vnode_->read(uio);
  }();
  offset_ = uio.offset();  // what moved before an error counts, as on Linux
  return rv;
}

Result<void> VnodeFile::write(kern::Lwp& l, kern::Uio& uio, bool positioned) {
  if (dev_ != nullptr) return dev_->write(l, uio);
  if (blk_) {
    if (positioned) return block_io(uio);
    kern::MutexGuard pos(pos_lock_);
    uio.set_offset(offset_);
    Result<void> rv = block_io(uio);
    offset_ = uio.offset();
    return rv;
  }
  if (fifo_ != nullptr)
    return positioned ? Errno::kSPipe : fifo_->write(uio, flags() & kONonblock, false);
  if (vnode_->is_dir()) return Errno::kIsDir;
  auto do_write = [&]() -> Result<void> {
    kern::WriteGuard g(vnode_->lock());
    if (flags() & kOAppend) {
      // Appends go to the end even for pwrite, as on Linux.
      Vattr va;
      RK_TRY(vnode_->getattr(va));
      uio.set_offset(va.size);
    }
    return vnode_->write(uio);
  };
  if (positioned) return do_write();
  kern::MutexGuard pos(pos_lock_);
  uio.set_offset(offset_);
  Result<void> rv = do_write();
  offset_ = uio.offset();
  return rv;
}

Result<int64_t> VnodeFile::seek(kern::Lwp& l, int64_t offset, int whence) {
  if (dev_ != nullptr) return 0;  // the memory devices ignore seeks, as Linux's do
  if (fifo_ != nullptr) return Errno::kSPipe;
  kern::MutexGuard pos(pos_lock_);
  int64_t base = 0;
  switch (whence) {
    case 0: break;  // SEEK_SET
    case 1: base = static_cast<int64_t>(offset_); break;
    case 2:
    case 3:
    case 4: {
      if (vnode_->is_dir()) return Errno::kInval;
      Vattr va;
      kern::ReadGuard g(vnode_->lock());
      RK_TRY(vnode_->getattr(va));
      if (whence == 2) {
        base = static_cast<int64_t>(blk_ ? blk_->size() : va.size);  // a disk's end: its size
        break;
      }
      if (offset < 0) return Errno::kNxio;
      uint64_t at = RK_TRY(vnode_->seek_data(static_cast<uint64_t>(offset), whence == 4));
      offset_ = at;
      return static_cast<int64_t>(at);
    }
    default:
      return Errno::kInval;
  }
  int64_t target;
  if (__builtin_add_overflow(base, offset, &target)) return Errno::kOverflow;
  if (target < 0) return Errno::kInval;
  offset_ = static_cast<uint64_t>(target);
  return target;
}

namespace {

// Packs linux_dirent64 records into a kernel buffer.
class Dirent64Sink final : public DirSink {
 public:
  Dirent64Sink(char* buf, size_t cap) : buf_(buf), cap_(cap) {}
  bool emit(uint64_t ino, VType type, std::string_view name, uint64_t next) override {
    size_t reclen = (19 + name.size() + 1 + 7) & ~size_t{7};
    if (used_ + reclen > cap_) {
      full_ = true;
      return false;
    }
    char* r = buf_ + used_;
    mem_set(r, 0, reclen);
    auto off = static_cast<int64_t>(next);
    auto rl = static_cast<uint16_t>(reclen);
    uint8_t dt = type_to_dt(type);
    mem_copy(r, &ino, 8);
    mem_copy(r + 8, &off, 8);
    mem_copy(r + 16, &rl, 2);
    mem_copy(r + 18, &dt, 1);
    mem_copy(r + 19, name.data(), name.size());
    used_ += reclen;
    return true;
  }
  size_t used() const { return used_; }
  bool full() const { return full_; }

 private:
  char* buf_;
  size_t cap_;
  size_t used_ = 0;
  bool full_ = false;
};

}  // namespace

Result<size_t> VnodeFile::getdents(kern::Lwp& l, void* ubuf, size_t len) {
  if (!vnode_->is_dir()) return Errno::kNotDir;
  if (len > 65536) len = 65536;  // one call returns at most this much; the client calls again
  kern::Kmem& kmem = kernel().kmem();
  char* kbuf = static_cast<char*>(kmem.alloc(len == 0 ? 1 : len));
  if (kbuf == nullptr) return Errno::kNoMem;
  Dirent64Sink sink(kbuf, len);
  Result<size_t> result = [&]() -> Result<size_t> {
    kern::MutexGuard pos(pos_lock_);
    uint64_t cookie = offset_;
    {
      kern::ReadGuard g(vnode_->lock());
      Vattr va;
      RK_TRY(vnode_->getattr(va));
      if (va.nlink == 0) return Errno::kNoEnt;  // a removed directory cannot be listed
      RK_TRY(vnode_->readdir(&cookie, sink));
    }
    if (sink.used() == 0 && sink.full()) return Errno::kInval;  // not even one entry fits
    RK_TRY(kern::copyout(l, ubuf, kbuf, sink.used()));
    offset_ = cookie;
    return sink.used();
  }();
  kmem.free(kbuf, len == 0 ? 1 : len);
  return result;
}

}  // namespace rk::vfs
