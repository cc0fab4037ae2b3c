// HostTarget: the Linux kernel itself, in a fresh directory on the host's tmpfs (/dev/shm).
//
// Every call runs on a worker thread standing for the current "process". Worker 0 unshares its
// file system state (cwd, root, umask), its descriptor table (and closes everything in it, so
// descriptor numbers start at 0 as in a fresh rump process) and, when we are root, its mount
// namespace (made private, so mounts made by tests vanish with it and are never seen by the
// rest of the host). A child process is a thread started by its parent's worker, which then
// unshares again: it inherits the parent's credentials, cwd, root, umask, mount namespace and
// a copy of its descriptor table, as fork(2) would give. Credentials change through raw
// system calls, which (unlike glibc's wrappers) change only the calling thread. POSIX record
// locks belong to a descriptor table on Linux, so two workers conflict like two processes.
#include <dirent.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>

#include "tests/vfs_suite/target.h"

#ifndef __x86_64__
#error "the host side of the VFS suite uses x86-64 system call numbers"
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

namespace vfs_suite {
namespace {

// A thread that runs calls one at a time for its owner.
class Worker {
 public:
  // init runs first, on the new thread; its result is init_result().
  explicit Worker(std::function<long()> init)
      : thread_([this, init = std::move(init)] { loop(init); }) {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return started_; });
  }
  ~Worker() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  long init_result() const { return init_result_; }

  // Runs fn on the worker and returns its result; a -1 from fn becomes -errno.
  long run(const std::function<long()>& fn) {
    std::unique_lock lock(m_);
    task_ = &fn;
    done_ = false;
    cv_.notify_all();
    cv_.wait(lock, [&] { return done_; });
    return result_;
  }

 private:
  void loop(const std::function<long()>& init) {
    long r = init();
    {
      std::lock_guard lock(m_);
      init_result_ = r;
      started_ = true;
    }
    cv_.notify_all();
    std::unique_lock lock(m_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || task_ != nullptr; });
      if (task_ == nullptr) return;  // stop_
      const std::function<long()>* t = task_;
      lock.unlock();
      errno = 0;
      long v = (*t)();
      if (v == -1) v = -errno;
      lock.lock();
      result_ = v;
      task_ = nullptr;
      done_ = true;
      cv_.notify_all();
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  const std::function<long()>* task_ = nullptr;
  long result_ = 0;
  long init_result_ = 0;
  bool done_ = false, started_ = false, stop_ = false;
  std::thread thread_;  // last: started once the rest is built
};

// Removes a tree as its owner would, making directories writable first.
void remove_tree(int parent, const char* name) {
  struct stat st {};
  if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    fchmodat(parent, name, 0700, 0);
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      if (DIR* d = fdopendir(fd)) {
        while (dirent* e = readdir(d)) {
          if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
          remove_tree(fd, e->d_name);
        }
        closedir(d);
      } else {
        ::close(fd);
      }
    }
    unlinkat(parent, name, AT_REMOVEDIR);
  } else {
    unlinkat(parent, name, 0);
  }
}

class HostTarget final : public Fs {
 public:
  // A fresh directory in `parent`: /dev/shm (Linux's tmpfs), or a directory of another file
  // system the host kernel reaches (a rump_fuse mount).
  HostTarget(const std::string& name, const std::string& parent) : Fs(name, "") {
    signal(SIGPIPE, SIG_IGN);  // writes to a widowed pipe give EPIPE, as in the rump kernel
    privileged_ = geteuid() == 0;
    struct statfs sf {};
    if (parent == "/dev/shm" && (::statfs("/dev/shm", &sf) != 0 || sf.f_type != TMPFS_MAGIC)) {
      setup_error_ = "/dev/shm is not a tmpfs on this host";
      return;
    }
    std::string tmpl = parent + "/vfs_suite.XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr || ::chmod(tmpl.c_str(), 0755) != 0) {
      setup_error_ = "mkdtemp " + parent + ": " + strerror(errno);
      return;
    }
    root_ = tmpl;
    bool newns = privileged_;
    std::string root = root_;
    procs_.push_back(std::make_unique<Worker>([newns, root]() -> long {
      if (unshare(CLONE_FS | CLONE_FILES | (newns ? CLONE_NEWNS : 0)) != 0) return -errno;
      if (newns && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return -errno;
      if (syscall(SYS_close_range, 0u, ~0u, 0u) != 0) return -errno;
      if (newns && syscall(SYS_setgroups, 0, nullptr) != 0) return -errno;
      ::umask(022);
      if (::chdir(root.c_str()) != 0) return -errno;
      return 0;
    }));
    if (long r = procs_[0]->init_result(); r != 0)
      setup_error_ = "host worker setup: " + errno_str(int(-r));
  }

