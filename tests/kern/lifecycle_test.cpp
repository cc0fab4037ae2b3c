// Kernel lifetime: many create/destroy cycles (LeakSanitizer checks that each returns all its
// memory), kernels created and destroyed concurrently, halting, the message log, host names.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kern/abi/linux.h"
#include "kern/callout.h"
#include "kern/kthread.h"
#include "kern/lock.h"
#include "kern/log.h"
#include "kern/lwp.h"
#include "kernel_fixture.h"

namespace rk::kern {
namespace {

using test::boot;
using test::in_kernel;

void nothing(void*) {}

// A POSIX host that keeps account of what kernels take from it: memory blocks (with their
// sizes), mutexes and condition variables. A destroyed kernel must have given all of it back.
struct HostAccount {
  std::mutex lock;
  std::map<void*, size_t> blocks;
  long bad_frees = 0;  // unknown pointer, or a size other than the one allocated
  long mutexes = 0;
  long cvs = 0;
  rumpuser_ops ops;
};
HostAccount& account() {
  static HostAccount a;
  return a;
}

int counting_malloc(void* host, size_t len, size_t align, void** out) {
  int rv = rumpuser_posix_ops()->malloc(host, len, align, out);
  if (rv == 0) {
    std::lock_guard<std::mutex> g(account().lock);
    account().blocks[*out] = len;
  }
  return rv;
}
void counting_free(void* host, void* p, size_t len) {
  {
    std::lock_guard<std::mutex> g(account().lock);
    auto it = account().blocks.find(p);
    if (it == account().blocks.end() || (it->second != len && !(it->second == 0 && len == 1))) {
      ++account().bad_frees;
    }
    if (it != account().blocks.end()) account().blocks.erase(it);
  }
  rumpuser_posix_ops()->free(host, p, len);
}
int counting_mutex_init(void* host, int flags, rumpuser_mtx** out) {
  int rv = rumpuser_posix_ops()->mutex_init(host, flags, out);
  if (rv == 0) {
    std::lock_guard<std::mutex> g(account().lock);
    ++account().mutexes;
  }
  return rv;
}
void counting_mutex_destroy(rumpuser_mtx* m) {
  {
    std::lock_guard<std::mutex> g(account().lock);
    --account().mutexes;
  }
  rumpuser_posix_ops()->mutex_destroy(m);
}
int counting_cv_init(void* host, rumpuser_cv** out) {
  int rv = rumpuser_posix_ops()->cv_init(host, out);
  if (rv == 0) {
    std::lock_guard<std::mutex> g(account().lock);
    ++account().cvs;
  }
  return rv;
}
void counting_cv_destroy(rumpuser_cv* cv) {
  {
    std::lock_guard<std::mutex> g(account().lock);
    --account().cvs;
  }
  rumpuser_posix_ops()->cv_destroy(cv);
}

const rumpuser_ops& counting_ops() {
  static const bool init = [] {
    rumpuser_ops& o = account().ops;
    o = *rumpuser_posix_ops();
    o.malloc = counting_malloc;
    o.free = counting_free;
    o.mutex_init = counting_mutex_init;
    o.mutex_destroy = counting_mutex_destroy;
    o.cv_init = counting_cv_init;
    o.cv_destroy = counting_cv_destroy;
    return true;
  }();
  (void)init;
  return account().ops;
}

void expect_host_account_empty(const char* when) {
  std::lock_guard<std::mutex> g(account().lock);
  size_t bytes = 0;
  for (auto& [p, n] : account().blocks) bytes += n;
  EXPECT_EQ(account().blocks.size(), 0u) << when << ": " << bytes << " bytes still allocated";
  EXPECT_EQ(account().bad_frees, 0) << when << ": frees of unknown blocks or with a wrong size";
  EXPECT_EQ(account().mutexes, 0) << when << ": host mutexes not destroyed";
  EXPECT_EQ(account().cvs, 0) << when << ": host condition variables not destroyed";
}

struct CountingWork : Work {
  std::atomic<int>* n;
  explicit CountingWork(std::atomic<int>* c) : Work(run), n(c) {}
  static void run(Work* w) { static_cast<CountingWork*>(w)->n->fetch_add(1); }
};

// Everything a kernel took from its host is given back by destroy: after a busy life, after
// a failed boot, after halt.
TEST(Lifecycle, DestroyReturnsEverythingToTheHost) {
  for (unsigned ncpu : {1u, 3u}) {
    BootParams p;
    p.ncpu = ncpu;
    Result<Kernel*> r = Kernel::create(counting_ops(), p);
    ASSERT_TRUE(r.ok());
    Kernel* k = r.value();
    {
      std::lock_guard<std::mutex> g(account().lock);
      EXPECT_GT(account().blocks.size(), 0u) << "the counting host was not used";
    }
    std::atomic<int> works{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 50; ++i) {
          KernelEntry e(*k);
          Mutex m(*k);
          MutexGuard g(m);
          Lwp* l = RK_MUST(k->procs().spawn(k->proc1(), FdInherit::kCopy));
          k->procs().release_lwp(l);
          k->log().log(LogLevel::kInfo, "entry %d", i);
        }
      });
    }
    for (auto& t : threads) test::join_or_die(t, "busy thread");
    {
      KernelEntry e(*k);
      Callout c(*k, nothing, nullptr);
      ASSERT_TRUE(c.schedule_ms(0).ok());
      CountingWork w(&works);
      ASSERT_TRUE(k->workqueue().enqueue(w).ok());
      k->workqueue().drain();
      (void)c.halt();
      for (int i = 0; i < 3; ++i) ASSERT_TRUE(kthread_create(*k, "detached", nothing, nullptr, false).ok());
      (void)RK_MUST(k->procs().spawn(k->proc1(), FdInherit::kClear));  // left for destroy
    }
    ASSERT_TRUE(lwproc_rfork(*k, FdInherit::kClear).ok());  // a bound lwp, left for destroy
    lwproc_switch(*k, nullptr);
    EXPECT_EQ(works.load(), 1);
    Kernel::destroy(k);
    expect_host_account_empty(ncpu == 1 ? "after a busy one-CPU kernel" : "after a busy 3-CPU kernel");
  }
  // Boots that fail part way through.
  for (uint64_t limit = 1024; limit <= 64 * 1024; limit += 1024) {
    BootParams p;
    p.memlimit = limit;
    Result<Kernel*> r = Kernel::create(counting_ops(), p);
    if (r.ok()) Kernel::destroy(r.value());
  }
  expect_host_account_empty("after boots at tiny memory limits");
  // A halted kernel.
  {
    Result<Kernel*> r = Kernel::create(counting_ops(), BootParams{});
    ASSERT_TRUE(r.ok());
    {
      KernelEntry e(*r.value());
      r.value()->halt(HaltHow::kHalt);
    }
    Kernel::destroy(r.value());
  }
  expect_host_account_empty("after a halted kernel");
}

