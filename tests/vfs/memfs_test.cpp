// memfs (the file system behind rumpfs and tmpfs) through the Vnode interface, taking the
// vnode locks the way the VFS does: names, links, rename, readdir cookies, sparse files,
// truncate, fallocate, SEEK_DATA/SEEK_HOLE, limits and ENOSPC, options, unmount, and the tmpfs
// component's file system type.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kern/entry.h"
#include "kern/kernel.h"
#include "kern/kernel_fixture.h"
#include "kern/lwp.h"
#include "vfs/memfs/memfs.h"
#include "vfs/mount.h"
#include "vfs/vfs.h"
#include "vfs/vnode.h"

namespace rk::vfs {
namespace {

using kern::Kernel;
using kern::Lwp;
using test::boot;
using test::in_kernel;

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kPage = 4096;
constexpr int kKeepSize = 1;
constexpr int kPunchHole = 2;

template <typename T>
T must(Result<T> r, const char* what = "") {
  if (!r.ok()) {
    ADD_FAILURE() << what << ": " << errno_name(r.error());
    std::abort();
  }
  return std::move(r).value();
}

void must(Result<void> r, const char* what = "") {
  if (!r.ok()) {
    ADD_FAILURE() << what << ": " << errno_name(r.error());
    std::abort();
  }
}

template <typename T>
Errno err(const Result<T>& r) {
  return r.ok() ? Errno{0} : r.error();
}

// A memfs on the root file system's mount (the mount is only where nodes point; the test
// unmounts what it makes).
Ref<FileSystem> make_fs(Kernel& k, const MemFsOptions& o = {}) {
  Mount& m = Vfs::of(k).root()->mount();
  return must(memfs_create(k, m, o), "memfs_create");
}

// --- the calls, with the locks the VFS takes ---------------------------------------------

Result<Ref<Vnode>> mk(Vnode& dir, std::string_view name, VType t = VType::kReg,
                      uint32_t mode = 0644, uint64_t rdev = 0) {
  kern::WriteGuard g(dir.lock());
  return dir.create(name, t, mode, 1000, 100, rdev);
}

Result<Ref<Vnode>> look(Vnode& dir, std::string_view name) {
  kern::ReadGuard g(dir.lock());
  return dir.lookup(name);
}

Result<void> unlink(Vnode& dir, std::string_view name) {
  Ref<Vnode> n = RK_TRY(look(dir, name));
  kern::WriteGuard g(dir.lock());
  return n->is_dir() ? dir.rmdir(name, *n) : dir.remove(name, *n);
}

Result<void> link(Vnode& dir, std::string_view name, Vnode& target) {
  kern::WriteGuard g(dir.lock());
  return dir.link(name, target);
}

// rename(2) as the VFS calls it: the existing target looked up, both directories locked.
Result<void> mv(Vnode& from, std::string_view name, Vnode& to, std::string_view to_name,
                bool exchange = false) {
  Ref<Vnode> n = RK_TRY(look(from, name));
  Result<Ref<Vnode>> r = look(to, to_name);
  Vnode* replaced = r.ok() ? r.value().get() : nullptr;
  kern::WriteGuard g1(from.lock());
  if (&to == &from) return from.rename(name, *n, to, to_name, replaced, exchange);
  kern::WriteGuard g2(to.lock());
  return from.rename(name, *n, to, to_name, replaced, exchange);
}

Vattr attr(Vnode& v) {
  kern::ReadGuard g(v.lock());
  Vattr va;
  must(v.getattr(va), "getattr");
  return va;
}

Result<void> setattr(Vnode& v, const SetAttr& sa) {
  kern::WriteGuard g(v.lock());
  return v.setattr(sa);
}

Result<void> truncate(Vnode& v, uint64_t size) {
  SetAttr sa;
  sa.mask = SetAttr::kSize;
  sa.size = size;
  return setattr(v, sa);
}

// Bytes written, or the error when none were.
Result<size_t> pwrite(Lwp& l, Vnode& v, const void* buf, size_t len, uint64_t off) {
  kern::Uio uio(l, kern::UioDir::kWrite, const_cast<void*>(buf), len, off);
  kern::WriteGuard g(v.lock());
  RK_TRY(v.write(uio));
  return len - uio.resid();
}

Result<size_t> pwrite(Lwp& l, Vnode& v, const std::string& s, uint64_t off) {
  return pwrite(l, v, s.data(), s.size(), off);
}

std::string pread(Lwp& l, Vnode& v, size_t len, uint64_t off) {
  std::string buf(len, '\xee');
  kern::Uio uio(l, kern::UioDir::kRead, buf.data(), len, off);
  kern::ReadGuard g(v.lock());
  must(v.read(uio), "read");
  buf.resize(len - uio.resid());
  return buf;
}

Result<void> fallocate(Vnode& v, int mode, uint64_t off, uint64_t len) {
  kern::WriteGuard g(v.lock());
  return v.fallocate(mode, off, len);
}

Result<uint64_t> seek(Vnode& v, uint64_t off, bool hole) {
  kern::ReadGuard g(v.lock());
  return v.seek_data(off, hole);
}

std::string readlink(Lwp& l, Vnode& v) {
  char buf[256];
  kern::Uio uio(l, kern::UioDir::kRead, buf, sizeof buf, 0);
  kern::ReadGuard g(v.lock());
  must(v.readlink(uio), "readlink");
  return std::string(buf, sizeof buf - uio.resid());
}

struct Entry {
  uint64_t ino;
  VType type;
  std::string name;
  uint64_t next;
};

class VecSink : public DirSink {
 public:
  explicit VecSink(size_t cap = SIZE_MAX) : cap_(cap) {}
  bool emit(uint64_t ino, VType type, std::string_view name, uint64_t next) override {
    if (entries.size() >= cap_) return false;
    entries.push_back({ino, type, std::string(name), next});
    return true;
  }
  std::vector<Entry> entries;

