// Host directories of the POSIX host: one entry at a time, for etfs directories.
//
// A cookie counts the entries already read, so each call opens the directory and skips that
// many: nothing stays open between calls (no descriptor or stream outlives a call, whatever the
// kernel does with its cookies), at the price of reading a directory of n entries in O(n^2)
// host readdir steps — glibc reads 32 KiB of entries per system call, so this is cheap for the
// directories etfs is used with. telldir() positions are not used because they are only
// promised to the stream that made them.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "posix_host.h"

namespace rk::hypercall::posix {

namespace {

bool is_dot_or_dotdot(const char *name) {
  return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

int filetype_of_mode(mode_t mode) {
  if (S_ISDIR(mode)) return RUMPUSER_FT_DIR;
  if (S_ISREG(mode)) return RUMPUSER_FT_REG;
  if (S_ISBLK(mode)) return RUMPUSER_FT_BLK;
  if (S_ISCHR(mode)) return RUMPUSER_FT_CHR;
  return RUMPUSER_FT_OTHER;
}

// What the entry names, symbolic links followed, as getfileinfo (stat) would say.
int filetype_of(DIR *dir, const dirent *e) {
  switch (e->d_type) {
    case DT_DIR: return RUMPUSER_FT_DIR;
    case DT_REG: return RUMPUSER_FT_REG;
    case DT_BLK: return RUMPUSER_FT_BLK;
    case DT_CHR: return RUMPUSER_FT_CHR;
    case DT_LNK:
    case DT_UNKNOWN: {
      struct stat st;
      if (::fstatat(::dirfd(dir), e->d_name, &st, 0) != 0) return RUMPUSER_FT_OTHER;
      return filetype_of_mode(st.st_mode);
    }
    default: return RUMPUSER_FT_OTHER;
  }
}

}  // namespace

int dir_read(void *, const char *path, uint64_t *cookie, char *namebuf, size_t namelen,
             int *type) {
  if (path == nullptr || cookie == nullptr || namebuf == nullptr || type == nullptr)
    return EINVAL;
  DIR *dir;
  do {
    dir = ::opendir(path);  // O_CLOEXEC in glibc and musl
  } while (dir == nullptr && errno == EINTR);
  if (dir == nullptr) return errno;
  uint64_t index = 0;  // entries seen, "." and ".." not counted
  int error = ENOENT;
  for (;;) {
    errno = 0;
    const dirent *e = ::readdir(dir);
    if (e == nullptr) {
      if (errno != 0) error = errno;
      break;
    }
    if (is_dot_or_dotdot(e->d_name)) continue;
    if (index++ < *cookie) continue;
    *cookie = index;
    size_t len = std::strlen(e->d_name);
    if (len >= namelen) {
      error = ENAMETOOLONG;
      break;
    }
    std::memcpy(namebuf, e->d_name, len + 1);
    *type = filetype_of(dir, e);
    error = 0;
    break;
  }
  ::closedir(dir);
  return error;
}

}  // namespace rk::hypercall::posix