TEST(Lifecycle, ThousandCreateDestroyCycles) {
  for (int i = 0; i < 1000; ++i) {
    BootParams p;
    p.ncpu = 1 + i % 4;
    p.memlimit = (i % 3 == 0) ? (4u << 20) : 0;
    Result<Kernel*> r = Kernel::create(*rumpuser_posix_ops(), p);
    ASSERT_TRUE(r.ok()) << "cycle " << i << ": " << errno_name(r.error());
    Kernel* k = r.value();
    ASSERT_EQ(k->sched().ncpu(), p.ncpu);
    if (i % 2 == 0) {
      // Use it a little: a lock, an allocation, a process.
      KernelEntry e(*k);
      ASSERT_NE(e.lwp_or_null(), nullptr);
      Mutex m(*k);
      MutexGuard g(m);
      void* mem = k->kmem().alloc(100);
      ASSERT_NE(mem, nullptr);
      k->kmem().free(mem, 100);
      Lwp* l = RK_MUST(k->procs().spawn(k->proc1(), FdInherit::kClear));
      k->procs().release_lwp(l);
    }
    if (i % 50 == 0) {
      // Start (and stop) the lazily created threads too.
      KernelEntry e(*k);
      Callout c(*k, nothing, nullptr);
      ASSERT_TRUE(c.schedule_ms(0).ok());
      (void)c.halt();
      Work w([](Work*) {});
      ASSERT_TRUE(k->workqueue().enqueue(w).ok());
      k->workqueue().drain();
    }
    Kernel::destroy(k);
  }
}