 private:
  size_t cap_;
};

// One batch of at most `batch` entries from *cookie.
std::vector<Entry> readdir_batch(Vnode& dir, uint64_t* cookie, size_t batch) {
  VecSink s(batch);
  kern::ReadGuard g(dir.lock());
  must(dir.readdir(cookie, s), "readdir");
  return s.entries;
}

std::vector<std::string> list(Vnode& dir, size_t batch = 1000) {
  uint64_t cookie = 0;
  std::vector<std::string> names;
  for (;;) {
    std::vector<Entry> b = readdir_batch(dir, &cookie, batch);
    if (b.empty()) break;
    for (Entry& e : b) names.push_back(e.name);
  }
  return names;
}

int64_t ns(const Timespec& t) { return t.sec * 1000000000 + t.nsec; }

// A few milliseconds, so that the next timestamp differs from the last.
void tick() { std::this_thread::sleep_for(std::chrono::milliseconds(2)); }

// --- names -----------------------------------------------------------------------------------

TEST(MemFs, CreateLookupRemove) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    Ref<FileSystem> fs = make_fs(*k);
    Ref<Vnode> root = fs->root();
    Vattr ra = attr(*root);
    EXPECT_EQ(ra.type, VType::kDir);
    EXPECT_EQ(ra.ino, 1u);
    EXPECT_EQ(ra.nlink, 2u);
    EXPECT_EQ(ra.mode, 01777u);
    EXPECT_EQ(ra.size, 40u);

    Ref<Vnode> f = must(mk(*root, "file"));
    Ref<Vnode> d = must(mk(*root, "dir", VType::kDir, 0755));
    Ref<Vnode> p = must(mk(*root, "fifo", VType::kFifo));
    Ref<Vnode> s = must(mk(*root, "sock", VType::kSock));
    Ref<Vnode> c = must(mk(*root, "chr", VType::kChr, 0600, 0x0105));
    Ref<Vnode> b = must(mk(*root, "blk", VType::kBlk, 0600, 0x0801));
    EXPECT_EQ(err(mk(*root, "file")), Errno::kExist);
    EXPECT_EQ(err(mk(*root, "lnk", VType::kLnk)), Errno::kInval);
    EXPECT_EQ(err(mk(*root, std::string(256, 'x'))), Errno::kNameTooLong);
    Ref<Vnode> longest = must(mk(*root, std::string(255, 'x')));

    EXPECT_EQ(must(look(*root, "file")).get(), f.get());
    EXPECT_EQ(must(look(*root, "dir")).get(), d.get());
    EXPECT_EQ(err(look(*root, "nope")), Errno::kNoEnt);
    EXPECT_EQ(err(look(*f, "x")), Errno::kNotDir);
    EXPECT_EQ(must(look(*d, "..")).get(), root.get());
    EXPECT_EQ(must(look(*root, "..")).get(), root.get()) << "the root is its own parent";
    EXPECT_EQ(must(look(*d, ".")).get(), d.get());

    Vattr fa = attr(*f);
    EXPECT_EQ(fa.type, VType::kReg);
    EXPECT_EQ(fa.mode, 0644u);
    EXPECT_EQ(fa.uid, 1000u);
    EXPECT_EQ(fa.gid, 100u);
    EXPECT_EQ(fa.nlink, 1u);
    EXPECT_EQ(fa.size, 0u);
    EXPECT_EQ(fa.blksize, 4096u);
    EXPECT_EQ(fa.dev, root->mount().dev());
    EXPECT_EQ(fa.rdev, 0u);
    EXPECT_EQ(attr(*c).rdev, 0x0105u);
    EXPECT_EQ(attr(*c).type, VType::kChr);
    EXPECT_EQ(attr(*b).rdev, 0x0801u);
    EXPECT_EQ(attr(*p).type, VType::kFifo);
    EXPECT_EQ(attr(*s).type, VType::kSock);
    Vattr da = attr(*d);
    EXPECT_EQ(da.nlink, 2u);
    EXPECT_EQ(attr(*root).nlink, 3u) << "2 + one subdirectory";
    EXPECT_EQ(attr(*root).size, 40u + 7 * 20);
    // Creation time: a/m/c of the node, m/c of the parent, all the same instant.
    EXPECT_EQ(ns(fa.atime), ns(fa.mtime));
    EXPECT_EQ(ns(fa.ctime), ns(fa.mtime));
    EXPECT_EQ(ns(fa.btime), ns(fa.mtime));
    EXPECT_GT(fa.mtime.sec, 1600000000) << "wall clock";
    Vattr ra2 = attr(*root);
    EXPECT_EQ(ns(ra2.mtime), ns(attr(*longest).mtime)) << "the last create set the parent's mtime";

    std::set<uint64_t> inos;
    for (Vnode* v : {root.get(), f.get(), d.get(), p.get(), s.get(), c.get(), b.get()})
      inos.insert(attr(*v).ino);
    EXPECT_EQ(inos.size(), 7u) << "inode numbers are unique";

    // Removing.
    Ref<Vnode> inner = must(mk(*d, "inner"));
    {
      kern::WriteGuard g(root->lock());
      EXPECT_EQ(err(root->rmdir("dir", *d)), Errno::kNotEmpty);
      EXPECT_EQ(err(root->remove("dir", *d)), Errno::kIsDir);
      EXPECT_EQ(err(root->rmdir("file", *f)), Errno::kNotDir);
      EXPECT_EQ(err(root->remove("file", *d)), Errno::kNoEnt) << "name and node disagree";
    }
    tick();
    must(unlink(*root, "file"));
    EXPECT_EQ(err(look(*root, "file")), Errno::kNoEnt);
    Vattr gone = attr(*f);
    EXPECT_EQ(gone.nlink, 0u) << "still held: valid, unlinked";
    EXPECT_GT(ns(gone.ctime), ns(fa.ctime));
    EXPECT_GT(ns(attr(*root).mtime), ns(ra2.mtime));
    must(unlink(*d, "inner"));
    must(unlink(*root, "dir"));
    EXPECT_EQ(attr(*d).nlink, 0u);
    EXPECT_EQ(attr(*root).nlink, 2u);
    EXPECT_EQ(must(look(*d, "..")).get(), root.get()) << "a removed directory's .. is where it was";
    EXPECT_EQ(err(mk(*d, "late")), Errno::kNoEnt) << "nothing is created in a removed directory";
    uint64_t cookie = 0;
    VecSink sink;
    {
      kern::ReadGuard g(d->lock());
      EXPECT_EQ(err(d->readdir(&cookie, sink)), Errno::kNoEnt);
    }
    must(fs->unmount(false));
  });
}

