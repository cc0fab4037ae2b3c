// Descriptor and attribute calls through the public API, each test on a kernel of its own:
// pipes (data, end of file, EPIPE, EAGAIN, Linux's page-slot capacity, packet mode, atomic
// PIPE_BUF writes from two threads, F_GETPIPE_SZ/F_SETPIPE_SZ), the dup family, fcntl's
// descriptor and status flags, POSIX and OFD record locks between processes (rfork, lwp
// switching, blocking F_SETLKW, EDEADLK, release on close and exit), chmod/chown rules for an
// unprivileged process, utimensat, truncate/ftruncate, fallocate and fsync. The expected values
// are what Linux answers (checked against a host kernel, 6.x).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif
#ifndef F_GETPIPE_SZ
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#endif

// glibc defines O_LARGEFILE as 0 on 64-bit hosts; the kernel's flag (what F_GETFL shows):
constexpr int kOLargefile = 0100000;

// The errno of a call expected to fail; 0 if it succeeded.
#define ERRNO_OF(call) ((call) == -1 ? errno : 0)

class FdAttr : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(rump_kernel_create("ncpu=2", &k_), 0);
    prev_ = rump_kernel_switch(k_);
    ASSERT_EQ(rump_sys_mkdir("/t", 0777), 0) << strerror(errno);
    ASSERT_EQ(rump_sys_chmod("/t", 0777), 0) << strerror(errno);
  }
  void TearDown() override {
    rump_pub_lwproc_switch(nullptr);
    for (lwp* l : procs_) {
      rump_pub_lwproc_switch(l);
      rump_pub_lwproc_releaselwp();
    }
    rump_kernel_switch(prev_);
    rump_kernel_destroy(k_);
  }

  // A new process (child of the local client, its descriptors as flags say) whose credentials
  // are uid/gid with the supplementary groups given (uid 0: stays root). The thread is back in
  // the local client's context afterwards; switch with as().
  lwp* spawn(int flags, uid_t uid = 0, gid_t gid = 0, std::vector<gid_t> groups = {}) {
    rump_pub_lwproc_switch(nullptr);
    EXPECT_EQ(rump_pub_lwproc_rfork(flags), 0);
    lwp* l = rump_pub_lwproc_curlwp();
    if (uid != 0 || gid != 0 || !groups.empty()) {
      EXPECT_EQ(rump_sys_setgroups(groups.size(), groups.data()), 0) << strerror(errno);
      EXPECT_EQ(rump_sys_setgid(gid), 0) << strerror(errno);
      EXPECT_EQ(rump_sys_setuid(uid), 0) << strerror(errno);
    }
    procs_.push_back(l);
    rump_pub_lwproc_switch(nullptr);
    return l;
  }
  static void as(lwp* l) {
    rump_pub_lwproc_switch(nullptr);
    rump_pub_lwproc_switch(l);
  }
  // Ends process l (its last lwp) now.
  void end(lwp* l) {
    as(l);
    rump_pub_lwproc_releaselwp();
    for (auto it = procs_.begin(); it != procs_.end(); ++it) {
      if (*it == l) {
        procs_.erase(it);
        break;
      }
    }
  }

  static int make_file(const char* path, mode_t mode, const char* data = "0123456789") {
    int fd = rump_sys_open(path, O_RDWR | O_CREAT | O_TRUNC, mode);
    EXPECT_GE(fd, 0) << path << ": " << strerror(errno);
    if (data != nullptr) {
      EXPECT_EQ(rump_sys_write(fd, data, strlen(data)), (ssize_t)strlen(data));
    }
    EXPECT_EQ(rump_sys_fchmod(fd, mode), 0);
    return fd;
  }
  static struct stat stat_of(const char* path) {
    struct stat st;
    memset(&st, 0, sizeof st);
    EXPECT_EQ(rump_sys_stat(path, &st), 0) << path << ": " << strerror(errno);
    return st;
  }

  rump_kernel* k_ = nullptr;
  rump_kernel* prev_ = nullptr;
  std::vector<lwp*> procs_;
};

// --- pipes ------------------------------------------------------------------------------

TEST_F(FdAttr, PipeMovesDataAndEndsWithEof) {
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, 0), 0) << strerror(errno);
  EXPECT_EQ(rump_sys_write(p[1], "hello", 5), 5);
  EXPECT_EQ(rump_sys_write(p[1], "", 0), 0);
  char buf[16] = {};
  EXPECT_EQ(rump_sys_read(p[0], buf, 3), 3);
  EXPECT_EQ(std::string(buf, 3), "hel");
  EXPECT_EQ(rump_sys_read(p[0], buf, sizeof buf), 2);
  EXPECT_EQ(std::string(buf, 2), "lo");
  // Wrong ends, no offsets.
  EXPECT_EQ(ERRNO_OF(rump_sys_read(p[1], buf, 1)), EBADF);
  EXPECT_EQ(ERRNO_OF(rump_sys_write(p[0], buf, 1)), EBADF);
  EXPECT_EQ(ERRNO_OF(rump_sys_lseek(p[0], 0, SEEK_CUR)), ESPIPE);
  EXPECT_EQ(ERRNO_OF(rump_sys_pread(p[0], buf, 1, 0)), ESPIPE);
  EXPECT_EQ(rump_sys_write(p[1], "x", 1), 1);
  EXPECT_EQ(rump_sys_close(p[1]), 0);
  EXPECT_EQ(rump_sys_read(p[0], buf, sizeof buf), 1) << "data before the end of file";
  EXPECT_EQ(rump_sys_read(p[0], buf, sizeof buf), 0);
  EXPECT_EQ(rump_sys_read(p[0], buf, 0), 0);
  EXPECT_EQ(rump_sys_close(p[0]), 0);
}

TEST_F(FdAttr, PipeWithoutReadersIsEpipe) {
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, 0), 0);
  EXPECT_EQ(rump_sys_close(p[0]), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_write(p[1], "x", 1)), EPIPE);
  EXPECT_EQ(rump_sys_write(p[1], "x", 0), 0) << "a null write succeeds";
  EXPECT_EQ(rump_sys_close(p[1]), 0);
}

