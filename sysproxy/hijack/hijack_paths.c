/* librumphijack: calls that name a file (a path, or a directory descriptor and a path). */
#include <errno.h>
#include <fcntl.h>
#include <rump/rump_syscalls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "hijack.h"

/* open's mode argument is read only when the flags ask for it, as libc does. */
#define RK_MODE_ARG(flags, mode)                        \
  mode_t mode = 0;                                      \
  if ((flags) & (O_CREAT | __O_TMPFILE)) {              \
    va_list ap;                                         \
    va_start(ap, flags);                                \
    mode = (mode_t)va_arg(ap, int);                     \
    va_end(ap);                                         \
  }

static int rk_openat(int dirfd, const char *path, int flags, mode_t mode, int *handled) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  *handled = rk_route_at(dirfd, path, &kdir, kp);
  if (!*handled) return -1;
  return rk_pfd(rump_sys_openat(kdir, kp, flags, mode));
}

int open(const char *path, int flags, ...) {
  RK_MODE_ARG(flags, mode);
  int handled, r = rk_openat(AT_FDCWD, path, flags, mode, &handled);
  return handled ? r : RK_HOST(open)(path, flags, mode);
}
int open64(const char *path, int flags, ...) {
  RK_MODE_ARG(flags, mode);
  int handled, r = rk_openat(AT_FDCWD, path, flags, mode, &handled);
  return handled ? r : RK_HOST(open64)(path, flags, mode);
}
int openat(int dirfd, const char *path, int flags, ...) {
  RK_MODE_ARG(flags, mode);
  int handled, r = rk_openat(dirfd, path, flags, mode, &handled);
  return handled ? r : RK_HOST(openat)(dirfd, path, flags, mode);
}
int openat64(int dirfd, const char *path, int flags, ...) {
  RK_MODE_ARG(flags, mode);
  int handled, r = rk_openat(dirfd, path, flags, mode, &handled);
  return handled ? r : RK_HOST(openat64)(dirfd, path, flags, mode);
}
/* The _FORTIFY_SOURCE entry points (no mode: O_CREAT is not allowed with them). */
int __open_2(const char *path, int flags) { return open(path, flags); }
int __open64_2(const char *path, int flags) { return open64(path, flags); }
int __openat_2(int dirfd, const char *path, int flags) { return openat(dirfd, path, flags); }
int __openat64_2(int dirfd, const char *path, int flags) { return openat64(dirfd, path, flags); }
int creat(const char *path, mode_t mode) { return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode); }
int creat64(const char *path, mode_t mode) {
  return open64(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* The stat family. On x86-64 struct stat and struct stat64 are the same layout, Linux's. */
int fstatat(int dirfd, const char *path, struct stat *st, int flags) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  if (rk_route_at(dirfd, path, &kdir, kp)) return rump_sys_fstatat(kdir, kp, st, flags);
  return RK_HOST(fstatat)(dirfd, path, st, flags);
}
int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) {
  return fstatat(dirfd, path, (struct stat *)st, flags);
}
int stat(const char *path, struct stat *st) { return fstatat(AT_FDCWD, path, st, 0); }
int stat64(const char *path, struct stat64 *st) { return fstatat64(AT_FDCWD, path, st, 0); }
int lstat(const char *path, struct stat *st) {
  return fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}
int lstat64(const char *path, struct stat64 *st) {
  return fstatat64(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}
int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  if (rk_route_at(dirfd, path, &kdir, kp)) return rump_sys_statx(kdir, kp, flags, mask, stx);
  return RK_HOST(statx)(dirfd, path, flags, mask, stx);
}
int statfs(const char *path, struct statfs *buf) {
  char kp[RK_HIJACK_PATH_MAX];
  if (rk_rump_path(path, kp)) return rump_sys_statfs(kp, buf);
  return RK_HOST(statfs)(path, buf);
}
int statfs64(const char *path, struct statfs64 *buf) { return statfs(path, (struct statfs *)buf); }

int faccessat(int dirfd, const char *path, int mode, int flags) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  if (rk_route_at(dirfd, path, &kdir, kp)) return rump_sys_faccessat(kdir, kp, mode, flags);
  return RK_HOST(faccessat)(dirfd, path, mode, flags);
}
int access(const char *path, int mode) { return faccessat(AT_FDCWD, path, mode, 0); }
int euidaccess(const char *path, int mode) { return faccessat(AT_FDCWD, path, mode, AT_EACCESS); }
int eaccess(const char *path, int mode) { return faccessat(AT_FDCWD, path, mode, AT_EACCESS); }

int mkdirat(int dirfd, const char *path, mode_t mode) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  if (rk_route_at(dirfd, path, &kdir, kp)) return rump_sys_mkdirat(kdir, kp, mode);
  return RK_HOST(mkdirat)(dirfd, path, mode);
}
int mkdir(const char *path, mode_t mode) { return mkdirat(AT_FDCWD, path, mode); }

