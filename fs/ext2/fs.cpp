// Ext2Fs: mounting (superblock and group descriptors), statfs, sync, unmount, remount, the
// vnode cache and the kernel-log messages.
#include "fs/ext2/fs.h"

#include <new>

#include "fs/ext2/checksum.h"
#include "fs/ext2/node.h"
#include "kern/kernel.h"
#include "kern/lib/format.h"
#include "kern/lib/string.h"

namespace rk::fs::ext2 {
namespace {

// Mount options Linux's ext2/ext4 take that change nothing here; anything else is EINVAL.
constexpr std::string_view kIgnoredOptions[] = {
    "defaults",
    "rw",
    "ro",
    "noatime",
    "relatime",
    "strictatime",
    "nodiratime",
    "user_xattr",
    "nouser_xattr",
    "acl",
    "noacl",
    "errors=continue",
    "errors=remount-ro",
    "errors=panic",
    "nobarrier",
    "barrier",
    "sync",
    "async",
    "noload",
    "norecovery",
    "nodelalloc",
    "delalloc",
    "lazytime",
    "nolazytime",
    "auto_da_alloc",
    "noauto_da_alloc",
};

Result<void> parse_options(const char* data, const char** bad) {
  if (data == nullptr) return ok();
  std::string_view s(data);
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string_view opt = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view{} : s.substr(comma + 1);
    if (opt.empty()) continue;
    bool known = false;
    for (std::string_view k : kIgnoredOptions) known = known || k == opt;
    if (!known) {
      *bad = opt.data();
      return Errno::kInval;
    }
  }
  return ok();
}

}  // namespace

Ext2Fs::Ext2Fs(kern::Kernel& k, vfs::Mount& m, vfs::BlockDevice& dev, bool read_only)
    : kernel_(k),
      mount_(m),
      dev_(dev),
      cache_(vfs::BufCache::of(k)),
      st_dev_(m.dev()),
      read_only_(read_only),
      alloc_lock_(k),
      orphan_lock_(k),
      cache_lock_(k) {}

Ext2Fs::~Ext2Fs() {
  kern::Kmem& km = kernel_.kmem();
  if (itable_ != nullptr) km.free(itable_, sizeof(uint64_t) * geo_.group_count);
  kern::MutexGuard g(alloc_lock_);
  if (gdt_ != nullptr) km.free(gdt_, size_t{geo_.group_count} * geo_.desc_size);
}

void Ext2Fs::release_last() {
  kern::Kmem& km = kernel_.kmem();
  this->~Ext2Fs();
  km.free(this, sizeof(Ext2Fs));
}

void Ext2Fs::vlog(int level, const char* fmt, va_list ap) {
  char msg[200];
  vformat(msg, sizeof(msg), fmt, ap);
  kernel_.log().log(static_cast<kern::LogLevel>(level), "ext2 (%s): %s", dev_->name(), msg);
}

Errno Ext2Fs::corrupt(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(static_cast<int>(kern::LogLevel::kErr), fmt, ap);
  va_end(ap);
  return Errno::kUClean;
}

void Ext2Fs::warn(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(static_cast<int>(kern::LogLevel::kWarning), fmt, ap);
  va_end(ap);
}

vfs::Timespec Ext2Fs::now() const {
  int64_t ns = kernel_.hyp().wall_ns();
  return {ns / 1000000000, ns % 1000000000};
}

Result<vfs::BufRef> Ext2Fs::bread(uint64_t b) {
  if (!valid_block(b))
    return corrupt("block %llu is outside the file system", static_cast<unsigned long long>(b));
  return cache_.read(*dev_, b, geo_.block_size);
}

Result<vfs::BufRef> Ext2Fs::bget(uint64_t b) {
  if (!valid_block(b))
    return corrupt("block %llu is outside the file system", static_cast<unsigned long long>(b));
  return cache_.get(*dev_, b, geo_.block_size);
}

void Ext2Fs::read_ahead(uint64_t b, uint32_t count) {
  if (!valid_block(b)) return;
  if (count > geo_.blocks_count - b) count = static_cast<uint32_t>(geo_.blocks_count - b);
  cache_.read_ahead(*dev_, b, geo_.block_size, count);
}

Result<uint32_t> Ext2Fs::read_direct(uint64_t b, uint32_t count,
                                     std::span<const kern::IoVec> iov) {
  if (count == 0 || !valid_block(b) || !valid_block(b + count - 1))
    return corrupt("blocks %llu+%u are outside the file system",
                   static_cast<unsigned long long>(b), count);
  return cache_.read_direct(*dev_, b, geo_.block_size, count, iov);
}