TEST_F(FdAttr, PipeStatAndFlags) {
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, 0), 0);
  EXPECT_EQ(rump_sys_write(p[1], "hello", 5), 5);
  struct stat r, w;
  ASSERT_EQ(rump_sys_fstat(p[0], &r), 0) << strerror(errno);
  ASSERT_EQ(rump_sys_fstat(p[1], &w), 0);
  EXPECT_TRUE(S_ISFIFO(r.st_mode));
  EXPECT_EQ(r.st_mode & 07777, 0600u);
  EXPECT_EQ(r.st_nlink, 1u);
  EXPECT_EQ(r.st_size, 0) << "Linux reports 0 whatever is buffered";
  EXPECT_EQ(r.st_blksize, 4096);
  EXPECT_EQ(r.st_uid, 0u);
  EXPECT_EQ(r.st_ino, w.st_ino);
  EXPECT_EQ(rump_sys_fcntl(p[0], F_GETFL), O_RDONLY);
  EXPECT_EQ(rump_sys_fcntl(p[1], F_GETFL), O_WRONLY);
  EXPECT_EQ(rump_sys_fcntl(p[0], F_GETFD), 0);
  // A second pipe is another inode.
  int q[2];
  ASSERT_EQ(rump_sys_pipe2(q, O_NONBLOCK | O_CLOEXEC), 0);
  struct stat s2;
  ASSERT_EQ(rump_sys_fstat(q[0], &s2), 0);
  EXPECT_NE(s2.st_ino, r.st_ino);
  EXPECT_EQ(rump_sys_fcntl(q[0], F_GETFL), O_RDONLY | O_NONBLOCK);
  EXPECT_EQ(rump_sys_fcntl(q[1], F_GETFL), O_WRONLY | O_NONBLOCK);
  EXPECT_EQ(rump_sys_fcntl(q[0], F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(rump_sys_fcntl(q[1], F_GETFD), FD_CLOEXEC);
  // Owned by the creator.
  lwp* user = spawn(RUMP_RFCFDG, 1000, 100);
  as(user);
  int u[2];
  ASSERT_EQ(rump_sys_pipe2(u, 0), 0);
  struct stat us;
  ASSERT_EQ(rump_sys_fstat(u[1], &us), 0);
  EXPECT_EQ(us.st_uid, 1000u);
  EXPECT_EQ(us.st_gid, 100u);
  // fsync has nothing to do on a pipe: EINVAL; so have the file calls.
  EXPECT_EQ(ERRNO_OF(rump_sys_fsync(u[0])), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_fdatasync(u[1])), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_ftruncate(u[1], 0)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(u[1], 0, 0, 10)), ESPIPE);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(u[0], 0, 0, 10)), EBADF);
}

TEST_F(FdAttr, Pipe2Flags) {
  int p[2] = {-7, -7};
  EXPECT_EQ(ERRNO_OF(rump_sys_pipe2(p, O_APPEND)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_pipe2(p, O_EXCL)), ENOPKG) << "O_NOTIFICATION_PIPE";
  EXPECT_EQ(p[0], -7) << "nothing written on failure";
  // A bad address: EFAULT, and no descriptor is left behind.
  EXPECT_EQ(ERRNO_OF(rump_sys_pipe2(nullptr, 0)), EFAULT);
  ASSERT_EQ(rump_sys_pipe2(p, 0), 0);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[1], 1);
  EXPECT_EQ(rump_syscall(SYS_pipe, (long)p, 0, 0, 0, 0, 0), 0) << "pipe(2) too";
  EXPECT_EQ(p[0], 2);
  EXPECT_EQ(p[1], 3);
}

// Linux's pipe holds 16 pages; a write first tops up the last page when its odd tail fits.
// How many writes of each size fit before EAGAIN is exactly Linux's.
TEST_F(FdAttr, PipeCapacityIsLinuxs) {
  struct Case {
    size_t size;
    int writes;
    long bytes;
  };
  const Case cases[] = {{1, 65536, 65536},  {100, 640, 64000},    {4096, 16, 65536},
                        {4097, 11, 45066},  {5000, 11, 54096},    {65536, 1, 65536},
                        {70000, 1, 65536}};
  std::vector<char> buf(70000, 'x');
  for (const Case& c : cases) {
    int p[2];
    ASSERT_EQ(rump_sys_pipe2(p, O_NONBLOCK), 0);
    int n = 0;
    long total = 0;
    for (;;) {
      ssize_t r = rump_sys_write(p[1], buf.data(), c.size);
      if (r < 0) {
        EXPECT_EQ(errno, EAGAIN);
        break;
      }
      total += r;
      ++n;
      ASSERT_LT(n, 100000);
    }
    EXPECT_EQ(n, c.writes) << "writes of " << c.size;
    EXPECT_EQ(total, c.bytes) << "writes of " << c.size;
    int avail = -1;
    long r = rump_syscall(SYS_ioctl, p[0], FIONREAD, (long)&avail, 0, 0, 0);
    if (r == 0) {
      EXPECT_EQ(avail, c.bytes) << "FIONREAD";
    }
    char rb[100];
    EXPECT_EQ(rump_sys_read(p[0], rb, sizeof rb), 100);
    rump_sys_close(p[0]);
    rump_sys_close(p[1]);
  }
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, O_NONBLOCK), 0);
  char c;
  EXPECT_EQ(ERRNO_OF(rump_sys_read(p[0], &c, 1)), EAGAIN);
}

TEST_F(FdAttr, PipeFionread) {
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, 0), 0);
  int n = -1;
  long r = rump_sys_ioctl(p[0], FIONREAD, &n);
  EXPECT_EQ(r, 0);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(rump_sys_write(p[1], "hello", 5), 5);
  EXPECT_EQ(rump_syscall(SYS_ioctl, p[1], FIONREAD, (long)&n, 0, 0, 0), 0) << "either end";
  EXPECT_EQ(n, 5);
  EXPECT_EQ(rump_syscall(SYS_ioctl, p[0], 0x5401 /* TCGETS */, (long)&n, 0, 0, 0), -1);
  EXPECT_EQ(errno, ENOTTY);
}

TEST_F(FdAttr, PipePacketMode) {
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, O_NONBLOCK | O_DIRECT), 0);
  EXPECT_EQ(rump_sys_fcntl(p[1], F_GETFL), O_WRONLY | O_NONBLOCK | O_DIRECT);
  std::vector<char> buf(10000, 'a');
  EXPECT_EQ(rump_sys_write(p[1], buf.data(), 5000), 5000);  // packets of 4096 and 904
  EXPECT_EQ(rump_sys_write(p[1], buf.data(), 10), 10);
  EXPECT_EQ(rump_sys_read(p[0], buf.data(), 100), 100) << "the rest of the packet is dropped";
  EXPECT_EQ(rump_sys_read(p[0], buf.data(), buf.size()), 904);
  EXPECT_EQ(rump_sys_read(p[0], buf.data(), buf.size()), 10);
  EXPECT_EQ(ERRNO_OF(rump_sys_read(p[0], buf.data(), buf.size())), EAGAIN);
  int packets = 0;
  while (rump_sys_write(p[1], buf.data(), 1) == 1) ++packets;
  EXPECT_EQ(packets, 16) << "one packet a slot";
  // F_SETFL turns it off for the write end.
  int q[2];
  ASSERT_EQ(rump_sys_pipe2(q, O_NONBLOCK), 0);
  ASSERT_EQ(rump_sys_fcntl(q[1], F_SETFL, O_DIRECT | O_NONBLOCK), 0);
  EXPECT_EQ(rump_sys_write(q[1], "ab", 2), 2);
  EXPECT_EQ(rump_sys_write(q[1], "cd", 2), 2);
  char c[4];
  EXPECT_EQ(rump_sys_read(q[0], c, 4), 2) << "packets do not merge";
  ASSERT_EQ(rump_sys_fcntl(q[1], F_SETFL, O_NONBLOCK), 0);
  EXPECT_EQ(rump_sys_write(q[1], "ef", 2), 2);
  EXPECT_EQ(rump_sys_write(q[1], "gh", 2), 2);
  EXPECT_EQ(rump_sys_read(q[0], c, 2), 2);  // "cd"
  EXPECT_EQ(rump_sys_read(q[0], c, 4), 4);  // "efgh": merged
  EXPECT_EQ(std::string(c, 4), "efgh");
}

