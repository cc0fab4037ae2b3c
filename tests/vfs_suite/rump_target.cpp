// RumpTarget: a fresh rump kernel, the tests running in a directory of one of its file systems
// (FileSystemSpec), through the public API: rump_sys_* and rump_pub_lwproc_*.
//
// Built with RK_SUITE_REMOTE (vfs_suite_remote_test, linked with librumpclient instead of
// librump) the kernel is a rump_allserver process of its own, started for the target and
// stopped with it; a disk image is given to it with -d instead of rump_pub_etfs_register, and
// the processes are librumpclient's rump_pub_lwproc_* (each a kernel process of the server).
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "rump/rump.h"
#include "rump/rump_syscalls.h"
#include "tests/vfs_suite/target.h"
#ifdef RK_SUITE_REMOTE
#include <csignal>

#include "sysproxy/client_impl.h"
#include "tests/sysproxy/spawn_server.h"
#endif

namespace vfs_suite {
namespace {

template <typename T>
long neg(T r) {
  return long(r) == -1 ? -errno : long(r);
}

class RumpTarget final : public Fs {
 public:
  RumpTarget(const FileSystemSpec& spec, const char* params) : Fs(spec.name, "") {
#ifdef RK_SUITE_REMOTE
    std::string source;
    if (!start_server(spec, params, &source)) return;
#else
    if (int e = rump_kernel_create(params, &k_); e != 0) {
      setup_error_ = "rump_kernel_create: " + errno_str(e);
      k_ = nullptr;
      return;
    }
    rump_kernel_switch(k_);
#endif
    if (int e = rump_pub_lwproc_rfork(RUMP_RFCFDG); e != 0) {
      setup_error_ = "rump_pub_lwproc_rfork: " + errno_str(e);
      return;
    }
    procs_.push_back(rump_pub_lwproc_curlwp());
    rump_sys_umask(022);
    auto fail = [&](const char* what) {
      setup_error_ =
          std::string(spec.name) + " setup: " + what + " " + spec.root + ": " + errno_str(errno);
      return false;
    };
#ifndef RK_SUITE_REMOTE
    std::string source = mount_source(spec, &image_);
#endif
    if (spec.mkfs != nullptr && source.empty()) {
      setup_error_ = std::string(spec.name) + " setup: " + spec.mkfs + " failed";
      return;
    }
    bool ok =
        (rump_sys_mkdir(spec.root, 0755) == 0 || errno == EEXIST || fail("mkdir")) &&
        (spec.mount_type == nullptr ||
         rump_sys_mount(source.c_str(), spec.root, spec.mount_type, 0, spec.mount_data) == 0 ||
         fail("mount")) &&
        // A fresh ext2 has lost+found; the tests expect an empty directory.
        (spec.mkfs == nullptr ||
         rump_sys_rmdir((std::string(spec.root) + "/lost+found").c_str()) == 0 ||
         fail("rmdir lost+found")) &&
        (rump_sys_chmod(spec.root, 0755) == 0 || fail("chmod")) &&
        (rump_sys_chdir(spec.root) == 0 || fail("chdir"));
    if (ok) root_ = spec.root;
  }

  ~RumpTarget() override {
    if (k_ == nullptr) return;
#ifndef RK_SUITE_REMOTE
    rump_kernel_switch(k_);
#endif
    for (size_t i = procs_.size(); i-- > 0;) {
      if (procs_[i] == nullptr) continue;
      rump_pub_lwproc_switch(procs_[i]);
      rump_pub_lwproc_releaselwp();
    }
    rump_pub_lwproc_switch(nullptr);
#ifdef RK_SUITE_REMOTE
    delete k_;
    // A halt by SIGTERM syncs and unmounts, as rump_kernel_destroy does.
    if (server_ != nullptr && server_->stop(SIGTERM) != 0 && setup_error_.empty())
      fprintf(stderr, "vfs_suite: rump_allserver did not exit cleanly\n");
#else
    rump_kernel_switch(nullptr);
    rump_kernel_destroy(k_);
#endif
    if (!image_.empty()) ::unlink(image_.c_str());
  }

  bool privileged() const override { return true; }

  int fork_process(bool copy_fds) override {
    enter();
    int id = int(procs_.size());
    if (int e = rump_pub_lwproc_rfork(copy_fds ? RUMP_RFFDG : RUMP_RFCFDG); e != 0) {
      setup_error_ = "rump_pub_lwproc_rfork: " + errno_str(e);
      procs_.push_back(nullptr);
    } else {
      procs_.push_back(rump_pub_lwproc_curlwp());
    }
    on_fork(id);
    current_ = id;
    return id;
  }

  void switch_process(int id) override {
    current_ = id;
    enter();
  }