TEST(MemFs, SymlinksAndHardLinks) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    Ref<FileSystem> fs = make_fs(*k);
    Ref<Vnode> root = fs->root();
    Ref<Vnode> sl = must([&] {
      kern::WriteGuard g(root->lock());
      return root->symlink("sl", "some/where/else", 5, 6);
    }());
    Vattr sa = attr(*sl);
    EXPECT_EQ(sa.type, VType::kLnk);
    EXPECT_EQ(sa.size, 15u);
    EXPECT_EQ(sa.mode, 0777u);
    EXPECT_EQ(sa.uid, 5u);
    EXPECT_EQ(readlink(l, *sl), "some/where/else");
    {
      kern::WriteGuard g(root->lock());
      EXPECT_EQ(err(root->symlink("empty", "", 0, 0)), Errno::kNoEnt);
      EXPECT_EQ(err(root->symlink("sl", "x", 0, 0)), Errno::kExist);
      EXPECT_EQ(err(root->symlink("long", std::string(4096, 'a'), 0, 0)), Errno::kNameTooLong);
    }

    Ref<Vnode> f = must(mk(*root, "f"));
    Ref<Vnode> d = must(mk(*root, "d", VType::kDir));
    must(pwrite(l, *f, std::string("hello"), 0));
    Vattr before = attr(*f);
    tick();
    must(link(*root, "g", *f));
    must(link(*d, "h", *f));
    EXPECT_EQ(attr(*f).nlink, 3u);
    EXPECT_GT(ns(attr(*f).ctime), ns(before.ctime));
    EXPECT_EQ(must(look(*d, "h")).get(), f.get());
    EXPECT_EQ(err(link(*root, "dd", *d)), Errno::kPerm);
    EXPECT_EQ(err(link(*root, "g", *f)), Errno::kExist);
    must(unlink(*root, "f"));
    must(unlink(*root, "g"));
    EXPECT_EQ(attr(*f).nlink, 1u);
    EXPECT_EQ(pread(l, *must(look(*d, "h")), 5, 0), "hello");
    must(unlink(*d, "h"));
    EXPECT_EQ(attr(*f).nlink, 0u);
    EXPECT_EQ(err(link(*root, "again", *f)), Errno::kNoEnt) << "an unlinked file gets no name";
    must(fs->unmount(false));
  });
}

// --- rename ----------------------------------------------------------------------------------

TEST(MemFs, Rename) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    Ref<FileSystem> fs = make_fs(*k);
    Ref<Vnode> root = fs->root();
    Ref<Vnode> a = must(mk(*root, "a", VType::kDir));
    Ref<Vnode> b = must(mk(*root, "b", VType::kDir));
    Ref<Vnode> f = must(mk(*a, "f"));
    must(pwrite(l, *f, std::string("data"), 0));

    // Within a directory.
    Vattr fa = attr(*f);
    tick();
    must(mv(*a, "f", *a, "g"));
    EXPECT_EQ(err(look(*a, "f")), Errno::kNoEnt);
    EXPECT_EQ(must(look(*a, "g")).get(), f.get());
    EXPECT_GT(ns(attr(*f).ctime), ns(fa.ctime)) << "rename sets the node's ctime";
    EXPECT_EQ(attr(*a).size, 60u);

    // Into another directory.
    must(mv(*a, "g", *b, "f"));
    EXPECT_EQ(list(*a), (std::vector<std::string>{".", ".."}));
    EXPECT_EQ(must(look(*b, "f")).get(), f.get());

    // Replacing a file: the old one loses its name.
    Ref<Vnode> victim = must(mk(*b, "victim"));
    must(mv(*b, "f", *b, "victim"));
    EXPECT_EQ(must(look(*b, "victim")).get(), f.get());
    EXPECT_EQ(attr(*victim).nlink, 0u);
    EXPECT_EQ(list(*b), (std::vector<std::string>{".", "..", "victim"}));
    EXPECT_EQ(attr(*b).size, 60u);

    // Two names of one file: nothing happens.
    must(link(*b, "alias", *f));
    must(mv(*b, "alias", *b, "victim"));
    EXPECT_EQ(attr(*f).nlink, 2u);
    EXPECT_TRUE(look(*b, "alias").ok());
    must(unlink(*b, "alias"));

    // Moving a directory: link counts and "..".
    Ref<Vnode> sub = must(mk(*a, "sub", VType::kDir));
    EXPECT_EQ(attr(*a).nlink, 3u);
    must(mv(*a, "sub", *b, "sub"));
    EXPECT_EQ(attr(*a).nlink, 2u);
    EXPECT_EQ(attr(*b).nlink, 3u);
    EXPECT_EQ(must(look(*sub, "..")).get(), b.get());
    uint64_t c0 = 0;
    std::vector<Entry> ents = readdir_batch(*sub, &c0, 10);
    ASSERT_GE(ents.size(), 2u);
    EXPECT_EQ(ents[1].name, "..");
    EXPECT_EQ(ents[1].ino, attr(*b).ino);

    // Into its own subtree: EINVAL.
    Ref<Vnode> deep = must(mk(*sub, "deep", VType::kDir));
    EXPECT_EQ(err(mv(*b, "sub", *deep, "x")), Errno::kInval);
    EXPECT_EQ(err(mv(*b, "sub", *sub, "x")), Errno::kInval);

    // Replacing a directory: only an empty one.
    Ref<Vnode> empty = must(mk(*a, "empty", VType::kDir));
    Ref<Vnode> full = must(mk(*a, "full", VType::kDir));
    must(mk(*full, "x"));
    EXPECT_EQ(err(mv(*b, "sub", *a, "full")), Errno::kNotEmpty);
    EXPECT_EQ(err(mv(*b, "victim", *a, "empty")), Errno::kIsDir);
    EXPECT_EQ(err(mv(*a, "empty", *b, "victim")), Errno::kNotDir);
    EXPECT_EQ(attr(*a).nlink, 4u);
    must(mv(*b, "sub", *a, "empty"));
    EXPECT_EQ(attr(*a).nlink, 4u) << "one subdirectory replaced another";
    EXPECT_EQ(attr(*b).nlink, 2u);
    EXPECT_EQ(attr(*empty).nlink, 0u);
    EXPECT_EQ(must(look(*a, "empty")).get(), sub.get());
    EXPECT_EQ(must(look(*sub, "..")).get(), a.get());

    // Exchange a file and a directory across directories.
    must(mv(*b, "victim", *a, "full", /*exchange=*/true));
    EXPECT_EQ(must(look(*a, "full")).get(), f.get());
    EXPECT_EQ(attr(*must(look(*b, "victim"))).type, VType::kDir);
    EXPECT_EQ(must(look(*full, "..")).get(), b.get());
    EXPECT_EQ(attr(*a).nlink, 3u);  // empty(=sub) only
    EXPECT_EQ(attr(*b).nlink, 3u);  // victim(=full)
    EXPECT_EQ(err(mv(*a, "full", *b, "nothing", true)), Errno::kNoEnt);
    // Exchange within a directory.
    must(mk(*a, "other"));
    Ref<Vnode> other = must(look(*a, "other"));
    must(mv(*a, "full", *a, "other", true));
    EXPECT_EQ(must(look(*a, "other")).get(), f.get());
    EXPECT_EQ(must(look(*a, "full")).get(), other.get());
    must(fs->unmount(false));
  });
}