TEST_F(FdAttr, PipeSize) {
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, O_NONBLOCK), 0);
  EXPECT_EQ(rump_sys_fcntl(p[0], F_GETPIPE_SZ), 65536);
  EXPECT_EQ(rump_sys_fcntl(p[1], F_SETPIPE_SZ, 5000), 8192);
  EXPECT_EQ(rump_sys_fcntl(p[0], F_GETPIPE_SZ), 8192);
  EXPECT_EQ(rump_sys_fcntl(p[0], F_SETPIPE_SZ, 0), 4096);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(p[0], F_SETPIPE_SZ, -1)), EINVAL);
  std::vector<char> buf(8192, 'z');
  EXPECT_EQ(rump_sys_write(p[1], buf.data(), 8192), 4096) << "one page of room";
  EXPECT_EQ(rump_sys_fcntl(p[0], F_SETPIPE_SZ, 8192), 8192);
  EXPECT_EQ(rump_sys_write(p[1], buf.data(), 4096), 4096);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(p[0], F_SETPIPE_SZ, 4096)), EBUSY);
  EXPECT_EQ(rump_sys_read(p[0], buf.data(), 8192), 8192) << "data survives the resize";
  EXPECT_EQ(rump_sys_fcntl(p[0], F_SETPIPE_SZ, 2 << 20), 2 << 20) << "root may pass 1 MiB";
  int fd = make_file("/t/f", 0644);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fd, F_GETPIPE_SZ)), EBADF);
  lwp* user = spawn(RUMP_RFCFDG, 1000, 1000);
  as(user);
  int q[2];
  ASSERT_EQ(rump_sys_pipe2(q, 0), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(q[0], F_SETPIPE_SZ, 2 << 20)), EPERM);
  EXPECT_EQ(rump_sys_fcntl(q[0], F_SETPIPE_SZ, 1 << 20), 1 << 20);
}

// Writes of at most PIPE_BUF bytes are never interleaved, and a reader and writer block for
// each other.
TEST_F(FdAttr, PipeAtomicWritesFromTwoThreads) {
  int p[2];
  ASSERT_EQ(rump_sys_pipe2(p, 0), 0);
  constexpr size_t kRec = 1000;  // <= PIPE_BUF, and not a divisor of the page size
  constexpr int kPerThread = 500;
  auto writer = [&](char c) {
    rump_kernel_switch(k_);  // a new thread starts on the default kernel
    std::vector<char> rec(kRec, c);
    for (int i = 0; i < kPerThread; ++i)
      ASSERT_EQ(rump_sys_write(p[1], rec.data(), kRec), (ssize_t)kRec);
  };
  std::thread a(writer, 'a');
  std::thread b(writer, 'b');
  std::string all;
  std::vector<char> buf(3000);
  while (all.size() < 2 * kPerThread * kRec) {
    ssize_t r = rump_sys_read(p[0], buf.data(), buf.size());
    ASSERT_GT(r, 0) << strerror(errno);
    all.append(buf.data(), r);
  }
  a.join();
  b.join();
  int na = 0;
  for (size_t i = 0; i < all.size(); i += kRec) {
    std::string rec = all.substr(i, kRec);
    ASSERT_EQ(rec, std::string(kRec, rec[0])) << "record " << i / kRec << " was interleaved";
    na += rec[0] == 'a';
  }
  EXPECT_EQ(na, kPerThread);
  // A big write blocks until the reader has taken it all.
  std::vector<char> big(1 << 20, 'q');
  std::thread w([&] {
    rump_kernel_switch(k_);
    EXPECT_EQ(rump_sys_write(p[1], big.data(), big.size()), (ssize_t)big.size());
  });
  size_t got = 0;
  while (got < big.size()) {
    ssize_t r = rump_sys_read(p[0], buf.data(), buf.size());
    ASSERT_GT(r, 0);
    got += r;
  }
  w.join();
  // A blocked reader wakes at end of file.
  std::atomic<ssize_t> res{-2};
  std::thread r([&] {
    rump_kernel_switch(k_);
    char c;
    res = rump_sys_read(p[0], &c, 1);
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(res.load(), -2) << "the reader should be waiting";
  EXPECT_EQ(rump_sys_close(p[1]), 0);
  r.join();
  EXPECT_EQ(res.load(), 0);
}

// --- the dup family and fcntl -------------------------------------------------------------

TEST_F(FdAttr, DupFamily) {
  int fd = make_file("/t/f", 0644);
  ASSERT_EQ(fd, 0);
  EXPECT_EQ(rump_sys_dup(fd), 1);
  EXPECT_EQ(ERRNO_OF(rump_sys_dup(77)), EBADF);
  EXPECT_EQ(rump_sys_dup2(fd, fd), fd) << "the same descriptor: just checked";
  EXPECT_EQ(ERRNO_OF(rump_sys_dup2(77, 77)), EBADF);
  EXPECT_EQ(rump_sys_dup2(fd, 10), 10);
  EXPECT_EQ(ERRNO_OF(rump_sys_dup2(fd, 1024)), EBADF) << "past RLIMIT_NOFILE";
  EXPECT_EQ(ERRNO_OF(rump_sys_dup2(fd, -1)), EBADF);
  EXPECT_EQ(rump_sys_dup2(fd, 1023), 1023);
  EXPECT_EQ(ERRNO_OF(rump_sys_dup3(fd, fd, 0)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_dup3(fd, 5, O_NONBLOCK)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_dup3(77, 5, 0)), EBADF);
  EXPECT_EQ(rump_sys_dup3(fd, 5, O_CLOEXEC), 5);
  EXPECT_EQ(rump_sys_fcntl(5, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(rump_sys_dup2(fd, 5), 5) << "dup2 over an open descriptor";
  EXPECT_EQ(rump_sys_fcntl(5, F_GETFD), 0) << "dup2 clears close-on-exec";
  // The duplicates share the offset.
  EXPECT_EQ(rump_sys_lseek(fd, 3, SEEK_SET), 3);
  EXPECT_EQ(rump_sys_lseek(5, 0, SEEK_CUR), 3);
  // F_DUPFD and its minimum.
  EXPECT_EQ(rump_sys_fcntl(fd, F_DUPFD, 7), 7);
  EXPECT_EQ(rump_sys_fcntl(fd, F_DUPFD, 7), 8);
  EXPECT_EQ(rump_sys_fcntl(7, F_GETFD), 0);
  EXPECT_EQ(rump_sys_fcntl(fd, F_DUPFD_CLOEXEC, 0), 2);
  EXPECT_EQ(rump_sys_fcntl(2, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fd, F_DUPFD, 1024)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fd, F_DUPFD, -1)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fd, F_DUPFD, 1023)), EMFILE) << "1023 is taken";
  EXPECT_EQ(rump_sys_fcntl(fd, F_SETFD, FD_CLOEXEC | 2), 0);
  EXPECT_EQ(rump_sys_fcntl(fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(77, F_GETFD)), EBADF);
}

TEST_F(FdAttr, DupUntilEmfile) {
  lwp* p = spawn(RUMP_RFCFDG);
  as(p);
  int fd = make_file("/t/many", 0644);
  int last = fd;
  for (;;) {
    int r = rump_sys_dup(fd);
    if (r < 0) {
      EXPECT_EQ(errno, EMFILE);
      break;
    }
    last = r;
  }
  EXPECT_EQ(last, 1023);
  int q[2];
  EXPECT_EQ(ERRNO_OF(rump_sys_pipe2(q, 0)), EMFILE);
  EXPECT_EQ(rump_sys_close(1000), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_pipe2(q, 0)), EMFILE) << "room for one end only";
  EXPECT_EQ(rump_sys_dup(fd), 1000) << "the first end was not left behind";
}