Result<void> Ext2Fs::write_direct(uint64_t b, uint32_t count, std::span<const kern::IoVec> iov) {
  if (count == 0 || !valid_block(b) || !valid_block(b + count - 1))
    return corrupt("blocks %llu+%u are outside the file system",
                   static_cast<unsigned long long>(b), count);
  return cache_.write_direct(*dev_, b, geo_.block_size, count, iov);
}

// --- mounting -----------------------------------------------------------------------------

Result<Ref<Ext2Fs>> Ext2Fs::create(kern::Kernel& k, vfs::Mount& m, uint32_t flags,
                                   const char* data) {
  vfs::BlockDevice* dev = m.device();
  if (dev == nullptr) return Errno::kNotBlk;
  const char* bad = nullptr;
  if (!parse_options(data, &bad).ok()) {
    k.log().log(kern::LogLevel::kErr, "ext2 (%s): unknown mount option \"%s\"", dev->name(), bad);
    return Errno::kInval;
  }
  void* mem = k.kmem().alloc(sizeof(Ext2Fs), kern::KmFlags::kNoSleep, alignof(Ext2Fs));
  if (mem == nullptr) return Errno::kNoMem;
  bool ro = (flags & vfs::kMsRdonly) || dev->read_only();
  Ref<Ext2Fs> fs = Ref<Ext2Fs>::adopt(*new (mem) Ext2Fs(k, m, *dev, ro));
  if (Result<void> r = fs->load(flags, data); !r.ok()) {
    // Nodes read before the failure (the root) hold the file system: let them go with it.
    fs->unmounted_.store(true);
    fs->drop_cache();
    return r.error();
  }
  return fs;
}

Result<void> Ext2Fs::load(uint32_t flags, const char* data) {
  SuperBlock sb;
  if (dev_->size() < kSuperOffset + kSuperSize) {
    warn("device too small for an ext2 file system");
    return Errno::kInval;
  }
  RK_TRY(dev_->read(kSuperOffset, &sb, sizeof(sb)));
  const char* why = nullptr;
  if (!parse_superblock(sb, dev_->size(), geo_, &why).ok()) {
    kernel_.log().log(kern::LogLevel::kErr, "ext2 (%s): not a usable ext2/3/4 file system: %s",
                      dev_->name(), why);
    return Errno::kInval;
  }
  const char* feature = nullptr;
  if (Result<void> r = check_features(geo_, sb, false, &feature); !r.ok()) {
    if (r.error() == Errno::kInval) {
      kernel_.log().log(kern::LogLevel::kErr, "ext2 (%s): cannot mount: unsupported feature \"%s\"",
                        dev_->name(), feature);
      return Errno::kInval;
    }
    if (!read_only()) {
      kernel_.log().log(kern::LogLevel::kErr,
                        "ext2 (%s): cannot mount read-write: feature \"%s\" is not supported "
                        "for writing (mount read-only)",
                        dev_->name(), feature);
      return r.error();
    }
    if (geo_.has_incompat(incompat::kRecover))
      warn("the journal needs recovery; mounting read-only without replaying it");
  }
  // Largest file: what the block map reaches, within i_blocks' 32 bits of sectors (ext4
  // extents: 2^32 blocks).
  const uint64_t bs = geo_.block_size, p = geo_.addr_per_block;
  uint64_t map_blocks = geo_.has_incompat(incompat::kExtents) ? (uint64_t{1} << 32) - 1
                                                              : kNDirBlocks + p + p * p + p * p * p;
  uint64_t limit = map_blocks * bs;
  if (!geo_.has_ro_compat(ro_compat::kHugeFile)) {
    uint64_t sectors_limit = ((uint64_t{1} << 32) - 1) * 512 - 4 * bs * (p + 1);
    if (limit > sectors_limit) limit = sectors_limit;
  }
  if (limit > uint64_t{INT64_MAX}) limit = INT64_MAX;
  max_file_size_ = limit;

  itable_ = static_cast<uint64_t*>(
      kernel_.kmem().zalloc(sizeof(uint64_t) * geo_.group_count, kern::KmFlags::kNoSleep));
  if (itable_ == nullptr) return Errno::kNoMem;
  {
    kern::MutexGuard g(alloc_lock_);
    sb_ = sb;
    RK_TRY(load_groups());
  }
  // The root must be a directory; checked now so that root() never meets a broken one.
  Ref<Ext2Node> root = RK_TRY(get_node(kRootIno));
  if (!root->is_dir()) return corrupt("the root inode is not a directory");
  if (!read_only()) RK_TRY(mark_mounted(true));
  return ok();
}