// --- readdir -------------------------------------------------------------------------------

TEST(MemFs, ReaddirCookies) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    Ref<FileSystem> fs = make_fs(*k);
    Ref<Vnode> root = fs->root();
    Ref<Vnode> d = must(mk(*root, "d", VType::kDir));
    for (int i = 0; i < 100; ++i) must(mk(*d, "e" + std::to_string(i)));
    must(mk(*d, "sub", VType::kDir));

    uint64_t c0 = 0;
    std::vector<Entry> all = readdir_batch(*d, &c0, 1000);
    ASSERT_EQ(all.size(), 103u);
    EXPECT_EQ(all[0].name, ".");
    EXPECT_EQ(all[0].ino, attr(*d).ino);
    EXPECT_EQ(all[0].type, VType::kDir);
    EXPECT_EQ(all[1].name, "..");
    EXPECT_EQ(all[1].ino, attr(*root).ino);
    EXPECT_EQ(all[2].name, "e0");
    EXPECT_EQ(all[2].type, VType::kReg);
    EXPECT_EQ(all[102].type, VType::kDir);
    // One entry at a time gives the same, and each cookie resumes after its entry.
    std::vector<std::string> one = list(*d, 1);
    ASSERT_EQ(one.size(), 103u);
    for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(one[i], all[i].name);
    for (size_t i = 0; i + 1 < all.size(); ++i) {
      uint64_t c = all[i].next;
      std::vector<Entry> b = readdir_batch(*d, &c, 1);
      ASSERT_EQ(b.size(), 1u);
      EXPECT_EQ(b[0].name, all[i + 1].name);
    }

    // Changes between calls: entries already read and not yet read go, new ones come; every
    // entry that stayed is returned exactly once, the removed unread ones never.
    uint64_t cookie = 0;
    std::vector<std::string> seen;
    for (Entry& e : readdir_batch(*d, &cookie, 52)) seen.push_back(e.name);  // . .. e0..e49
    for (int i = 40; i < 60; ++i) must(unlink(*d, "e" + std::to_string(i)));
    for (int i = 0; i < 10; ++i) must(mk(*d, "n" + std::to_string(i)));
    for (;;) {
      std::vector<Entry> b = readdir_batch(*d, &cookie, 7);
      if (b.empty()) break;
      for (Entry& e : b) seen.push_back(e.name);
    }
    std::multiset<std::string> counts(seen.begin(), seen.end());
    for (int i = 0; i < 100; ++i) {
      std::string n = "e" + std::to_string(i);
      if (i < 40 || i >= 60) {
        EXPECT_EQ(counts.count(n), 1u) << n;
      } else if (i >= 50) {
        EXPECT_EQ(counts.count(n), 0u) << n << " was removed before being read";
      }
    }
    for (int i = 0; i < 10; ++i) EXPECT_EQ(counts.count("n" + std::to_string(i)), 1u);
    EXPECT_EQ(counts.count("sub"), 1u);
    // A cookie past the end stays at the end; a cookie of a removed entry resumes after it.
    uint64_t end = cookie;
    EXPECT_TRUE(readdir_batch(*d, &end, 10).empty());
    uint64_t at45 = all[2 + 45].next - 1;  // e45's own position (removed)
    std::vector<Entry> b = readdir_batch(*d, &at45, 1);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].name, "e60");
    must(fs->unmount(false));
  });
}

TEST(MemFs, ReaddirUnderConcurrentChanges) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  RefPtr<FileSystem> fs;
  RefPtr<Vnode> dir;
  in_kernel(*k, [&](Lwp&) {
    fs = make_fs(*k);
    dir = must(mk(*fs->root(), "d", VType::kDir));
    for (int i = 0; i < 200; ++i) must(mk(*dir, "stable" + std::to_string(i)));
  });
  std::atomic<bool> stop{false};
  std::atomic<int> rounds{0};
  std::thread churn([&] {
    kern::KernelEntry e(*k);
    for (int round = 0; !stop.load(); ++round) {
      std::string n = "tmp" + std::to_string(round % 50);
      if (!mk(*dir, n).ok()) (void)unlink(*dir, n);
      rounds.fetch_add(1);
    }
  });
  EXPECT_TRUE(test::wait_until([&] { return rounds.load() > 100; }));
  in_kernel(*k, [&](Lwp&) {
    for (int pass = 0; pass < 200; ++pass) {
      std::multiset<std::string> names;
      std::set<uint64_t> inos;
      uint64_t cookie = 0;
      for (;;) {
        std::vector<Entry> b = readdir_batch(*dir, &cookie, 5);
        if (b.empty()) break;
        for (Entry& e : b) {
          names.insert(e.name);
          // A name removed and made again is a new entry and may show twice; an entry never.
          ASSERT_TRUE(inos.insert(e.ino).second) << e.name << " (the same node) twice";
        }
      }
      for (int i = 0; i < 200; ++i)
        ASSERT_EQ(names.count("stable" + std::to_string(i)), 1u) << "pass " << pass;
    }
  });
  stop.store(true);
  test::join_or_die(churn, "churn");
  EXPECT_GT(rounds.load(), 1000) << "the directory changed while it was read";
  in_kernel(*k, [&](Lwp&) {
    dir.reset();
    must(fs->unmount(false));
    fs.reset();
  });
}

// --- contents ------------------------------------------------------------------------------

