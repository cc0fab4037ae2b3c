// The shared system call suite, part 2: descriptors (dup, dup2, dup3, fcntl), record locks
// between two processes, pipes and the devices in /dev.
#include <sys/sysmacros.h>

#include <string>
#include <vector>

#include "tests/vfs_suite/suite.h"

namespace vfs_suite {
namespace {

constexpr int kLargefile = 0100000;  // O_LARGEFILE as the x86-64 kernel reports it in F_GETFL

// --- dup, dup2, dup3 -----------------------------------------------------------------------

TEST_P(VfsTest, DupSharesTheOpenFile) {
  make_file("/f", "0123456789");
  int fd, d;
  ASSERT_FD(fd, fs().open("/f", O_RDWR | O_CLOEXEC));
  ASSERT_FD(d, fs().dup(fd));
  EXPECT_EQ(d, fd + 1) << "the lowest free descriptor";
  EXPECT_EQ(fs().fcntl(d, F_GETFD), 0) << "dup does not copy FD_CLOEXEC";
  EXPECT_EQ(fs().lseek(fd, 4, SEEK_SET), 4);
  EXPECT_EQ(fs().lseek(d, 0, SEEK_CUR), 4) << "one offset for both";
  EXPECT_EQ(fs().fcntl(fd, F_SETFL, O_APPEND), 0);
  EXPECT_EQ(fs().fcntl(d, F_GETFL), O_RDWR | O_APPEND | kLargefile) << "one set of flags";
  EXPECT_EQ(fs().close(fd), 0);
  std::string s;
  EXPECT_EQ(fs().read(d, 3, &s), 3) << "the file stays open through the copy";
  EXPECT_EQ(s, "456");
  EXPECT_ERR(EBADF, fs().dup(fd));
  EXPECT_ERR(EBADF, fs().dup(-1));
}

TEST_P(VfsTest, Dup2) {
  make_file("/a", "A");
  make_file("/b", "B");
  int a, b;
  ASSERT_FD(a, fs().open("/a", O_RDONLY));
  ASSERT_FD(b, fs().open("/b", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(fs().dup2(a, 10), 10);
  EXPECT_EQ(fs().dup2(a, a), a) << "same descriptor: nothing happens";
  // dup2 onto an open descriptor closes it silently; the copy has no FD_CLOEXEC.
  EXPECT_EQ(fs().dup2(a, b), b);
  EXPECT_EQ(fs().fcntl(b, F_GETFD), 0);
  std::string s;
  EXPECT_EQ(fs().read(b, 1, &s), 1);
  EXPECT_EQ(s, "A");
  EXPECT_ERR(EBADF, fs().dup2(77, 5));
  EXPECT_ERR(EBADF, fs().dup2(77, 77)) << "checked even when the two are equal";
  EXPECT_ERR(EBADF, fs().dup2(a, -1));
  EXPECT_ERR(EBADF, fs().fcntl(5, F_GETFD)) << "a failed dup2 leaves newfd alone";
}

TEST_P(VfsTest, Dup3) {
  make_file("/a");
  int a;
  ASSERT_FD(a, fs().open("/a", O_RDONLY));
  EXPECT_ERR(EINVAL, fs().dup3(a, a, 0)) << "unlike dup2";
  EXPECT_EQ(fs().dup3(a, 7, O_CLOEXEC), 7);
  EXPECT_EQ(fs().fcntl(7, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fs().dup3(a, 8, 0), 8);
  EXPECT_EQ(fs().fcntl(8, F_GETFD), 0);
  EXPECT_ERR(EINVAL, fs().dup3(a, 9, O_NONBLOCK));
  EXPECT_ERR(EBADF, fs().dup3(99, 9, 0));
}

// --- fcntl ---------------------------------------------------------------------------------

TEST_P(VfsTest, FcntlStatusFlags) {
  make_file("/f");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDWR | O_APPEND));
  EXPECT_EQ(fs().fcntl(fd, F_GETFL), O_RDWR | O_APPEND | kLargefile);
  // F_SETFL replaces O_APPEND/O_NONBLOCK; the access mode and creation flags are ignored.
  EXPECT_EQ(fs().fcntl(fd, F_SETFL, O_NONBLOCK | O_RDONLY | O_TRUNC | O_CREAT), 0);
  EXPECT_EQ(fs().fcntl(fd, F_GETFL), O_RDWR | O_NONBLOCK | kLargefile);
  EXPECT_EQ(fs().write(fd, "x"), 1) << "still writable";
  EXPECT_EQ(fs().fcntl(fd, F_SETFL, 0), 0);
  EXPECT_EQ(fs().fcntl(fd, F_GETFL), O_RDWR | kLargefile);
  EXPECT_ERR(EBADF, fs().fcntl(99, F_GETFL));
  EXPECT_ERR(EINVAL, fs().fcntl(fd, 9999));
}

TEST_P(VfsTest, FcntlDescriptorFlags) {
  make_file("/f");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY));
  EXPECT_EQ(fs().fcntl(fd, F_GETFD), 0);
  EXPECT_EQ(fs().fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
  EXPECT_EQ(fs().fcntl(fd, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fs().fcntl(fd, F_SETFD, 0), 0);
  EXPECT_EQ(fs().fcntl(fd, F_GETFD), 0);
  EXPECT_EQ(fs().fcntl(fd, F_SETFD, 3), 0);
  EXPECT_EQ(fs().fcntl(fd, F_GETFD), FD_CLOEXEC) << "only FD_CLOEXEC is kept";
  EXPECT_ERR(EBADF, fs().fcntl(99, F_SETFD, FD_CLOEXEC));
}

TEST_P(VfsTest, FcntlDupfd) {
  make_file("/f", "abc");
  int fd;
  ASSERT_FD(fd, fs().open("/f", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(fs().fcntl(fd, F_DUPFD, 5), 5);
  EXPECT_EQ(fs().fcntl(fd, F_DUPFD, 5), 6) << "the lowest free at or above the argument";
  EXPECT_EQ(fs().fcntl(5, F_GETFD), 0);
  EXPECT_EQ(fs().fcntl(fd, F_DUPFD_CLOEXEC, 5), 7);
  EXPECT_EQ(fs().fcntl(7, F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fs().fcntl(fd, F_DUPFD, 0), 1);
  EXPECT_EQ(fs().lseek(fd, 2, SEEK_SET), 2);
  EXPECT_EQ(fs().lseek(6, 0, SEEK_CUR), 2) << "a copy shares the offset";
  EXPECT_ERR(EINVAL, fs().fcntl(fd, F_DUPFD, -1));
  EXPECT_ERR(EBADF, fs().fcntl(99, F_DUPFD, 0));
}

// --- record locks --------------------------------------------------------------------------

struct flock lock_of(short type, off_t start, off_t len, short whence = SEEK_SET) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = whence;
  fl.l_start = start;
  fl.l_len = len;
  return fl;
}

// F_GETLK's answer, "unlocked" or "W 0+10 by A", naming the holder by its pid. (The host's
// "processes" are threads of one process and share a pid: there both are "A/B".)
std::string getlk(Fs& fs, int fd, short type, off_t start, off_t len, long pid_a, long pid_b) {
  struct flock fl = lock_of(type, start, len);
  long r = fs.fcntl_lock(fd, F_GETLK, &fl);
  if (r < 0) return result_str(r);
  if (fl.l_type == F_UNLCK) return "unlocked";
  std::string who = pid_a == pid_b && fl.l_pid == pid_a ? "A/B"
                    : fl.l_pid == pid_a                 ? "A"
                    : fl.l_pid == pid_b                 ? "B"
                                                        : std::to_string(fl.l_pid);
  return std::string(fl.l_type == F_WRLCK ? "W " : "R ") + std::to_string(fl.l_start) + "+" +
         std::to_string(fl.l_len) + " by " + who;
}

long setlk(Fs& fs, int fd, short type, off_t start, off_t len) {
  struct flock fl = lock_of(type, start, len);
  return fs.fcntl_lock(fd, F_SETLK, &fl);
}

TEST_P(VfsTest, RecordLocksConflictBetweenProcesses) {
  make_file("/f", std::string(100, '.'));
  int fa, fb;
  ASSERT_FD(fa, fs().open("/f", O_RDWR));
  long pid_a = fs().getpid();
  ASSERT_EQ(setlk(fs(), fa, F_WRLCK, 0, 10), 0);
  ASSERT_EQ(setlk(fs(), fa, F_RDLCK, 50, 10), 0);
  EXPECT_EQ(getlk(fs(), fa, F_WRLCK, 0, 100, 0, 0), "unlocked") << "never with oneself";

  const int b = fs().fork_process(false);
  ASSERT_FD(fb, fs().open("/f", O_RDWR));
  long pid_b = fs().getpid();
  if (!host()) {
    EXPECT_NE(pid_a, pid_b);
  }
  auto by = [&](std::string who) { return " by " + (pid_a == pid_b ? "A/B" : who); };
  EXPECT_EQ(getlk(fs(), fb, F_WRLCK, 0, 100, pid_a, pid_b), "W 0+10" + by("A"));
  EXPECT_EQ(getlk(fs(), fb, F_RDLCK, 5, 1, pid_a, pid_b), "W 0+10" + by("A"));
  EXPECT_EQ(getlk(fs(), fb, F_RDLCK, 20, 80, pid_a, pid_b), "unlocked") << "read locks share";
  EXPECT_EQ(getlk(fs(), fb, F_WRLCK, 20, 80, pid_a, pid_b), "R 50+10" + by("A"));
  EXPECT_ERR(EAGAIN, setlk(fs(), fb, F_WRLCK, 5, 1));
  EXPECT_ERR(EAGAIN, setlk(fs(), fb, F_RDLCK, 9, 1));
  EXPECT_ERR(EAGAIN, setlk(fs(), fb, F_WRLCK, 55, 100));
  EXPECT_EQ(setlk(fs(), fb, F_WRLCK, 10, 5), 0) << "ranges are half-open";
  EXPECT_EQ(setlk(fs(), fb, F_RDLCK, 50, 5), 0);

  fs().switch_process(0);
  EXPECT_EQ(getlk(fs(), fa, F_RDLCK, 0, 0, pid_a, pid_b), "W 10+5" + by("B"));
  EXPECT_ERR(EAGAIN, setlk(fs(), fa, F_WRLCK, 50, 1)) << "B reads there now";
  // Unlocking part of a lock splits it.
  ASSERT_EQ(setlk(fs(), fa, F_UNLCK, 2, 3), 0);
  fs().switch_process(b);
  EXPECT_EQ(getlk(fs(), fb, F_WRLCK, 0, 0, pid_a, pid_b), "W 0+2" + by("A"));
  EXPECT_EQ(setlk(fs(), fb, F_WRLCK, 2, 3), 0);
  EXPECT_ERR(EAGAIN, setlk(fs(), fb, F_WRLCK, 5, 1));
}

TEST_P(VfsTest, RecordLocksGoWithAnyCloseAndWithTheProcess) {
  make_file("/f", "0123456789");
  int fa, fa2, fb;
  ASSERT_FD(fa, fs().open("/f", O_RDWR));
  ASSERT_FD(fa2, fs().open("/f", O_RDONLY));
  ASSERT_EQ(setlk(fs(), fa, F_WRLCK, 0, 0), 0) << "l_len 0: to the end and beyond";
  const int b = fs().fork_process(false);
  ASSERT_FD(fb, fs().open("/f", O_RDWR));
  EXPECT_ERR(EAGAIN, setlk(fs(), fb, F_WRLCK, 1000000, 1));
  // POSIX: closing any descriptor of the file drops all of the process's locks on it.
  fs().switch_process(0);
  EXPECT_EQ(fs().close(fa2), 0);
  fs().switch_process(b);
  EXPECT_EQ(setlk(fs(), fb, F_WRLCK, 0, 4), 0);
  // A process that ends drops its locks.
  fs().switch_process(0);
  EXPECT_ERR(EAGAIN, setlk(fs(), fa, F_RDLCK, 0, 1));
  fs().exit_process(b);
  EXPECT_EQ(setlk(fs(), fa, F_WRLCK, 0, 1), 0);
}

TEST_P(VfsTest, RecordLockArguments) {
  make_file("/f", "0123456789");
  int r, w;
  ASSERT_FD(r, fs().open("/f", O_RDONLY));
  ASSERT_FD(w, fs().open("/f", O_WRONLY));
  EXPECT_ERR(EBADF, setlk(fs(), r, F_WRLCK, 0, 1)) << "a write lock needs a writable file";
  EXPECT_ERR(EBADF, setlk(fs(), w, F_RDLCK, 0, 1));
  EXPECT_ERR(EINVAL, setlk(fs(), w, F_WRLCK, -1, 1));
  EXPECT_ERR(EINVAL, setlk(fs(), w, 42, 0, 1));
  EXPECT_EQ(setlk(fs(), w, F_UNLCK, 0, 0), 0) << "unlocking nothing is fine";
  // SEEK_CUR and SEEK_END are relative to the offset and the size; F_GETLK answers in
  // absolute terms; a negative length reaches backwards.
  EXPECT_EQ(fs().lseek(w, 4, SEEK_SET), 4);
  struct flock fl = lock_of(F_WRLCK, 1, 2, SEEK_CUR);
  EXPECT_EQ(fs().fcntl_lock(w, F_SETLK, &fl), 0);
  fl = lock_of(F_WRLCK, -2, -3, SEEK_END);
  EXPECT_EQ(fs().fcntl_lock(w, F_SETLK, &fl), 0);
  fs().fork_process(false);
  int fb;
  ASSERT_FD(fb, fs().open("/f", O_RDWR));
  EXPECT_EQ(getlk(fs(), fb, F_RDLCK, 0, 0, 0, 0).substr(0, 6), "W 5+3 ");
  EXPECT_EQ(fs().fcntl_lock(99, F_GETLK, &fl), -EBADF);
}

// --- pipes ---------------------------------------------------------------------------------

TEST_P(VfsTest, Pipe2) {
  int p[2];
  ASSERT_EQ(fs().pipe2(p, 0), 0);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[1], 1);
  StatInfo s;
  ASSERT_EQ(fs().fstat(p[0], &s), 0);
  EXPECT_EQ(s.type(), unsigned(S_IFIFO));
  EXPECT_EQ(fs().write(p[1], "hello"), 5);
  std::string got;
  EXPECT_EQ(fs().read(p[0], 3, &got), 3);
  EXPECT_EQ(got, "hel");
  EXPECT_EQ(fs().read(p[0], 10, &got), 2);
  EXPECT_EQ(got, "lo");
  EXPECT_ERR(EBADF, fs().write(p[0], "x"));
  EXPECT_ERR(EBADF, fs().read(p[1], 1, &got));
  EXPECT_EQ(fs().fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
  EXPECT_EQ(fs().fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
  EXPECT_EQ(fs().write(p[1], "z"), 1);
  EXPECT_EQ(fs().close(p[1]), 0);
  EXPECT_EQ(fs().read(p[0], 10, &got), 1) << "what was written before the close";
  EXPECT_EQ(fs().read(p[0], 10, &got), 0) << "then end of file";
  // Writing with no reader: EPIPE (SIGPIPE is ignored on the host).
  ASSERT_EQ(fs().pipe2(p, 0), 0);
  EXPECT_EQ(fs().close(p[0]), 0);
  EXPECT_ERR(EPIPE, fs().write(p[1], "x"));
  EXPECT_ERR(EINVAL, fs().pipe2(p, O_RDWR));
}

TEST_P(VfsTest, Pipe2Flags) {
  int p[2];
  ASSERT_EQ(fs().pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
  EXPECT_EQ(fs().fcntl(p[0], F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fs().fcntl(p[1], F_GETFD), FD_CLOEXEC);
  EXPECT_EQ(fs().fcntl(p[0], F_GETFL), O_RDONLY | O_NONBLOCK);
  EXPECT_EQ(fs().fcntl(p[1], F_GETFL), O_WRONLY | O_NONBLOCK);
  std::string got;
  EXPECT_ERR(EAGAIN, fs().read(p[0], 1, &got));
  // A full pipe: a non-blocking write takes what fits, then EAGAIN.
  std::string chunk(65536, 'x');
  long total = 0;
  for (int i = 0; i < 64; ++i) {
    long r = fs().write(p[1], chunk);
    if (r < 0) {
      EXPECT_ERR(EAGAIN, r);
      break;
    }
    total += r;
  }
  EXPECT_EQ(total, 65536) << "Linux's default pipe capacity is 16 pages";
  // A read frees room for more.
  EXPECT_EQ(fs().read(p[0], 4096, &got), 4096);
  EXPECT_EQ(fs().write(p[1], std::string(4096, 'y')), 4096);
}

// --- devices -------------------------------------------------------------------------------

TEST_P(VfsTest, DevNullZeroFull) {
  struct Dev {
    const char* path;
    unsigned minor;
  };
  for (Dev d : {Dev{"/dev/null", 3}, Dev{"/dev/zero", 5}, Dev{"/dev/full", 7},
                Dev{"/dev/random", 8}, Dev{"/dev/urandom", 9}}) {
    SCOPED_TRACE(d.path);
    StatInfo s = st(d.path);
    EXPECT_EQ(s.type(), unsigned(S_IFCHR));
    EXPECT_EQ(major(s.rdev), 1u);
    EXPECT_EQ(minor(s.rdev), d.minor);
    EXPECT_EQ(s.perm(), 0666u);
  }
  int null, zero, full;
  ASSERT_FD(null, fs().open("/dev/null", O_RDWR));
  ASSERT_FD(zero, fs().open("/dev/zero", O_RDWR));
  ASSERT_FD(full, fs().open("/dev/full", O_RDWR));
  std::string got;
  EXPECT_EQ(fs().write(null, "swallowed"), 9);
  EXPECT_EQ(fs().read(null, 10, &got), 0);
  EXPECT_EQ(fs().read(zero, 100000, &got), 100000);
  EXPECT_EQ(got, std::string(100000, '\0'));
  EXPECT_EQ(fs().write(zero, "abc"), 3);
  EXPECT_ERR(ENOSPC, fs().write(full, "x"));
  EXPECT_EQ(fs().read(full, 16, &got), 16);
  EXPECT_EQ(got, std::string(16, '\0'));
  EXPECT_EQ(fs().pread(zero, 4, 12345, &got), 4);
  EXPECT_EQ(fs().lseek(null, 100, SEEK_SET), 0) << "/dev/null's lseek always says 0";
}

TEST_P(VfsTest, DevRandom) {
  for (const char* path : {"/dev/random", "/dev/urandom"}) {
    SCOPED_TRACE(path);
    int fd;
    ASSERT_FD(fd, fs().open(path, O_RDONLY));
    std::string a, b;
    EXPECT_EQ(fs().read(fd, 64, &a), 64);
    EXPECT_EQ(fs().read(fd, 64, &b), 64);
    EXPECT_NE(a, b);
    EXPECT_NE(a, std::string(64, '\0'));
    EXPECT_EQ(fs().close(fd), 0);
    ASSERT_FD(fd, fs().open(path, O_WRONLY));
    EXPECT_EQ(fs().write(fd, "entropy"), 7) << "writing mixes into the pool";
    EXPECT_EQ(fs().close(fd), 0);
  }
}

}  // namespace
}  // namespace vfs_suite