TEST_F(FdAttr, FcntlStatusFlags) {
  int fd = make_file("/t/f", 0644);
  EXPECT_EQ(rump_sys_fcntl(fd, F_GETFL), O_RDWR | kOLargefile);
  ASSERT_EQ(rump_sys_fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY | O_TRUNC | O_CREAT), 0);
  EXPECT_EQ(rump_sys_fcntl(fd, F_GETFL), O_RDWR | kOLargefile | O_APPEND | O_NONBLOCK)
      << "only the settable flags change";
  ASSERT_EQ(rump_sys_fcntl(fd, F_SETFL, O_ASYNC), 0);
  EXPECT_EQ(rump_sys_fcntl(fd, F_GETFL), O_RDWR | kOLargefile) << "FASYNC does not stick";
  ASSERT_EQ(rump_sys_fcntl(fd, F_SETFL, O_DIRECT), 0) << strerror(errno);
  EXPECT_EQ(rump_sys_fcntl(fd, F_GETFL), O_RDWR | kOLargefile | O_DIRECT);
  int ro = rump_sys_open("/t/f", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_APPEND);
  ASSERT_GE(ro, 0);
  EXPECT_EQ(rump_sys_fcntl(ro, F_GETFL), O_RDONLY | kOLargefile | O_NOFOLLOW | O_APPEND);
  int dir = rump_sys_open("/t", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir, 0);
  EXPECT_EQ(rump_sys_fcntl(dir, F_GETFL), O_RDONLY | kOLargefile | O_DIRECTORY);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(dir, F_SETFL, O_DIRECT)), EINVAL);
  int path = rump_sys_open("/t/f", O_PATH);
  ASSERT_GE(path, 0);
  EXPECT_EQ(rump_sys_fcntl(path, F_GETFL), O_PATH);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(path, F_SETFL, 0)), EBADF);
  struct flock fl = {};
  fl.l_type = F_RDLCK;
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(path, F_GETLK, &fl)), EBADF);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(path, F_SETLK, &fl)), EBADF);
  EXPECT_GE(rump_sys_fcntl(path, F_DUPFD, 0), 0);
  EXPECT_EQ(rump_sys_fcntl(path, F_SETFD, FD_CLOEXEC), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fd, 999)), EINVAL) << "unknown command";
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(77, F_GETFL)), EBADF);
  // O_NOATIME: the owner only.
  lwp* user = spawn(RUMP_RFFDG, 1000, 1000);
  as(user);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(ro, F_SETFL, O_NOATIME)), EPERM);
  int mine = make_file("/t/mine", 0644);
  EXPECT_EQ(rump_sys_fcntl(mine, F_SETFL, O_NOATIME), 0);
  EXPECT_EQ(rump_sys_fcntl(mine, F_GETFL), O_RDWR | kOLargefile | O_NOATIME);
}

// --- record locks -------------------------------------------------------------------------

struct Lk {
  short type;
  short whence;
  off_t start;
  off_t len;
  pid_t pid;
};