TEST(MemFs, SparseReadWrite) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    Ref<FileSystem> fs = make_fs(*k);
    Ref<Vnode> f = must(mk(*fs->root(), "f"));
    EXPECT_EQ(must(pwrite(l, *f, std::string("head"), 0)), 4u);
    EXPECT_EQ(must(pwrite(l, *f, std::string("mid"), kMiB - 1)), 3u);  // across a page edge
    const uint64_t far = uint64_t{1} << 40;
    EXPECT_EQ(must(pwrite(l, *f, std::string("far"), far)), 3u);
    Vattr va = attr(*f);
    EXPECT_EQ(va.size, far + 3);
    EXPECT_EQ(va.blocks, 4u * 8) << "pages 0, 255, 256 and one at 1 TiB, in 512-byte units";
    EXPECT_EQ(pread(l, *f, 4, 0), "head");
    EXPECT_EQ(pread(l, *f, 6, 2), std::string("ad\0\0\0\0", 6));
    EXPECT_EQ(pread(l, *f, 5, kMiB - 2), std::string("\0mid\0", 5));
    EXPECT_EQ(pread(l, *f, 8, 5 * kMiB), std::string(8, '\0')) << "a hole reads as zeros";
    EXPECT_EQ(pread(l, *f, 10, far), "far") << "stops at the end of the file";
    EXPECT_EQ(pread(l, *f, 10, far + 10), "");
    // A big write and read across many pages.
    std::string big(300 * kKiB + 123, 'z');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 23);
    EXPECT_EQ(must(pwrite(l, *f, big, 7 * kMiB + 17)), big.size());
    EXPECT_EQ(pread(l, *f, big.size(), 7 * kMiB + 17), big);
    // Overwrite in place does not grow.
    uint64_t blocks = attr(*f).blocks;
    must(pwrite(l, *f, std::string("HEAD"), 0));
    EXPECT_EQ(attr(*f).blocks, blocks);
    EXPECT_EQ(pread(l, *f, 4, 0), "HEAD");
    // The largest file size.
    const uint64_t max = INT64_MAX;
    EXPECT_EQ(err(pwrite(l, *f, std::string("x"), max)), Errno::kFBig);
    EXPECT_EQ(must(pwrite(l, *f, std::string("0123456789"), max - 4)), 4u) << "a short write";
    EXPECT_EQ(attr(*f).size, max);
    // Writes set mtime and ctime.
    Vattr before = attr(*f);
    tick();
    must(pwrite(l, *f, std::string("x"), 1));
    EXPECT_GT(ns(attr(*f).mtime), ns(before.mtime));
    EXPECT_GT(ns(attr(*f).ctime), ns(before.ctime));
    // Directories and others.
    Ref<Vnode> root = fs->root();
    EXPECT_EQ(err(pwrite(l, *root, std::string("x"), 0)), Errno::kIsDir);
    must(fs->unmount(false));
  });
}

TEST(MemFs, TruncateAndAttributes) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    Ref<FileSystem> fs = make_fs(*k);
    Ref<Vnode> f = must(mk(*fs->root(), "f"));
    std::string data(5 * kPage, 'x');
    must(pwrite(l, *f, data, 0));
    EXPECT_EQ(attr(*f).blocks, 5u * 8);
    Vattr before = attr(*f);
    tick();
    must(truncate(*f, kPage + 10));
    Vattr va = attr(*f);
    EXPECT_EQ(va.size, kPage + 10);
    EXPECT_EQ(va.blocks, 2u * 8) << "pages past the end are freed";
    EXPECT_GT(ns(va.mtime), ns(before.mtime));
    EXPECT_GT(ns(va.ctime), ns(before.ctime));
    // Growing again shows zeros where the old data was.
    must(truncate(*f, 3 * kPage));
    EXPECT_EQ(attr(*f).blocks, 2u * 8) << "growing allocates nothing";
    EXPECT_EQ(pread(l, *f, 20, kPage), std::string(10, 'x') + std::string(10, '\0'));
    EXPECT_EQ(pread(l, *f, kPage, 2 * kPage), std::string(kPage, '\0'));
    must(truncate(*f, 0));
    EXPECT_EQ(attr(*f).blocks, 0u);
    EXPECT_EQ(pread(l, *f, 10, 0), "");
    EXPECT_EQ(err(truncate(*fs->root(), 0)), Errno::kIsDir);
    EXPECT_EQ(err(truncate(*f, uint64_t{INT64_MAX} + 1)), Errno::kFBig);

    // chmod, chown, utimes; each sets ctime (unless given).
    SetAttr sa;
    sa.mask = SetAttr::kMode | SetAttr::kUid | SetAttr::kGid;
    sa.mode = 0104751;  // the type bits are not the node's to change
    sa.uid = 7;
    sa.gid = 8;
    Vattr b2 = attr(*f);
    tick();
    must(setattr(*f, sa));
    va = attr(*f);
    EXPECT_EQ(va.mode, 04751u);
    EXPECT_EQ(va.uid, 7u);
    EXPECT_EQ(va.gid, 8u);
    EXPECT_GT(ns(va.ctime), ns(b2.ctime));
    EXPECT_EQ(ns(va.mtime), ns(b2.mtime));
    sa = {};
    sa.mask = SetAttr::kAtime | SetAttr::kMtime;
    sa.atime = {1000, 5};
    sa.mtime = {2000, 6};
    must(setattr(*f, sa));
    va = attr(*f);
    EXPECT_EQ(va.atime.sec, 1000);
    EXPECT_EQ(va.atime.nsec, 5);
    EXPECT_EQ(va.mtime.sec, 2000);
    EXPECT_EQ(va.mtime.nsec, 6);
    EXPECT_GT(va.ctime.sec, 2000);
    sa.mask = SetAttr::kCtime;
    sa.ctime = {3000, 7};
    must(setattr(*f, sa));
    EXPECT_EQ(attr(*f).ctime.sec, 3000);
    must(fs->unmount(false));
  });
}