TEST(Lifecycle, DestroyFreesProcessesAndLwps) {
  // Processes with lwps and descriptor tables, and an lwp bound by rfork, are all freed.
  for (int i = 0; i < 20; ++i) {
    auto k = boot(2);
    ASSERT_NE(k, nullptr);
    in_kernel(*k, [&](Lwp&) {
      for (int j = 0; j < 5; ++j) (void)RK_MUST(k->procs().spawn(k->proc1(), FdInherit::kClear));
    });
    ASSERT_TRUE(lwproc_rfork(*k, FdInherit::kCopy).ok());
    EXPECT_NE(bound_lwp(*k), nullptr);
    lwproc_switch(*k, nullptr);
  }
}

TEST(Lifecycle, KernelsCreatedAndDestroyedConcurrently) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        BootParams p;
        p.ncpu = 1 + (t + i) % 3;
        Result<Kernel*> r = Kernel::create(*rumpuser_posix_ops(), p);
        if (!r.ok()) {
          failures.fetch_add(1);
          continue;
        }
        {
          KernelEntry e(*r.value());
          Mutex m(*r.value());
          MutexGuard g(m);
        }
        Kernel::destroy(r.value());
      }
    });
  }
  for (auto& t : threads) test::join_or_die(t, "create/destroy thread");
  EXPECT_EQ(failures.load(), 0);
}

TEST(Lifecycle, KernelsAreIndependent) {
  auto a = boot(1, 8u << 20);
  auto b = boot(4);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  uint64_t b_used = b->kmem().used();
  in_kernel(*a, [&](Lwp&) {
    void* p = a->kmem().alloc(1u << 20);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(b->kmem().used(), b_used) << "one kernel's allocation was charged to another";
    a->kmem().free(p, 1u << 20);
    ASSERT_TRUE(a->set_hostname("alpha").ok());
  });
  char name[kHostNameMax + 1];
  a->hostname(name, sizeof name);
  EXPECT_STREQ(name, "alpha");
  b->hostname(name, sizeof name);
  EXPECT_STREQ(name, "rump");
  in_kernel(*a, [&](Lwp&) {
    Lwp* l = RK_MUST(a->procs().spawn(a->proc1(), FdInherit::kClear));
    EXPECT_EQ(a->procs().count(), 3u);
    EXPECT_EQ(b->procs().count(), 2u);
    a->procs().release_lwp(l);
  });
  EXPECT_NE(a->boot_ns(), 0);
  EXPECT_GE(a->uptime_ns(), 0);
}

TEST(Lifecycle, HostAndDomainNames) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  in_kernel(*k, [&](Lwp&) {
    char buf[kHostNameMax + 1];
    k->domainname(buf, sizeof buf);
    EXPECT_STREQ(buf, "(none)");
    std::string longest(kHostNameMax, 'h');
    ASSERT_TRUE(k->set_hostname(longest).ok());
    k->hostname(buf, sizeof buf);
    EXPECT_EQ(std::string(buf), longest);
    EXPECT_EQ(k->set_hostname(longest + "x").error(), Errno::kInval);
    k->hostname(buf, sizeof buf);
    EXPECT_EQ(std::string(buf), longest) << "a rejected name changed the old one";
    ASSERT_TRUE(k->set_domainname("example.org").ok());
    char small[4];
    k->domainname(small, sizeof small);
    EXPECT_STREQ(small, "exa");
  });
}

