// Processes and descriptor tables: fork, lookup, lwps, pids, reparenting, FdTable operations,
// and files released when their last holder goes.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "kern/cred.h"
#include "kern/file.h"
#include "kern/lwp.h"
#include "kern/proc.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

using test::boot;
using test::in_kernel;

struct FileStats {
  std::atomic<int> created{0};
  std::atomic<int> closed{0};
  std::atomic<int> freed{0};
};

// The smallest File: counts its life. Allocated in the kernel's memory.
class TestFile final : public File {
 public:
  static Ref<TestFile> create(Kernel& k, FileStats* stats, int tag = 0) {
    TestFile* f = k.kmem().create<TestFile>(KmFlags::kSleep, k, stats, tag);
    return Ref<TestFile>::adopt(*f);
  }
  TestFile(Kernel& k, FileStats* stats, int tag) : File(k, 0), stats_(stats), tag_(tag) {
    stats_->created.fetch_add(1);
  }
  int tag() const { return tag_; }
  Kind kind() const override { return Kind::kOther; }

 protected:
  void close_last() override { stats_->closed.fetch_add(1); }
  void free_self() override {
    FileStats* s = stats_;
    kernel().kmem().destroy(this);
    s->freed.fetch_add(1);
  }

 private:
  FileStats* stats_;
  int tag_;
};

Ref<File> as_file(const Ref<TestFile>& f) { return Ref<File>(*f); }

// --- processes -------------------------------------------------------------------------------

TEST(ProcTable, BootHasProc0AndProc1) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    EXPECT_EQ(pt.count(), 2u);
    EXPECT_EQ(k->proc0().pid(), 0);
    EXPECT_EQ(k->proc1().pid(), 1);
    EXPECT_EQ(k->proc1().ppid(), 0);
    Result<Ref<Proc>> p1 = pt.lookup(1);
    ASSERT_TRUE(p1.ok());
    EXPECT_EQ(p1->get(), &k->proc1());
    EXPECT_EQ(pt.lookup(12345).error(), Errno::kSrch);
    EXPECT_EQ(pt.lookup(-1).error(), Errno::kSrch);
  });
}

TEST(ProcTable, ForkLookupLwpsAndExit) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    uint64_t used = k->kmem().used();
    Lwp* l1 = nullptr;
    Lwp* l2 = nullptr;
    Pid pid = -1;
    {
      Result<Ref<Proc>> p = pt.fork(&k->proc1(), FdInherit::kClear, "child");
      ASSERT_TRUE(p.ok());
      Proc& child = **p;
      pid = child.pid();
      EXPECT_EQ(pid, 2) << "pids count up from proc0 and proc1";
      EXPECT_EQ(child.ppid(), 1);
      EXPECT_STREQ(child.comm(), "child");
      EXPECT_EQ(&child.kernel(), k.get());
      EXPECT_EQ(pt.count(), 3u);
      Result<Ref<Proc>> found = pt.lookup(pid);
      ASSERT_TRUE(found.ok());
      EXPECT_EQ(found->get(), &child);

      l1 = RK_MUST(pt.new_lwp(child, false));
      l2 = RK_MUST(pt.new_lwp(child, false));
      EXPECT_EQ(&l1->proc(), &child);
      EXPECT_EQ(l1->lid(), 1);
      EXPECT_EQ(l2->lid(), 2);
      EXPECT_FALSE(l1->implicit());
      EXPECT_EQ(&l1->kernel(), k.get());
    }
    // The first lwp going does not end the process; the last one does.
    pt.release_lwp(l1);
    EXPECT_TRUE(pt.lookup(pid).ok());
    pt.release_lwp(l2);
    EXPECT_EQ(pt.lookup(pid).error(), Errno::kSrch);
    EXPECT_EQ(pt.count(), 2u);
    EXPECT_EQ(k->kmem().used(), used) << "the process's memory was not returned";
  });
}