Lk getlk(int fd, short type, off_t start, off_t len, int cmd = F_GETLK) {
  struct flock fl = {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  fl.l_pid = cmd == F_GETLK ? 4242 : 0;
  int r = rump_sys_fcntl(fd, cmd, &fl);
  EXPECT_EQ(r, 0) << strerror(errno);
  return {fl.l_type, fl.l_whence, fl.l_start, fl.l_len, fl.l_pid};
}

int setlk(int fd, short type, off_t start, off_t len, int cmd = F_SETLK, short whence = SEEK_SET) {
  struct flock fl = {};
  fl.l_type = type;
  fl.l_whence = whence;
  fl.l_start = start;
  fl.l_len = len;
  return rump_sys_fcntl(fd, cmd, &fl) == 0 ? 0 : errno;
}

TEST_F(FdAttr, RecordLocksBetweenProcesses) {
  int fd0 = make_file("/t/lk", 0666);
  rump_sys_close(fd0);
  lwp* a = spawn(RUMP_RFCFDG);
  lwp* b = spawn(RUMP_RFCFDG);
  as(a);
  pid_t pa = rump_sys_getpid();
  int fa = rump_sys_open("/t/lk", O_RDWR);
  ASSERT_GE(fa, 0);
  as(b);
  pid_t pb = rump_sys_getpid();
  int fb = rump_sys_open("/t/lk", O_RDWR);
  ASSERT_GE(fb, 0);

  as(a);
  EXPECT_EQ(setlk(fa, F_WRLCK, 10, 10), 0);
  EXPECT_EQ(setlk(fa, F_WRLCK, 20, 5), 0);  // adjacent: merges
  EXPECT_EQ(setlk(fa, F_RDLCK, 30, 0), 0);  // to the end
  as(b);
  Lk l = getlk(fb, F_RDLCK, 0, 0);
  EXPECT_EQ(l.type, F_WRLCK);
  EXPECT_EQ(l.whence, SEEK_SET);
  EXPECT_EQ(l.start, 10);
  EXPECT_EQ(l.len, 15);
  EXPECT_EQ(l.pid, pa);
  l = getlk(fb, F_RDLCK, 26, 100);
  EXPECT_EQ(l.type, F_UNLCK) << "read locks share";
  EXPECT_EQ(l.pid, 4242) << "the rest is left as passed";
  EXPECT_EQ(l.start, 26);
  l = getlk(fb, F_WRLCK, 1000, 1);
  EXPECT_EQ(l.type, F_RDLCK);
  EXPECT_EQ(l.start, 30);
  EXPECT_EQ(l.len, 0) << "to the end of file";
  EXPECT_EQ(setlk(fb, F_RDLCK, 15, 1), EAGAIN);
  EXPECT_EQ(setlk(fb, F_WRLCK, 40, 1), EAGAIN);
  EXPECT_EQ(setlk(fb, F_RDLCK, 40, 1), 0);
  EXPECT_EQ(setlk(fb, F_WRLCK, 0, 10), 0);
  as(a);
  l = getlk(fa, F_RDLCK, 0, 5);
  EXPECT_EQ(l.type, F_WRLCK);
  EXPECT_EQ(l.pid, pb);
  EXPECT_EQ(getlk(fa, F_WRLCK, 0, 0).type, F_WRLCK) << "b's first lock in the list";
  // Splitting: a unlocks the middle of its write lock.
  EXPECT_EQ(setlk(fa, F_UNLCK, 12, 1), 0);
  as(b);
  l = getlk(fb, F_WRLCK, 10, 15);
  EXPECT_EQ(l.start, 10);
  EXPECT_EQ(l.len, 2);
  EXPECT_EQ(getlk(fb, F_WRLCK, 12, 1).type, F_UNLCK);
  l = getlk(fb, F_WRLCK, 12, 2);
  EXPECT_EQ(l.start, 13);
  EXPECT_EQ(l.len, 12);
  // Converting part of a write lock to a read lock lets readers in there only.
  as(a);
  EXPECT_EQ(setlk(fa, F_RDLCK, 14, 2), 0);
  as(b);
  EXPECT_EQ(setlk(fb, F_RDLCK, 14, 2), 0);
  EXPECT_EQ(setlk(fb, F_RDLCK, 13, 2), EAGAIN);
  // Unlocking what one does not hold is fine; the same owner never conflicts with itself.
  EXPECT_EQ(setlk(fb, F_UNLCK, 100, 100), 0);
  EXPECT_EQ(setlk(fb, F_WRLCK, 0, 10), 0);
}

TEST_F(FdAttr, RecordLockRanges) {
  int fd = make_file("/t/lk", 0666);  // 10 bytes
  lwp* b = spawn(RUMP_RFCFDG);
  // SEEK_END with a negative length: bytes 2..4.
  EXPECT_EQ(setlk(fd, F_WRLCK, -5, -3, F_SETLK, SEEK_END), 0);
  // SEEK_CUR.
  ASSERT_EQ(rump_sys_lseek(fd, 7, SEEK_SET), 7);
  EXPECT_EQ(setlk(fd, F_WRLCK, 1, 1, F_SETLK, SEEK_CUR), 0);  // byte 8
  // The highest byte alone.
  EXPECT_EQ(setlk(fd, F_WRLCK, INT64_MAX, 1), 0);
  as(b);
  int fb = rump_sys_open("/t/lk", O_RDWR);
  ASSERT_GE(fb, 0);
  Lk l = getlk(fb, F_RDLCK, 0, 0);
  EXPECT_EQ(l.start, 2);
  EXPECT_EQ(l.len, 3);
  l = getlk(fb, F_RDLCK, 5, 0);
  EXPECT_EQ(l.start, 8);
  EXPECT_EQ(l.len, 1);
  l = getlk(fb, F_RDLCK, 9, 0);
  EXPECT_EQ(l.start, INT64_MAX);
  EXPECT_EQ(l.len, 0) << "a lock up to OFFSET_MAX reads as \"to the end\"";
  // Bad arguments.
  struct flock fl = {};
  fl.l_type = F_RDLCK;
  fl.l_whence = 5;
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fb, F_SETLK, &fl)), EINVAL);
  fl.l_whence = SEEK_SET;
  fl.l_type = 7;
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fb, F_SETLK, &fl)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fb, F_GETLK, &fl)), EINVAL);
  fl.l_type = F_UNLCK;
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fb, F_GETLK, &fl)), EINVAL) << "F_GETLK of F_UNLCK";
  fl.l_type = F_RDLCK;
  fl.l_start = -1;
  fl.l_len = 1;
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fb, F_SETLK, &fl)), EINVAL);
  fl.l_start = 2;
  fl.l_len = -3;
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fb, F_SETLK, &fl)), EINVAL);
  fl.l_start = INT64_MAX;
  fl.l_len = 2;
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fb, F_SETLK, &fl)), EOVERFLOW);
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(fb, F_SETLK, nullptr)), EFAULT);
  // The access mode must allow the lock type.
  int ro = rump_sys_open("/t/lk", O_RDONLY);
  int wo = rump_sys_open("/t/lk", O_WRONLY);
  EXPECT_EQ(setlk(ro, F_WRLCK, 100, 1), EBADF);
  EXPECT_EQ(setlk(wo, F_RDLCK, 100, 1), EBADF);
  EXPECT_EQ(setlk(ro, F_RDLCK, 100, 1), 0);
  EXPECT_EQ(setlk(wo, F_WRLCK, 200, 1), 0);
  EXPECT_EQ(setlk(ro, F_UNLCK, 0, 0), 0);
}

TEST_F(FdAttr, RecordLocksGoWithAnyCloseAndWithTheProcess) {
  rump_sys_close(make_file("/t/lk", 0666));
  lwp* a = spawn(RUMP_RFCFDG);
  lwp* b = spawn(RUMP_RFCFDG);
  as(b);
  int fb = rump_sys_open("/t/lk", O_RDWR);
  as(a);
  int fa = rump_sys_open("/t/lk", O_RDWR);
  EXPECT_EQ(setlk(fa, F_WRLCK, 0, 0), 0);
  int other = rump_sys_open("/t/lk", O_RDONLY);
  ASSERT_GE(other, 0);
  EXPECT_EQ(rump_sys_close(other), 0) << "closing any descriptor of the file...";
  as(b);
  EXPECT_EQ(getlk(fb, F_WRLCK, 0, 0).type, F_UNLCK) << "...drops the process's locks";
  // dup2 over a descriptor closes it too.
  as(a);
  EXPECT_EQ(setlk(fa, F_WRLCK, 0, 0), 0);
  int dup = rump_sys_dup(fa);
  int scratch = make_file("/t/other", 0644);
  EXPECT_EQ(rump_sys_dup2(scratch, dup), dup);
  as(b);
  EXPECT_EQ(getlk(fb, F_WRLCK, 0, 0).type, F_UNLCK) << "dup2 closed a descriptor of the file";
  // And the process's end drops them all.
  as(a);
  EXPECT_EQ(setlk(fa, F_WRLCK, 0, 0), 0);
  as(b);
  EXPECT_EQ(setlk(fb, F_RDLCK, 5, 1), EAGAIN);
  end(a);
  as(b);
  EXPECT_EQ(setlk(fb, F_WRLCK, 0, 0), 0);
}