TEST(Lifecycle, HaltIsIdempotentAndDestroyAfterHaltWorks) {
  auto k = boot(2);
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(k->halted());
  in_kernel(*k, [&](Lwp&) {
    k->halt(HaltHow::kPowerOff);
    EXPECT_TRUE(k->halted());
    k->halt(HaltHow::kHalt);
  });
  EXPECT_TRUE(k->halted());
  int64_t r = syscall_enter(*k, abi::kSysGetpid, SyscallArgs{});
  EXPECT_EQ(r, -to_int(Errno::kNxio)) << "system calls after halt";
}

TEST(MsgLog, KeepsRecentLinesWithTimestamps) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  MsgLog& log = k->log();
  EXPECT_FALSE(log.verbose());
  std::vector<char> buf(MsgLog::kSize + 1);
  size_t n = log.read(buf.data(), buf.size());
  std::string boot_log(buf.data(), n);
  EXPECT_NE(boot_log.find("booting"), std::string::npos) << boot_log;
  log.clear();
  EXPECT_EQ(log.size(), 0u);
  in_kernel(*k, [&](Lwp&) { log.log(LogLevel::kInfo, "hello %d", 42); });
  n = log.read(buf.data(), buf.size());
  std::string line(buf.data(), n);
  // Linux's record format: "<level>[seconds.micros] text".
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.rfind("<6>[", 0), 0u) << line;
  EXPECT_NE(line.find("] hello 42\n"), std::string::npos) << line;

  // Far more than fits: the oldest lines go, whole, and the newest stay.
  for (int i = 0; i < 2000; ++i) log.log(LogLevel::kInfo, "message number %d", i);
  EXPECT_LE(log.size(), MsgLog::kSize);
  // The ring starts small and grows to the full size as messages come.
  EXPECT_GT(log.size(), MsgLog::kSize - 100);
  n = log.read(buf.data(), buf.size());
  std::string all(buf.data(), n);
  EXPECT_EQ(all.rfind("<6>[", 0), 0u) << "the log starts in the middle of a line";
  EXPECT_EQ(all.back(), '\n');
  EXPECT_NE(all.find("message number 1999\n"), std::string::npos);
  EXPECT_EQ(all.find("hello 42"), std::string::npos);
  // A short read gets the oldest bytes.
  char head[10];
  EXPECT_EQ(log.read(head, sizeof head), sizeof head);
  EXPECT_EQ(std::string(head, sizeof head), all.substr(0, sizeof head));
}

TEST(MsgLog, LongMessagesAreCutToOneLine) {
  auto k = boot(1);
  ASSERT_NE(k, nullptr);
  k->log().clear();
  std::string big(2000, 'x');
  k->log().log(LogLevel::kInfo, "%s", big.c_str());
  std::vector<char> buf(MsgLog::kSize);
  size_t n = k->log().read(buf.data(), buf.size());
  std::string s(buf.data(), n);
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 1);
  EXPECT_EQ(s.back(), '\n');
  EXPECT_LT(s.size(), 600u);
}

TEST(MsgLog, VerboseAndCriticalMessagesReachTheConsole) {
  BootParams p;
  p.ncpu = 1;
  p.verbose = true;
  testing::internal::CaptureStderr();
  {
    auto k = boot(p);
    ASSERT_NE(k, nullptr);
    EXPECT_TRUE(k->log().verbose());
    k->log().log(LogLevel::kDebug, "verbose debug line");
  }
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("booting"), std::string::npos) << out;
  EXPECT_NE(out.find("verbose debug line"), std::string::npos) << out;
  EXPECT_NE(out.find("halted"), std::string::npos) << out;

  testing::internal::CaptureStderr();
  {
    auto k = boot(1);
    ASSERT_NE(k, nullptr);
    k->log().log(LogLevel::kInfo, "quiet info line");
    k->log().log(LogLevel::kCrit, "critical line");
  }
  out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("quiet info line"), std::string::npos) << out;
  EXPECT_EQ(out.find("booting"), std::string::npos) << out;
  EXPECT_NE(out.find("critical line"), std::string::npos) << out;
}

}  // namespace
}  // namespace rk::kern
