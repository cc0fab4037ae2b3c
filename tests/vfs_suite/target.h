// The file system test targets: one interface, `Fs`, over which every VFS test is written, and
// its implementations — the Linux kernel itself (`HostTarget`, a fresh directory on the host's
// tmpfs) and a rump kernel running one of its file systems (`RumpTarget`).
//
// Paths. A target has a root directory: "/x" means <root>/x and relative paths are relative to
// the calling process's working directory, which starts at the root. Absolute symlink targets
// are translated the same way, and what comes back (readlink, getcwd, the size of a symlink)
// has the root taken off again, so that tests and traces read the same on every target. Paths
// under "/dev" are not translated: they name the devices of the host or of the rump kernel.
// After a successful chroot() a process's paths are no longer translated.
//
// Results. Every call returns what Linux's system call returns, or -errno; data comes back
// through out-parameters in a normalized form (StatInfo, Dirent, strings).
//
// Processes. A target starts with one process (id 0) with an empty descriptor table, umask 022
// and root credentials (on a host run without root: the user's). fork_process() makes a child
// of the current process (a copy of its credentials, cwd, root, umask and — unless asked
// otherwise — descriptor table) and makes it current; later calls act as that process until
// switch_process(). On the rump side a process
// is a rump_pub_lwproc_rfork() process; on the host it is a thread that unshared its file system
// state, descriptor table and (when root) mount namespace and changes only its own credentials
// with raw set*id system calls — what a forked child would be, without leaving the process.
//
// A target is used from the thread that created it.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct flock;
struct iovec;
struct statfs;
struct statx;

namespace vfs_suite {

// --- which file systems the suite runs over ----------------------------------------------

// A rump file system under test: the tests run under a fresh directory of the kernel's root
// file system (mount_type null), or at the root of a fresh mount of mount_type at mount_point.
struct FileSystemSpec {
  const char* name;        // test parameter name
  const char* mount_type;  // nullptr: the kernel's root file system (rumpfs)
  const char* mount_data;  // mount(2)'s data argument
  const char* root;        // the directory the tests run in
  // A host command that makes a fresh disk image (its path and size appended) to mount from,
  // registered as a block device; nullptr: mount_type needs no device.
  const char* mkfs = nullptr;
};

// Adding a file system to every VFS test is one line here.
inline constexpr std::array kFileSystems = {
    FileSystemSpec{"rumpfs", nullptr, nullptr, "/suite"},
    FileSystemSpec{"tmpfs", "tmpfs", "size=64m", "/mnt"},
    FileSystemSpec{"ext2", "ext2", nullptr, "/mnt", "mke2fs -q -F -t ext2 -b 4096"},
};

inline constexpr const char* kHost = "host";

// What to mount spec from in the current kernel: for a file system on a disk (mkfs), a fresh
// image made by the host's tool, registered as a block device (its host path in *image, for the
// caller to remove); "" on failure.
std::string mount_source(const FileSystemSpec& spec, std::string* image);

// "host" followed by the names in kFileSystems.
std::vector<std::string> all_targets();
std::vector<std::string> rump_targets();

// --- normalized results ------------------------------------------------------------------

// What the tests compare of a stat/statx: not the inode or device numbers, not the times
// (these are kept for tests that compare them with each other).
struct StatInfo {
  uint32_t mode = 0;  // type and permission bits
  uint64_t nlink = 0;
  int64_t size = 0;
  uint32_t uid = 0, gid = 0;
  uint64_t rdev = 0;
  // Not compared by operator== / to_string:
  uint64_t ino = 0, dev = 0;
  int64_t blocks = 0;
  uint32_t statx_mask = 0;  // statx only
  timespec atime{}, mtime{}, ctime{};