TEST_F(FdAttr, SetlkwWaitsAndDetectsDeadlock) {
  rump_sys_close(make_file("/t/lk", 0666));
  lwp* a = spawn(RUMP_RFCFDG);
  lwp* b = spawn(RUMP_RFCFDG);
  as(a);
  int fa = rump_sys_open("/t/lk", O_RDWR);
  EXPECT_EQ(setlk(fa, F_WRLCK, 0, 1), 0);
  as(b);
  int fb = rump_sys_open("/t/lk", O_RDWR);
  EXPECT_EQ(setlk(fb, F_WRLCK, 1, 1), 0);
  rump_pub_lwproc_switch(nullptr);

  // b waits for a's byte 0 on another thread.
  std::atomic<int> result{-1};
  std::thread t([&] {
    rump_kernel_switch(k_);
    rump_pub_lwproc_switch(b);
    result = setlk(fb, F_WRLCK, 0, 1, F_SETLKW);
    rump_pub_lwproc_switch(nullptr);
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(result.load(), -1) << "b should be waiting";
  as(a);
  // a now wanting b's byte would wait for a process that waits for a.
  EXPECT_EQ(setlk(fa, F_WRLCK, 1, 1, F_SETLKW), EDEADLK);
  EXPECT_EQ(setlk(fa, F_WRLCK, 1, 1), EAGAIN);
  EXPECT_EQ(setlk(fa, F_UNLCK, 0, 1), 0);
  rump_pub_lwproc_switch(nullptr);
  for (int i = 0; i < 1000 && result.load() == -1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(result.load(), 0) << "b got the lock once a let go";
  t.join();
  as(a);
  Lk l = getlk(fa, F_RDLCK, 0, 0);
  EXPECT_EQ(l.start, 0);
  EXPECT_EQ(l.len, 2) << "b's two bytes merged";
}

// An F_SETLKW waiter of an interrupted process gives up with EINTR: a dead remote client's
// wait must not take the lock once its holder lets go, when nobody would ever release it.
TEST_F(FdAttr, InterruptEndsARecordLockWait) {
  auto lock_whole = [](int fd, int cmd, short type) {
    struct flock fl = {};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    return rump_sys_fcntl(fd, cmd, &fl);
  };
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);  // the holder
  struct lwp* holder = rump_pub_lwproc_curlwp();
  int hfd = rump_sys_open("/lockfile", O_RDWR | O_CREAT, 0644);
  ASSERT_GE(hfd, 0);
  ASSERT_EQ(lock_whole(hfd, F_SETLK, F_WRLCK), 0);
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);  // the waiter
  struct lwp* waiter = rump_pub_lwproc_curlwp();
  const pid_t wpid = rump_sys_getpid();
  rump_pub_lwproc_switch(nullptr);
  int result = 0, error = 0;
  std::thread t([&] {
    rump_kernel_switch(k_);
    rump_pub_lwproc_switch(waiter);
    int fd = rump_sys_open("/lockfile", O_RDWR);
    result = fd < 0 ? -2 : lock_whole(fd, F_SETLKW, F_WRLCK);
    error = errno;
    rump_pub_lwproc_switch(nullptr);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(rump_pub_lwproc_newlwp(wpid), 0);
  EXPECT_EQ(rump_pub_lwproc_interrupt(), 0);
  rump_pub_lwproc_releaselwp();
  // The waiter looks every 50 ms; then the holder lets go (without the interrupt the waiter
  // would take the lock now, instead of hanging the test).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  rump_pub_lwproc_switch(holder);
  ASSERT_EQ(lock_whole(hfd, F_SETLK, F_UNLCK), 0);
  rump_pub_lwproc_switch(nullptr);
  t.join();
  EXPECT_EQ(result, -1);
  EXPECT_EQ(error, EINTR);
  // The lock is free for a third process, not taken by the waiter.
  rump_pub_lwproc_switch(holder);
  ASSERT_EQ(rump_pub_lwproc_rfork(RUMP_RFCFDG), 0);
  int fd = rump_sys_open("/lockfile", O_RDWR);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(lock_whole(fd, F_SETLK, F_WRLCK), 0);
  rump_pub_lwproc_releaselwp();
  rump_pub_lwproc_switch(waiter);
  rump_pub_lwproc_releaselwp();
  rump_pub_lwproc_switch(holder);
  rump_pub_lwproc_releaselwp();
}

TEST_F(FdAttr, OfdLocks) {
  rump_sys_close(make_file("/t/lk", 0666));
  int f1 = rump_sys_open("/t/lk", O_RDWR);
  int f2 = rump_sys_open("/t/lk", O_RDWR);
  struct flock fl = {};
  fl.l_type = F_WRLCK;
  fl.l_len = 10;
  fl.l_pid = 5;
  EXPECT_EQ(ERRNO_OF(rump_sys_fcntl(f1, F_OFD_SETLK, &fl)), EINVAL) << "l_pid must be 0";
  EXPECT_EQ(setlk(f1, F_WRLCK, 0, 10, F_OFD_SETLK), 0);
  EXPECT_EQ(setlk(f1, F_WRLCK, 5, 10, F_OFD_SETLK), 0) << "the same open file";
  EXPECT_EQ(setlk(f2, F_RDLCK, 0, 1, F_OFD_SETLK), EAGAIN) << "another open file";
  EXPECT_EQ(setlk(f2, F_RDLCK, 0, 1), EAGAIN) << "the process's POSIX lock conflicts too";
  Lk l = getlk(f2, F_RDLCK, 0, 0, F_OFD_GETLK);
  EXPECT_EQ(l.type, F_WRLCK);
  EXPECT_EQ(l.len, 15);
  EXPECT_EQ(l.pid, -1);
  EXPECT_EQ(getlk(f1, F_RDLCK, 0, 0, F_OFD_GETLK).type, F_UNLCK);
  // A dup shares the open file, and closing it does not drop OFD locks.
  int d = rump_sys_dup(f1);
  EXPECT_EQ(rump_sys_close(d), 0);
  EXPECT_EQ(setlk(f2, F_RDLCK, 0, 1, F_OFD_SETLK), EAGAIN);
  // The open file's last close does.
  EXPECT_EQ(rump_sys_close(f1), 0);
  EXPECT_EQ(setlk(f2, F_WRLCK, 0, 0, F_OFD_SETLK), 0);
}

// --- chmod, chown -------------------------------------------------------------------------

TEST_F(FdAttr, ChmodRules) {
  rump_sys_close(make_file("/t/root", 0644));
  lwp* user = spawn(RUMP_RFCFDG, 1000, 100, {100, 200});
  as(user);
  EXPECT_EQ(ERRNO_OF(rump_sys_chmod("/t/root", 0666)), EPERM);
  int fd = make_file("/t/mine", 0644);
  EXPECT_EQ(rump_sys_chmod("/t/mine", 04751), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 04751u);
  EXPECT_EQ(rump_sys_fchmod(fd, 0600), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode, S_IFREG | 0600u);
  EXPECT_EQ(rump_sys_fchmodat(AT_FDCWD, "/t/mine", 0640, 0), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 0640u);
  EXPECT_EQ(ERRNO_OF(rump_sys_chmod("/t/nothere", 0640)), ENOENT);
  // Setgid on a file of a group the caller is not in: silently dropped.
  rump_pub_lwproc_switch(nullptr);
  ASSERT_EQ(rump_sys_chown("/t/mine", 1000, 300), 0);
  as(user);
  EXPECT_EQ(rump_sys_chmod("/t/mine", 02755), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 0755u);
  rump_pub_lwproc_switch(nullptr);
  ASSERT_EQ(rump_sys_chown("/t/mine", 1000, 200), 0);
  as(user);
  EXPECT_EQ(rump_sys_chmod("/t/mine", 02755), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 02755u) << "a group the caller is in";
  // Through a symlink: the target changes.
  EXPECT_EQ(rump_sys_symlink("/t/mine", "/t/link"), 0);
  EXPECT_EQ(rump_sys_chmod("/t/link", 0700), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 0700u);
  // ctime moves.
  struct stat before = stat_of("/t/mine");
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rump_sys_chmod("/t/mine", 0701), 0);
  struct stat after = stat_of("/t/mine");
  EXPECT_TRUE(after.st_ctim.tv_sec > before.st_ctim.tv_sec ||
              (after.st_ctim.tv_sec == before.st_ctim.tv_sec &&
               after.st_ctim.tv_nsec > before.st_ctim.tv_nsec));
  // An O_PATH descriptor cannot fchmod.
  int path = rump_sys_open("/t/mine", O_PATH);
  EXPECT_EQ(ERRNO_OF(rump_sys_fchmod(path, 0600)), EBADF);
  EXPECT_EQ(ERRNO_OF(rump_sys_fchmod(77, 0600)), EBADF);
}

TEST_F(FdAttr, ChownRules) {
  rump_sys_close(make_file("/t/root", 0644));
  lwp* user = spawn(RUMP_RFCFDG, 1000, 100, {100, 200});
  as(user);
  EXPECT_EQ(ERRNO_OF(rump_sys_chown("/t/root", 1000, -1)), EPERM);
  EXPECT_EQ(ERRNO_OF(rump_sys_chown("/t/root", -1, 100)), EPERM);
  EXPECT_EQ(rump_sys_chown("/t/root", -1, -1), 0) << "no change: anyone";
  int fd = make_file("/t/mine", 0644);
  EXPECT_EQ(stat_of("/t/mine").st_uid, 1000u);
  EXPECT_EQ(stat_of("/t/mine").st_gid, 100u);
  EXPECT_EQ(ERRNO_OF(rump_sys_chown("/t/mine", 1001, -1)), EPERM);
  EXPECT_EQ(rump_sys_chown("/t/mine", 1000, -1), 0) << "to itself";
  EXPECT_EQ(rump_sys_chown("/t/mine", -1, 200), 0) << "to a group of its own";
  EXPECT_EQ(stat_of("/t/mine").st_gid, 200u);
  EXPECT_EQ(ERRNO_OF(rump_sys_fchown(fd, -1, 300)), EPERM);
  EXPECT_EQ(rump_sys_fchown(fd, 1000, 100), 0);
  // The owner changing the group clears setuid, and setgid with group-exec.
  EXPECT_EQ(rump_sys_chmod("/t/mine", 06755), 0);
  EXPECT_EQ(rump_sys_chown("/t/mine", -1, 200), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 0755u);
  EXPECT_EQ(rump_sys_chmod("/t/mine", 02745), 0);
  EXPECT_EQ(rump_sys_chown("/t/mine", -1, 100), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 02745u) << "no group-exec: setgid stays";
  // fchownat flags.
  EXPECT_EQ(ERRNO_OF(rump_sys_fchownat(AT_FDCWD, "/t/mine", -1, -1, 0x2)), EINVAL);
  EXPECT_EQ(rump_sys_fchownat(fd, "", -1, 200, AT_EMPTY_PATH), 0);
  EXPECT_EQ(stat_of("/t/mine").st_gid, 200u);

  // Root: anything, and still clears setuid on a regular file; directories keep setgid.
  rump_pub_lwproc_switch(nullptr);
  ASSERT_EQ(rump_sys_chmod("/t/root", 06755), 0);
  EXPECT_EQ(rump_sys_chown("/t/root", 1234, 5678), 0);
  struct stat st = stat_of("/t/root");
  EXPECT_EQ(st.st_uid, 1234u);
  EXPECT_EQ(st.st_gid, 5678u);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  ASSERT_EQ(rump_sys_mkdir("/t/d", 0755), 0);
  ASSERT_EQ(rump_sys_chmod("/t/d", 02775), 0);
  EXPECT_EQ(rump_sys_chown("/t/d", 1000, 100), 0);
  EXPECT_EQ(stat_of("/t/d").st_mode & 07777, 02775u);
  // lchown changes the link, chown its target.
  ASSERT_EQ(rump_sys_symlink("/t/root", "/t/ln"), 0);
  EXPECT_EQ(rump_sys_lchown("/t/ln", 77, 88), 0);
  struct stat ls;
  ASSERT_EQ(rump_sys_lstat("/t/ln", &ls), 0);
  EXPECT_EQ(ls.st_uid, 77u);
  EXPECT_EQ(ls.st_gid, 88u);
  EXPECT_EQ(stat_of("/t/root").st_uid, 1234u);
  EXPECT_EQ(rump_sys_fchownat(AT_FDCWD, "/t/ln", 99, -1, AT_SYMLINK_NOFOLLOW), 0);
  ASSERT_EQ(rump_sys_lstat("/t/ln", &ls), 0);
  EXPECT_EQ(ls.st_uid, 99u);
  EXPECT_EQ(rump_sys_chown("/t/ln", 55, -1), 0);
  EXPECT_EQ(stat_of("/t/root").st_uid, 55u);
}

// --- utimensat ----------------------------------------------------------------------------

TEST_F(FdAttr, Utimensat) {
  int fd = make_file("/t/f", 0666);
  struct timespec ts[2] = {{1000, 5}, {2000, 6}};
  EXPECT_EQ(rump_sys_utimensat(AT_FDCWD, "/t/f", ts, 0), 0);
  struct stat st = stat_of("/t/f");
  EXPECT_EQ(st.st_atim.tv_sec, 1000);
  EXPECT_EQ(st.st_atim.tv_nsec, 5);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(st.st_mtim.tv_nsec, 6);
  // UTIME_OMIT keeps one, UTIME_NOW takes the time.
  struct timespec now_omit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
  EXPECT_EQ(rump_sys_futimens(fd, now_omit), 0);
  st = stat_of("/t/f");
  EXPECT_GT(st.st_atim.tv_sec, 1000000000);
  EXPECT_EQ(st.st_mtim.tv_sec, 2000);
  EXPECT_EQ(rump_sys_utimensat(AT_FDCWD, "/t/f", nullptr, 0), 0);
  st = stat_of("/t/f");
  EXPECT_GT(st.st_mtim.tv_sec, 1000000000);
  // Both omitted: nothing happens, and the path is not even looked at.
  struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
  EXPECT_EQ(rump_sys_utimensat(AT_FDCWD, "/t/nothere", omit, 0), 0);
  EXPECT_EQ(rump_sys_utimensat(77, nullptr, omit, 0), 0);
  // Bad arguments.
  struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(AT_FDCWD, "/t/f", bad, 0)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(AT_FDCWD, "/t/f", ts, 0x8)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(fd, nullptr, ts, AT_SYMLINK_NOFOLLOW)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(AT_FDCWD, nullptr, ts, 0)), EFAULT);
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(77, nullptr, ts, 0)), EBADF);
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(AT_FDCWD, "/t/nothere", ts, 0)), ENOENT);
  // AT_SYMLINK_NOFOLLOW sets the link's own times.
  ASSERT_EQ(rump_sys_symlink("/t/f", "/t/ln"), 0);
  EXPECT_EQ(rump_sys_utimensat(AT_FDCWD, "/t/ln", ts, AT_SYMLINK_NOFOLLOW), 0);
  struct stat ls;
  ASSERT_EQ(rump_sys_lstat("/t/ln", &ls), 0);
  EXPECT_EQ(ls.st_mtim.tv_sec, 2000);
  EXPECT_GT(stat_of("/t/f").st_mtim.tv_sec, 1000000000);
  // AT_EMPTY_PATH on a descriptor.
  EXPECT_EQ(rump_sys_utimensat(fd, "", ts, AT_EMPTY_PATH), 0);
  EXPECT_EQ(stat_of("/t/f").st_mtim.tv_sec, 2000);

  // Permissions: someone else with write access may only touch.
  rump_sys_close(make_file("/t/ro", 0644));
  lwp* user = spawn(RUMP_RFCFDG, 1000, 1000);
  as(user);
  EXPECT_EQ(rump_sys_utimensat(AT_FDCWD, "/t/f", nullptr, 0), 0);
  struct timespec nows[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  EXPECT_EQ(rump_sys_utimensat(AT_FDCWD, "/t/f", nows, 0), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(AT_FDCWD, "/t/f", ts, 0)), EPERM);
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(AT_FDCWD, "/t/f", now_omit, 0)), EPERM);
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(AT_FDCWD, "/t/ro", nullptr, 0)), EACCES);
  EXPECT_EQ(ERRNO_OF(rump_sys_utimensat(AT_FDCWD, "/t/ro", ts, 0)), EPERM);
  int mine = make_file("/t/mine", 0444);
  EXPECT_EQ(rump_sys_futimens(mine, ts), 0) << "the owner, without write permission";
  EXPECT_EQ(rump_sys_utimensat(AT_FDCWD, "/t/mine", nullptr, 0), 0);
}