TEST(ProcTable, PidsCountUpAndAreNotReusedAtOnce) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    Pid last = 1;
    for (int i = 0; i < 20; ++i) {
      Lwp* l = RK_MUST(pt.spawn(k->proc1(), FdInherit::kClear));
      Pid pid = l->proc().pid();
      EXPECT_EQ(pid, last + 1);
      EXPECT_EQ(l->proc().ppid(), 1);
      last = pid;
      pt.release_lwp(l);
    }
    EXPECT_EQ(pt.count(), 2u);
  });
}

TEST(ProcTable, NewLwpOfAnExitedProcessFails) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    Lwp* l = RK_MUST(pt.spawn(k->proc1(), FdInherit::kClear));
    Ref<Proc> p(l->proc());  // keeps the object, not the process, alive
    pt.release_lwp(l);
    Result<Lwp*> again = pt.new_lwp(*p, false);
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error(), Errno::kSrch);
  });
}

TEST(ProcTable, ChildrenMoveToPid1WhenTheirParentExits) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    Lwp* parent = RK_MUST(pt.spawn(k->proc1(), FdInherit::kClear));
    Pid parent_pid = parent->proc().pid();
    Lwp* child = RK_MUST(pt.spawn(parent->proc(), FdInherit::kClear));
    Lwp* grandchild = RK_MUST(pt.spawn(child->proc(), FdInherit::kClear));
    Lwp* sibling = RK_MUST(pt.spawn(parent->proc(), FdInherit::kClear));
    EXPECT_EQ(child->proc().ppid(), parent_pid);
    EXPECT_EQ(sibling->proc().ppid(), parent_pid);
    Pid child_pid = child->proc().pid();
    pt.release_lwp(parent);
    EXPECT_EQ(child->proc().ppid(), 1);
    EXPECT_EQ(sibling->proc().ppid(), 1);
    EXPECT_EQ(grandchild->proc().ppid(), child_pid) << "only direct children are reparented";
    pt.release_lwp(child);
    EXPECT_EQ(grandchild->proc().ppid(), 1);
    pt.release_lwp(grandchild);
    pt.release_lwp(sibling);
    EXPECT_EQ(pt.count(), 2u);
  });
}

TEST(ProcTable, ForkCopiesCredentials) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    Lwp* parent = RK_MUST(pt.spawn(k->proc1(), FdInherit::kClear));
    Result<void> r = parent->proc().update_cred([](Cred& c) { return c.setresuid(1000, 1000, 1000); });
    ASSERT_TRUE(r.ok());
    Lwp* child = RK_MUST(pt.spawn(parent->proc(), FdInherit::kClear));
    EXPECT_EQ(child->proc().cred().euid, 1000u);
    EXPECT_EQ(child->proc().cred().ruid, 1000u);
    EXPECT_EQ(k->proc1().cred().euid, 0u) << "the parent's parent is unchanged";
    pt.release_lwp(child);
    pt.release_lwp(parent);
  });
}

TEST(ProcTable, ForkRunsOutOfMemoryCleanly) {
  auto k = boot(1, 256 * 1024);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    uint64_t used = k->kmem().used();
    std::vector<Lwp*> lwps;
    Errno err = Errno::kPerm;
    for (int i = 0; i < 100000; ++i) {
      Result<Lwp*> l = pt.spawn(k->proc1(), FdInherit::kClear);
      if (!l.ok()) {
        err = l.error();
        break;
      }
      lwps.push_back(l.value());
    }
    EXPECT_EQ(err, Errno::kNoMem);
    EXPECT_GT(lwps.size(), 10u);
    EXPECT_EQ(pt.count(), 2u + lwps.size()) << "a failed spawn left a process behind";
    for (Lwp* l : lwps) pt.release_lwp(l);
    EXPECT_EQ(pt.count(), 2u);
    EXPECT_EQ(k->kmem().used(), used);
  });
}