TEST(MemFs, FallocateAndPunchHole) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    Ref<FileSystem> fs = make_fs(*k);
    Ref<Vnode> f = must(mk(*fs->root(), "f"));
    must(fallocate(*f, 0, 100, 3 * kPage));
    Vattr va = attr(*f);
    EXPECT_EQ(va.size, 100 + 3 * kPage);
    EXPECT_EQ(va.blocks, 4u * 8);
    EXPECT_EQ(pread(l, *f, 50, 0), std::string(50, '\0'));
    must(fallocate(*f, kKeepSize, 10 * kPage, kPage));
    EXPECT_EQ(attr(*f).size, 100 + 3 * kPage) << "KEEP_SIZE";
    EXPECT_EQ(attr(*f).blocks, 5u * 8);
    EXPECT_EQ(err(fallocate(*f, kPunchHole, 0, kPage)), Errno::kOpNotSupp);
    EXPECT_EQ(err(fallocate(*f, 0x10, 0, kPage)), Errno::kOpNotSupp) << "ZERO_RANGE";
    EXPECT_EQ(err(fallocate(*f, 0x08, 0, kPage)), Errno::kOpNotSupp) << "COLLAPSE_RANGE";
    EXPECT_EQ(err(fallocate(*f, 0, 0, 0)), Errno::kInval);
    EXPECT_EQ(err(fallocate(*fs->root(), 0, 0, 1)), Errno::kIsDir);

    // Punch: whole pages go, partial ones are zeroed; the size stays.
    Ref<Vnode> g = must(mk(*fs->root(), "g"));
    std::string data(4 * kPage, 'd');
    must(pwrite(l, *g, data, 0));
    must(fallocate(*g, kPunchHole | kKeepSize, 100, 2 * kPage));
    va = attr(*g);
    EXPECT_EQ(va.size, 4 * kPage);
    EXPECT_EQ(va.blocks, 3u * 8) << "page 1 is a hole now";
    EXPECT_EQ(pread(l, *g, 100, 0), std::string(100, 'd'));
    EXPECT_EQ(pread(l, *g, 2 * kPage, 100), std::string(2 * kPage, '\0'));
    EXPECT_EQ(pread(l, *g, 10, 2 * kPage + 100), std::string(10, 'd'));
    // A range inside one page, and one straddling two without a whole page.
    must(fallocate(*g, kPunchHole | kKeepSize, 3 * kPage + 10, 5));
    EXPECT_EQ(pread(l, *g, 7, 3 * kPage + 9), std::string("d\0\0\0\0\0d", 7));
    must(fallocate(*g, kPunchHole | kKeepSize, 3 * kPage - 2, 4));
    EXPECT_EQ(pread(l, *g, 6, 3 * kPage - 3), std::string("d\0\0\0\0d", 6));
    EXPECT_EQ(attr(*g).blocks, 3u * 8);
    // Truncating frees pages fallocated past the end too.
    must(truncate(*f, kPage));
    EXPECT_EQ(attr(*f).blocks, 1u * 8);
    must(fs->unmount(false));
  });
}

TEST(MemFs, SeekDataAndHole) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    Ref<FileSystem> fs = make_fs(*k);
    Ref<Vnode> f = must(mk(*fs->root(), "f"));
    must(pwrite(l, *f, std::string("a"), 10));           // page 0
    must(pwrite(l, *f, std::string("b"), 2 * kPage));    // page 2
    must(pwrite(l, *f, std::string("c"), 5 * kPage + 99));  // page 5, the end
    const uint64_t size = 5 * kPage + 100;
    EXPECT_EQ(must(seek(*f, 0, false)), 0u);
    EXPECT_EQ(must(seek(*f, 5, false)), 5u);
    EXPECT_EQ(must(seek(*f, 0, true)), kPage);
    EXPECT_EQ(must(seek(*f, kPage + 1, true)), kPage + 1);
    EXPECT_EQ(must(seek(*f, kPage + 1, false)), 2 * kPage);
    EXPECT_EQ(must(seek(*f, 2 * kPage, true)), 3 * kPage);
    EXPECT_EQ(must(seek(*f, 3 * kPage, false)), 5 * kPage);
    EXPECT_EQ(must(seek(*f, 5 * kPage, true)), size) << "the end is a hole";
    EXPECT_EQ(err(seek(*f, size, false)), Errno::kNxio);
    EXPECT_EQ(err(seek(*f, size, true)), Errno::kNxio);
    must(truncate(*f, 10 * kPage));
    EXPECT_EQ(err(seek(*f, 6 * kPage, false)), Errno::kNxio) << "only holes to the end";
    EXPECT_EQ(must(seek(*f, 6 * kPage, true)), 6 * kPage);
    must(fs->unmount(false));
  });
}

// --- limits ----------------------------------------------------------------------------------

TEST(MemFs, SizeLimitEnospcAndRecovery) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    MemFsOptions o = must(memfs_parse_options(*k, "size=256k"));
    Ref<FileSystem> fs = make_fs(*k, o);
    Ref<Vnode> root = fs->root();
    StatFs st;
    must(fs->statfs(st));
    EXPECT_EQ(st.type, 0x01021994u);
    EXPECT_EQ(st.bsize, 4096u);
    EXPECT_EQ(st.blocks, 64u);
    EXPECT_EQ(st.bfree, 64u) << "size= is all for data, as on Linux";

    Ref<Vnode> f = must(mk(*root, "f"));
    std::string big(kMiB, 'q');
    size_t n = must(pwrite(l, *f, big, 0));
    EXPECT_EQ(n, 256 * kKiB) << "every page, then a short write";
    EXPECT_EQ(err(pwrite(l, *f, big, n)), Errno::kNoSpc);
    must(fs->statfs(st));
    EXPECT_EQ(st.bfree, 0u);
    EXPECT_EQ(pread(l, *f, n, 0), big.substr(0, n));
    // The space comes back when the file goes, and again is usable.
    f = root;  // our reference goes, so unlinking frees the file
    must(unlink(*root, "f"));
    must(fs->statfs(st));
    EXPECT_EQ(st.bfree, 64u);
    Ref<Vnode> g = must(mk(*root, "g"));
    EXPECT_EQ(must(pwrite(l, *g, big.data(), n - kPage, 0)), n - kPage);
    // fallocate that cannot be had gives back what it took.
    uint64_t blocks = attr(*g).blocks;
    EXPECT_EQ(err(fallocate(*g, 0, 0, kMiB)), Errno::kNoSpc);
    EXPECT_EQ(attr(*g).blocks, blocks);
    EXPECT_EQ(attr(*g).size, n - kPage);
    must(truncate(*g, 0));
    must(fallocate(*g, 0, 0, 128 * kKiB));
    must(fs->unmount(false));
  });
}