  ~HostTarget() override {
    for (size_t i = procs_.size(); i-- > 0;) procs_[i].reset();  // children first
    if (!root_.empty()) remove_tree(AT_FDCWD, root_.c_str());
  }

  bool privileged() const override { return privileged_; }

  int fork_process(bool copy_fds) override {
    int id = int(procs_.size());
    std::unique_ptr<Worker> child;
    call([&]() -> long {
      // This thread's fs, files, credentials and mount namespace are the parent's.
      child = std::make_unique<Worker>([copy_fds]() -> long {
        if (unshare(CLONE_FS | CLONE_FILES) != 0) return -errno;
        if (!copy_fds && syscall(SYS_close_range, 0u, ~0u, 0u) != 0) return -errno;
        return 0;
      });
      return 0;
    });
    if (child == nullptr || child->init_result() != 0)
      setup_error_ = "fork_process: no parent, or unshare failed";
    procs_.push_back(std::move(child));
    on_fork(id);
    current_ = id;
    return id;
  }

  void switch_process(int id) override { current_ = id; }

  void exit_process(int id) override {
    if (id <= 0 || size_t(id) >= procs_.size()) return;
    procs_[size_t(id)].reset();  // the thread exits: its descriptor table goes with it
    on_exit(id);
    if (current_ == id) current_ = 0;
  }