  void exit_process(int id) override {
    if (id <= 0 || size_t(id) >= procs_.size() || procs_[size_t(id)] == nullptr) return;
#ifndef RK_SUITE_REMOTE
    rump_kernel_switch(k_);
#endif
    rump_pub_lwproc_switch(procs_[size_t(id)]);
    rump_pub_lwproc_releaselwp();  // its last lwp: the process ends
    procs_[size_t(id)] = nullptr;
    on_exit(id);
    if (current_ == id) current_ = 0;
    enter();
  }

 protected:
#define RUMP(expr) \
  enter();         \
  return neg(expr)
  long sys_openat(int d, const char* p, int f, mode_t m) override {
    RUMP(rump_sys_openat(d, p, f, m));
  }
  long sys_open(const char* p, int f, mode_t m) override { RUMP(rump_sys_open(p, f, m)); }
  long sys_close(int fd) override { RUMP(rump_sys_close(fd)); }
  long sys_read(int fd, void* b, size_t n) override { RUMP(rump_sys_read(fd, b, n)); }
  long sys_write(int fd, const void* b, size_t n) override { RUMP(rump_sys_write(fd, b, n)); }
  long sys_pread(int fd, void* b, size_t n, off_t o) override { RUMP(rump_sys_pread(fd, b, n, o)); }
  long sys_pwrite(int fd, const void* b, size_t n, off_t o) override {
    RUMP(rump_sys_pwrite(fd, b, n, o));
  }
  long sys_readv(int fd, const iovec* v, int n) override { RUMP(rump_sys_readv(fd, v, n)); }
  long sys_writev(int fd, const iovec* v, int n) override { RUMP(rump_sys_writev(fd, v, n)); }
  long sys_lseek(int fd, off_t o, int wh) override { RUMP(rump_sys_lseek(fd, o, wh)); }
  long sys_dup(int fd) override { RUMP(rump_sys_dup(fd)); }
  long sys_dup2(int fd, int nfd) override { RUMP(rump_sys_dup2(fd, nfd)); }
  long sys_dup3(int fd, int nfd, int f) override { RUMP(rump_sys_dup3(fd, nfd, f)); }
  long sys_fcntl(int fd, int cmd, long a) override { RUMP(rump_sys_fcntl(fd, cmd, a)); }
  long sys_fcntl_ptr(int fd, int cmd, void* a) override { RUMP(rump_sys_fcntl(fd, cmd, a)); }
  long sys_pipe2(int fds[2], int f) override { RUMP(rump_sys_pipe2(fds, f)); }
  long sys_stat(const char* p, struct stat* s) override { RUMP(rump_sys_stat(p, s)); }
  long sys_lstat(const char* p, struct stat* s) override { RUMP(rump_sys_lstat(p, s)); }
  long sys_fstat(int fd, struct stat* s) override { RUMP(rump_sys_fstat(fd, s)); }
  long sys_fstatat(int d, const char* p, struct stat* s, int f) override {
    RUMP(rump_sys_fstatat(d, p, s, f));
  }
  long sys_statx(int d, const char* p, int f, unsigned m, struct statx* x) override {
    RUMP(rump_sys_statx(d, p, f, m, x));
  }
  long sys_access(const char* p, int m) override { RUMP(rump_sys_access(p, m)); }
  long sys_faccessat(int d, const char* p, int m, int f) override {
    RUMP(rump_sys_faccessat(d, p, m, f));
  }
  long sys_setxattr(const char* p, const char* n, const void* v, size_t s, int f,
                    bool follow) override {
    RUMP(follow ? rump_sys_setxattr(p, n, v, s, f) : rump_sys_lsetxattr(p, n, v, s, f));
  }
  long sys_fsetxattr(int fd, const char* n, const void* v, size_t s, int f) override {
    RUMP(rump_sys_fsetxattr(fd, n, v, s, f));
  }
  long sys_getxattr(const char* p, const char* n, void* v, size_t s, bool follow) override {
    RUMP(follow ? rump_sys_getxattr(p, n, v, s) : rump_sys_lgetxattr(p, n, v, s));
  }
  long sys_fgetxattr(int fd, const char* n, void* v, size_t s) override {
    RUMP(rump_sys_fgetxattr(fd, n, v, s));
  }
  long sys_listxattr(const char* p, char* l, size_t s, bool follow) override {
    RUMP(follow ? rump_sys_listxattr(p, l, s) : rump_sys_llistxattr(p, l, s));
  }
  long sys_flistxattr(int fd, char* l, size_t s) override { RUMP(rump_sys_flistxattr(fd, l, s)); }
  long sys_removexattr(const char* p, const char* n, bool follow) override {
    RUMP(follow ? rump_sys_removexattr(p, n) : rump_sys_lremovexattr(p, n));
  }
  long sys_fremovexattr(int fd, const char* n) override { RUMP(rump_sys_fremovexattr(fd, n)); }
  long sys_chmod(const char* p, mode_t m) override { RUMP(rump_sys_chmod(p, m)); }
  long sys_fchmod(int fd, mode_t m) override { RUMP(rump_sys_fchmod(fd, m)); }
  long sys_fchmodat(int d, const char* p, mode_t m, int f) override {
    RUMP(rump_sys_fchmodat(d, p, m, f));
  }
  long sys_chown(const char* p, uid_t u, gid_t g) override { RUMP(rump_sys_chown(p, u, g)); }
  long sys_lchown(const char* p, uid_t u, gid_t g) override { RUMP(rump_sys_lchown(p, u, g)); }
  long sys_fchown(int fd, uid_t u, gid_t g) override { RUMP(rump_sys_fchown(fd, u, g)); }
  long sys_fchownat(int d, const char* p, uid_t u, gid_t g, int f) override {
    RUMP(rump_sys_fchownat(d, p, u, g, f));
  }
  long sys_utimensat(int d, const char* p, const timespec* t, int f) override {
    RUMP(rump_sys_utimensat(d, p, t, f));
  }
  long sys_futimens(int fd, const timespec* t) override { RUMP(rump_sys_futimens(fd, t)); }
  long sys_truncate(const char* p, off_t l) override { RUMP(rump_sys_truncate(p, l)); }
  long sys_ftruncate(int fd, off_t l) override { RUMP(rump_sys_ftruncate(fd, l)); }
  long sys_fallocate(int fd, int m, off_t o, off_t l) override {
    RUMP(rump_sys_fallocate(fd, m, o, l));
  }
  long sys_fsync(int fd) override { RUMP(rump_sys_fsync(fd)); }
  long sys_fdatasync(int fd) override { RUMP(rump_sys_fdatasync(fd)); }
  void sys_sync() override {
    enter();
    rump_sys_sync();
  }
  long sys_statfs(const char* p, struct statfs* s) override { RUMP(rump_sys_statfs(p, s)); }
  long sys_fstatfs(int fd, struct statfs* s) override { RUMP(rump_sys_fstatfs(fd, s)); }
  long sys_mkdir(const char* p, mode_t m) override { RUMP(rump_sys_mkdir(p, m)); }
  long sys_mkdirat(int d, const char* p, mode_t m) override { RUMP(rump_sys_mkdirat(d, p, m)); }
  long sys_rmdir(const char* p) override { RUMP(rump_sys_rmdir(p)); }
  long sys_unlink(const char* p) override { RUMP(rump_sys_unlink(p)); }
  long sys_unlinkat(int d, const char* p, int f) override { RUMP(rump_sys_unlinkat(d, p, f)); }
  long sys_rename(const char* a, const char* b) override { RUMP(rump_sys_rename(a, b)); }
  long sys_renameat(int ad, const char* a, int bd, const char* b) override {
    RUMP(rump_sys_renameat(ad, a, bd, b));
  }
  long sys_renameat2(int ad, const char* a, int bd, const char* b, unsigned f) override {
    RUMP(rump_sys_renameat2(ad, a, bd, b, f));
  }
  long sys_link(const char* a, const char* b) override { RUMP(rump_sys_link(a, b)); }
  long sys_linkat(int ad, const char* a, int bd, const char* b, int f) override {
    RUMP(rump_sys_linkat(ad, a, bd, b, f));
  }
  long sys_symlink(const char* t, const char* p) override { RUMP(rump_sys_symlink(t, p)); }
  long sys_symlinkat(const char* t, int d, const char* p) override {
    RUMP(rump_sys_symlinkat(t, d, p));
  }
  long sys_readlink(const char* p, char* b, size_t n) override { RUMP(rump_sys_readlink(p, b, n)); }
  long sys_readlinkat(int d, const char* p, char* b, size_t n) override {
    RUMP(rump_sys_readlinkat(d, p, b, n));
  }
  long sys_mknod(const char* p, mode_t m, dev_t dv) override { RUMP(rump_sys_mknod(p, m, dv)); }
  long sys_mknodat(int d, const char* p, mode_t m, dev_t dv) override {
    RUMP(rump_sys_mknodat(d, p, m, dv));
  }
  long sys_getdents64(int fd, void* b, size_t n) override { RUMP(rump_sys_getdents64(fd, b, n)); }
  long sys_chdir(const char* p) override { RUMP(rump_sys_chdir(p)); }
  long sys_fchdir(int fd) override { RUMP(rump_sys_fchdir(fd)); }
  long sys_getcwd(char* b, size_t n) override { RUMP(rump_sys_getcwd(b, n)); }
  long sys_chroot(const char* p) override { RUMP(rump_sys_chroot(p)); }
  long sys_umask(mode_t m) override {
    enter();
    return long(rump_sys_umask(m));
  }
  long sys_mount(const char* s, const char* t, const char* ty, unsigned long f,
                 const void* d) override {
    RUMP(rump_sys_mount(s, t, ty, f, d));
  }
  long sys_umount2(const char* t, int f) override { RUMP(rump_sys_umount2(t, f)); }
  long sys_getpid() override { RUMP(rump_sys_getpid()); }
  long sys_setresuid(uid_t r, uid_t e, uid_t s) override { RUMP(rump_sys_setresuid(r, e, s)); }
  long sys_setresgid(gid_t r, gid_t e, gid_t s) override { RUMP(rump_sys_setresgid(r, e, s)); }
  long sys_setgroups(size_t n, const gid_t* l) override { RUMP(rump_sys_setgroups(n, l)); }
#undef RUMP