TEST(ProcTable, ConcurrentSpawnAndRelease) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  std::vector<std::thread> threads;
  std::atomic<bool> dup{false};
  std::vector<std::vector<Pid>> pids(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        in_kernel(*k, [&](Lwp&) {
          Lwp* l = RK_MUST(k->procs().spawn(k->proc1(), FdInherit::kClear));
          pids[t].push_back(l->proc().pid());
          k->procs().release_lwp(l);
        });
      }
    });
  }
  for (auto& t : threads) test::join_or_die(t, "spawner");
  std::vector<Pid> all;
  for (auto& v : pids) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  for (size_t i = 1; i < all.size(); ++i)
    if (all[i] == all[i - 1]) dup = true;
  EXPECT_FALSE(dup.load()) << "a pid was handed out twice";
  in_kernel(*k, [&](Lwp&) { EXPECT_EQ(k->procs().count(), 2u); });
}

// --- descriptor tables -----------------------------------------------------------------------

TEST(FdTable, InstallGetClose) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  FileStats stats;
  in_kernel(*k, [&](Lwp&) {
    Ref<FdTable> t = RK_MUST(FdTable::create(*k));
    EXPECT_EQ(t->open_count(), 0u);
    EXPECT_EQ(t->limit(), 1024);
    {
      Ref<TestFile> a = TestFile::create(*k, &stats, 1);
      Ref<TestFile> b = TestFile::create(*k, &stats, 2);
      EXPECT_EQ(RK_MUST(t->install(as_file(a), 0, false)), 0);
      EXPECT_EQ(RK_MUST(t->install(as_file(b), 0, true)), 1);
      EXPECT_EQ(RK_MUST(t->install(as_file(a), 0, false)), 2);
      EXPECT_EQ(RK_MUST(t->install(as_file(b), 10, false)), 10) << "lowest free >= min";
      EXPECT_EQ(t->open_count(), 4u);
      EXPECT_EQ(a->ref_count(), 3u);  // ours and two descriptors
      Ref<File> got = RK_MUST(t->get(1));
      EXPECT_EQ(got.get(), static_cast<File*>(b.get()));
      EXPECT_TRUE(RK_MUST(t->cloexec(1)));
      EXPECT_FALSE(RK_MUST(t->cloexec(0)));
      ASSERT_TRUE(t->set_cloexec(0, true).ok());
      EXPECT_TRUE(RK_MUST(t->cloexec(0)));
      EXPECT_EQ(t->get(5).error(), Errno::kBadF);
      EXPECT_EQ(t->get(-1).error(), Errno::kBadF);
      EXPECT_EQ(t->get(100000).error(), Errno::kBadF);
      EXPECT_EQ(t->cloexec(5).error(), Errno::kBadF);
      EXPECT_EQ(t->set_cloexec(5, true).error(), Errno::kBadF);
      EXPECT_EQ(t->install(as_file(a), -1, false).error(), Errno::kInval);

      ASSERT_TRUE(t->close(1).ok());
      EXPECT_EQ(t->get(1).error(), Errno::kBadF);
      EXPECT_EQ(t->close(1).error(), Errno::kBadF);
      EXPECT_EQ(t->close(-1).error(), Errno::kBadF);
      EXPECT_EQ(t->close(9999).error(), Errno::kBadF);
      EXPECT_EQ(RK_MUST(t->install(as_file(a), 0, false)), 1) << "a closed descriptor is reused";
      EXPECT_FALSE(RK_MUST(t->cloexec(1))) << "close clears close-on-exec";
    }
    EXPECT_EQ(stats.closed.load(), 0) << "files closed while descriptors still held them";
    ASSERT_TRUE(t->close(10).ok());
    EXPECT_EQ(stats.closed.load(), 1) << "b's last reference was descriptor 10";
    EXPECT_EQ(stats.freed.load(), 1);
    t->close_all();
    EXPECT_EQ(t->open_count(), 0u);
    EXPECT_EQ(stats.closed.load(), 2);
    EXPECT_EQ(stats.freed.load(), 2);
  });
  EXPECT_EQ(stats.created.load(), 2);
}

