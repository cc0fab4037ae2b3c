// Many clients at once, and clients that die in the middle of a call, again and again: the
// server keeps serving and holds no more descriptors or kernel memory afterwards.
#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
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

// A client blocked in a long call keeps a server thread, but no virtual CPU and nothing else
// other clients need: with 64 clients blocked in read of their own empty pipes and 64 more in
// a long nanosleep, on a kernel of 2 virtual CPUs, another client's calls go on at once.
TEST_F(SysproxyStress, BlockedClientsStallNobody) {
  constexpr int kBlocked = 64;
  auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
  auto send_call = [](WireClient& c, unsigned nr, uint64_t a0, uint64_t a1, uint64_t a2) {
    WireSyscall spec = *c.specs.find(nr);
    uint64_t args[6] = {a0, a1, a2};
    ArgPlan plan[6];
    if (plan_call(spec, args, plan) != PlanStatus::kOk) return false;
    std::vector<uint8_t> m;
    begin_message(&m, MsgType::kCall, 1);
    encode_call(spec, args, plan, &m);
    finish_message(&m);
    return c.send_raw(m);
  };
  std::vector<std::unique_ptr<WireClient>> owners, readers, sleepers;
  std::vector<std::array<int, 2>> pipes(kBlocked);
  char buf[kBlocked];
  timespec long_sleep{3600, 0};
  for (int i = 0; i < kBlocked; ++i) {
    auto o = std::make_unique<WireClient>(url_);
    ASSERT_EQ(o->hello(), 0);
    ASSERT_EQ(o->call(kSysPipe2, p(pipes[i].data()), 0), 0);
    auto r = std::make_unique<WireClient>(url_);
    ASSERT_EQ(r->hello(HelloMode::kJoin, o->welcome.pid, o->welcome.cookie), 0);
    ASSERT_TRUE(send_call(*r, kSysRead, static_cast<uint64_t>(pipes[i][0]), p(&buf[i]), 1));
    auto s = std::make_unique<WireClient>(url_);
    ASSERT_EQ(s->hello(), 0);
    ASSERT_TRUE(send_call(*s, kSysNanosleep, p(&long_sleep), 0, 0));
    owners.push_back(std::move(o));
    readers.push_back(std::move(r));
    sleepers.push_back(std::move(s));
  }
  // Every blocked call has reached the kernel.
  ASSERT_TRUE(eventually([&] { return server_->stats().connections >= 3u * kBlocked; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));

  WireClient busy(url_);
  ASSERT_EQ(busy.hello(), 0);
  auto slowest = std::chrono::nanoseconds(0);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2000; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(busy.call(kSysGetpid), busy.welcome.pid);
    slowest = std::max(slowest, std::chrono::steady_clock::now() - t0);
  }
  auto total = std::chrono::steady_clock::now() - start;
  // Generous bounds (sanitizers, a loaded machine): a stall would be the sleep's hour.
  EXPECT_LT(slowest, std::chrono::seconds(2));
  EXPECT_LT(total, std::chrono::seconds(30));
  // A new client is still accepted and served.
  WireClient late(url_);
  ASSERT_EQ(late.hello(), 0);
  EXPECT_EQ(late.call(kSysGetpid), late.welcome.pid);

  // The readers were blocked, not failed: each gets its byte.
  for (int i = 0; i < kBlocked; ++i)
    EXPECT_EQ(owners[i]->call(kSysWrite, static_cast<uint64_t>(pipes[i][1]), p("x"), 1), 1);
  for (int i = 0; i < kBlocked; ++i) {
    MsgHeader mh;
    std::vector<uint8_t> body;
    EXPECT_TRUE(readers[i]->read_message(&mh, &body));
    EXPECT_EQ(mh.type, static_cast<uint16_t>(MsgType::kResult));
    ResultFixed rf{};
    if (body.size() >= sizeof rf) std::memcpy(&rf, body.data(), sizeof rf);
    EXPECT_EQ(rf.ret, 1) << i;
  }
  // Sleepers killed mid-call (their connections closed) are woken and released.
  sleepers.clear();
  readers.clear();
  owners.clear();
  busy.close_now();
  late.close_now();
  EXPECT_TRUE(idle());
}

// The server stops (rump_server's SIGTERM, rump.halt) while clients are blocked in the kernel:
// their calls end, nothing waits for an hour's sleep.
TEST_F(SysproxyStress, StopEndsBlockedCalls) {
  auto p = [](const void* v) { return reinterpret_cast<uint64_t>(v); };
  WireClient owner(url_), reader(url_), sleeper(url_);
  ASSERT_EQ(owner.hello(), 0);
  int pipefd[2];
  ASSERT_EQ(owner.call(kSysPipe2, p(pipefd), 0), 0);
  ASSERT_EQ(reader.hello(HelloMode::kJoin, owner.welcome.pid, owner.welcome.cookie), 0);
  ASSERT_EQ(sleeper.hello(), 0);
  timespec hour{3600, 0};
  char b;
  std::thread r([&] { reader.call(kSysRead, static_cast<uint64_t>(pipefd[0]), p(&b), 1); });
  std::thread s([&] { sleeper.call(kSysNanosleep, p(&hour), 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // into the kernel, blocked
  auto t0 = std::chrono::steady_clock::now();
  server_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  r.join();
  s.join();
}

}  // namespace
}  // namespace rk::test