  uint32_t type() const { return mode & S_IFMT; }
  uint32_t perm() const { return mode & 07777; }
  bool is_dir() const { return type() == S_IFDIR; }
  bool is_reg() const { return type() == S_IFREG; }
  bool is_lnk() const { return type() == S_IFLNK; }
};
// "reg 0644 n=1 s=5 u=0 g=0" (+ " rdev=1:3" for devices). Directory sizes are file system
// specific; with_dir_size = false leaves them out.
std::string to_string(const StatInfo& s, bool with_dir_size = true);

struct StatfsInfo {
  int64_t type = 0, bsize = 0, frsize = 0, namelen = 0, flags = 0;
  uint64_t blocks = 0, bfree = 0, bavail = 0, files = 0, ffree = 0;
};

struct Dirent {
  std::string name;
  unsigned type = 0;  // DT_*
  uint64_t ino = 0;   // not compared
  bool operator<(const Dirent& o) const { return name < o.name; }
  bool operator==(const Dirent& o) const { return name == o.name && type == o.type; }
};
// "{.:d ..:d a:r l:l}"
std::string to_string(const std::vector<Dirent>& list);

// "ENOENT" for a negative result, the number otherwise.
std::string result_str(long r);
std::string errno_str(int e);

// --- the interface -----------------------------------------------------------------------

class Fs {
 public:
  virtual ~Fs();
  Fs(const Fs&) = delete;
  Fs& operator=(const Fs&) = delete;

  const std::string& name() const { return name_; }
  bool is_host() const { return name_ == kHost; }
  // Empty, or why the target could not be set up (the tests then fail at once).
  const std::string& setup_error() const { return setup_error_; }
  // Whether calls that need root on the host (mount, chroot, mknod of devices, chown to other
  // users, acting as another user) can be made. Always true for a rump kernel.
  virtual bool privileged() const = 0;
  // The directory the tests run in, as the target's own kernel names it (for messages).
  const std::string& root() const { return root_; }

  // descriptors and I/O
  long open(std::string_view path, int flags, mode_t mode = 0);
  long openat(int dirfd, std::string_view path, int flags, mode_t mode = 0);
  long close(int fd) { return sys_close(fd); }
  long read(int fd, size_t count, std::string* out);
  long write(int fd, std::string_view data) { return sys_write(fd, data.data(), data.size()); }
  long pread(int fd, size_t count, off_t off, std::string* out);
  long pwrite(int fd, std::string_view data, off_t off) {
    return sys_pwrite(fd, data.data(), data.size(), off);
  }
  long readv(int fd, const std::vector<size_t>& sizes, std::vector<std::string>* out);
  long writev(int fd, const std::vector<std::string>& bufs);
  long lseek(int fd, off_t off, int whence) { return sys_lseek(fd, off, whence); }
  long dup(int fd) { return sys_dup(fd); }
  long dup2(int fd, int newfd) { return sys_dup2(fd, newfd); }
  long dup3(int fd, int newfd, int flags) { return sys_dup3(fd, newfd, flags); }
  long fcntl(int fd, int cmd, long arg = 0) { return sys_fcntl(fd, cmd, arg); }
  long fcntl_lock(int fd, int cmd, struct flock* fl) { return sys_fcntl_ptr(fd, cmd, fl); }
  long pipe2(int fds[2], int flags) { return sys_pipe2(fds, flags); }

  // attributes
  long stat(std::string_view path, StatInfo* st);
  long lstat(std::string_view path, StatInfo* st);
  long fstat(int fd, StatInfo* st);
  long fstatat(int dirfd, std::string_view path, StatInfo* st, int flags);
  long statx(int dirfd, std::string_view path, int flags, unsigned mask, StatInfo* st);
  long access(std::string_view path, int mode);
  long faccessat(int dirfd, std::string_view path, int mode, int flags);
  long chmod(std::string_view path, mode_t mode);
  long fchmod(int fd, mode_t mode) { return sys_fchmod(fd, mode); }
  long fchmodat(int dirfd, std::string_view path, mode_t mode, int flags);
  long chown(std::string_view path, uid_t uid, gid_t gid);
  long lchown(std::string_view path, uid_t uid, gid_t gid);
  long fchown(int fd, uid_t uid, gid_t gid) { return sys_fchown(fd, uid, gid); }
  long fchownat(int dirfd, std::string_view path, uid_t uid, gid_t gid, int flags);
  // times: nullptr for "now"
  long utimensat(int dirfd, std::string_view path, const timespec* times, int flags);
  long futimens(int fd, const timespec* times) { return sys_futimens(fd, times); }
  long truncate(std::string_view path, off_t len);
  long ftruncate(int fd, off_t len) { return sys_ftruncate(fd, len); }
  long fallocate(int fd, int mode, off_t off, off_t len) {
    return sys_fallocate(fd, mode, off, len);
  }
  long fsync(int fd) { return sys_fsync(fd); }
  long fdatasync(int fd) { return sys_fdatasync(fd); }
  void sync() { sys_sync(); }
  long statfs(std::string_view path, StatfsInfo* out);
  long fstatfs(int fd, StatfsInfo* out);

