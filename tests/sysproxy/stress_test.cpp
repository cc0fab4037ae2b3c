// Many clients at once, and clients that die in the middle of a call, again and again: the
// server keeps serving and holds no more descriptors or kernel memory afterwards.
#include <dirent.h>
#include <fcntl.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "kern/abi/linux.h"
#include "server_fixture.h"
#include "wire_client.h"

namespace rk::test {
namespace {

using namespace rk::abi;

using SysproxyStress = ServedKernel;

size_t host_fds() {
  size_t n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (readdir(d) != nullptr) ++n;
  closedir(d);
  return n;
}

TEST_F(SysproxyStress, TwoHundredFiftySixConcurrentClients) {
  constexpr int kClients = 256;
  std::vector<int32_t> pids(kClients);
  std::atomic<int> failures{0};
  std::atomic<int> attached{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      WireClient c(url_);
      if (c.hello() != 0) {
        ++failures;
        return;
      }
      pids[i] = c.welcome.pid;
      ++attached;
      // Hold the connection until every client is attached: all 256 are served at once.
      while (attached.load() < kClients && failures.load() == 0) std::this_thread::yield();
      char path[32];
      snprintf(path, sizeof path, "/c%d", i);
      auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
      for (int round = 0; round < 10; ++round) {
        if (c.call(kSysGetpid) != c.welcome.pid) ++failures;
        if (c.call(kSysMkdir, p(path), 0755) != (round == 0 ? 0 : -EEXIST)) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(std::set<int32_t>(pids.begin(), pids.end()).size(), static_cast<size_t>(kClients));
  EXPECT_TRUE(idle());
}

TEST_F(SysproxyStress, ClientsKilledMidCallLeaveNothingBehind) {
  auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
  // Each round: a client opens files, then dies with a call in flight (a sleep, a half sent
  // message, or a call whose answer it never reads).
  auto round = [&](int i) {
    WireClient c(url_);
    ASSERT_EQ(c.hello(), 0);
    ASSERT_GE(c.call(kSysOpenat, static_cast<uint64_t>(AT_FDCWD), p("/dev/zero"), O_RDONLY, 0), 0);
    int pipefd[2];
    ASSERT_EQ(c.call(kSysPipe2, p(pipefd), 0), 0);
    std::vector<uint8_t> m;
    switch (i % 3) {
      case 0: {  // nanosleep(1 ms), then gone before the answer
        Timespec ts{0, 1000000};
        WireSyscall spec = *c.specs.find(kSysNanosleep);
        uint64_t args[6] = {p(&ts), 0, 0, 0, 0, 0};
        ArgPlan plan[6];
        ASSERT_EQ(plan_call(spec, args, plan), PlanStatus::kOk);
        begin_message(&m, MsgType::kCall, 1);
        encode_call(spec, args, plan, &m);
        finish_message(&m);
        break;
      }
      case 1: {  // half a write of 64 KiB
        std::vector<uint8_t> data(65536, 'x');
        WireSyscall spec = *c.specs.find(kSysWrite);
        uint64_t args[6] = {static_cast<uint64_t>(pipefd[1]), p(data.data()), data.size()};
        ArgPlan plan[6];
        ASSERT_EQ(plan_call(spec, args, plan), PlanStatus::kOk);
        begin_message(&m, MsgType::kCall, 1);
        encode_call(spec, args, plan, &m);
        finish_message(&m);
        m.resize(m.size() / 2);
        break;
      }
      default: {  // read of 1 MiB from /dev/zero, never collected
        WireSyscall spec = *c.specs.find(kSysRead);
        static std::vector<uint8_t> sink(1 << 20);
        uint64_t args[6] = {0, p(sink.data()), sink.size()};
        ArgPlan plan[6];
        ASSERT_EQ(plan_call(spec, args, plan), PlanStatus::kOk);
        begin_message(&m, MsgType::kCall, 1);
        encode_call(spec, args, plan, &m);
        finish_message(&m);
        break;
      }
    }
    c.send_raw(m);
  };
  for (int i = 0; i < 30; ++i) round(i);  // warm up: caches, thread stacks, pools
  ASSERT_TRUE(idle());
  size_t fds = host_fds();
  uint64_t mem = rump_kernel_memused(k_);
  constexpr int kRounds = 1000;
  for (int i = 0; i < kRounds; ++i) {
    round(i);
    if (HasFatalFailure()) return;
  }
  ASSERT_TRUE(idle());
  EXPECT_EQ(host_fds(), fds);
  // Kernel memory back where it was, give or take what caches keep (well under one client's
  // worth per hundred rounds).
  EXPECT_LE(rump_kernel_memused(k_), mem + 64 * 1024);
  WireClient c(url_);
  ASSERT_EQ(c.hello(), 0);
  EXPECT_EQ(c.call(kSysGetpid), c.welcome.pid);
}

TEST_F(SysproxyStress, DeadClientsBlockedCallsAreWoken) {
  // A client dies while one of its threads is blocked reading a pipe whose write end only the
  // client itself holds: the server closes the dead process's descriptors, the read returns,
  // and everything is released.
  auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
  for (int i = 0; i < 20; ++i) {
    auto main = std::make_unique<WireClient>(url_);
    ASSERT_EQ(main->hello(), 0);
    int pipefd[2];
    ASSERT_EQ(main->call(kSysPipe2, p(pipefd), 0), 0);
    auto reader = std::make_unique<WireClient>(url_);
    ASSERT_EQ(reader->hello(HelloMode::kJoin, main->welcome.pid, main->welcome.cookie), 0);
    WireSyscall spec = *main->specs.find(kSysRead);
    char b[1];
    uint64_t args[6] = {static_cast<uint64_t>(pipefd[0]), p(b), 1};
    ArgPlan plan[6];
    ASSERT_EQ(plan_call(spec, args, plan), PlanStatus::kOk);
    std::vector<uint8_t> m;
    begin_message(&m, MsgType::kCall, 1);
    encode_call(spec, args, plan, &m);
    finish_message(&m);
    ASSERT_TRUE(reader->send_raw(m));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // into the kernel, blocked
    if (i % 2 == 0) {
      reader.reset();
      main.reset();
    } else {
      main.reset();
      reader.reset();
    }
  }
  EXPECT_TRUE(idle());
}

TEST_F(SysproxyStress, ManyCallsInFlightInOneProcess) {
  // One process, eight connections (a multithreaded client): a read blocked on an empty pipe
  // does not hold up the write, on another connection, that unblocks it.
  WireClient first(url_);
  ASSERT_EQ(first.hello(), 0);
  auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
  int pipefd[2];
  ASSERT_EQ(first.call(kSysPipe2, p(pipefd), 0), 0);
  std::vector<std::unique_ptr<WireClient>> joins;
  for (int i = 0; i < 8; ++i) {
    auto c = std::make_unique<WireClient>(url_);
    ASSERT_EQ(c->hello(HelloMode::kJoin, first.welcome.pid, first.welcome.cookie), 0);
    joins.push_back(std::move(c));
  }
  std::atomic<int> done{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&, i] {
      char b[1];
      if (joins[i]->call(kSysRead, pipefd[0], p(b), 1) == 1) ++done;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(done.load(), 0);
  for (int i = 4; i < 8; ++i) EXPECT_EQ(joins[i]->call(kSysWrite, pipefd[1], p("x"), 1), 1);
  for (auto& t : readers) t.join();
  EXPECT_EQ(done.load(), 4);
}

}  // namespace
}  // namespace rk::test
