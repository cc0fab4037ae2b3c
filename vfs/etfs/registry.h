// EtfsRegistry: the etfs keys of one kernel (the state of its etfs component), and the making
// and unmaking of their mounts (etfs.h tells how a key is placed in the tree).
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "kern/lib/list.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "kern/lib/string.h"
#include "kern/lock.h"
#include "vfs/blk/blkdev.h"
#include "vfs/etfs/node.h"
#include "vfs/mount.h"
#include "vfs/types.h"

namespace rk::kern {
class Kernel;
class Lwp;
}  // namespace rk::kern

namespace rk::vfs {

class EtfsFs;
class Vfs;

class EtfsRegistry {
 public:
  explicit EtfsRegistry(kern::Kernel& k);
  ~EtfsRegistry();  // shutdown() must have run
  EtfsRegistry(const EtfsRegistry&) = delete;
  EtfsRegistry& operator=(const EtfsRegistry&) = delete;

  // The registry of kernel k; nullptr when it has no etfs component.
  static EtfsRegistry* of(kern::Kernel& k);

  // Registers the file system type "etfs" with the kernel's VFS (mount(2) of it by a client
  // answers ENODEV: only the registry mounts it).
  void init();
  // Removes every key, busy or not (open files keep their nodes until they close), and
  // unregisters the type. The kernel is shutting down.
  void shutdown() RK_EXCLUDES(lock_);

  // rump_pub_etfs_register_withsize and rump_pub_etfs_remove (errors: <rump/rump.h>). They may
  // block: host calls, and the locks of the directories on the key's path.
  Result<void> add(const char* key, const char* hostpath, int type, uint64_t begin,
                   uint64_t size) RK_EXCLUDES(lock_);
  Result<void> remove(const char* key) RK_EXCLUDES(lock_);
  // rump_pub_etfs_set_cache: the flush policy of a block device key's disk (and partitions).
  Result<void> set_cache(const char* key, DiskCache mode) RK_EXCLUDES(lock_);

 private:
  // One key: its mount and the name it is found under.
  struct Entry {
    ListNode<Entry> link;  // in entries_
    char* key = nullptr;   // normalized ("/a/b"), kernel memory of key_len + 1 bytes
    size_t key_len = 0;
    bool dir = false;      // a directory key: mounted on `name` itself
    RefPtr<Mount> mount;   // keeps the mount, and its file system, while registered
    EtfsFs* fs = nullptr;  // mount's file system (alive with it)
    RefPtr<Vnode> parent;  // the directory holding the name
    RefPtr<Vnode> name_node;  // what `name` names: the mount point, or the cover (fs.h)
    FixedString<kNameMax + 1> name;
    // A block device key: its disk, and the partitions found on it (each with a node named
    // after the key, "disk" -> "disk1", in the key's directory).
    RefPtr<BlockDevice> disk;
    RefPtr<BlockDevice>* parts = nullptr;  // kernel memory for kMaxPartitions, or null
    uint32_t nparts = 0;
  };
  struct Request;
  class Key;

  // The type's mount function: makes the EtfsFs of the Request that `data` points at.
  static Result<Ref<FileSystem>> mount_fs(kern::Kernel& k, Mount& m, const char* source,
                                          uint32_t flags, const char* data);
  // The directory that holds the key's name, with the missing ones on the way created.
  Result<Ref<Vnode>> make_parents(const Key& key);
  // An empty directory with no name, made in `dir` (locked by the caller) to mount on.
  Result<Ref<Vnode>> make_unnamed_dir(Vnode& dir) RK_REQUIRES(lock_);
  // Mounts an etfs for spec (whose fd it owns from the call on) on `covered`; the mount.
  Result<Ref<Mount>> mount_on(kern::Lwp& l, Vnode& covered, const Key& key,
                              const EtfsNode::Spec& spec) RK_REQUIRES(lock_);
  // Mounts spec (owning fd from the call on) at the key and fills e's mount and names.
  Result<void> place(Entry& e, const Key& key, EtfsNode::Spec& spec, int fd) RK_REQUIRES(lock_);
  // Unmounts e's file system and removes its name. Without `force`: EBUSY while it is in use.
  Result<void> retire(kern::Lwp& l, Entry& e, bool force) RK_REQUIRES(lock_);
  Entry* find(std::string_view key) RK_REQUIRES(lock_);
  // A block device key: the disk behind spec (spec.rdev is set to its number).
  Result<void> make_disk(Entry& e, const Key& key, EtfsNode::Spec& spec) RK_REQUIRES(lock_);
  // Reads the disk's partition table and names each partition in the key's directory. A disk
  // whose table cannot be read is still usable whole: the error is logged, not returned.
  void add_partitions(Entry& e) RK_REQUIRES(lock_);
  // Takes the partitions' names away and the disk out of the registry. EBUSY (unless forced)
  // while the disk or a partition is mounted.
  Result<void> remove_disk(Entry& e, bool force) RK_REQUIRES(lock_);
  void free_entry(Entry* e);

  kern::Kernel& kernel_;
  FileSystemType type_;
  // The mount in progress: Vfs::mount hands `data` to mount_fs, which accepts only this.
  std::atomic<Request*> request_{nullptr};

  // Serialises registrations and removals. Held across mounts and host calls; taken before
  // the VFS's locks and any vnode lock.
  kern::Mutex lock_;
  IntrusiveList<Entry, &Entry::link> entries_ RK_GUARDED_BY(lock_);
  uint32_t next_minor_ RK_GUARDED_BY(lock_) = 0;
  uint32_t next_unnamed_ RK_GUARDED_BY(lock_) = 0;
};

}  // namespace rk::vfs
