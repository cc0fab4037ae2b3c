// Ext2Node: making a node from an inode, attributes, and the end of a node's life.
#include "fs/ext2/node.h"

#include <new>

#include "fs/ext2/fs.h"
#include "fs/ext2/xattr.h"
#include "kern/kernel.h"
#include "kern/lib/string.h"
#include "vfs/mount.h"

namespace rk::fs::ext2 {
namespace {

// ext4's extended timestamps: the low 2 bits of the *_extra word extend the signed 32-bit
// seconds by 34-bit epochs; the other 30 are nanoseconds.
vfs::Timespec decode_time(uint32_t sec, uint32_t extra, bool has_extra) {
  vfs::Timespec t;
  t.sec = static_cast<int32_t>(sec);
  if (has_extra) {
    t.sec += static_cast<int64_t>(extra & 3) << 32;
    t.nsec = extra >> 2;
    if (t.nsec >= 1000000000) t.nsec = 0;
  }
  return t;
}

void encode_time(vfs::Timespec t, uint32_t* sec, uint32_t* extra, bool has_extra) {
  *sec = static_cast<uint32_t>(t.sec);
  if (has_extra)
    *extra = static_cast<uint32_t>(((t.sec - static_cast<int32_t>(t.sec)) >> 32) & 3) |
             (static_cast<uint32_t>(t.nsec) << 2);
}

// Which large-inode time fields this inode has room for.
bool has_extra_field(const Inode& in, size_t end_offset) {
  return in.i_extra_isize + kGoodOldInodeSize >= end_offset;
}

}  // namespace

uint8_t file_type_of(vfs::VType t) {
  switch (t) {
    case vfs::VType::kReg:
      return kFtRegFile;
    case vfs::VType::kDir:
      return kFtDir;
    case vfs::VType::kChr:
      return kFtChrdev;
    case vfs::VType::kBlk:
      return kFtBlkdev;
    case vfs::VType::kFifo:
      return kFtFifo;
    case vfs::VType::kSock:
      return kFtSock;
    case vfs::VType::kLnk:
      return kFtSymlink;
    default:
      return kFtUnknown;
  }
}

vfs::VType type_of_file_type(uint8_t ft) {
  switch (ft) {
    case kFtRegFile:
      return vfs::VType::kReg;
    case kFtDir:
      return vfs::VType::kDir;
    case kFtChrdev:
      return vfs::VType::kChr;
    case kFtBlkdev:
      return vfs::VType::kBlk;
    case kFtFifo:
      return vfs::VType::kFifo;
    case kFtSock:
      return vfs::VType::kSock;
    case kFtSymlink:
      return vfs::VType::kLnk;
    default:
      return vfs::VType::kNon;
  }
}

vfs::VType Ext2Node::type_of(uint16_t mode) { return vfs::ifmt_to_type(mode & kIfMt); }

Ext2Node::Ext2Node(Ext2Fs& fs, uint32_t ino, vfs::VType type, const Inode& inode)
    : Vnode(fs.kernel(), fs.mount(), type),
      fs_(fs),
      ino_(ino),
      meta_(fs.kernel()),
      inode_(inode),
      dir_lock_(fs.kernel()),
      index_lock_(fs.kernel()) {
  nlink_hint_.store(inode.i_links_count, std::memory_order_relaxed);
}

Ext2Node::~Ext2Node() {
  kern::MutexGuard g(index_lock_);
  drop_dir_index_locked();
}

Result<Ref<Ext2Node>> Ext2Node::make(Ext2Fs& fs, uint32_t ino, const Inode& inode) {
  const vfs::VType type = type_of(inode.i_mode);
  if (type == vfs::VType::kNon)
    return fs.corrupt("inode %u: unknown file type in mode 0%o", ino, inode.i_mode);
  if (inode.i_flags & kInlineDataFl)
    return fs.corrupt("inode %u: inline data is not supported", ino);
  if (inode.i_flags & kExtentsFl) {
    if (!fs.geo().has_incompat(incompat::kExtents))
      return fs.corrupt("inode %u: extent-mapped without the extent feature", ino);
    const auto* h = reinterpret_cast<const ExtentHeader*>(inode.i_block);
    if (h->eh_magic != kExtentMagic || h->eh_max > 4 || h->eh_entries > h->eh_max ||
        h->eh_depth > kExtentMaxDepth)
      return fs.corrupt("inode %u: bad extent tree root", ino);
  }
  if (type == vfs::VType::kDir &&
      (inode.i_size_lo / fs.geo().block_size > fs.geo().blocks_count ||
       (fs.geo().has_incompat(incompat::kLargeDir) && inode.i_size_high != 0 &&
        ((uint64_t{inode.i_size_high} << 32) | inode.i_size_lo) / fs.geo().block_size >
            fs.geo().blocks_count)))
    return fs.corrupt("directory %u: size larger than the file system", ino);
  void* mem =
      fs.kernel().kmem().alloc(sizeof(Ext2Node), kern::KmFlags::kNoSleep, alignof(Ext2Node));
  if (mem == nullptr) return Errno::kNoMem;
  return Ref<Ext2Node>::adopt(*new (mem) Ext2Node(fs, ino, type, inode));
}

Result<Ext2Node*> Ext2Node::same_fs(vfs::Vnode& v) const {
  if (&v.mount() != &mount()) return Errno::kXDev;
  return static_cast<Ext2Node*>(&v);
}

uint32_t Ext2Node::links() const {
  kern::MutexGuard g(meta_);
  return inode_.i_links_count;
}

uint64_t Ext2Node::size_locked() const {
  uint64_t s = inode_.i_size_lo;
  if (type() == vfs::VType::kReg || fs_->geo().has_incompat(incompat::kLargeDir))
    s |= uint64_t{inode_.i_size_high} << 32;
  return s;
}

uint64_t Ext2Node::size() const {
  kern::MutexGuard g(meta_);
  return size_locked();
}

void Ext2Node::set_size_locked(uint64_t size) {
  inode_.i_size_lo = static_cast<uint32_t>(size);
  if (type() == vfs::VType::kReg) {
    inode_.i_size_high = static_cast<uint32_t>(size >> 32);
    if (size > 0x7fffffffu) fs_->need_large_file();
  }
}

Result<void> Ext2Node::store_locked() { return fs_->write_inode(ino_, inode_); }

void Ext2Node::set_times_locked(bool m, bool c, vfs::Timespec t) {
  const bool extra = fs_->geo().inode_size > kGoodOldInodeSize;
  if (m)
    encode_time(t, &inode_.i_mtime, &inode_.i_mtime_extra,
                extra && has_extra_field(inode_, offsetof(Inode, i_mtime_extra) + 4));
  if (c)
    encode_time(t, &inode_.i_ctime, &inode_.i_ctime_extra,
                extra && has_extra_field(inode_, offsetof(Inode, i_ctime_extra) + 4));
}

Result<void> Ext2Node::touch(bool m, bool c) {
  RK_TRY(fs_->check_writable());
  kern::MutexGuard g(meta_);
  set_times_locked(m, c, fs_->now());
  return store_locked();
}

Result<void> Ext2Node::change_links(int delta, bool clear) {
  RK_TRY(fs_->check_writable());
  uint32_t n;
  Result<void> r = ok();
  {
    kern::MutexGuard g(meta_);
    n = inode_.i_links_count;
    if (clear) {
      n = 0;
    } else if (delta > 0) {
      if (n >= kLinkMax) return Errno::kMLink;
      n += static_cast<uint32_t>(delta);
    } else if (n > 0) {
      --n;
    }
    inode_.i_links_count = static_cast<uint16_t>(n);
    set_times_locked(false, true, fs_->now());
    nlink_hint_.store(n, std::memory_order_relaxed);
    r = store_locked();
  }
  if (n == 0) fs_->uncache(*this);
  return r;
}

Result<void> Ext2Node::getattr(vfs::Vattr& va) {
  const Geometry& geo = fs_->geo();
  kern::MutexGuard g(meta_);
  const Inode& in = inode_;
  va.type = type();
  va.mode = in.i_mode & vfs::kModeMask;
  va.uid = in.i_uid | (uint32_t{in.i_uid_high} << 16);
  va.gid = in.i_gid | (uint32_t{in.i_gid_high} << 16);
  va.nlink = in.i_links_count;
  va.size = size_locked();
  uint64_t blocks = in.i_blocks_lo;
  if (geo.has_ro_compat(ro_compat::kHugeFile)) {
    blocks |= uint64_t{in.i_blocks_high} << 32;
    if (in.i_flags & kHugeFileFl) blocks *= geo.block_size / 512;
  }
  va.blocks = blocks;
  va.blksize = geo.block_size;
  va.ino = ino_;
  va.dev = fs_->dev();
  va.rdev = 0;
  if (type() == vfs::VType::kChr || type() == vfs::VType::kBlk) {
    if (in.i_block[0] != 0) {
      // The old 8:8 encoding.
      uint32_t old = in.i_block[0];
      va.rdev = ((old >> 8) & 0xff) << 8 | (old & 0xff);
    } else {
      va.rdev = in.i_block[1];  // Linux's new_encode_dev, the same bits as its dev_t
    }
  }
  const bool extra = geo.inode_size > kGoodOldInodeSize;
  va.atime = decode_time(in.i_atime, in.i_atime_extra,
                         extra && has_extra_field(in, offsetof(Inode, i_atime_extra) + 4));
  va.mtime = decode_time(in.i_mtime, in.i_mtime_extra,
                         extra && has_extra_field(in, offsetof(Inode, i_mtime_extra) + 4));
  va.ctime = decode_time(in.i_ctime, in.i_ctime_extra,
                         extra && has_extra_field(in, offsetof(Inode, i_ctime_extra) + 4));
  if (extra && has_extra_field(in, offsetof(Inode, i_crtime_extra) + 4))
    va.btime = decode_time(in.i_crtime, in.i_crtime_extra, true);
  return ok();
}

Result<void> Ext2Node::setattr(const vfs::SetAttr& sa) {
  RK_TRY(fs_->check_writable());
  if (sa.mask & vfs::SetAttr::kSize) {
    if (is_dir()) return Errno::kIsDir;
    if (type() != vfs::VType::kReg) return Errno::kInval;
    if (sa.size > fs_->max_file_size()) return Errno::kFBig;
    RK_TRY(truncate(sa.size));
  }
  const vfs::Timespec t = fs_->now();
  const bool extra = fs_->geo().inode_size > kGoodOldInodeSize;
  kern::MutexGuard g(meta_);
  Inode& in = inode_;
  if (sa.mask & vfs::SetAttr::kMode)
    in.i_mode = static_cast<uint16_t>((in.i_mode & kIfMt) | (sa.mode & vfs::kModeMask));
  if (sa.mask & vfs::SetAttr::kUid) {
    in.i_uid = static_cast<uint16_t>(sa.uid);
    in.i_uid_high = static_cast<uint16_t>(sa.uid >> 16);
  }
  if (sa.mask & vfs::SetAttr::kGid) {
    in.i_gid = static_cast<uint16_t>(sa.gid);
    in.i_gid_high = static_cast<uint16_t>(sa.gid >> 16);
  }
  if (sa.mask & vfs::SetAttr::kSize) set_times_locked(true, false, t);
  if (sa.mask & vfs::SetAttr::kAtime)
    encode_time(sa.atime, &in.i_atime, &in.i_atime_extra,
                extra && has_extra_field(in, offsetof(Inode, i_atime_extra) + 4));
  if (sa.mask & vfs::SetAttr::kMtime) set_times_locked(true, false, sa.mtime);
  set_times_locked(false, true, (sa.mask & vfs::SetAttr::kCtime) ? sa.ctime : t);
  return store_locked();
}

Result<void> Ext2Node::fsync(bool data_only) {
  if (fs_->read_only()) return ok();
  return fs_->sync();
}

void Ext2Node::free_storage() {
  Inode in;
  {
    kern::MutexGuard g(meta_);
    in = inode_;
  }
  const uint32_t bs = fs_->geo().block_size;
  const bool dev = type() == vfs::VType::kChr || type() == vfs::VType::kBlk ||
                   type() == vfs::VType::kFifo || type() == vfs::VType::kSock;
  const uint32_t acl_sectors = in.i_file_acl_lo != 0 ? bs / 512 : 0;
  const bool fast_link = type() == vfs::VType::kLnk && in.i_blocks_lo <= acl_sectors;
  if (!dev && !fast_link && !(in.i_flags & kExtentsFl)) (void)free_blocks_from(0);
  if (in.i_file_acl_lo != 0) (void)release_xattr_block(in.i_file_acl_lo);
  {
    kern::MutexGuard g(meta_);
    inode_.i_file_acl_lo = 0;
    inode_.i_blocks_lo = 0;
    inode_.i_blocks_high = 0;
    inode_.i_links_count = 0;
    inode_.i_dtime = static_cast<uint32_t>(fs_->now().sec);
    if (!dev && !fast_link) {
      inode_.i_size_lo = 0;
      inode_.i_size_high = 0;
    }
    (void)store_locked();
  }
  fs_->free_inode(ino_, is_dir());
}

void Ext2Node::inactive() {
  // Nobody holds the node any more. With no links left its storage goes (unless unmount freed
  // it already); a duplicate that lost a race in get_node or a stand-in root owns none.
  if (!husk_ && nlink_hint_.load(std::memory_order_relaxed) == 0) {
    kern::MutexGuard g(fs_->orphan_lock_);
    if (orphan_link_.linked()) fs_->orphans_.remove(*this);
    if (!storage_freed_ && !fs_->read_only() && !fs_->unmounted_.load(std::memory_order_acquire))
      free_storage();
    storage_freed_ = true;
  }
  kern::Kmem& km = kernel().kmem();
  this->~Ext2Node();
  km.free(this, sizeof(Ext2Node));
}

}  // namespace rk::fs::ext2