/* Named pipes and device nodes (glibc's mkfifo calls mknodat inside itself, unseen). */
int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  if (rk_route_at(dirfd, path, &kdir, kp)) return rump_sys_mknodat(kdir, kp, mode, dev);
  return RK_HOST(mknodat)(dirfd, path, mode, dev);
}
int mknod(const char *path, mode_t mode, dev_t dev) { return mknodat(AT_FDCWD, path, mode, dev); }
int mkfifoat(int dirfd, const char *path, mode_t mode) {
  return mknodat(dirfd, path, (mode & 07777) | S_IFIFO, 0);
}
int mkfifo(const char *path, mode_t mode) { return mkfifoat(AT_FDCWD, path, mode); }

int unlinkat(int dirfd, const char *path, int flags) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  if (rk_route_at(dirfd, path, &kdir, kp)) return rump_sys_unlinkat(kdir, kp, flags);
  return RK_HOST(unlinkat)(dirfd, path, flags);
}
int unlink(const char *path) { return unlinkat(AT_FDCWD, path, 0); }
int rmdir(const char *path) { return unlinkat(AT_FDCWD, path, AT_REMOVEDIR); }
int remove(const char *path) {
  char kp[RK_HIJACK_PATH_MAX];
  if (!rk_rump_path(path, kp)) return RK_HOST(remove)(path);
  if (rump_sys_unlink(kp) == 0) return 0;
  if (errno != EISDIR) return -1;
  return rump_sys_rmdir(kp);
}

/* Two paths: both in the kernel, or both on the host; across, EXDEV as between mounts. */
int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
              unsigned int flags) {
  char ko[RK_HIJACK_PATH_MAX], kn[RK_HIJACK_PATH_MAX];
  int kod, knd;
  int a = rk_route_at(olddirfd, oldpath, &kod, ko), b = rk_route_at(newdirfd, newpath, &knd, kn);
  if (a != b) {
    errno = EXDEV;
    return -1;
  }
  if (a) return rump_sys_renameat2(kod, ko, knd, kn, flags);
  return RK_HOST(renameat2)(olddirfd, oldpath, newdirfd, newpath, flags);
}
int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
  return renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}
int rename(const char *oldpath, const char *newpath) {
  return renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}
int linkat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, int flags) {
  char ko[RK_HIJACK_PATH_MAX], kn[RK_HIJACK_PATH_MAX];
  int kod, knd;
  int a = rk_route_at(olddirfd, oldpath, &kod, ko), b = rk_route_at(newdirfd, newpath, &knd, kn);
  if (a != b) {
    errno = EXDEV;
    return -1;
  }
  if (a) return rump_sys_linkat(kod, ko, knd, kn, flags);
  return RK_HOST(linkat)(olddirfd, oldpath, newdirfd, newpath, flags);
}
int link(const char *oldpath, const char *newpath) {
  return linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}
/* A symbolic link's target is text: it is stored as given. */
int symlinkat(const char *target, int newdirfd, const char *linkpath) {
  char kn[RK_HIJACK_PATH_MAX];
  int knd;
  if (rk_route_at(newdirfd, linkpath, &knd, kn)) return rump_sys_symlinkat(target, knd, kn);
  return RK_HOST(symlinkat)(target, newdirfd, linkpath);
}
int symlink(const char *target, const char *linkpath) {
  return symlinkat(target, AT_FDCWD, linkpath);
}
ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  if (rk_route_at(dirfd, path, &kdir, kp)) return rump_sys_readlinkat(kdir, kp, buf, len);
  return RK_HOST(readlinkat)(dirfd, path, buf, len);
}
ssize_t readlink(const char *path, char *buf, size_t len) {
  return readlinkat(AT_FDCWD, path, buf, len);
}
ssize_t __readlink_chk(const char *path, char *buf, size_t len, size_t buflen) {
  (void)buflen;
  return readlink(path, buf, len);
}
ssize_t __readlinkat_chk(int dirfd, const char *path, char *buf, size_t len, size_t buflen) {
  (void)buflen;
  return readlinkat(dirfd, path, buf, len);
}

int fchmodat(int dirfd, const char *path, mode_t mode, int flags) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  if (rk_route_at(dirfd, path, &kdir, kp)) return rump_sys_fchmodat(kdir, kp, mode, flags);
  return RK_HOST(fchmodat)(dirfd, path, mode, flags);
}
int chmod(const char *path, mode_t mode) { return fchmodat(AT_FDCWD, path, mode, 0); }
int lchmod(const char *path, mode_t mode) {
  return fchmodat(AT_FDCWD, path, mode, AT_SYMLINK_NOFOLLOW);
}
int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  if (rk_route_at(dirfd, path, &kdir, kp)) return rump_sys_fchownat(kdir, kp, uid, gid, flags);
  return RK_HOST(fchownat)(dirfd, path, uid, gid, flags);
}
int chown(const char *path, uid_t uid, gid_t gid) { return fchownat(AT_FDCWD, path, uid, gid, 0); }
int lchown(const char *path, uid_t uid, gid_t gid) {
  return fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}