  // extended attributes; follow false: the l* calls. get/list: out gets the value, or the
  // names sorted; size is the buffer size passed (0: the call returns the size needed).
  long setxattr(std::string_view path, std::string_view name, std::string_view value, int flags,
                bool follow = true);
  long fsetxattr(int fd, std::string_view name, std::string_view value, int flags);
  long getxattr(std::string_view path, std::string_view name, std::string* out,
                size_t size = 65536, bool follow = true);
  long fgetxattr(int fd, std::string_view name, std::string* out, size_t size = 65536);
  long listxattr(std::string_view path, std::vector<std::string>* out, size_t size = 65536,
                 bool follow = true);
  long flistxattr(int fd, std::vector<std::string>* out, size_t size = 65536);
  long removexattr(std::string_view path, std::string_view name, bool follow = true);
  long fremovexattr(int fd, std::string_view name);

  // the name space
  long mkdir(std::string_view path, mode_t mode);
  long mkdirat(int dirfd, std::string_view path, mode_t mode);
  long rmdir(std::string_view path);
  long unlink(std::string_view path);
  long unlinkat(int dirfd, std::string_view path, int flags);
  long rename(std::string_view from, std::string_view to);
  long renameat(int fromfd, std::string_view from, int tofd, std::string_view to);
  long renameat2(int fromfd, std::string_view from, int tofd, std::string_view to, unsigned flags);
  long link(std::string_view from, std::string_view to);
  long linkat(int fromfd, std::string_view from, int tofd, std::string_view to, int flags);
  long symlink(std::string_view target, std::string_view path);
  long symlinkat(std::string_view target, int dirfd, std::string_view path);
  // The link's contents, truncated to bufsiz as readlink(2) does; returns their length.
  long readlink(std::string_view path, std::string* out, size_t bufsiz = 4096);
  long readlinkat(int dirfd, std::string_view path, std::string* out, size_t bufsiz = 4096);
  long mknod(std::string_view path, mode_t mode, dev_t dev);
  long mknodat(int dirfd, std::string_view path, mode_t mode, dev_t dev);
  // One getdents64 call with a buffer of bufsiz bytes; the entries it returned, in its order.
  long getdents(int fd, size_t bufsiz, std::vector<Dirent>* out);
  // Every entry of a directory (with "." and ".."), sorted by name; 0 or -errno.
  long list_dir(std::string_view path, std::vector<Dirent>* out);

  // process state
  long chdir(std::string_view path);
  long fchdir(int fd);
  // The cwd, and the length with the NUL as Linux's getcwd returns it; size is the buffer
  // size as the test sees it (the translation does not change whether ERANGE comes back).
  long getcwd(std::string* out, size_t size = 4096);
  long chroot(std::string_view path);
  long umask(mode_t mask) { return sys_umask(mask); }
  long mount(std::string_view source, std::string_view target, std::string_view type,
             unsigned long flags, const char* data);
  long umount2(std::string_view target, int flags);

  // processes and credentials
  // Makes a child of the current process and switches to it; returns its id.
  virtual int fork_process(bool copy_fds = true) = 0;
  virtual void switch_process(int id) = 0;
  // Ends process id (closing its descriptors, which drops its record locks); the current
  // process becomes 0 if it was id. Process 0 cannot be ended.
  virtual void exit_process(int id) = 0;
  int current_process() const { return current_; }
  long getpid() { return sys_getpid(); }
  long setresuid(uid_t r, uid_t e, uid_t s) { return sys_setresuid(r, e, s); }
  long setresgid(gid_t r, gid_t e, gid_t s) { return sys_setresgid(r, e, s); }
  long setgroups(const std::vector<gid_t>& groups) {
    return sys_setgroups(groups.size(), groups.data());
  }
  // Drops root for good in the current process: groups, then gid, then uid. 0 or -errno.
  long become(uid_t uid, gid_t gid, const std::vector<gid_t>& groups = {});

