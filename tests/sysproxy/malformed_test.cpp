// Malformed and oversized messages: each closes the connection that sent it, and nothing else.
#include <random>

#include "kern/abi/linux.h"
#include "server_fixture.h"
#include "wire_client.h"

namespace rk::test {
namespace {

using namespace rk::abi;

class SysproxyMalformed : public ServedKernel {
 protected:
  // Sends bytes on a fresh, attached connection; expects the server to close it, while a
  // bystander connection keeps being served.
  void expect_closes(const std::vector<uint8_t>& bytes, bool attach = true) {
    WireClient bystander(url_);
    ASSERT_EQ(bystander.hello(), 0);
    uint64_t refused = server_->stats().refused;
    {
      WireClient c(url_);
      if (attach) {
        ASSERT_EQ(c.hello(), 0);
      }
      c.send_raw(bytes);
      EXPECT_TRUE(c.closed_by_server());
    }
    EXPECT_GT(server_->stats().refused, refused);
    EXPECT_EQ(bystander.call(kSysGetpid), bystander.welcome.pid);
  }

  static std::vector<uint8_t> message(MsgType type, const std::vector<uint8_t>& body,
                                      int32_t len_delta = 0) {
    std::vector<uint8_t> m;
    begin_message(&m, type, 1);
    m.insert(m.end(), body.begin(), body.end());
    finish_message(&m);
    uint32_t len = static_cast<uint32_t>(m.size() + len_delta);
    std::memcpy(m.data(), &len, 4);
    return m;
  }

  static std::vector<uint8_t> call_body(uint32_t nr, std::initializer_list<uint64_t> args,
                                        const std::vector<uint8_t>& tail = {}) {
    CallFixed f{};
    f.nr = nr;
    int i = 0;
    for (uint64_t a : args) f.args[i++] = a;
    std::vector<uint8_t> b;
    put(&b, f);
    b.insert(b.end(), tail.begin(), tail.end());
    return b;
  }
};

TEST_F(SysproxyMalformed, HeaderShorterThanItself) {
  expect_closes(message(MsgType::kCall, {}, -8));
}

TEST_F(SysproxyMalformed, OversizedMessage) {
  MsgHeader h{kMaxMessage + 1, static_cast<uint16_t>(MsgType::kCall), 0, 1};
  std::vector<uint8_t> m(sizeof h);
  std::memcpy(m.data(), &h, sizeof h);
  expect_closes(m);
}

TEST_F(SysproxyMalformed, UnknownTypeAndFlags) {
  std::vector<uint8_t> m = message(MsgType::kCall, call_body(kSysGetpid, {}));
  m[4] = 99;  // type
  expect_closes(m);
  m = message(MsgType::kCall, call_body(kSysGetpid, {}));
  m[6] = 1;  // flags
  expect_closes(m);
}

TEST_F(SysproxyMalformed, ServerMessagesFromAClient) {
  expect_closes(message(MsgType::kResult, std::vector<uint8_t>(8)));
}

TEST_F(SysproxyMalformed, ForkWithABadBody) {
  // kFork's body is empty or one uint32 of known flags.
  expect_closes(message(MsgType::kFork, std::vector<uint8_t>(3)));
  expect_closes(message(MsgType::kFork, std::vector<uint8_t>(5)));
  expect_closes(message(MsgType::kFork, std::vector<uint8_t>{2, 0, 0, 0}));
}

TEST_F(SysproxyMalformed, CallBeforeHello) {
  expect_closes(message(MsgType::kCall, call_body(kSysGetpid, {})), false);
}

TEST_F(SysproxyMalformed, HelloOfTheWrongSizeOrMagic) {
  expect_closes(message(MsgType::kHello, std::vector<uint8_t>(39)), false);
  std::vector<uint8_t> hello(sizeof(Hello));
  std::memcpy(hello.data(), "NOTRUMP!", 8);
  expect_closes(message(MsgType::kHello, hello), false);
}

TEST_F(SysproxyMalformed, TruncatedCall) {
  expect_closes(message(MsgType::kCall, std::vector<uint8_t>(sizeof(CallFixed) - 1)));
}

TEST_F(SysproxyMalformed, PointerArgumentNotZeroOrOne) {
  expect_closes(message(MsgType::kCall, call_body(kSysUname, {0x7fff0000})));
}

TEST_F(SysproxyMalformed, MissingInputBytes) {
  // write(0, <1 byte>, 100) with only 1 byte of data.
  std::vector<uint8_t> tail = {1, 0, 0, 0, 'x'};
  expect_closes(message(MsgType::kCall, call_body(kSysWrite, {0, 1, 100}, tail)));
}

TEST_F(SysproxyMalformed, InputLongerThanItsLength) {
  std::vector<uint8_t> tail = {2, 0, 0, 0, 'x', 'y'};
  expect_closes(message(MsgType::kCall, call_body(kSysWrite, {0, 1, 1}, tail)));
}

TEST_F(SysproxyMalformed, StringOverPathMax) {
  std::vector<uint8_t> tail(4 + 5000, 'a');
  uint32_t n = 5000;
  std::memcpy(tail.data(), &n, 4);
  expect_closes(message(MsgType::kCall, call_body(kSysChdir, {1}, tail)));
}

TEST_F(SysproxyMalformed, OutputBufferOverTheLimit) {
  // read(0, buf, 2 MiB): a client cuts it to 1 MiB; a message asking for more is not one of
  // ours.
  expect_closes(message(MsgType::kCall, call_body(kSysRead, {0, 1, 2u << 20})));
  // getgroups(-1, list): a negative count is a huge buffer.
  expect_closes(message(MsgType::kCall, call_body(kSysGetgroups, {~0ull, 1})));
}

TEST_F(SysproxyMalformed, TrailingBytes) {
  expect_closes(message(MsgType::kCall, call_body(kSysGetpid, {}, {0})));
  expect_closes(message(MsgType::kCall, call_body(499, {}, {0})));
}

TEST_F(SysproxyMalformed, RandomBytes) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 20; ++round) {
    std::vector<uint8_t> body(rng() % 200);
    for (auto& b : body) b = static_cast<uint8_t>(rng());
    // A valid header, a body of garbage: whatever the server makes of it, it answers or closes
    // this connection only.
    WireClient bystander(url_);
    ASSERT_EQ(bystander.hello(), 0);
    {
      WireClient c(url_);
      ASSERT_EQ(c.hello(), 0);
      c.send_raw(message(MsgType::kCall, body));
    }
    EXPECT_EQ(bystander.call(kSysGetpid), bystander.welcome.pid);
  }
  EXPECT_TRUE(idle());
}

}  // namespace
}  // namespace rk::test