GroupDesc& Ext2Fs::gd(uint32_t g) {
  return *reinterpret_cast<GroupDesc*>(gdt_ + size_t{g} * geo_.desc_size);
}
uint64_t Ext2Fs::gd_block_bitmap(uint32_t g) {
  GroupDesc& d = gd(g);
  uint64_t v = d.bg_block_bitmap_lo;
  if (geo_.desc_size >= kGroupDescSize64) v |= uint64_t{d.bg_block_bitmap_hi} << 32;
  return v;
}
uint64_t Ext2Fs::gd_inode_bitmap(uint32_t g) {
  GroupDesc& d = gd(g);
  uint64_t v = d.bg_inode_bitmap_lo;
  if (geo_.desc_size >= kGroupDescSize64) v |= uint64_t{d.bg_inode_bitmap_hi} << 32;
  return v;
}
uint32_t Ext2Fs::gd_free_blocks(uint32_t g) {
  GroupDesc& d = gd(g);
  uint32_t v = d.bg_free_blocks_count_lo;
  if (geo_.desc_size >= kGroupDescSize64) v |= uint32_t{d.bg_free_blocks_count_hi} << 16;
  return v;
}
uint32_t Ext2Fs::gd_free_inodes(uint32_t g) {
  GroupDesc& d = gd(g);
  uint32_t v = d.bg_free_inodes_count_lo;
  if (geo_.desc_size >= kGroupDescSize64) v |= uint32_t{d.bg_free_inodes_count_hi} << 16;
  return v;
}
uint32_t Ext2Fs::gd_used_dirs(uint32_t g) {
  GroupDesc& d = gd(g);
  uint32_t v = d.bg_used_dirs_count_lo;
  if (geo_.desc_size >= kGroupDescSize64) v |= uint32_t{d.bg_used_dirs_count_hi} << 16;
  return v;
}
void Ext2Fs::gd_set_counts(uint32_t g, uint32_t free_blocks, uint32_t free_inodes, uint32_t dirs) {
  // Only formats without descriptor checksums are written (check_features), so no checksum
  // needs updating here.
  GroupDesc& d = gd(g);
  d.bg_free_blocks_count_lo = static_cast<uint16_t>(free_blocks);
  d.bg_free_inodes_count_lo = static_cast<uint16_t>(free_inodes);
  d.bg_used_dirs_count_lo = static_cast<uint16_t>(dirs);
  if (geo_.desc_size >= kGroupDescSize64) {
    d.bg_free_blocks_count_hi = static_cast<uint16_t>(free_blocks >> 16);
    d.bg_free_inodes_count_hi = static_cast<uint16_t>(free_inodes >> 16);
    d.bg_used_dirs_count_hi = static_cast<uint16_t>(dirs >> 16);
  }
  dirty_super_ = true;
}

Result<void> Ext2Fs::load_groups() {
  const size_t bytes = size_t{geo_.group_count} * geo_.desc_size;
  gdt_ = static_cast<uint8_t*>(kernel_.kmem().zalloc(bytes, kern::KmFlags::kNoSleep));
  if (gdt_ == nullptr) return Errno::kNoMem;
  const uint32_t bs = geo_.block_size;
  for (uint32_t i = 0; i < geo_.gdt_blocks; ++i) {
    vfs::BufRef b = RK_TRY(bread(geo_.first_data_block + 1 + i));
    size_t off = size_t{i} * bs;
    size_t n = bytes - off < bs ? bytes - off : bs;
    mem_copy(gdt_ + off, b.data(), n);
  }
  const bool flex = geo_.has_incompat(incompat::kFlexBg);
  uint64_t free_blocks = 0, free_inodes = 0;
  for (uint32_t g = 0; g < geo_.group_count; ++g) {
    GroupDesc& d = gd(g);
    if (geo_.metadata_csum) {
      uint32_t le_g = g;
      uint16_t saved = d.bg_checksum;
      d.bg_checksum = 0;
      uint32_t crc = crc32c_raw(geo_.csum_seed, &le_g, 4);
      crc = crc32c_raw(crc, &d, geo_.desc_size);
      d.bg_checksum = saved;
      if (static_cast<uint16_t>(crc) != saved)
        return corrupt("group %u: descriptor checksum mismatch", g);
    }
    uint64_t itable = d.bg_inode_table_lo;
    if (geo_.desc_size >= kGroupDescSize64) itable |= uint64_t{d.bg_inode_table_hi} << 32;
    const uint64_t bb = gd_block_bitmap(g), ib = gd_inode_bitmap(g);
    const uint64_t first = geo_.group_first_block(g);
    const uint64_t end = first + geo_.blocks_in_group(g);
    auto inside = [&](uint64_t b, uint64_t n) {
      if (flex) return b >= geo_.first_data_block && b + n <= geo_.blocks_count && b + n > b;
      return b >= first && b + n <= end;
    };
    if (!inside(bb, 1) || !inside(ib, 1) || !inside(itable, geo_.inode_table_blocks))
      return corrupt("group %u: bitmap or inode table outside the %s", g,
                     flex ? "file system" : "group");
    itable_[g] = itable;
    if (gd_free_blocks(g) > geo_.blocks_in_group(g) || gd_free_inodes(g) > geo_.inodes_per_group)
      return corrupt("group %u: free counts larger than the group", g);
    free_blocks += gd_free_blocks(g);
    free_inodes += gd_free_inodes(g);
  }
  free_blocks_ = free_blocks;
  free_inodes_ = free_inodes;
  return ok();
}