 private:
  // Makes this thread's calls go to our kernel, as the current process.
  void enter() {
    if (k_ == nullptr) return;
#ifndef RK_SUITE_REMOTE
    if (rump_kernel_current() != k_) rump_kernel_switch(k_);
#endif
    struct lwp* l = size_t(current_) < procs_.size() ? procs_[size_t(current_)] : nullptr;
    if (l != nullptr && rump_pub_lwproc_curlwp() != l) rump_pub_lwproc_switch(l);
  }

#ifdef RK_SUITE_REMOTE
  // Starts the target's server (with the disk image, if spec has one, as /dev/suite_disk) and
  // connects to it: the calling thread becomes the connection's process, the parent of every
  // process of the target, as the implicit context is of a local kernel's. false with
  // setup_error_ set on failure.
  bool start_server(const FileSystemSpec& spec, const char* params, std::string* source) {
    std::vector<std::string> args;
    std::string_view p = params != nullptr ? params : "";
    if (p.starts_with("ncpu=")) {
      std::string_view n = p.substr(5);
      args.insert(args.end(), {"-c", std::string(n.substr(0, n.find(',')))});
    }
    if (spec.mkfs != nullptr) {
      char tmpl[] = "/tmp/rk-suite-disk-XXXXXX";
      int fd = mkstemp(tmpl);
      if (fd < 0) {
        setup_error_ = "mkstemp: " + errno_str(errno);
        return false;
      }
      ::close(fd);
      image_ = tmpl;
      std::string cmd = std::string(spec.mkfs) + " '" + image_ + "' 64M >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) {
        setup_error_ = std::string(spec.name) + " setup: " + spec.mkfs + " failed";
        return false;
      }
      args.insert(args.end(), {"-d", "key=/dev/suite_disk,hostpath=" + image_ + ",size=host"});
      *source = "/dev/suite_disk";
    } else if (spec.mount_type != nullptr) {
      *source = spec.mount_type;
    }
    server_ = std::make_unique<rk::test::ServerProcess>(args);
    if (!server_->up()) {
      setup_error_ = "rump_allserver did not start";
      return false;
    }
    auto* root = new rk::sysproxy::RemoteClient();
    std::string why;
    if (int e = root->init_at(server_->url().c_str(), &why); e != 0) {
      setup_error_ = "connecting to " + server_->url() + ": " + errno_str(e) + " " + why;
      delete root;
      return false;
    }
    k_ = root;
    rump_pub_lwproc_switch(reinterpret_cast<struct lwp*>(root));
    return true;
  }