  // The translated form of a path (for messages and for building long paths).
  std::string translate(std::string_view path) const;

  // Whether a chdir/fchdir ever left the root (".." above it). The process is then moved
  // back to the root at once, so that no later call acts outside the directory the target
  // owns (on the host: outside our directory of /dev/shm). A test that escapes is broken.
  bool escaped() const { return escaped_; }

 protected:
  Fs(std::string name, std::string root) : name_(std::move(name)), root_(std::move(root)) {}

  // The raw calls: Linux's system calls on one side or the other, -errno on failure.
  virtual long sys_openat(int dirfd, const char* path, int flags, mode_t mode) = 0;
  virtual long sys_open(const char* path, int flags, mode_t mode) = 0;
  virtual long sys_close(int fd) = 0;
  virtual long sys_read(int fd, void* buf, size_t n) = 0;
  virtual long sys_write(int fd, const void* buf, size_t n) = 0;
  virtual long sys_pread(int fd, void* buf, size_t n, off_t off) = 0;
  virtual long sys_pwrite(int fd, const void* buf, size_t n, off_t off) = 0;
  virtual long sys_readv(int fd, const struct iovec* iov, int n) = 0;
  virtual long sys_writev(int fd, const struct iovec* iov, int n) = 0;
  virtual long sys_lseek(int fd, off_t off, int whence) = 0;
  virtual long sys_dup(int fd) = 0;
  virtual long sys_dup2(int fd, int newfd) = 0;
  virtual long sys_dup3(int fd, int newfd, int flags) = 0;
  virtual long sys_fcntl(int fd, int cmd, long arg) = 0;
  virtual long sys_fcntl_ptr(int fd, int cmd, void* arg) = 0;
  virtual long sys_pipe2(int fds[2], int flags) = 0;
  virtual long sys_stat(const char* path, struct stat* st) = 0;
  virtual long sys_lstat(const char* path, struct stat* st) = 0;
  virtual long sys_fstat(int fd, struct stat* st) = 0;
  virtual long sys_fstatat(int dirfd, const char* path, struct stat* st, int flags) = 0;
  virtual long sys_statx(int dirfd, const char* path, int flags, unsigned mask,
                         struct statx* stx) = 0;
  virtual long sys_access(const char* path, int mode) = 0;
  virtual long sys_faccessat(int dirfd, const char* path, int mode, int flags) = 0;
  virtual long sys_setxattr(const char* path, const char* name, const void* value, size_t size,
                            int flags, bool follow) = 0;
  virtual long sys_fsetxattr(int fd, const char* name, const void* value, size_t size,
                             int flags) = 0;
  virtual long sys_getxattr(const char* path, const char* name, void* value, size_t size,
                            bool follow) = 0;
  virtual long sys_fgetxattr(int fd, const char* name, void* value, size_t size) = 0;
  virtual long sys_listxattr(const char* path, char* list, size_t size, bool follow) = 0;
  virtual long sys_flistxattr(int fd, char* list, size_t size) = 0;
  virtual long sys_removexattr(const char* path, const char* name, bool follow) = 0;
  virtual long sys_fremovexattr(int fd, const char* name) = 0;
  virtual long sys_chmod(const char* path, mode_t mode) = 0;
  virtual long sys_fchmod(int fd, mode_t mode) = 0;
  virtual long sys_fchmodat(int dirfd, const char* path, mode_t mode, int flags) = 0;
  virtual long sys_chown(const char* path, uid_t u, gid_t g) = 0;
  virtual long sys_lchown(const char* path, uid_t u, gid_t g) = 0;
  virtual long sys_fchown(int fd, uid_t u, gid_t g) = 0;
  virtual long sys_fchownat(int dirfd, const char* path, uid_t u, gid_t g, int flags) = 0;
  virtual long sys_utimensat(int dirfd, const char* path, const timespec* t, int flags) = 0;
  virtual long sys_futimens(int fd, const timespec* t) = 0;
  virtual long sys_truncate(const char* path, off_t len) = 0;
  virtual long sys_ftruncate(int fd, off_t len) = 0;
  virtual long sys_fallocate(int fd, int mode, off_t off, off_t len) = 0;
  virtual long sys_fsync(int fd) = 0;
  virtual long sys_fdatasync(int fd) = 0;
  virtual void sys_sync() = 0;
  virtual long sys_statfs(const char* path, struct statfs* out) = 0;
  virtual long sys_fstatfs(int fd, struct statfs* out) = 0;
  virtual long sys_mkdir(const char* path, mode_t mode) = 0;
  virtual long sys_mkdirat(int dirfd, const char* path, mode_t mode) = 0;
  virtual long sys_rmdir(const char* path) = 0;
  virtual long sys_unlink(const char* path) = 0;
  virtual long sys_unlinkat(int dirfd, const char* path, int flags) = 0;
  virtual long sys_rename(const char* from, const char* to) = 0;
  virtual long sys_renameat(int fromfd, const char* from, int tofd, const char* to) = 0;
  virtual long sys_renameat2(int fromfd, const char* from, int tofd, const char* to,
                             unsigned flags) = 0;
  virtual long sys_link(const char* from, const char* to) = 0;
  virtual long sys_linkat(int fromfd, const char* from, int tofd, const char* to, int flags) = 0;
  virtual long sys_symlink(const char* target, const char* path) = 0;
  virtual long sys_symlinkat(const char* target, int dirfd, const char* path) = 0;
  virtual long sys_readlink(const char* path, char* buf, size_t n) = 0;
  virtual long sys_readlinkat(int dirfd, const char* path, char* buf, size_t n) = 0;
  virtual long sys_mknod(const char* path, mode_t mode, dev_t dev) = 0;
  virtual long sys_mknodat(int dirfd, const char* path, mode_t mode, dev_t dev) = 0;
  virtual long sys_getdents64(int fd, void* buf, size_t n) = 0;
  virtual long sys_chdir(const char* path) = 0;
  virtual long sys_fchdir(int fd) = 0;
  virtual long sys_getcwd(char* buf, size_t n) = 0;
  virtual long sys_chroot(const char* path) = 0;
  virtual long sys_umask(mode_t mask) = 0;
  virtual long sys_mount(const char* src, const char* target, const char* type, unsigned long flags,
                         const void* data) = 0;
  virtual long sys_umount2(const char* target, int flags) = 0;
  virtual long sys_getpid() = 0;
  virtual long sys_setresuid(uid_t r, uid_t e, uid_t s) = 0;
  virtual long sys_setresgid(gid_t r, gid_t e, gid_t s) = 0;
  virtual long sys_setgroups(size_t n, const gid_t* list) = 0;