// --- truncate, ftruncate, fallocate, fsync ------------------------------------------------

TEST_F(FdAttr, Truncate) {
  int fd = make_file("/t/f", 0666);
  EXPECT_EQ(rump_sys_truncate("/t/f", 100000), 0);
  EXPECT_EQ(stat_of("/t/f").st_size, 100000);
  EXPECT_EQ(rump_sys_truncate("/t/f", 3), 0);
  char buf[16];
  EXPECT_EQ(rump_sys_pread(fd, buf, sizeof buf, 0), 3);
  EXPECT_EQ(ERRNO_OF(rump_sys_truncate("/t/f", -1)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_truncate("/t", 0)), EISDIR);
  EXPECT_EQ(ERRNO_OF(rump_sys_truncate("/t/nothere", 0)), ENOENT);
  EXPECT_EQ(ERRNO_OF(rump_sys_truncate("/t/f/x", 0)), ENOTDIR);
  ASSERT_EQ(rump_sys_mknod("/t/fifo", S_IFIFO | 0666, 0), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_truncate("/t/fifo", 0)), EINVAL);
  // ftruncate.
  EXPECT_EQ(rump_sys_ftruncate(fd, 10), 0);
  EXPECT_EQ(stat_of("/t/f").st_size, 10);
  int ro = rump_sys_open("/t/f", O_RDONLY);
  EXPECT_EQ(ERRNO_OF(rump_sys_ftruncate(ro, 0)), EINVAL) << "not open for writing";
  int dir = rump_sys_open("/t", O_RDONLY);
  EXPECT_EQ(ERRNO_OF(rump_sys_ftruncate(dir, 0)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_ftruncate(fd, -1)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_ftruncate(77, -1)), EINVAL) << "the length is checked first";
  EXPECT_EQ(ERRNO_OF(rump_sys_ftruncate(77, 0)), EBADF);
  int path = rump_sys_open("/t/f", O_PATH);
  EXPECT_EQ(ERRNO_OF(rump_sys_ftruncate(path, 0)), EBADF);
  // Both update mtime even when the size stays (Linux's tmpfs and ext4 do).
  struct timespec old[2] = {{1000, 0}, {1000, 0}};
  ASSERT_EQ(rump_sys_utimensat(AT_FDCWD, "/t/f", old, 0), 0);
  EXPECT_EQ(rump_sys_truncate("/t/f", 10), 0);
  EXPECT_GT(stat_of("/t/f").st_mtim.tv_sec, 1000000000);
  ASSERT_EQ(rump_sys_utimensat(AT_FDCWD, "/t/f", old, 0), 0);
  EXPECT_EQ(rump_sys_ftruncate(fd, 10), 0);
  EXPECT_GT(stat_of("/t/f").st_mtim.tv_sec, 1000000000);

  // An unprivileged writer: write permission needed; setuid and setgid(+x) go.
  rump_sys_close(make_file("/t/ro", 0644));
  lwp* user = spawn(RUMP_RFCFDG, 1000, 1000);
  as(user);
  EXPECT_EQ(ERRNO_OF(rump_sys_truncate("/t/ro", 0)), EACCES);
  int mine = make_file("/t/mine", 06775);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 06775u);
  EXPECT_EQ(rump_sys_truncate("/t/mine", 1), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 0775u);
  EXPECT_EQ(rump_sys_fchmod(mine, 02765), 0);
  EXPECT_EQ(rump_sys_ftruncate(mine, 0), 0);
  EXPECT_EQ(stat_of("/t/mine").st_mode & 07777, 02765u) << "setgid without group-exec stays";
}

