// etfs's calls to its host: the file hypercalls, each made with the virtual CPU given back
// (they may block on the host's disks), with errors as Errno. Also the path and inode-number
// helpers the nodes share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kern/lib/result.h"

namespace rk::kern {
class Kernel;
}

namespace rk::vfs::etfs_host {

struct FileInfo {
  uint64_t size = 0;  // regular files and block devices; 0 for the rest
  int type = 0;       // enum rumpuser_filetype
};
Result<FileInfo> file_info(kern::Kernel& k, const char* path);

// Opens path for reading and writing, or for reading only when that is all the host allows
// (*read_only is then set). The error of the read-only attempt when neither works.
Result<int> open(kern::Kernel& k, const char* path, bool* read_only);
void close(kern::Kernel& k, int fd);

// One transfer at host offset `off` (at most INT64_MAX); the bytes moved. A short count: end of
// file (read), or an error after some bytes (the error is then not reported).
Result<size_t> pread(kern::Kernel& k, int fd, void* buf, size_t len, uint64_t off);
Result<size_t> pwrite(kern::Kernel& k, int fd, const void* buf, size_t len, uint64_t off);
// fsync (data_only: fdatasync).
Result<void> sync(kern::Kernel& k, int fd, bool data_only);

// One entry of the host directory at `path` (the dir_read hypercall): false after the last.
// ENAMETOOLONG entries are skipped. A host without dir_read has no entries.
struct DirEntry {
  char name[256];
  int type = 0;  // enum rumpuser_filetype
};
Result<bool> dir_read(kern::Kernel& k, const char* path, uint64_t* cookie, DirEntry& out);

// A host path `dir` + "/" + `name` in kernel memory (free with free_path). ENAMETOOLONG (longer
// than PATH_MAX), ENOMEM.
Result<char*> join(kern::Kernel& k, std::string_view dir, std::string_view name, size_t* len);
Result<char*> copy_path(kern::Kernel& k, std::string_view path);
void free_path(kern::Kernel& k, char* path, size_t len);

// Inode numbers of the nodes under an etfs directory: a hash of the host path (FNV-1a, 64 bits),
// so that a name has the same number in every listing and every lookup. `seed` continues the
// hash of a prefix (hash_of(prefix) then hash_more(that, rest)).
uint64_t hash_of(std::string_view s);
uint64_t hash_more(uint64_t seed, std::string_view s);
// The number a hash gives as an inode number (never 0, positive as an off_t).
inline uint64_t ino_of(uint64_t hash) { return (hash & (~uint64_t{0} >> 1)) | 2; }

}  // namespace rk::vfs::etfs_host