Result<void> Ext2Fs::write_super() {
  kern::MutexGuard g(alloc_lock_);
  return write_super_locked();
}

Result<void> Ext2Fs::write_super_locked() {
  if (read_only()) return ok();
  const uint32_t bs = geo_.block_size;
  sb_.s_free_blocks_count_lo = static_cast<uint32_t>(free_blocks_);
  if (geo_.has_incompat(incompat::k64Bit))
    sb_.s_free_blocks_count_hi = static_cast<uint32_t>(free_blocks_ >> 32);
  sb_.s_free_inodes_count = static_cast<uint32_t>(free_inodes_);
  sb_.s_wtime = static_cast<uint32_t>(now().sec);
  const size_t gdt_bytes = size_t{geo_.group_count} * geo_.desc_size;
  // The primary copy, then the backups in the groups that carry one (their superblock says
  // which group it is in).
  for (uint32_t grp = 0; grp < geo_.group_count; ++grp) {
    if (!geo_.group_has_super(grp)) continue;
    const uint64_t first = geo_.group_first_block(grp);
    SuperBlock copy = sb_;
    copy.s_block_group_nr = static_cast<uint16_t>(grp);
    if (geo_.metadata_csum) copy.s_checksum = superblock_checksum(copy);
    {
      // Group 0's superblock sits at byte 1024: block 1 of 1 KiB blocks, inside block 0 of
      // larger ones. A backup starts its group's first block.
      uint64_t blk = grp == 0 ? kSuperOffset / bs : first;
      uint32_t off = grp == 0 ? static_cast<uint32_t>(kSuperOffset % bs) : 0;
      vfs::BufRef b = RK_TRY(bread(blk));
      mem_copy(b.data() + off, &copy, sizeof(copy));
      b.mark_dirty();
    }
    for (uint32_t i = 0; i < geo_.gdt_blocks; ++i) {
      vfs::BufRef b = RK_TRY(bread(first + 1 + i));
      size_t off = size_t{i} * bs;
      size_t n = gdt_bytes - off < bs ? gdt_bytes - off : bs;
      mem_copy(b.data(), gdt_ + off, n);
      b.mark_dirty();
    }
  }
  dirty_super_ = false;
  return ok();
}

Result<void> Ext2Fs::mark_mounted(bool mounted) {
  kern::MutexGuard g(alloc_lock_);
  if (mounted) {
    if (!(sb_.s_state & kStateValid))
      warn("mounting a file system that was not cleanly unmounted; run e2fsck");
    else if (sb_.s_state & kStateError)
      warn("mounting a file system with errors; run e2fsck");
    sb_.s_state = static_cast<uint16_t>(sb_.s_state & ~kStateValid);
    sb_.s_mnt_count = static_cast<uint16_t>(sb_.s_mnt_count + 1);
    sb_.s_mtime = static_cast<uint32_t>(now().sec);
  } else {
    sb_.s_state = static_cast<uint16_t>(sb_.s_state | kStateValid);
  }
  RK_TRY(write_super_locked());
  return cache_.sync(*dev_);
}

// --- statfs, sync, unmount ----------------------------------------------------------------

