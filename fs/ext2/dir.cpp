// Ext2Node's directory operations (rename is in rename.cpp): linear directories, and hashed
// (htree) ones read the same way: an htree's index blocks look like empty records to a linear
// reader, by design of the format. Changing an indexed directory drops its index flag (the
// blocks stay a valid linear directory), which keeps e2fsck content.
#include "fs/ext2/checksum.h"
#include "fs/ext2/dir_block.h"
#include "fs/ext2/fs.h"
#include "fs/ext2/node.h"
#include "kern/kernel.h"
#include "kern/lib/string.h"
#include "kern/uio.h"

namespace rk::fs::ext2 {

bool check_dir_block(const uint8_t* block, uint32_t bs, uint32_t inodes_count, const char** why,
                     uint32_t* at) {
  uint32_t off = 0;
  while (off < bs) {
    *at = off;
    if (bs - off < kDirEntryHead) {
      *why = "record header crosses the end of the block";
      return false;
    }
    const auto* h = reinterpret_cast<const DirEntryHead*>(block + off);
    const uint32_t rl = decode_rec_len(h->rec_len, bs);
    if (rl < kDirEntryHead || rl % 4 != 0) {
      *why = "bad record length";
      return false;
    }
    if (rl > bs - off) {
      *why = "record crosses the end of the block";
      return false;
    }
    if (kDirEntryHead + h->name_len > rl) {
      *why = "name longer than its record";
      return false;
    }
    if (h->inode != 0) {
      if (h->inode > inodes_count) {
        *why = "inode number out of range";
        return false;
      }
      if (h->name_len == 0) {
        *why = "empty name";
        return false;
      }
      const char* name = reinterpret_cast<const char*>(block + off + kDirEntryHead);
      for (uint32_t i = 0; i < h->name_len; ++i) {
        if (name[i] == '\0' || name[i] == '/') {
          *why = "name contains NUL or '/'";
          return false;
        }
      }
    }
    off += rl;
  }
  return true;
}

Result<void> Ext2Node::check_dir() const {
  if (!is_dir()) return Errno::kNotDir;
  if (husk_) return Errno::kNoEnt;
  return ok();
}

uint64_t Ext2Node::dir_blocks() const { return size() / fs_->geo().block_size; }

Result<vfs::BufRef> Ext2Node::dir_block(uint64_t lblk) {
  const uint64_t phys = RK_TRY(bmap(lblk));
  if (phys == 0)
    return fs_->corrupt("directory %u: hole at block %llu", ino_,
                        static_cast<unsigned long long>(lblk));
  vfs::BufRef b = RK_TRY(fs_->bread(phys));
  const char* why = nullptr;
  uint32_t at = 0;
  const Geometry& geo = fs_->geo();
  if (!check_dir_block(b.data(), geo.block_size, geo.inodes_count, &why, &at))
    return fs_->corrupt("directory %u: block %llu offset %u: %s", ino_,
                        static_cast<unsigned long long>(lblk), at, why);
  if (geo.metadata_csum) {
    // A leaf block ends with a 12-byte record holding its checksum (hash-index blocks have
    // theirs elsewhere and are not checked here).
    const uint32_t t = geo.block_size - kDirTailSize;
    const auto* tail = reinterpret_cast<const DirEntryHead*>(b.data() + t);
    if (tail->inode == 0 && tail->rec_len == kDirTailSize && tail->name_len == 0 &&
        tail->file_type == kFtDirCsum) {
      uint32_t gen;
      {
        kern::MutexGuard g(meta_);
        gen = inode_.i_generation;
      }
      uint32_t le_ino = ino_;
      uint32_t crc = crc32c_raw(geo.csum_seed, &le_ino, 4);
      crc = crc32c_raw(crc, &gen, 4);
      crc = crc32c_raw(crc, b.data(), t);
      uint32_t stored;
      mem_copy(&stored, b.data() + t + 8, 4);
      if (crc != stored)
        return fs_->corrupt("directory %u: block %llu: checksum mismatch", ino_,
                            static_cast<unsigned long long>(lblk));
    }
  }
  return b;
}

namespace {

// The largest record block b can take in one place.
uint32_t block_room(uint8_t* b, uint32_t bs) {
  uint32_t room = 0;
  for (DirWalk w(b, bs); !w.done(); w.next()) {
    const DirEntryHead& h = w.head();
    if (h.inode == 0 && h.file_type == kFtDirCsum && h.name_len == 0) continue;
    const uint32_t used = h.inode != 0 ? dirent_size(h.name_len) : 0;
    if (w.rec_len() - used > room) room = w.rec_len() - used;
  }
  return room;
}

}  // namespace

void Ext2Node::drop_dir_index_locked() {
  if (index_ == nullptr) return;
  kernel().kmem().destroy(index_);
  index_ = nullptr;
}

Result<void> Ext2Node::build_index_locked() {
  index_ = kernel().kmem().create<DirIndex>(kern::KmFlags::kNoSleep, kernel().kmem());
  if (index_ == nullptr) return Errno::kNoMem;
  const uint32_t bs = fs_->geo().block_size;
  const uint64_t n = dir_blocks();
  Result<void> r = ok();
  for (uint64_t lblk = 0; lblk < n && r.ok(); ++lblk) {
    Result<vfs::BufRef> b = dir_block(lblk);
    if (!b.ok()) {
      r = b.error();
      break;
    }
    for (DirWalk w(b.value().data(), bs); !w.done() && r.ok(); w.next())
      if (w.head().inode != 0)
        r = index_->insert(DirIndex::hash(w.name()), static_cast<uint32_t>(lblk), w.offset());
    if (r.ok()) r = index_->set_room(static_cast<uint32_t>(lblk), block_room(b.value().data(), bs));
  }
  if (!r.ok()) drop_dir_index_locked();
  return r;
}

Result<DirSlot> Ext2Node::find_indexed_locked(std::string_view name) {
  const uint32_t bs = fs_->geo().block_size;
  DirSlot found;
  Result<void> err = ok();
  const bool hit = index_->find(DirIndex::hash(name), [&](uint32_t lblk, uint32_t off) {
    Result<vfs::BufRef> b = dir_block(lblk);
    if (!b.ok()) {
      err = b.error();
      return true;
    }
    for (DirWalk w(b.value().data(), bs); !w.done(); w.next()) {
      if (w.offset() < off) continue;
      if (w.offset() != off || w.head().inode == 0 || w.name() != name) return false;
      found.lblk = lblk;
      found.offset = off;
      found.prev = w.prev();
      found.ino = w.head().inode;
      found.file_type = w.head().file_type;
      return true;
    }
    return false;
  });
  if (!err.ok()) {
    drop_dir_index_locked();
    return err.error();
  }
  if (!hit) return Errno::kNoEnt;
  return found;
}

Result<DirSlot> Ext2Node::find_entry(std::string_view name) {
  const uint64_t n = dir_blocks();
  if (n >= kDirIndexMinBlocks) {
    kern::MutexGuard g(index_lock_);
    if (index_ == nullptr) RK_TRY(build_index_locked());
    return find_indexed_locked(name);
  }
  for (uint64_t lblk = 0; lblk < n; ++lblk) {
    vfs::BufRef b = RK_TRY(dir_block(lblk));
    for (DirWalk w(b.data(), fs_->geo().block_size); !w.done(); w.next()) {
      const DirEntryHead& h = w.head();
      if (h.inode == 0 || w.name() != name) continue;
      DirSlot s;
      s.lblk = lblk;
      s.offset = w.offset();
      s.prev = w.prev();
      s.ino = h.inode;
      s.file_type = h.file_type;
      return s;
    }
  }
  return Errno::kNoEnt;
}

Result<void> Ext2Node::drop_htree_flag() {
  kern::MutexGuard g(meta_);
  if (!(inode_.i_flags & kIndexFl)) return ok();
  inode_.i_flags &= ~kIndexFl;
  return store_locked();
}

bool Ext2Node::insert_in_block(uint8_t* b, std::string_view name, uint32_t ino, uint8_t file_type,
                               uint32_t* off) {
  const uint32_t bs = fs_->geo().block_size;
  const uint32_t need = dirent_size(static_cast<uint32_t>(name.size()));
  auto fill = [&](uint8_t* at, uint32_t rec_len) {
    auto* h = reinterpret_cast<DirEntryHead*>(at);
    h->inode = ino;
    h->rec_len = encode_rec_len(rec_len, bs);
    h->name_len = static_cast<uint8_t>(name.size());
    h->file_type = fs_->filetype() ? file_type : 0;
    mem_copy(at + kDirEntryHead, name.data(), name.size());
    // The padding after the name is zeroed, as e2fsck likes it.
    mem_set(at + kDirEntryHead + name.size(), 0, need - kDirEntryHead - name.size());
  };
  for (DirWalk w(b, bs); !w.done(); w.next()) {
    DirEntryHead& h = w.head();
    const uint32_t rl = w.rec_len();
    if (h.inode == 0 && h.file_type == kFtDirCsum && h.name_len == 0) continue;  // csum tail
    const uint32_t used = h.inode != 0 ? dirent_size(h.name_len) : 0;
    if (rl - used < need) continue;
    if (used != 0) {
      h.rec_len = encode_rec_len(used, bs);
      fill(b + w.offset() + used, rl - used);
      *off = w.offset() + used;
    } else {
      fill(b + w.offset(), rl);
      *off = w.offset();
    }
    return true;
  }
  return false;
}

Result<void> Ext2Node::add_entry(std::string_view name, uint32_t ino, uint8_t file_type) {
  kern::MutexGuard dl(dir_lock_);
  if (links() == 0) return Errno::kNoEnt;  // removed meanwhile: nothing new goes in, as Linux
  RK_TRY(drop_htree_flag());
  const uint32_t bs = fs_->geo().block_size;
  const uint32_t need = dirent_size(static_cast<uint32_t>(name.size()));
  const uint32_t h = DirIndex::hash(name);
  kern::MutexGuard ig(index_lock_);
  const uint64_t n = dir_blocks();
  // Where there is room: the index knows; without one, every block is looked at.
  uint64_t first = 0, last = n;
  if (index_ != nullptr) {
    const uint32_t pick = index_->block_with_room(need);
    first = pick == UINT32_MAX ? n : pick;
    last = pick == UINT32_MAX ? n : pick + 1;
  }
  for (uint64_t lblk = first; lblk < last; ++lblk) {
    Result<vfs::BufRef> rb = dir_block(lblk);
    if (!rb.ok()) {
      drop_dir_index_locked();
      return rb.error();
    }
    vfs::BufRef b = std::move(rb).value();
    uint32_t off = 0;
    if (!insert_in_block(b.data(), name, ino, file_type, &off)) {
      if (index_ != nullptr) drop_dir_index_locked();  // its room was wrong: start afresh
      continue;
    }
    b.mark_dirty();
    if (index_ != nullptr) {
      Result<void> r = index_->insert(h, static_cast<uint32_t>(lblk), off);
      if (r.ok()) r = index_->set_room(static_cast<uint32_t>(lblk), block_room(b.data(), bs));
      if (!r.ok()) drop_dir_index_locked();
    }
    b.release();
    return touch(true, true);
  }
  // No room: a new block at the end.
  if (n >= fs_->max_file_size() / bs) return Errno::kFBig;
  bool fresh = false;
  const uint64_t phys = RK_TRY(bmap_alloc(n, &fresh));
  {
    vfs::BufRef b = RK_TRY(fs_->bget(phys));
    mem_set(b.data(), 0, bs);
    auto* e = reinterpret_cast<DirEntryHead*>(b.data());
    e->rec_len = encode_rec_len(bs, bs);  // one empty record over the block, then filled
    uint32_t off = 0;
    insert_in_block(b.data(), name, ino, file_type, &off);
    b.mark_dirty();
    if (index_ != nullptr) {
      Result<void> r = index_->insert(h, static_cast<uint32_t>(n), off);
      if (r.ok()) r = index_->set_room(static_cast<uint32_t>(n), block_room(b.data(), bs));
      if (!r.ok()) drop_dir_index_locked();
    }
  }
  kern::MutexGuard g(meta_);
  set_size_locked((n + 1) * bs);
  set_times_locked(true, true, fs_->now());
  return store_locked();
}

Result<void> Ext2Node::remove_slot(const DirSlot& slot) {
  RK_TRY(drop_htree_flag());
  const uint32_t bs = fs_->geo().block_size;
  kern::MutexGuard ig(index_lock_);
  {
    Result<vfs::BufRef> rb = dir_block(slot.lblk);
    if (!rb.ok()) {
      drop_dir_index_locked();
      return rb.error();
    }
    vfs::BufRef b = std::move(rb).value();
    auto* cur = reinterpret_cast<DirEntryHead*>(b.data() + slot.offset);
    if (cur->inode != slot.ino) return Errno::kNoEnt;
    const uint32_t h = DirIndex::hash(
        {reinterpret_cast<const char*>(b.data() + slot.offset + kDirEntryHead), cur->name_len});
    if (slot.prev == slot.offset) {
      cur->inode = 0;  // the first record of a block stays, empty
    } else {
      auto* prev = reinterpret_cast<DirEntryHead*>(b.data() + slot.prev);
      prev->rec_len =
          encode_rec_len(decode_rec_len(prev->rec_len, bs) + decode_rec_len(cur->rec_len, bs), bs);
    }
    b.mark_dirty();
    if (index_ != nullptr) {
      index_->erase(h, static_cast<uint32_t>(slot.lblk), slot.offset);
      if (!index_->set_room(static_cast<uint32_t>(slot.lblk), block_room(b.data(), bs)).ok())
        drop_dir_index_locked();
    }
  }
  return touch(true, true);
}

Result<void> Ext2Node::retarget_slot(const DirSlot& slot, uint32_t ino, uint8_t file_type) {
  RK_TRY(drop_htree_flag());
  {
    vfs::BufRef b = RK_TRY(dir_block(slot.lblk));
    auto* cur = reinterpret_cast<DirEntryHead*>(b.data() + slot.offset);
    if (cur->inode != slot.ino) return Errno::kNoEnt;
    cur->inode = ino;
    cur->file_type = fs_->filetype() ? file_type : 0;
    b.mark_dirty();
  }
  return touch(true, true);
}

Result<bool> Ext2Node::dir_empty() {
  const uint64_t n = dir_blocks();
  for (uint64_t lblk = 0; lblk < n; ++lblk) {
    vfs::BufRef b = RK_TRY(dir_block(lblk));
    for (DirWalk w(b.data(), fs_->geo().block_size); !w.done(); w.next()) {
      if (w.head().inode == 0) continue;
      std::string_view nm = w.name();
      if (nm == "." || nm == "..") continue;
      return false;
    }
  }
  return true;
}

Result<uint32_t> Ext2Node::dotdot() {
  if (dir_blocks() == 0) return fs_->corrupt("directory %u is empty (no \"..\")", ino_);
  vfs::BufRef b = RK_TRY(dir_block(0));
  DirWalk w(b.data(), fs_->geo().block_size);
  if (w.name() != ".") return fs_->corrupt("directory %u: first entry is not \".\"", ino_);
  w.next();
  if (w.done() || w.name() != "..")
    return fs_->corrupt("directory %u: second entry is not \"..\"", ino_);
  if (!fs_->valid_ino(w.head().inode)) return fs_->corrupt("directory %u: bad \"..\"", ino_);
  return w.head().inode;
}

Result<void> Ext2Node::set_dotdot(uint32_t ino) {
  RK_TRY(dotdot());  // checks the layout
  RK_TRY(drop_htree_flag());
  vfs::BufRef b = RK_TRY(dir_block(0));
  DirWalk w(b.data(), fs_->geo().block_size);
  w.next();
  w.head().inode = ino;
  b.mark_dirty();
  return ok();
}

Result<void> Ext2Node::init_dir(uint32_t parent) {
  const uint32_t bs = fs_->geo().block_size;
  bool fresh = false;
  const uint64_t phys = RK_TRY(bmap_alloc(0, &fresh));
  {
    vfs::BufRef b = RK_TRY(fs_->bget(phys));
    mem_set(b.data(), 0, bs);
    const uint8_t ft = fs_->filetype() ? kFtDir : 0;
    auto* dot = reinterpret_cast<DirEntryHead*>(b.data());
    *dot = DirEntryHead{ino_, 12, 1, ft};
    b.data()[kDirEntryHead] = '.';
    auto* dotdot = reinterpret_cast<DirEntryHead*>(b.data() + 12);
    *dotdot = DirEntryHead{parent, encode_rec_len(bs - 12, bs), 2, ft};
    b.data()[12 + kDirEntryHead] = '.';
    b.data()[12 + kDirEntryHead + 1] = '.';
    b.mark_dirty();
  }
  kern::MutexGuard g(meta_);
  set_size_locked(bs);
  return store_locked();
}

Result<Ref<Ext2Node>> Ext2Node::new_inode(vfs::VType type, uint32_t mode, uint32_t uid,
                                          uint32_t gid, uint64_t rdev) {
  const bool dir = type == vfs::VType::kDir;
  const uint32_t ino = RK_TRY(fs_->alloc_inode(ino_, dir));
  Inode in{};
  in.i_mode = static_cast<uint16_t>(vfs::type_to_ifmt(type) | (mode & vfs::kModeMask));
  in.i_uid = static_cast<uint16_t>(uid);
  in.i_uid_high = static_cast<uint16_t>(uid >> 16);
  in.i_gid = static_cast<uint16_t>(gid);
  in.i_gid_high = static_cast<uint16_t>(gid >> 16);
  in.i_links_count = dir ? 2 : 1;
  const uint32_t isz = fs_->geo().inode_size;
  if (isz > kGoodOldInodeSize) {
    uint32_t room = isz - kGoodOldInodeSize;
    in.i_extra_isize = static_cast<uint16_t>(room < kExtraIsize ? room & ~3u : kExtraIsize);
  }
  const vfs::Timespec t = fs_->now();
  in.i_atime = in.i_ctime = in.i_mtime = static_cast<uint32_t>(t.sec);
  if (in.i_extra_isize >= kExtraIsize) {
    const uint32_t extra = (static_cast<uint32_t>(t.nsec) << 2) |
                           static_cast<uint32_t>(((t.sec - static_cast<int32_t>(t.sec)) >> 32) & 3);
    in.i_atime_extra = in.i_ctime_extra = in.i_mtime_extra = in.i_crtime_extra = extra;
    in.i_crtime = in.i_atime;
  }
  in.i_generation = static_cast<uint32_t>(t.nsec) ^ (ino * 2654435761u);
  if (type == vfs::VType::kChr || type == vfs::VType::kBlk) {
    const uint32_t major = dev_major_of(rdev), minor = dev_minor_of(rdev);
    if (major < 256 && minor < 256)
      in.i_block[0] = (major << 8) | minor;
    else
      in.i_block[1] = (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
  }
  if (Result<void> r = fs_->write_inode(ino, in, true); !r.ok()) {
    fs_->free_inode(ino, dir);
    return r.error();
  }
  Result<Ref<Ext2Node>> n = fs_->add_node(ino, in);
  if (!n.ok()) {
    fs_->free_inode(ino, dir);
    return n.error();
  }
  return n;
}

// --- operations ---------------------------------------------------------------------------

Result<Ref<vfs::Vnode>> Ext2Node::lookup(std::string_view name) {
  RK_TRY(check_dir());
  if (name == ".") return Ref<vfs::Vnode>(*this);
  if (name.size() > vfs::kNameMax) return Errno::kNameTooLong;
  DirSlot s = RK_TRY(find_entry(name));
  if (s.ino == ino_) return Ref<vfs::Vnode>(*this);
  Ref<Ext2Node> n = RK_TRY(fs_->get_node(s.ino));
  return Ref<vfs::Vnode>(*n);
}

Result<Ref<vfs::Vnode>> Ext2Node::create(std::string_view name, vfs::VType type, uint32_t mode,
                                         uint32_t uid, uint32_t gid, uint64_t rdev) {
  RK_TRY(check_dir());
  RK_TRY(fs_->check_writable());
  switch (type) {
    case vfs::VType::kReg:
    case vfs::VType::kDir:
    case vfs::VType::kBlk:
    case vfs::VType::kChr:
    case vfs::VType::kFifo:
    case vfs::VType::kSock:
      break;
    default:
      return Errno::kInval;
  }
  if (name.empty()) return Errno::kNoEnt;
  if (name.size() > vfs::kNameMax) return Errno::kNameTooLong;
  if (links() == 0) return Errno::kNoEnt;  // removed: nothing new goes in
  if (Result<DirSlot> s = find_entry(name); s.ok())
    return Errno::kExist;
  else if (s.error() != Errno::kNoEnt)
    return s.error();
  const bool dir = type == vfs::VType::kDir;
  if (dir && links() >= kLinkMax) return Errno::kMLink;
  Ref<Ext2Node> n = RK_TRY(new_inode(type, mode, uid, gid, rdev));
  Result<void> r = dir ? n->init_dir(ino_) : ok();
  if (r.ok()) r = add_entry(name, n->ino(), file_type_of(type));
  if (r.ok() && dir) r = change_links(+1);
  if (!r.ok()) {
    // The inode goes back when the node is dropped (no links: the reaper frees it).
    (void)n->change_links(0, true);
    return r.error();
  }
  return Ref<vfs::Vnode>(*n);
}

Result<Ref<vfs::Vnode>> Ext2Node::symlink(std::string_view name, std::string_view target,
                                          uint32_t uid, uint32_t gid) {
  RK_TRY(check_dir());
  RK_TRY(fs_->check_writable());
  if (name.empty()) return Errno::kNoEnt;
  if (name.size() > vfs::kNameMax) return Errno::kNameTooLong;
  if (target.empty()) return Errno::kNoEnt;
  const uint32_t bs = fs_->geo().block_size;
  if (target.size() >= bs || target.size() >= kern::kPathMax) return Errno::kNameTooLong;
  if (links() == 0) return Errno::kNoEnt;
  if (Result<DirSlot> s = find_entry(name); s.ok())
    return Errno::kExist;
  else if (s.error() != Errno::kNoEnt)
    return s.error();
  Ref<Ext2Node> n = RK_TRY(new_inode(vfs::VType::kLnk, 0777, uid, gid, 0));
  Result<void> r = ok();
  if (target.size() < kFastSymlinkMax) {
    // A fast symlink: the target lives in i_block.
    kern::MutexGuard g(n->meta_);
    mem_copy(n->inode_.i_block, target.data(), target.size());
    n->set_size_locked(target.size());
    r = n->store_locked();
  } else {
    bool fresh = false;
    Result<uint64_t> phys = n->bmap_alloc(0, &fresh);
    if (!phys.ok()) r = phys.error();
    if (r.ok()) {
      Result<vfs::BufRef> b = fs_->bget(phys.value());
      if (b.ok()) {
        mem_set(b.value().data(), 0, bs);
        mem_copy(b.value().data(), target.data(), target.size());
        b.value().mark_dirty();
      } else {
        r = b.error();
      }
    }
    if (r.ok()) {
      kern::MutexGuard g(n->meta_);
      n->set_size_locked(target.size());
      r = n->store_locked();
    }
  }
  if (r.ok()) r = add_entry(name, n->ino(), kFtSymlink);
  if (!r.ok()) {
    (void)n->change_links(0, true);
    return r.error();
  }
  return Ref<vfs::Vnode>(*n);
}

Result<void> Ext2Node::link(std::string_view name, vfs::Vnode& target) {
  RK_TRY(check_dir());
  Ext2Node* t = RK_TRY(same_fs(target));
  RK_TRY(fs_->check_writable());
  if (name.empty()) return Errno::kNoEnt;
  if (name.size() > vfs::kNameMax) return Errno::kNameTooLong;
  if (Result<DirSlot> s = find_entry(name); s.ok())
    return Errno::kExist;
  else if (s.error() != Errno::kNoEnt)
    return s.error();
  if (t->is_dir()) return Errno::kPerm;
  if (t->links() == 0) return Errno::kNoEnt;
  RK_TRY(t->change_links(+1));
  if (Result<void> r = add_entry(name, t->ino(), file_type_of(t->type())); !r.ok()) {
    (void)t->change_links(-1);
    return r.error();
  }
  return ok();
}

Result<void> Ext2Node::remove(std::string_view name, vfs::Vnode& node) {
  RK_TRY(check_dir());
  Ext2Node* n = RK_TRY(same_fs(node));
  RK_TRY(fs_->check_writable());
  DirSlot s = RK_TRY(find_entry(name));
  if (s.ino != n->ino()) return Errno::kNoEnt;
  if (n->is_dir()) return Errno::kIsDir;
  RK_TRY(remove_slot(s));
  return n->change_links(-1);
}

Result<void> Ext2Node::rmdir(std::string_view name, vfs::Vnode& node) {
  RK_TRY(check_dir());
  Ext2Node* n = RK_TRY(same_fs(node));
  RK_TRY(fs_->check_writable());
  DirSlot s = RK_TRY(find_entry(name));
  if (s.ino != n->ino()) return Errno::kNoEnt;
  if (!n->is_dir()) return Errno::kNotDir;
  {
    kern::MutexGuard dl(n->dir_lock_);
    if (!RK_TRY(n->dir_empty())) return Errno::kNotEmpty;
    RK_TRY(remove_slot(s));
    RK_TRY(n->change_links(0, true));
  }
  return change_links(-1);  // its ".." no longer names us
}

Result<void> Ext2Node::readdir(uint64_t* cookie, vfs::DirSink& sink) {
  RK_TRY(check_dir());
  if (links() == 0) return Errno::kNoEnt;  // as Linux answers getdents on a removed directory
  const uint32_t bs = fs_->geo().block_size;
  const uint64_t size = this->size();
  const bool ft = fs_->filetype();
  // Cookies are byte offsets of records; a cookie inside a record (the record before it was
  // merged away) resumes at the next record.
  while (*cookie < size) {
    const uint64_t lblk = *cookie / bs;
    const uint32_t from = static_cast<uint32_t>(*cookie % bs);
    vfs::BufRef b = RK_TRY(dir_block(lblk));
    for (DirWalk w(b.data(), bs); !w.done(); w.next()) {
      if (w.offset() < from) continue;
      const uint64_t next = lblk * bs + w.offset() + w.rec_len();
      const DirEntryHead& h = w.head();
      if (h.inode != 0) {
        vfs::VType t = ft ? type_of_file_type(h.file_type) : vfs::VType::kNon;
        if (!sink.emit(h.inode, t, w.name(), next)) return ok();
      }
      *cookie = next;
    }
    *cookie = (lblk + 1) * bs;
  }
  return ok();
}

}  // namespace rk::fs::ext2