int utimensat(int dirfd, const char *path, const struct timespec times[2], int flags) {
  char kp[RK_HIJACK_PATH_MAX];
  int kdir;
  /* glibc declares path non-null, but Linux (and futimens inside libc) pass NULL. */
  bool null_path = rk_is_null(path);
  if (null_path && rk_is_rump_fd(dirfd)) return rump_sys_futimens(rk_kfd(dirfd), times);
  if (!null_path && rk_route_at(dirfd, path, &kdir, kp))
    return rump_sys_utimensat(kdir, kp, times, flags);
  return RK_HOST(utimensat)(dirfd, path, times, flags);
}
int truncate(const char *path, off_t length) {
  char kp[RK_HIJACK_PATH_MAX];
  if (rk_rump_path(path, kp)) return rump_sys_truncate(kp, length);
  return RK_HOST(truncate)(path, length);
}
int truncate64(const char *path, off64_t length) { return truncate(path, length); }

/* The working directory: the kernel's when the program changes into it. It is kept in the
 * environment too (RUMPHIJACK__CWD), so that programs this one starts begin there. */
static void entered_rump_cwd(void) {
  char kcwd[RK_HIJACK_PATH_MAX];
  rk_cwd_in_rump = true;
  if (rump_sys_getcwd(kcwd, sizeof kcwd) > 0) setenv(RK_CWD_ENV, kcwd, 1);
}
static void left_rump_cwd(void) {
  if (rk_cwd_in_rump) unsetenv(RK_CWD_ENV);
  rk_cwd_in_rump = false;
}
int chdir(const char *path) {
  char kp[RK_HIJACK_PATH_MAX];
  if (!rk_rump_path(path, kp)) {
    int r = RK_HOST(chdir)(path);
    if (r == 0) left_rump_cwd();
    return r;
  }
  int r = rump_sys_chdir(kp);
  if (r == 0) entered_rump_cwd();
  return r;
}
int fchdir(int fd) {
  if (!rk_is_rump_fd(fd)) {
    int r = RK_HOST(fchdir)(fd);
    if (r == 0) left_rump_cwd();
    return r;
  }
  int r = rump_sys_fchdir(rk_kfd(fd));
  if (r == 0) entered_rump_cwd();
  return r;
}
char *getcwd(char *buf, size_t size) {
  if (!rk_cwd_in_rump) return RK_HOST(getcwd)(buf, size);
  char kcwd[RK_HIJACK_PATH_MAX];
  if (rump_sys_getcwd(kcwd, sizeof kcwd) < 0) return NULL;
  /* Under a blanket= prefix the kernel's name is the program's; elsewhere path='s prefix is
   * put back. */
  const char *prefix = rk_blanket_path(kcwd) ? "" : rk_hijack.prefix;
  size_t n = strlen(prefix) + (strcmp(kcwd, "/") == 0 && *prefix != '\0' ? 0 : strlen(kcwd)) + 1;
  if (buf == NULL) {
    if (size != 0 && size < n) {
      errno = ERANGE;
      return NULL;
    }
    buf = malloc(size > n ? size : n);
    if (buf == NULL) return NULL;
  } else if (size < n) {
    errno = size == 0 ? EINVAL : ERANGE;
    return NULL;
  }
  strcpy(buf, prefix);
  if (strcmp(kcwd, "/") != 0 || *prefix == '\0') strcat(buf, kcwd);
  return buf;
}
char *__getcwd_chk(char *buf, size_t size, size_t buflen) {
  (void)buflen;
  return getcwd(buf, size);
}
char *get_current_dir_name(void) { return getcwd(NULL, 0); }

/* Programs started with an environment of their own making (a shell's, dash's) get the
 * kernel working directory added to it. */
int execve(const char *path, char *const argv[], char *const envp[]) {
  if (!rk_cwd_in_rump) return RK_HOST(execve)(path, argv, envp);
  char kcwd[RK_HIJACK_PATH_MAX];
  if (rump_sys_getcwd(kcwd, sizeof kcwd) <= 0) return RK_HOST(execve)(path, argv, envp);
  size_t n = 0;
  while (envp != NULL && envp[n] != NULL) ++n;
  char **env = malloc((n + 2) * sizeof *env);
  char *var = malloc(strlen(RK_CWD_ENV) + 1 + strlen(kcwd) + 1);
  if (env == NULL || var == NULL) {
    free(env);
    free(var);
    errno = ENOMEM;
    return -1;
  }
  sprintf(var, "%s=%s", RK_CWD_ENV, kcwd);
  size_t m = 0;
  for (size_t i = 0; i < n; ++i)
    if (strncmp(envp[i], RK_CWD_ENV "=", strlen(RK_CWD_ENV) + 1) != 0) env[m++] = envp[i];
  env[m++] = var;
  env[m] = NULL;
  int r = RK_HOST(execve)(path, argv, env);
  int e = errno;
  free(env);
  free(var);
  errno = e;
  return r;
}