Result<void> Ext2Fs::statfs(vfs::StatFs& st) {
  reap(false);
  st.type = kSuperMagic;
  st.bsize = st.frsize = geo_.block_size;
  st.namelen = vfs::kNameMax;
  // As Linux's default (bsddf): the blocks the metadata takes are not counted.
  uint64_t overhead = geo_.first_data_block;
  for (uint32_t g = 0; g < geo_.group_count; ++g) {
    if (geo_.group_has_super(g)) overhead += 1 + geo_.gdt_blocks;
    overhead += 2 + geo_.inode_table_blocks;
  }
  {
    kern::MutexGuard g(alloc_lock_);
    st.blocks = geo_.blocks_count > overhead ? geo_.blocks_count - overhead : 0;
    st.bfree = free_blocks_;
    st.bavail = free_blocks_ > geo_.r_blocks_count ? free_blocks_ - geo_.r_blocks_count : 0;
    st.files = geo_.inodes_count;
    st.ffree = free_inodes_;
  }
  return ok();
}

Result<void> Ext2Fs::sync() {
  if (unmounted_.load(std::memory_order_acquire)) return ok();
  reap(false);
  if (read_only()) return ok();
  RK_TRY(write_super());
  return cache_.sync(*dev_);
}

Result<void> Ext2Fs::unmount(bool force) {
  if (unmounted_.load(std::memory_order_acquire)) return ok();
  // Nodes still held elsewhere (a forced unmount) stay in memory, detached from the disk.
  reap(true);
  {
    // Files with no name still open: their storage goes now, while the device is ours. Their
    // users keep an empty node (writes fail with EROFS from here on).
    kern::MutexGuard g(orphan_lock_);
    while (Ext2Node* n = orphans_.pop_front()) {
      if (!n->storage_freed_ && !read_only()) n->free_storage();
      n->storage_freed_ = true;
    }
  }
  Result<void> r = ok();
  if (!read_only())
    r = mark_mounted(false);
  else
    r = cache_.sync(*dev_);
  read_only_.store(true);
  unmounted_.store(true, std::memory_order_release);
  drop_cache();
  return r;
}

void Ext2Fs::drop_cache() {
  // Nodes still in use (the root the VFS holds until the mount goes, files of a forced
  // unmount) leave the cache: its references would otherwise keep them, and through them us,
  // alive for ever. Their users' last reference frees them.
  Ext2Node* left = nullptr;
  {
    kern::MutexGuard g(cache_lock_);
    for (uint32_t i = 0; i < kBuckets; ++i) {
      while (Ext2Node* n = buckets_[i]) {
        buckets_[i] = n->hash_next_;
        n->cached_ = false;
        n->hash_next_ = left;
        left = n;
      }
    }
    cached_ = 0;
  }
  while (left != nullptr) {
    Ext2Node* n = left;
    left = n->hash_next_;
    n->hash_next_ = nullptr;
    n->unref();
  }
}

Result<void> Ext2Fs::remount(uint32_t flags, const char* data) {
  const char* bad = nullptr;
  if (!parse_options(data, &bad).ok()) {
    warn("unknown mount option \"%s\"", bad);
    return Errno::kInval;
  }
  const bool want_ro = (flags & vfs::kMsRdonly) != 0;
  if (want_ro == read_only()) return ok();
  if (want_ro) {
    reap(false);
    RK_TRY(mark_mounted(false));
    read_only_.store(true);
    return ok();
  }
  if (dev_->read_only()) return Errno::kAcces;
  SuperBlock sb;
  {
    kern::MutexGuard g(alloc_lock_);
    sb = sb_;
  }
  const char* feature = nullptr;
  if (Result<void> r = check_features(geo_, sb, false, &feature); !r.ok()) {
    kernel_.log().log(kern::LogLevel::kErr,
                      "ext2 (%s): cannot remount read-write: feature \"%s\" is not supported "
                      "for writing",
                      dev_->name(), feature);
    return r.error();
  }
  read_only_.store(false);
  return mark_mounted(true);
}

// --- the vnode cache ------------------------------------------------------------------------

Ref<vfs::Vnode> Ext2Fs::root() {
  Result<Ref<Ext2Node>> r = get_node(kRootIno);
  if (r.ok()) return Ref<vfs::Vnode>(*r.value());
  // The root was read at mount; failing now (I/O error, unmounted) leaves an empty stand-in.
  Inode husk{};
  husk.i_mode = kIfDir | 0755;
  husk.i_links_count = 2;
  Ref<Ext2Node> n = RK_MUST(Ext2Node::make(*this, kRootIno, husk));
  n->husk_ = true;
  return Ref<vfs::Vnode>(*n);
}

