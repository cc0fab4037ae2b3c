#include "vfs/etfs/host.h"

#include "kern/kernel.h"
#include "kern/lib/string.h"
#include "kern/sched.h"
#include "kern/uio.h"

namespace rk::vfs::etfs_host {

namespace {

Result<void> check(int rv) {
  if (rv != 0) return static_cast<Errno>(rv);
  return ok();
}

constexpr uint64_t kMaxOffset = INT64_MAX;

}  // namespace

Result<FileInfo> file_info(kern::Kernel& k, const char* path) {
  FileInfo fi;
  int rv;
  {
    kern::Unscheduled off;
    rv = k.hyp().ops().getfileinfo(k.hyp().host(), path, &fi.size, &fi.type);
  }
  RK_TRY(check(rv));
  return fi;
}

Result<int> open(kern::Kernel& k, const char* path, bool* read_only) {
  const rumpuser_ops& ops = k.hyp().ops();
  int fd = -1;
  bool ro = false;
  int rv;
  {
    kern::Unscheduled off;
    rv = ops.open(k.hyp().host(), path, RUMPUSER_OPEN_RDWR, &fd);
    if (rv != 0) {
      // Not writable (its permissions, a read-only host file system): read-only, if that works.
      ro = true;
      rv = ops.open(k.hyp().host(), path, RUMPUSER_OPEN_RDONLY, &fd);
    }
  }
  RK_TRY(check(rv));
  *read_only = ro;
  return fd;
}

void close(kern::Kernel& k, int fd) {
  if (fd < 0) return;
  kern::Unscheduled off;
  (void)k.hyp().ops().close(k.hyp().host(), fd);
}

Result<size_t> pread(kern::Kernel& k, int fd, void* buf, size_t len, uint64_t off) {
  if (off > kMaxOffset) return size_t{0};  // nothing is there
  rumpuser_iovec iov{buf, len};
  size_t done = 0;
  int rv;
  {
    kern::Unscheduled unsched;
    rv = k.hyp().ops().iovread(k.hyp().host(), fd, &iov, 1, static_cast<int64_t>(off), &done);
  }
  if (rv != 0 && done == 0) return static_cast<Errno>(rv);
  return done;
}

Result<size_t> pwrite(kern::Kernel& k, int fd, const void* buf, size_t len, uint64_t off) {
  if (off > kMaxOffset || len > kMaxOffset - off) return Errno::kFBig;
  rumpuser_iovec iov{const_cast<void*>(buf), len};
  size_t done = 0;
  int rv;
  {
    kern::Unscheduled unsched;
    rv = k.hyp().ops().iovwrite(k.hyp().host(), fd, &iov, 1, static_cast<int64_t>(off), &done);
  }
  if (rv != 0 && done == 0) return static_cast<Errno>(rv);
  return done;
}

Result<void> sync(kern::Kernel& k, int fd, bool data_only) {
  int flags = data_only ? RUMPUSER_SYNCFD_WRITE : RUMPUSER_SYNCFD_SYNC;
  int rv;
  {
    kern::Unscheduled off;
    rv = k.hyp().ops().syncfd(k.hyp().host(), fd, flags);
  }
  return check(rv);
}

Result<bool> dir_read(kern::Kernel& k, const char* path, uint64_t* cookie, DirEntry& out) {
  const rumpuser_ops& ops = k.hyp().ops();
  if (ops.dir_read == nullptr) return false;
  for (;;) {
    int rv;
    {
      kern::Unscheduled off;
      rv = ops.dir_read(k.hyp().host(), path, cookie, out.name, sizeof out.name, &out.type);
    }
    if (rv == 0) return true;
    if (rv == to_int(Errno::kNoEnt)) return false;
    if (rv == to_int(Errno::kNameTooLong)) continue;  // no kernel name can hold it: skip it
    return static_cast<Errno>(rv);
  }
}

Result<char*> join(kern::Kernel& k, std::string_view dir, std::string_view name, size_t* len) {
  size_t n = dir.size() + 1 + name.size();
  if (n >= kern::kPathMax) return Errno::kNameTooLong;
  auto* p = static_cast<char*>(k.kmem().alloc(n + 1));
  if (p == nullptr) return Errno::kNoMem;
  mem_copy(p, dir.data(), dir.size());
  p[dir.size()] = '/';
  mem_copy(p + dir.size() + 1, name.data(), name.size());
  p[n] = '\0';
  *len = n;
  return p;
}

Result<char*> copy_path(kern::Kernel& k, std::string_view path) {
  if (path.size() >= kern::kPathMax) return Errno::kNameTooLong;
  auto* p = static_cast<char*>(k.kmem().alloc(path.size() + 1));
  if (p == nullptr) return Errno::kNoMem;
  mem_copy(p, path.data(), path.size());
  p[path.size()] = '\0';
  return p;
}

void free_path(kern::Kernel& k, char* path, size_t len) {
  if (path != nullptr) k.kmem().free(path, len + 1);
}

uint64_t hash_more(uint64_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;  // FNV-1a's 64-bit prime
  }
  return h;
}

uint64_t hash_of(std::string_view s) { return hash_more(0xcbf29ce484222325ull, s); }

}  // namespace rk::vfs::etfs_host