TEST(FdTable, InstallAtReplacesAndChecksRange) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  FileStats stats;
  in_kernel(*k, [&](Lwp&) {
    Ref<FdTable> t = RK_MUST(FdTable::create(*k));
    ASSERT_TRUE(t->install_at(as_file(TestFile::create(*k, &stats, 1)), 5, false).ok());
    EXPECT_EQ(t->open_count(), 1u);
    EXPECT_EQ(t->get(4).error(), Errno::kBadF);
    EXPECT_EQ(static_cast<TestFile*>(RK_MUST(t->get(5)).get())->tag(), 1);
    EXPECT_EQ(RK_MUST(t->install(as_file(TestFile::create(*k, &stats, 2)), 0, false)), 0);
    // dup2 onto an open descriptor closes what was there.
    ASSERT_TRUE(t->install_at(as_file(TestFile::create(*k, &stats, 3)), 5, true).ok());
    EXPECT_EQ(stats.closed.load(), 1);
    EXPECT_EQ(static_cast<TestFile*>(RK_MUST(t->get(5)).get())->tag(), 3);
    EXPECT_TRUE(RK_MUST(t->cloexec(5)));
    Ref<TestFile> f = TestFile::create(*k, &stats, 4);
    EXPECT_EQ(t->install_at(as_file(f), -1, false).error(), Errno::kBadF);
    EXPECT_EQ(t->install_at(as_file(f), t->limit(), false).error(), Errno::kBadF);
    ASSERT_TRUE(t->install_at(as_file(f), t->limit() - 1, false).ok());
    EXPECT_EQ(t->open_count(), 3u);
    t->close_all();
    EXPECT_EQ(stats.closed.load(), 3) << "f is still held by us";
  });
  EXPECT_EQ(stats.closed.load(), 4);
  EXPECT_EQ(stats.freed.load(), 4);
}

TEST(FdTable, EMFILEAtTheLimit) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  FileStats stats;
  in_kernel(*k, [&](Lwp&) {
    Ref<FdTable> t = RK_MUST(FdTable::create(*k));
    Ref<TestFile> f = TestFile::create(*k, &stats);
    for (int i = 0; i < t->limit(); ++i) {
      Result<int> fd = t->install(as_file(f), 0, false);
      ASSERT_TRUE(fd.ok()) << "descriptor " << i;
      ASSERT_EQ(fd.value(), i);
    }
    Result<int> over = t->install(as_file(f), 0, false);
    ASSERT_FALSE(over.ok());
    EXPECT_EQ(over.error(), Errno::kMFile);
    EXPECT_EQ(t->install(as_file(f), t->limit() + 5, false).error(), Errno::kMFile);
    EXPECT_EQ(f->ref_count(), 1u + t->limit()) << "a refused install kept a reference";
    ASSERT_TRUE(t->close(77).ok());
    EXPECT_EQ(RK_MUST(t->install(as_file(f), 0, false)), 77);
    t->close_all();
    EXPECT_EQ(f->ref_count(), 1u);
  });
  EXPECT_EQ(stats.closed.load(), 1);
}

TEST(FdTable, CopyHoldsTheSameFiles) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  FileStats stats;
  in_kernel(*k, [&](Lwp&) {
    Ref<FdTable> t = RK_MUST(FdTable::create(*k));
    ASSERT_TRUE(t->install_at(as_file(TestFile::create(*k, &stats, 1)), 0, false).ok());
    ASSERT_TRUE(t->install_at(as_file(TestFile::create(*k, &stats, 2)), 3, true).ok());
    Ref<FdTable> c = RK_MUST(t->copy());
    EXPECT_NE(c.get(), t.get());
    EXPECT_EQ(c->open_count(), 2u);
    EXPECT_EQ(RK_MUST(c->get(0)).get(), RK_MUST(t->get(0)).get());
    EXPECT_EQ(RK_MUST(c->get(3)).get(), RK_MUST(t->get(3)).get());
    EXPECT_TRUE(RK_MUST(c->cloexec(3)));
    // The tables are independent from now on.
    ASSERT_TRUE(c->close(0).ok());
    EXPECT_TRUE(t->get(0).ok());
    EXPECT_EQ(stats.closed.load(), 0);
    ASSERT_TRUE(t->close(0).ok());
    EXPECT_EQ(stats.closed.load(), 1);
    EXPECT_EQ(RK_MUST(c->install(as_file(TestFile::create(*k, &stats, 9)), 0, false)), 0);
    EXPECT_EQ(t->get(0).error(), Errno::kBadF);
  });
  // Both tables dropped: every file closed once.
  EXPECT_EQ(stats.closed.load(), 3);
  EXPECT_EQ(stats.freed.load(), 3);
}