  rk::sysproxy::RemoteClient* k_ = nullptr;  // the connection the target's processes fork from
  std::unique_ptr<rk::test::ServerProcess> server_;
#else
  rump_kernel* k_ = nullptr;
#endif
  std::vector<struct lwp*> procs_;  // by process id; null once ended
  std::string image_;               // the disk image of a file system with mkfs
};

}  // namespace

#ifndef RK_SUITE_REMOTE
std::string mount_source(const FileSystemSpec& spec, std::string* image) {
  if (spec.mkfs == nullptr) return spec.mount_type != nullptr ? spec.mount_type : "";
  char tmpl[] = "/tmp/rk-suite-disk-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return "";
  close(fd);
  *image = tmpl;
  std::string cmd = std::string(spec.mkfs) + " '" + *image + "' 64M >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0 ||
      rump_pub_etfs_register("/dev/suite_disk", image->c_str(), RUMP_ETFS_BLK) != 0)
    return "";
  return "/dev/suite_disk";
}
#endif

std::unique_ptr<Fs> make_rump_target(const FileSystemSpec& fs, const char* params) {
  return std::make_unique<RumpTarget>(fs, params);
}

std::unique_ptr<Fs> make_target(const std::string& name) {
  if (name == kHost) return make_host_target();
  for (const auto& fs : kFileSystems)
    if (name == fs.name) return make_rump_target(fs);
  return make_rump_target(FileSystemSpec{"unknown", "unknown", nullptr, "/unknown"});
}

}  // namespace vfs_suite