Ext2Node* Ext2Fs::cache_find_locked(uint32_t ino) {
  for (Ext2Node* n = buckets_[ino % kBuckets]; n != nullptr; n = n->hash_next_)
    if (n->ino_ == ino) return n;
  return nullptr;
}

void Ext2Fs::cache_insert_locked(Ext2Node& n) {
  n.ref();  // the cache's own reference
  n.cached_ = true;
  n.hash_next_ = buckets_[n.ino_ % kBuckets];
  buckets_[n.ino_ % kBuckets] = &n;
  ++cached_;
}

Result<Ref<Ext2Node>> Ext2Fs::get_node(uint32_t ino) {
  if (!valid_ino(ino)) return corrupt("inode number %u is out of range", ino);
  if (unmounted_.load(std::memory_order_acquire)) return Errno::kIo;
  {
    kern::MutexGuard g(cache_lock_);
    if (Ext2Node* n = cache_find_locked(ino)) return Ref<Ext2Node>(*n);
  }
  Inode in;
  RK_TRY(read_inode(ino, in));
  if (in.i_links_count == 0)
    return corrupt("inode %u is referenced but not in use (no links)", ino);
  Ref<Ext2Node> made = RK_TRY(Ext2Node::make(*this, ino, in));
  bool over;
  {
    kern::MutexGuard g(cache_lock_);
    // Another thread may have read it meanwhile: theirs wins (ours goes, untouched on disk).
    if (Ext2Node* n = cache_find_locked(ino)) return Ref<Ext2Node>(*n);
    cache_insert_locked(*made);
    over = cached_ > kCacheTarget;
  }
  if (over) reap(false);
  return made;
}

Result<Ref<Ext2Node>> Ext2Fs::add_node(uint32_t ino, const Inode& inode) {
  Ref<Ext2Node> made = RK_TRY(Ext2Node::make(*this, ino, inode));
  kern::MutexGuard g(cache_lock_);
  if (cache_find_locked(ino) != nullptr) {
    // A freshly allocated inode that is cached: the bitmap said free for an inode in use.
    return corrupt("inode %u allocated while in use", ino);
  }
  cache_insert_locked(*made);
  return made;
}

void Ext2Fs::uncache(Ext2Node& n) {
  {
    kern::MutexGuard g(orphan_lock_);
    if (!n.orphan_link_.linked()) orphans_.push_back(n);
  }
  {
    kern::MutexGuard g(cache_lock_);
    if (!n.cached_) return;
    for (Ext2Node** link = &buckets_[n.ino_ % kBuckets]; *link != nullptr;
         link = &(*link)->hash_next_) {
      if (*link == &n) {
        *link = n.hash_next_;
        break;
      }
    }
    n.hash_next_ = nullptr;
    n.cached_ = false;
    --cached_;
  }
  n.unref();  // the cache's; never the last (the caller holds one)
}

void Ext2Fs::reap(bool all) {
  Ext2Node* victims = nullptr;
  {
    kern::MutexGuard g(cache_lock_);
    const bool over = all || cached_ > kCacheTarget;
    for (uint32_t i = 0; i < kBuckets; ++i) {
      Ext2Node** link = &buckets_[i];
      while (Ext2Node* n = *link) {
        // Only the cache holds it: nobody else can reach it but through us, under our lock.
        if (n->ref_count() == 1 && (over || n->nlink_hint_.load(std::memory_order_relaxed) == 0)) {
          *link = n->hash_next_;
          n->cached_ = false;
          n->hash_next_ = victims;
          victims = n;
          --cached_;
        } else {
          link = &n->hash_next_;
        }
      }
    }
  }
  // Dropping them frees their storage when they have no links left; that may take locks this
  // file system's other paths take before the cache's, so it runs outside cache_lock_.
  while (victims != nullptr) {
    Ext2Node* n = victims;
    victims = n->hash_next_;
    n->hash_next_ = nullptr;
    n->unref();
  }
}

// --- the component's entry ---------------------------------------------------------------

Result<Ref<vfs::FileSystem>> ext2_mount(kern::Kernel& k, vfs::Mount& m, const char* source,
                                        uint32_t flags, const char* data) {
  Ref<Ext2Fs> fs = RK_TRY(Ext2Fs::create(k, m, flags, data));
  return Ref<vfs::FileSystem>(*fs);
}

}  // namespace rk::fs::ext2