TEST(MemFs, MetadataSharesTheLimit) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    MemFsOptions o;
    o.max_bytes = 256 * kKiB;  // metadata may take it, and 64 KiB more
    Ref<FileSystem> fs = make_fs(*k, o);
    Ref<Vnode> root = fs->root();
    int made = 0;
    for (; made < 100000; ++made) {
      Result<Ref<Vnode>> r = mk(*root, "file-with-a-longish-name-" + std::to_string(made));
      if (!r.ok()) {
        EXPECT_EQ(r.error(), Errno::kNoSpc);
        break;
      }
    }
    EXPECT_GT(made, 300);
    EXPECT_LT(made, 2000) << "empty files cannot take unbounded memory";
    StatFs st;
    must(fs->statfs(st));
    EXPECT_EQ(st.bfree, 0u) << "what metadata took is not free for data";
    Ref<Vnode> any = must(look(*root, "file-with-a-longish-name-0"));
    EXPECT_EQ(err(pwrite(l, *any, std::string("x"), 0)), Errno::kNoSpc);
    for (int i = 0; i < made; ++i) must(unlink(*root, "file-with-a-longish-name-" + std::to_string(i)));
    must(fs->statfs(st));
    EXPECT_EQ(st.bfree, 64u);
    EXPECT_EQ(must(pwrite(l, *any, std::string(256 * kKiB, 'd'), 0)), 256 * kKiB)
        << "an unlinked file still held may use it all";
    must(fs->unmount(false));
  });
}

TEST(MemFs, KernelMemoryLimitIsEnospc) {
  auto k = boot(1, 16 * kMiB);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp& l) {
    Ref<FileSystem> fs = make_fs(*k);  // no limit of its own
    StatFs st;
    must(fs->statfs(st));
    EXPECT_EQ(st.blocks, 16 * kMiB / kPage) << "reports the kernel's limit";
    Ref<Vnode> root = fs->root();
    Ref<Vnode> f = must(mk(*root, "f"));
    std::string chunk(kMiB, 'm');
    uint64_t off = 0;
    Errno e{0};
    for (int i = 0; i < 32 && e == Errno{0}; ++i) {
      Result<size_t> r = pwrite(l, *f, chunk, off);
      if (r.ok()) off += r.value();
      else e = r.error();
    }
    EXPECT_EQ(e, Errno::kNoSpc);
    EXPECT_GT(off, 8 * kMiB);
    EXPECT_LT(off, 16 * kMiB);
    f = root;  // our reference goes, so unlinking frees the file
    must(unlink(*root, "f"));
    f = must(mk(*root, "g"));
    EXPECT_EQ(must(pwrite(l, *f, chunk, 0)), chunk.size()) << "usable again";
    must(fs->unmount(false));
  });
}

TEST(MemFs, InodeLimit) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    MemFsOptions o;
    o.max_inodes = 4;
    Ref<FileSystem> fs = make_fs(*k, o);
    Ref<Vnode> root = fs->root();
    StatFs st;
    must(fs->statfs(st));
    EXPECT_EQ(st.files, 4u);
    EXPECT_EQ(st.ffree, 3u) << "the root is one";
    Ref<Vnode> a = must(mk(*root, "a"));
    must(mk(*root, "b", VType::kDir));
    must(link(*root, "a2", *a));  // Linux's tmpfs counts a hard link as an inode
    EXPECT_EQ(err(mk(*root, "c")), Errno::kNoSpc);
    EXPECT_EQ(err(link(*root, "a3", *a)), Errno::kNoSpc);
    must(fs->statfs(st));
    EXPECT_EQ(st.ffree, 0u);
    must(unlink(*root, "a2"));
    must(mk(*root, "c"));
    EXPECT_EQ(err(mk(*root, "d")), Errno::kNoSpc);
    must(unlink(*root, "b"));
    must(mk(*root, "d"));
    must(fs->unmount(false));
  });
}

TEST(MemFs, Remount) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    MemFsOptions o;
    o.max_bytes = kMiB;
    Ref<FileSystem> fs = make_fs(*k, o);
    Ref<Vnode> f = must(mk(*fs->root(), "f"));
    must(pwrite(l, *f, std::string(300 * kKiB, 'r'), 0));
    StatFs st;
    must(fs->remount(0, "size=2m"));
    must(fs->statfs(st));
    EXPECT_EQ(st.blocks, 512u);
    EXPECT_EQ(err(fs->remount(0, "size=100k")), Errno::kInval) << "below what is used";
    EXPECT_EQ(err(fs->remount(0, "nr_inodes=10")), Errno::kInval) << "no retroactive limit";
    EXPECT_EQ(err(fs->remount(0, "bogus")), Errno::kInval);
    must(fs->remount(0, "size=0"));  // no limit any more
    must(fs->statfs(st));
    EXPECT_GT(st.blocks, 512u);
    must(fs->remount(0, "rw,mode=700"));  // mode is ignored on remount, as Linux
    EXPECT_EQ(attr(*fs->root()).mode, 01777u);
    must(fs->unmount(false));
  });
}

// --- options ---------------------------------------------------------------------------------

TEST(MemFs, ParseOptions) {
  auto k = boot(1, 64 * kMiB);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    EXPECT_EQ(MemFsOptions{}.magic, kRamfsMagic) << "rumpfs";
    MemFsOptions d = must(memfs_parse_options(*k, nullptr));
    EXPECT_EQ(d.magic, kTmpfsMagic);
    EXPECT_EQ(d.max_bytes, 32 * kMiB) << "half the kernel's memory";
    EXPECT_EQ(d.max_inodes, 64 * kMiB / kPage / 2);
    EXPECT_EQ(d.root_mode, 01777u);
    EXPECT_EQ(d.root_uid, 0u);
    MemFsOptions o = must(memfs_parse_options(*k, ""));
    EXPECT_EQ(o.max_bytes, 32 * kMiB);

    o = must(memfs_parse_options(*k, "size=64m"));
    EXPECT_EQ(o.max_bytes, 64 * kMiB);
    o = must(memfs_parse_options(*k, "size=10k,nr_inodes=1k"));
    EXPECT_EQ(o.max_bytes, 12 * kKiB) << "rounded up to pages";
    EXPECT_EQ(o.max_inodes, 1024u);
    o = must(memfs_parse_options(*k, "size=1"));
    EXPECT_EQ(o.max_bytes, kPage);
    o = must(memfs_parse_options(*k, "size=25%"));
    EXPECT_EQ(o.max_bytes, 16 * kMiB);
    o = must(memfs_parse_options(*k, "size=1G"));
    EXPECT_EQ(o.max_bytes, 1024 * kMiB);
    o = must(memfs_parse_options(*k, "size=0,nr_inodes=0"));
    EXPECT_EQ(o.max_bytes, 0u) << "no limit";
    EXPECT_EQ(o.max_inodes, 0u);
    o = must(memfs_parse_options(*k, "nr_blocks=10"));
    EXPECT_EQ(o.max_bytes, 10 * kPage);
    o = must(memfs_parse_options(*k, "mode=0755,uid=1000,gid=100"));
    EXPECT_EQ(o.root_mode, 0755u);
    EXPECT_EQ(o.root_uid, 1000u);
    EXPECT_EQ(o.root_gid, 100u);
    o = must(memfs_parse_options(*k, "mode=1777"));
    EXPECT_EQ(o.root_mode, 01777u);
    o = must(memfs_parse_options(*k, "size=0x1000"));
    EXPECT_EQ(o.max_bytes, kPage);
    EXPECT_EQ(err(memfs_parse_options(*k, "rw,ro,nosuid_is_no_data_option")), Errno::kInval);
    EXPECT_TRUE(memfs_parse_options(*k, "rw,ro,sync,async,lazytime,inode64,huge=never").ok());
    EXPECT_TRUE(memfs_parse_options(*k, ",,size=1m,,").ok());

    for (const char* bad : {"size=", "size=abc", "size=10q", "size=-1", "size=5%%",
                            "nr_inodes=1x", "nr_inodes=", "mode=999", "mode=", "mode=7a",
                            "uid=-1", "uid=4294967295", "gid=abc", "bogus=1", "bogus",
                            "size", "huge=sometimes", "size=99999999999999999999",
                            "size=10000000000000000000k"}) {
      EXPECT_EQ(err(memfs_parse_options(*k, bad)), Errno::kInval) << bad;
    }
  });
}

