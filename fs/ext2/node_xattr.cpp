// Extended attributes of an ext2 inode: in the inode's own area (large inodes, after
// i_extra_isize) and in one attribute block (i_file_acl), possibly shared by several inodes
// (h_refcount). Reads look in both. Changes rebuild the block's table from its entries with
// the one attribute set or removed, as Linux's ext2 does: in place when the block is this
// inode's alone, in a fresh block when it is shared, and the block goes when nothing is left.
// A name found in the inode's area is taken out of it there (a new value goes to the block), so
// that the area only ever shrinks and never needs room found in it.
#include <algorithm>

#include "fs/ext2/fs.h"
#include "fs/ext2/node.h"
#include "fs/ext2/xattr.h"
#include "kern/kernel.h"
#include "kern/lib/string.h"
#include "kern/lib/vector.h"

namespace rk::fs::ext2 {
namespace {

constexpr int kXattrCreate = 1;
constexpr int kXattrReplace = 2;

struct SplitName {
  uint8_t index;
  std::string_view name;  // without the prefix
};

// The namespaces this driver offers; EOPNOTSUPP for others (POSIX ACLs included).
Result<SplitName> split_name(std::string_view full) {
  struct Prefix {
    std::string_view text;
    uint8_t index;
  };
  static constexpr Prefix kPrefixes[] = {{"user.", kXattrIndexUser},
                                         {"trusted.", kXattrIndexTrusted},
                                         {"security.", kXattrIndexSecurity}};
  for (const Prefix& p : kPrefixes)
    if (full.starts_with(p.text)) return SplitName{p.index, full.substr(p.text.size())};
  return Errno::kOpNotSupp;
}

bool listed(uint8_t index, bool privileged) {
  return index == kXattrIndexUser || index == kXattrIndexSecurity ||
         (index == kXattrIndexTrusted && privileged);
}

// Kernel memory for a copy of a block or an inode, freed with it.
class Scratch {
 public:
  Scratch(kern::Kmem& kmem, size_t size) : kmem_(kmem), size_(size) {
    p_ = static_cast<uint8_t*>(kmem_.alloc(size_, kern::KmFlags::kSleep));
  }
  ~Scratch() { kmem_.free(p_, size_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  uint8_t* data() { return p_; }

 private:
  kern::Kmem& kmem_;
  size_t size_;
  uint8_t* p_;
};

// Collects every entry (pointing into the bytes parsed), or stops at a value kept in an inode
// of its own (ea_inode), which this driver does not read.
class Collect final : public XattrVisitor {
 public:
  explicit Collect(kern::Vector<XattrItem>& out) : out_(out) {}
  bool visit(uint8_t index, std::string_view name, std::span<const uint8_t> value) override {
    if (!out_.emplace_back(XattrItem{index, name, value}).ok()) {
      out_of_memory = true;
      return false;
    }
    return true;
  }
  bool out_of_memory = false;

 private:
  kern::Vector<XattrItem>& out_;
};

// Where an attribute was found: its index in `items`, or -1.
long find(const kern::Vector<XattrItem>& items, const SplitName& key) {
  for (size_t i = 0; i < items.size(); ++i)
    if (items[i].index == key.index && items[i].name == key.name) return static_cast<long>(i);
  return -1;
}

void erase(kern::Vector<XattrItem>& items, long at) {
  for (size_t i = static_cast<size_t>(at); i + 1 < items.size(); ++i) items[i] = items[i + 1];
  items.pop_back();
}

}  // namespace

// The attributes of a node, parsed from copies of its inode area and its block.
struct Ext2XattrSet {
  Ext2XattrSet(kern::Kmem& kmem, uint32_t inode_size, uint32_t block_size)
      : area_copy(kmem, inode_size), block_copy(kmem, block_size), ibody(kmem), block(kmem) {}
  Scratch area_copy, block_copy;
  uint16_t extra_isize = 0;  // where the inode's own area starts (after 128 + this)
  uint32_t area_size = 0;
  uint64_t blk = 0;
  uint32_t refcount = 0;
  kern::Vector<XattrItem> ibody, block;
};

namespace {

// Reads node's attributes: EUCLEAN for a malformed table (and the log says so).
Result<void> load(Ext2Fs& fs, uint32_t ino, uint16_t extra_isize, uint64_t blk,
                  Ext2XattrSet& set) {
  const char* why = nullptr;
  RK_TRY(fs.read_inode_xattr_area(ino, extra_isize, set.area_copy.data(), &set.area_size));
  if (set.area_size != 0) {
    Collect c(set.ibody);
    if (!parse_xattr_ibody(set.area_copy.data(), set.area_size, c, &why))
      return fs.corrupt("inode %u: in-inode extended attributes: %s", ino, why);
    if (c.out_of_memory) return Errno::kNoMem;
  }
  set.extra_isize = extra_isize;
  set.blk = blk;
  if (blk != 0) {
    const uint32_t bs = fs.geo().block_size;
    {
      vfs::BufRef b = RK_TRY(fs.bread(blk));
      mem_copy(set.block_copy.data(), b.data(), bs);
    }
    Collect c(set.block);
    if (!parse_xattr_block(set.block_copy.data(), bs, c, &why))
      return fs.corrupt("inode %u: extended attribute block %llu: %s", ino,
                        static_cast<unsigned long long>(blk), why);
    if (c.out_of_memory) return Errno::kNoMem;
    XattrHeader h;
    mem_copy(&h, set.block_copy.data(), sizeof h);
    set.refcount = h.h_refcount;
  }
  return ok();
}

}  // namespace

Result<void> Ext2Node::load_xattrs(Ext2XattrSet& set) {
  uint16_t extra;
  uint64_t blk;
  {
    kern::MutexGuard g(meta_);
    extra = fs_->geo().inode_size > kGoodOldInodeSize ? inode_.i_extra_isize : 0;
    blk = inode_.i_file_acl_lo;
  }
  return load(*fs_, ino_, extra, blk, set);
}

Result<size_t> Ext2Node::getxattr(std::string_view full, void* buf, size_t size) {
  SplitName key = RK_TRY(split_name(full));
  Ext2XattrSet set(kernel().kmem(), fs_->geo().inode_size, fs_->geo().block_size);
  RK_TRY(load_xattrs(set));
  const XattrItem* it = nullptr;
  if (long at = find(set.ibody, key); at >= 0) it = &set.ibody[static_cast<size_t>(at)];
  else if (long at2 = find(set.block, key); at2 >= 0) it = &set.block[static_cast<size_t>(at2)];
  if (it == nullptr) return Errno::kNoData;
  if (size == 0) return it->value.size();
  if (size < it->value.size()) return Errno::kRange;
  if (!it->value.empty()) mem_copy(buf, it->value.data(), it->value.size());
  return it->value.size();
}

Result<size_t> Ext2Node::listxattr(const kern::Cred& cred, char* buf, size_t size) {
  Ext2XattrSet set(kernel().kmem(), fs_->geo().inode_size, fs_->geo().block_size);
  RK_TRY(load_xattrs(set));
  size_t total = 0;
  for (const kern::Vector<XattrItem>* items : {&set.ibody, &set.block}) {
    for (const XattrItem& it : *items) {
      if (!listed(it.index, cred.privileged())) continue;
      std::string_view prefix = xattr_prefix(it.index);
      const size_t len = prefix.size() + it.name.size() + 1;
      if (size != 0) {
        if (total + len > size) return Errno::kRange;
        mem_copy(buf + total, prefix.data(), prefix.size());
        mem_copy(buf + total + prefix.size(), it.name.data(), it.name.size());
        buf[total + len - 1] = '\0';
      }
      total += len;
    }
  }
  return total;
}

Result<void> Ext2Node::setxattr(std::string_view full, const void* value, size_t size, int flags) {
  SplitName key = RK_TRY(split_name(full));
  if (size > fs_->geo().block_size) return Errno::kRange;
  return change_xattr(key.index, key.name, value == nullptr ? "" : value, size, flags);
}

Result<void> Ext2Node::removexattr(std::string_view full) {
  SplitName key = RK_TRY(split_name(full));
  return change_xattr(key.index, key.name, nullptr, 0, 0);
}

Result<void> Ext2Node::change_xattr(uint8_t index, std::string_view name, const void* value,
                                    size_t size, int flags) {
  RK_TRY(fs_->check_writable());
  const uint32_t bs = fs_->geo().block_size;
  const SplitName key{index, name};
  kern::Kmem& kmem = kernel().kmem();
  Ext2XattrSet set(kmem, fs_->geo().inode_size, bs);
  RK_TRY(load_xattrs(set));
  const uint16_t extra = set.extra_isize;
  const uint64_t blk = set.blk;
  const long in_ibody = find(set.ibody, key), in_block = find(set.block, key);
  const bool present = in_ibody >= 0 || in_block >= 0;
  if (value == nullptr && !present) return Errno::kNoData;
  if ((flags & kXattrCreate) && present) return Errno::kExist;
  if ((flags & kXattrReplace) && !present) return Errno::kNoData;

  // The new tables; nothing on disk changes until both are known to fit.
  if (in_ibody >= 0) erase(set.ibody, in_ibody);
  if (in_block >= 0) erase(set.block, in_block);
  if (value != nullptr) {
    XattrItem it{index, name, {static_cast<const uint8_t*>(value), size}};
    RK_TRY(set.block.emplace_back(it));
  }
  std::sort(set.block.begin(), set.block.end(), xattr_item_less);
  Scratch packed(kmem, bs);
  if (!set.block.empty() && !pack_xattrs(set.block.span(), packed.data(), bs, true))
    return Errno::kNoSpc;
  Scratch area(kmem, set.area_size ? set.area_size : 1);
  if (in_ibody >= 0) (void)pack_xattrs(set.ibody.span(), area.data(), set.area_size, false);

  // The block: rewritten in place if it is ours alone, else a fresh one.
  uint64_t new_blk = 0;
  if (!set.block.empty()) {
    if (blk != 0 && set.refcount == 1) {
      new_blk = blk;
    } else {
      new_blk = RK_TRY(fs_->alloc_block(blk != 0 ? blk : alloc_hint_));
    }
    vfs::BufRef b = new_blk == blk ? RK_TRY(fs_->bread(new_blk)) : RK_TRY(fs_->bget(new_blk));
    mem_copy(b.data(), packed.data(), bs);
    b.mark_dirty();
    fs_->need_ext_attr();
  }
  if (in_ibody >= 0) RK_TRY(fs_->write_inode_xattr_area(ino_, extra, area.data(), set.area_size));
  if (blk != 0 && new_blk != blk) (void)release_xattr_block(blk);
  {
    kern::MutexGuard g(meta_);
    inode_.i_file_acl_lo = static_cast<uint32_t>(new_blk);
    set_times_locked(false, true, fs_->now());
    RK_TRY(store_locked());
  }
  if (blk == 0 && new_blk != 0) add_blocks(1);
  if (blk != 0 && new_blk == 0) add_blocks(-1);
  return ok();
}

Result<void> Ext2Node::release_xattr_block(uint64_t blk) {
  vfs::BufRef b = RK_TRY(fs_->bread(blk));
  const uint32_t bs = fs_->geo().block_size;
  struct : XattrVisitor {
    bool visit(uint8_t, std::string_view, std::span<const uint8_t>) override { return true; }
  } any;
  const char* why = nullptr;
  if (!parse_xattr_block(b.data(), bs, any, &why)) {
    // Not an attribute block after all: leave it alone rather than free a stranger.
    return fs_->corrupt("inode %u: extended attribute block %llu: %s", ino_,
                        static_cast<unsigned long long>(blk), why);
  }
  auto* h = reinterpret_cast<XattrHeader*>(b.data());
  if (h->h_refcount > 1) {
    --h->h_refcount;
    b.mark_dirty();
    return ok();
  }
  b.release();
  return fs_->free_block(blk);
}

}  // namespace rk::fs::ext2