  // Bookkeeping of the processes for the translation (the chroot flag travels to children).
  void on_fork(int child);  // child of current_
  void on_exit(int id);

  std::string name_;
  std::string root_;
  std::string setup_error_;
  int current_ = 0;

 private:
  // The prefix absolute paths get in the current process ("" once it has chrooted).
  const std::string& prefix() const;
  std::string untranslate(std::string s) const;
  // Links whose target was translated report the untranslated length as their size.
  void fix_link_size(int dirfd, const std::string& tpath, StatInfo* st);

  // After a chdir: moves the process back to the root if its cwd is outside it.
  void check_escape();

  std::vector<bool> chrooted_ = std::vector<bool>(1, false);
  bool escaped_ = false;
  static const std::string kEmpty;
};

// "host" or a name in kFileSystems. Never null; check setup_error().
std::unique_ptr<Fs> make_target(const std::string& name);
// A fresh directory on the host's /dev/shm (host_target.cpp).
std::unique_ptr<Fs> make_host_target();
// A fresh directory in the host directory `parent`, called `name` (not "host": is_host() is
// for Linux's tmpfs): the host kernel's calls on another file system, such as a rump_fuse mount.
std::unique_ptr<Fs> make_host_target_in(const std::string& name, const std::string& parent);
// A fresh rump kernel (params as rump_kernel_create takes them) with fs set up in it; the
// calling thread is switched to the kernel while the target lives (rump_target.cpp).
std::unique_ptr<Fs> make_rump_target(const FileSystemSpec& fs, const char* params = "ncpu=2");

// Whether the host kernel is at least major.minor (for behaviours that changed).
bool host_kernel_at_least(int major, int minor);

}  // namespace vfs_suite