// --- unmount ---------------------------------------------------------------------------------

TEST(MemFs, UnmountFreesEverything) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    const uint64_t base = k->kmem().used();
    RefPtr<Vnode> held_file;
    RefPtr<Vnode> held_dir;
    {
      Ref<FileSystem> fs = make_fs(*k);
      Ref<Vnode> root = fs->root();
      // A deep chain of directories (unmount must not recurse), files with data, links.
      Ref<Vnode> d = root;
      for (int i = 0; i < 2000; ++i) d = must(mk(*d, "d", VType::kDir));
      Ref<Vnode> f = must(mk(*d, "deepfile"));
      must(pwrite(l, *f, std::string(3 * kPage, 'f'), 0));
      must(link(*root, "toplink", *f));
      for (int i = 0; i < 100; ++i) {
        Ref<Vnode> g = must(mk(*root, "f" + std::to_string(i)));
        must(pwrite(l, *g, std::string(100, 'g'), uint64_t(i) * kPage));
      }
      {
        kern::WriteGuard g(root->lock());
        must(root->symlink("sl", "target", 0, 0));
      }
      held_file = f;
      held_dir = d;
      EXPECT_GT(k->kmem().used(), base + 2000 * 100);
      must(fs->unmount(false));
      // What is still held stays valid, unlinked.
      EXPECT_EQ(attr(*held_file).nlink, 0u);
      EXPECT_EQ(pread(l, *held_file, 3, 0), "fff");
      EXPECT_EQ(attr(*held_dir).nlink, 0u);
      EXPECT_EQ(err(look(*held_dir, "deepfile")), Errno::kNoEnt);
      EXPECT_EQ(attr(*must(look(*held_dir, ".."))).nlink, 0u) << "its parent, removed too";
      // The old root stays valid for who holds it; nothing can be created in it, and root()
      // answers a stand-in.
      EXPECT_EQ(err(mk(*root, "late")), Errno::kNoEnt);
      EXPECT_EQ(must(look(*root, "..")).get(), root.get());
      EXPECT_NE(fs->root().get(), root.get());
    }
    EXPECT_GT(k->kmem().used(), base);
    held_file.reset();
    held_dir.reset();
    k->epoch().synchronize();  // node memory waits for lock-free readers (kern/epoch.h)
    EXPECT_EQ(k->kmem().used(), base) << "unmount and the last references free everything";
  });
}

TEST(MemFs, RootAfterUnmountIsAStandIn) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    const uint64_t base = k->kmem().used();
    {
      Ref<FileSystem> fs = make_fs(*k);
      RefPtr<Vnode> file = must(mk(*fs->root(), "f"));
      must(fs->unmount(true));
      Ref<Vnode> husk = fs->root();
      Vattr va = attr(*husk);
      EXPECT_EQ(va.type, VType::kDir);
      EXPECT_EQ(va.ino, 1u);
      EXPECT_EQ(va.nlink, 0u);
      EXPECT_EQ(err(look(*husk, "f")), Errno::kNoEnt);
      EXPECT_EQ(must(look(*husk, "..")).get(), husk.get());
      EXPECT_EQ(err(mk(*husk, "g")), Errno::kNoEnt);
      must(fs->unmount(true));  // twice is harmless
    }
    k->epoch().synchronize();
    EXPECT_EQ(k->kmem().used(), base);
  });
}

// --- the tmpfs component -----------------------------------------------------------------

TEST(Tmpfs, MountThroughTheVfs) {
  auto k = boot();
  in_kernel(*k, [&](Lwp& l) {
    Vfs& vfs = Vfs::of(*k);
    ASSERT_NE(vfs.find_type("tmpfs"), nullptr);
    Ref<Vnode> root = vfs.root();
    Ref<Vnode> t = must(mk(*root, "t", VType::kDir, 0755));
    must(vfs.mount(l, "tmpfs", *t, "/t", "tmpfs", 0, "size=1m,mode=700,uid=5"));
    Ref<Vnode> troot = vfs.cross_down(t);
    ASSERT_NE(troot.get(), t.get());
    Vattr va = attr(*troot);
    EXPECT_EQ(va.mode, 0700u);
    EXPECT_EQ(va.uid, 5u);
    EXPECT_NE(va.dev, attr(*root).dev);
    StatFs st;
    must(troot->mount().fs().statfs(st));
    EXPECT_EQ(st.type, kTmpfsMagic);
    EXPECT_EQ(st.blocks, 256u);
    Ref<Vnode> f = must(mk(*troot, "f"));
    EXPECT_EQ(must(pwrite(l, *f, std::string("tmp"), 0)), 3u);
    f = troot;  // drop the file
    Ref<Vnode> t2 = must(mk(*root, "t2", VType::kDir, 0755));
    EXPECT_EQ(err(vfs.mount(l, "tmpfs", *t2, "/t2", "tmpfs", 0, "size=1m,what=1")),
              Errno::kInval);
    must(vfs.unmount(l, *troot, 0));
  });
}

}  // namespace
}  // namespace rk::vfs