TEST_F(FdAttr, Fallocate) {
  int fd = make_file("/t/f", 0666, nullptr);
  int ro = rump_sys_open("/t/f", O_RDONLY);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(ro, 0, 0, 10)), EBADF);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(ro, 0, 0, 0)), EINVAL) << "arguments before access";
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(fd, 0, -1, 10)), EINVAL);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(fd, 0x100, 0, 10)), EOPNOTSUPP);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(ro, FALLOC_FL_PUNCH_HOLE, 0, 10)), EOPNOTSUPP)
      << "punch hole needs keep size";
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(ro, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE, 0, 10)),
            EOPNOTSUPP);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(ro, FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, 10)),
            EOPNOTSUPP);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(ro, FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE, 0, 10)),
            EBADF);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(fd, 0, INT64_MAX, 10)), EFBIG);
  int dir = rump_sys_open("/t", O_RDONLY);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(dir, 0, 0, 10)), EBADF);
  EXPECT_EQ(ERRNO_OF(rump_sys_fallocate(77, 0, 0, 10)), EBADF);
  // What the file system does (tmpfs: allocate, keep size, punch hole).
  EXPECT_EQ(rump_sys_fallocate(fd, 0, 0, 8192), 0) << strerror(errno);
  EXPECT_EQ(stat_of("/t/f").st_size, 8192);
  EXPECT_EQ(rump_sys_fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 100000), 0) << strerror(errno);
  EXPECT_EQ(stat_of("/t/f").st_size, 8192);
}

TEST_F(FdAttr, Fsync) {
  int fd = make_file("/t/f", 0666);
  EXPECT_EQ(rump_sys_fsync(fd), 0);
  EXPECT_EQ(rump_sys_fdatasync(fd), 0);
  int dir = rump_sys_open("/t", O_RDONLY);
  EXPECT_EQ(rump_sys_fsync(dir), 0);
  EXPECT_EQ(ERRNO_OF(rump_sys_fsync(77)), EBADF);
  int path = rump_sys_open("/t/f", O_PATH);
  EXPECT_EQ(ERRNO_OF(rump_sys_fsync(path)), EBADF);
  int null = rump_sys_open("/dev/null", O_RDWR);
  if (null >= 0) {
    EXPECT_EQ(ERRNO_OF(rump_sys_fsync(null)), EINVAL) << "character devices";
  }
}

}  // namespace