 protected:
#define HOST(expr) return call([&]() -> long { return (expr); })
  long sys_openat(int d, const char* p, int f, mode_t m) override {
    HOST(syscall(SYS_openat, d, p, f, m));
  }
  long sys_open(const char* p, int f, mode_t m) override { HOST(syscall(SYS_open, p, f, m)); }
  long sys_close(int fd) override { HOST(syscall(SYS_close, fd)); }
  long sys_read(int fd, void* b, size_t n) override { HOST(syscall(SYS_read, fd, b, n)); }
  long sys_write(int fd, const void* b, size_t n) override { HOST(syscall(SYS_write, fd, b, n)); }
  long sys_pread(int fd, void* b, size_t n, off_t o) override {
    HOST(syscall(SYS_pread64, fd, b, n, o));
  }
  long sys_pwrite(int fd, const void* b, size_t n, off_t o) override {
    HOST(syscall(SYS_pwrite64, fd, b, n, o));
  }
  long sys_readv(int fd, const iovec* v, int n) override { HOST(syscall(SYS_readv, fd, v, n)); }
  long sys_writev(int fd, const iovec* v, int n) override { HOST(syscall(SYS_writev, fd, v, n)); }
  long sys_lseek(int fd, off_t o, int wh) override { HOST(syscall(SYS_lseek, fd, o, wh)); }
  long sys_dup(int fd) override { HOST(syscall(SYS_dup, fd)); }
  long sys_dup2(int fd, int nfd) override { HOST(syscall(SYS_dup2, fd, nfd)); }
  long sys_dup3(int fd, int nfd, int f) override { HOST(syscall(SYS_dup3, fd, nfd, f)); }
  long sys_fcntl(int fd, int cmd, long a) override { HOST(syscall(SYS_fcntl, fd, cmd, a)); }
  long sys_fcntl_ptr(int fd, int cmd, void* a) override { HOST(syscall(SYS_fcntl, fd, cmd, a)); }
  long sys_pipe2(int fds[2], int f) override { HOST(syscall(SYS_pipe2, fds, f)); }
  long sys_stat(const char* p, struct stat* s) override { HOST(syscall(SYS_stat, p, s)); }
  long sys_lstat(const char* p, struct stat* s) override { HOST(syscall(SYS_lstat, p, s)); }
  long sys_fstat(int fd, struct stat* s) override { HOST(syscall(SYS_fstat, fd, s)); }
  long sys_fstatat(int d, const char* p, struct stat* s, int f) override {
    HOST(syscall(SYS_newfstatat, d, p, s, f));
  }
  long sys_statx(int d, const char* p, int f, unsigned m, struct statx* x) override {
    HOST(syscall(SYS_statx, d, p, f, m, x));
  }
  long sys_access(const char* p, int m) override { HOST(syscall(SYS_access, p, m)); }
  long sys_faccessat(int d, const char* p, int m, int f) override {
    // Linux's faccessat has no flags argument; faccessat2 is the call with one.
    HOST(syscall(SYS_faccessat2, d, p, m, f));
  }
  long sys_setxattr(const char* p, const char* n, const void* v, size_t s, int f,
                    bool follow) override {
    HOST(syscall(follow ? SYS_setxattr : SYS_lsetxattr, p, n, v, s, f));
  }
  long sys_fsetxattr(int fd, const char* n, const void* v, size_t s, int f) override {
    HOST(syscall(SYS_fsetxattr, fd, n, v, s, f));
  }
  long sys_getxattr(const char* p, const char* n, void* v, size_t s, bool follow) override {
    HOST(syscall(follow ? SYS_getxattr : SYS_lgetxattr, p, n, v, s));
  }
  long sys_fgetxattr(int fd, const char* n, void* v, size_t s) override {
    HOST(syscall(SYS_fgetxattr, fd, n, v, s));
  }
  long sys_listxattr(const char* p, char* l, size_t s, bool follow) override {
    HOST(syscall(follow ? SYS_listxattr : SYS_llistxattr, p, l, s));
  }
  long sys_flistxattr(int fd, char* l, size_t s) override { HOST(syscall(SYS_flistxattr, fd, l, s)); }
  long sys_removexattr(const char* p, const char* n, bool follow) override {
    HOST(syscall(follow ? SYS_removexattr : SYS_lremovexattr, p, n));
  }
  long sys_fremovexattr(int fd, const char* n) override { HOST(syscall(SYS_fremovexattr, fd, n)); }
  long sys_chmod(const char* p, mode_t m) override { HOST(syscall(SYS_chmod, p, m)); }
  long sys_fchmod(int fd, mode_t m) override { HOST(syscall(SYS_fchmod, fd, m)); }
  long sys_fchmodat(int d, const char* p, mode_t m, int f) override {
    // Likewise fchmodat/fchmodat2 (Linux 6.6).
    if (f == 0) HOST(syscall(SYS_fchmodat, d, p, m));
    HOST(syscall(SYS_fchmodat2, d, p, m, f));
  }
  long sys_chown(const char* p, uid_t u, gid_t g) override { HOST(syscall(SYS_chown, p, u, g)); }
  long sys_lchown(const char* p, uid_t u, gid_t g) override { HOST(syscall(SYS_lchown, p, u, g)); }
  long sys_fchown(int fd, uid_t u, gid_t g) override { HOST(syscall(SYS_fchown, fd, u, g)); }
  long sys_fchownat(int d, const char* p, uid_t u, gid_t g, int f) override {
    HOST(syscall(SYS_fchownat, d, p, u, g, f));
  }
  long sys_utimensat(int d, const char* p, const timespec* t, int f) override {
    HOST(syscall(SYS_utimensat, d, p, t, f));
  }
  long sys_futimens(int fd, const timespec* t) override {
    HOST(syscall(SYS_utimensat, fd, nullptr, t, 0));
  }
  long sys_truncate(const char* p, off_t l) override { HOST(syscall(SYS_truncate, p, l)); }
  long sys_ftruncate(int fd, off_t l) override { HOST(syscall(SYS_ftruncate, fd, l)); }
  long sys_fallocate(int fd, int m, off_t o, off_t l) override {
    HOST(syscall(SYS_fallocate, fd, m, o, l));
  }
  long sys_fsync(int fd) override { HOST(syscall(SYS_fsync, fd)); }
  long sys_fdatasync(int fd) override { HOST(syscall(SYS_fdatasync, fd)); }
  void sys_sync() override {
    call([]() -> long { return syscall(SYS_sync); });
  }
  long sys_statfs(const char* p, struct statfs* s) override { HOST(syscall(SYS_statfs, p, s)); }
  long sys_fstatfs(int fd, struct statfs* s) override { HOST(syscall(SYS_fstatfs, fd, s)); }
  long sys_mkdir(const char* p, mode_t m) override { HOST(syscall(SYS_mkdir, p, m)); }
  long sys_mkdirat(int d, const char* p, mode_t m) override { HOST(syscall(SYS_mkdirat, d, p, m)); }
  long sys_rmdir(const char* p) override { HOST(syscall(SYS_rmdir, p)); }
  long sys_unlink(const char* p) override { HOST(syscall(SYS_unlink, p)); }
  long sys_unlinkat(int d, const char* p, int f) override { HOST(syscall(SYS_unlinkat, d, p, f)); }
  long sys_rename(const char* a, const char* b) override { HOST(syscall(SYS_rename, a, b)); }
  long sys_renameat(int ad, const char* a, int bd, const char* b) override {
    HOST(syscall(SYS_renameat, ad, a, bd, b));
  }
  long sys_renameat2(int ad, const char* a, int bd, const char* b, unsigned f) override {
    HOST(syscall(SYS_renameat2, ad, a, bd, b, f));
  }
  long sys_link(const char* a, const char* b) override { HOST(syscall(SYS_link, a, b)); }
  long sys_linkat(int ad, const char* a, int bd, const char* b, int f) override {
    HOST(syscall(SYS_linkat, ad, a, bd, b, f));
  }
  long sys_symlink(const char* t, const char* p) override { HOST(syscall(SYS_symlink, t, p)); }
  long sys_symlinkat(const char* t, int d, const char* p) override {
    HOST(syscall(SYS_symlinkat, t, d, p));
  }
  long sys_readlink(const char* p, char* b, size_t n) override {
    HOST(syscall(SYS_readlink, p, b, n));
  }
  long sys_readlinkat(int d, const char* p, char* b, size_t n) override {
    HOST(syscall(SYS_readlinkat, d, p, b, n));
  }
  long sys_mknod(const char* p, mode_t m, dev_t dv) override { HOST(syscall(SYS_mknod, p, m, dv)); }
  long sys_mknodat(int d, const char* p, mode_t m, dev_t dv) override {
    HOST(syscall(SYS_mknodat, d, p, m, dv));
  }
  long sys_getdents64(int fd, void* b, size_t n) override {
    HOST(syscall(SYS_getdents64, fd, b, n));
  }
  long sys_chdir(const char* p) override { HOST(syscall(SYS_chdir, p)); }
  long sys_fchdir(int fd) override { HOST(syscall(SYS_fchdir, fd)); }
  long sys_getcwd(char* b, size_t n) override { HOST(syscall(SYS_getcwd, b, n)); }
  long sys_chroot(const char* p) override { HOST(syscall(SYS_chroot, p)); }
  long sys_umask(mode_t m) override { HOST(syscall(SYS_umask, m)); }
  long sys_mount(const char* s, const char* t, const char* ty, unsigned long f,
                 const void* d) override {
    HOST(syscall(SYS_mount, s, t, ty, f, d));
  }
  long sys_umount2(const char* t, int f) override { HOST(syscall(SYS_umount2, t, f)); }
  long sys_getpid() override { HOST(syscall(SYS_getpid)); }
  long sys_setresuid(uid_t r, uid_t e, uid_t s) override { HOST(syscall(SYS_setresuid, r, e, s)); }
  long sys_setresgid(gid_t r, gid_t e, gid_t s) override { HOST(syscall(SYS_setresgid, r, e, s)); }
  long sys_setgroups(size_t n, const gid_t* l) override { HOST(syscall(SYS_setgroups, n, l)); }
#undef HOST

 private:
  // Runs fn as the current process; ENXIO when there is none (the setup failed).
  long call(const std::function<long()>& fn) {
    if (size_t(current_) >= procs_.size() || procs_[size_t(current_)] == nullptr) return -ENXIO;
    return procs_[size_t(current_)]->run(fn);
  }

  bool privileged_ = false;
  std::vector<std::unique_ptr<Worker>> procs_;  // by process id; null once ended
};

}  // namespace

std::unique_ptr<Fs> make_host_target() { return std::make_unique<HostTarget>(kHost, "/dev/shm"); }

std::unique_ptr<Fs> make_host_target_in(const std::string& name, const std::string& parent) {
  return std::make_unique<HostTarget>(name, parent);
}

}  // namespace vfs_suite
