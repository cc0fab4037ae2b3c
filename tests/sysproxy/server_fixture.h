// A kernel served by an in-process sysproxy Server at a unix socket in a fresh directory.
#pragma once

#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

#include "sysproxy/server.h"

namespace rk::test {

class ServedKernel : public testing::Test {
 protected:
  void SetUp() override { start({}); }
  void TearDown() override {
    server_.reset();
    if (k_ != nullptr) {
      rump_kernel_switch(nullptr);
      rump_kernel_destroy(k_);
    }
    if (!dir_.empty()) {
      unlink(sock_.c_str());
      rmdir(dir_.c_str());
    }
  }
  void start(const sysproxy::ServerOptions& opts) {
    char tmpl[] = "/tmp/sysproxy_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sock_ = dir_ + "/sock";
    url_ = "unix://" + sock_;
    ASSERT_EQ(rump_kernel_create("ncpu=2", &k_), 0);
    rump_kernel_switch(k_);
    std::string why;
    auto s = sysproxy::Server::create(k_, url_, opts, &why);
    ASSERT_TRUE(s.ok()) << why;
    server_ = std::move(s).value();
  }
  // Waits up to 10 s for pred to hold.
  static bool eventually(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
  bool idle() {
    return eventually([this] {
      sysproxy::ServerStats s = server_->stats();
      return s.connections == 0 && s.processes == 0;
    });
  }

  rump_kernel* k_ = nullptr;
  std::unique_ptr<sysproxy::Server> server_;
  std::string dir_, sock_, url_;
};

}  // namespace rk::test