TEST(FdTable, ProcessExitClosesItsFiles) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  FileStats stats;
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    Lwp* l = RK_MUST(pt.spawn(k->proc1(), FdInherit::kClear));
    EXPECT_EQ(l->proc().fds().open_count(), 0u);
    ASSERT_TRUE(l->proc().fds().install(as_file(TestFile::create(*k, &stats)), 0, false).ok());
    ASSERT_TRUE(l->proc().fds().install(as_file(TestFile::create(*k, &stats)), 0, false).ok());
    EXPECT_EQ(stats.closed.load(), 0);
    pt.release_lwp(l);  // the process's last lwp: it exits
    EXPECT_EQ(stats.closed.load(), 2) << "the exited process's files were not closed";
    EXPECT_EQ(stats.freed.load(), 2);
  });
}

TEST(FdTable, ForkWithCopyAndClear) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  FileStats stats;
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    Lwp* parent = RK_MUST(pt.spawn(k->proc1(), FdInherit::kClear));
    FdTable& pfds = parent->proc().fds();
    ASSERT_TRUE(pfds.install(as_file(TestFile::create(*k, &stats)), 0, false).ok());

    Lwp* copy = RK_MUST(pt.spawn(parent->proc(), FdInherit::kCopy));
    EXPECT_NE(&copy->proc().fds(), &pfds);
    EXPECT_EQ(copy->proc().fds().open_count(), 1u);
    EXPECT_EQ(RK_MUST(copy->proc().fds().get(0)).get(), RK_MUST(pfds.get(0)).get());

    Lwp* clear = RK_MUST(pt.spawn(parent->proc(), FdInherit::kClear));
    EXPECT_EQ(clear->proc().fds().open_count(), 0u);

    pt.release_lwp(copy);
    pt.release_lwp(clear);
    EXPECT_TRUE(pfds.get(0).ok()) << "a child's exit closed its parent's descriptor";
    EXPECT_EQ(stats.closed.load(), 0);
    pt.release_lwp(parent);
    EXPECT_EQ(stats.closed.load(), 1);
  });
}

// FdInherit::kShare (rfork with RUMP_RFFD_SHARE): parent and child use one table. The child's
// exit drops its reference to the table; it must not close descriptors the parent still uses.
TEST(FdTable, SharedTableSurvivesTheChildsExit) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  FileStats stats;
  in_kernel(*k, [&](Lwp&) {
    ProcTable& pt = k->procs();
    Lwp* parent = RK_MUST(pt.spawn(k->proc1(), FdInherit::kClear));
    FdTable& pfds = parent->proc().fds();
    ASSERT_TRUE(pfds.install(as_file(TestFile::create(*k, &stats)), 0, false).ok());
    Lwp* child = RK_MUST(pt.spawn(parent->proc(), FdInherit::kShare));
    EXPECT_EQ(&child->proc().fds(), &pfds) << "kShare did not share the table";
    pt.release_lwp(child);
    EXPECT_TRUE(pfds.get(0).ok()) << "the child's exit closed the descriptors of the table it "
                                     "shared with its parent";
    EXPECT_EQ(stats.closed.load(), 0);
    pt.release_lwp(parent);
    EXPECT_EQ(stats.closed.load(), 1);
  });
}

}  // namespace
}  // namespace rk::kern
