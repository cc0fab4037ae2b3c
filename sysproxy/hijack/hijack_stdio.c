/* librumphijack: directory streams and stdio streams over the kernel's descriptors. glibc's
 * own opendir and fopen open files through internal calls a preload cannot see, so streams of
 * kernel files are made here: directories read with getdents64, FILEs with fopencookie. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <rump/rump_syscalls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hijack.h"

/* A directory stream of a kernel directory. DIR is opaque: the pointers handed out are these,
 * and a registry tells them from the host's. */
struct rk_dir {
  struct rk_dir *next;
  int fd; /* the program's descriptor (kernel's + fdoff) */
  size_t pos, len;
  long last_off;
  union {
    struct dirent d;
    struct dirent64 d64;
  } ent;
  char buf[32768];
};

static pthread_mutex_t g_dirs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rk_dir *g_dirs;

static struct rk_dir *ours(DIR *d) {
  pthread_mutex_lock(&g_dirs_lock);
  struct rk_dir *p = g_dirs;
  while (p != NULL && (DIR *)p != d) p = p->next;
  pthread_mutex_unlock(&g_dirs_lock);
  return p;
}

static DIR *wrap_dir(int fd) {
  struct rk_dir *d = calloc(1, sizeof *d);
  if (d == NULL) {
    errno = ENOMEM;
    return NULL;
  }
  d->fd = fd;
  pthread_mutex_lock(&g_dirs_lock);
  d->next = g_dirs;
  g_dirs = d;
  pthread_mutex_unlock(&g_dirs_lock);
  return (DIR *)d;
}

DIR *opendir(const char *path) {
  char kp[RK_HIJACK_PATH_MAX];
  if (!rk_rump_path(path, kp)) return RK_HOST(opendir)(path);
  int kfd = rump_sys_open(kp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (kfd < 0) return NULL;
  DIR *d = wrap_dir(rk_pfd(kfd));
  if (d == NULL) rump_sys_close(kfd);
  return d;
}

DIR *fdopendir(int fd) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(fdopendir)(fd);
  struct stat st;
  if (rump_sys_fstat(rk_kfd(fd), &st) != 0) return NULL;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return NULL;
  }
  return wrap_dir(fd);
}

static struct dirent64 *next_entry(struct rk_dir *d) {
  if (d->pos >= d->len) {
    long n = rump_sys_getdents64(rk_kfd(d->fd), d->buf, sizeof d->buf);
    if (n <= 0) return NULL; /* end (errno untouched) or an error (errno set) */
    d->len = (size_t)n;
    d->pos = 0;
  }
  struct dirent64 *e = (struct dirent64 *)(d->buf + d->pos);
  d->pos += e->d_reclen;
  d->last_off = e->d_off;
  return e;
}

/* On x86-64 struct dirent and struct dirent64 have the same layout. */
struct dirent *readdir(DIR *dir) {
  struct rk_dir *d = ours(dir);
  if (d == NULL) return RK_HOST(readdir)(dir);
  struct dirent64 *e = next_entry(d);
  if (e == NULL) return NULL;
  memcpy(&d->ent.d64, e, e->d_reclen < sizeof d->ent ? e->d_reclen : sizeof d->ent);
  return &d->ent.d;
}
struct dirent64 *readdir64(DIR *dir) {
  struct rk_dir *d = ours(dir);
  if (d == NULL) return RK_HOST(readdir64)(dir);
  return (struct dirent64 *)readdir(dir);
}
int closedir(DIR *dir) {
  struct rk_dir *d = ours(dir);
  if (d == NULL) return RK_HOST(closedir)(dir);
  pthread_mutex_lock(&g_dirs_lock);
  for (struct rk_dir **p = &g_dirs; *p != NULL; p = &(*p)->next) {
    if (*p == d) {
      *p = d->next;
      break;
    }
  }
  pthread_mutex_unlock(&g_dirs_lock);
  int r = rump_sys_close(rk_kfd(d->fd));
  free(d);
  return r;
}
int dirfd(DIR *dir) {
  struct rk_dir *d = ours(dir);
  return d != NULL ? d->fd : RK_HOST(dirfd)(dir);
}
void rewinddir(DIR *dir) {
  struct rk_dir *d = ours(dir);
  if (d == NULL) {
    RK_HOST(rewinddir)(dir);
    return;
  }
  rump_sys_lseek(rk_kfd(d->fd), 0, SEEK_SET);
  d->pos = d->len = 0;
  d->last_off = 0;
}
long telldir(DIR *dir) {
  struct rk_dir *d = ours(dir);
  return d != NULL ? d->last_off : RK_HOST(telldir)(dir);
}
void seekdir(DIR *dir, long off) {
  struct rk_dir *d = ours(dir);
  if (d == NULL) {
    RK_HOST(seekdir)(dir, off);
    return;
  }
  rump_sys_lseek(rk_kfd(d->fd), off, SEEK_SET);
  d->pos = d->len = 0;
  d->last_off = off;
}

/* stdio streams of kernel files. */
static ssize_t cookie_read(void *c, char *buf, size_t n) {
  return rump_sys_read((int)(intptr_t)c, buf, n);
}
static ssize_t cookie_write(void *c, const char *buf, size_t n) {
  ssize_t w = rump_sys_write((int)(intptr_t)c, buf, n);
  return w < 0 ? 0 : w; /* fopencookie: 0 is the write error */
}
static int cookie_seek(void *c, off64_t *off, int whence) {
  off_t r = rump_sys_lseek((int)(intptr_t)c, *off, whence);
  if (r < 0) return -1;
  *off = r;
  return 0;
}
static int cookie_close(void *c) { return rump_sys_close((int)(intptr_t)c); }

static FILE *wrap_file(int kfd, const char *mode) {
  cookie_io_functions_t io = {cookie_read, cookie_write, cookie_seek, cookie_close};
  FILE *f = fopencookie((void *)(intptr_t)kfd, mode, io);
  if (f == NULL) rump_sys_close(kfd);
  return f;
}

/* fopen's mode string as open flags; -1 for a mode fopen would refuse. */
static int mode_flags(const char *mode) {
  int flags;
  switch (mode[0]) {
    case 'r': flags = O_RDONLY; break;
    case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
    case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
    default: return -1;
  }
  for (const char *m = mode + 1; *m != '\0'; ++m) {
    if (*m == '+') flags = (flags & ~(O_RDONLY | O_WRONLY)) | O_RDWR;
    else if (*m == 'x') flags |= O_EXCL;
    else if (*m == 'e') flags |= O_CLOEXEC;
  }
  return flags;
}

FILE *fopen(const char *path, const char *mode) {
  char kp[RK_HIJACK_PATH_MAX];
  if (!rk_rump_path(path, kp)) return RK_HOST(fopen)(path, mode);
  int flags = mode_flags(mode);
  if (flags < 0) {
    errno = EINVAL;
    return NULL;
  }
  int kfd = rump_sys_open(kp, flags, 0666);
  return kfd < 0 ? NULL : wrap_file(kfd, mode);
}
FILE *fopen64(const char *path, const char *mode) {
  char kp[RK_HIJACK_PATH_MAX];
  if (!rk_rump_path(path, kp)) return RK_HOST(fopen64)(path, mode);
  return fopen(path, mode);
}
FILE *fdopen(int fd, const char *mode) {
  if (!rk_is_rump_fd(fd)) return RK_HOST(fdopen)(fd, mode);
  return wrap_file(rk_kfd(fd), mode);
}
