// Call sequences for the differential test: a small language of file system calls, a runner
// that applies one to a target and records every result in normalized form, a snapshot of the
// whole tree, a randomized generator and a shrinker.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tests/vfs_suite/target.h"

namespace vfs_suite {

// clang-format off
enum class OpKind {
  kOpen, kOpenat, kClose, kRead, kWrite, kPread, kPwrite, kLseek, kFtruncate, kTruncate,
  kFallocate, kFsync, kDup, kDup2, kFcntl, kFstat, kPipe2,
  kMkdir, kMkdirat, kRmdir, kUnlink, kUnlinkat, kRename, kRenameat2, kLink, kSymlink,
  kReadlink, kStat, kLstat, kAccess, kChmod, kMknodFifo, kListDir, kChdir, kFchdir, kGetcwd,
  kUmask, kUtimens, kSetxattr, kGetxattr, kListxattr, kRemovexattr,
};
// clang-format on

// One call. Paths in a and b; numbers in x, y, z, w (descriptor, flags, mode, offset,
// length…); data for writes in a.
struct Op {
  OpKind kind;
  std::string a, b;
  long x = 0, y = 0, z = 0, w = 0;
};
using Sequence = std::vector<Op>;

// "open("/d/a", O_RDWR|O_CREAT, 0644)"
std::string to_string(const Op& op);

// Builders for hand-written sequences.
namespace op {
Op open(std::string path, long flags, long mode = 0644);
Op openat(long dirfd, std::string path, long flags, long mode = 0644);
Op close(long fd);
Op read(long fd, long count);
Op write(long fd, std::string data);
Op pread(long fd, long count, long off);
Op pwrite(long fd, std::string data, long off);
Op lseek(long fd, long off, long whence);
Op ftruncate(long fd, long len);
Op truncate(std::string path, long len);
Op fallocate(long fd, long mode, long off, long len);
Op fsync(long fd);
Op dup(long fd);
Op dup2(long fd, long newfd);
Op fcntl(long fd, long cmd, long arg = 0);
Op fstat(long fd);
Op pipe2(long flags);
Op mkdir(std::string path, long mode = 0755);
Op mkdirat(long dirfd, std::string path, long mode = 0755);
Op rmdir(std::string path);
Op unlink(std::string path);
Op unlinkat(long dirfd, std::string path, long flags);
Op rename(std::string from, std::string to);
Op renameat2(std::string from, std::string to, long flags);
Op link(std::string from, std::string to);
Op symlink(std::string target, std::string path);
Op readlink(std::string path, long bufsiz = 4096);
Op stat(std::string path);
Op lstat(std::string path);
Op access(std::string path, long mode);
Op chmod(std::string path, long mode);
Op mkfifo(std::string path, long mode = 0644);
Op list(std::string path);
Op chdir(std::string path);
Op fchdir(long fd);
Op getcwd(long size = 4096);
Op umask(long mask);
// Extended attributes: follow false for the l* calls; the value is value_len bytes of 'v'.
Op setxattr(std::string path, std::string name, long value_len, long flags, bool follow = true);
Op getxattr(std::string path, std::string name, long size = 65536, bool follow = true);
Op listxattr(std::string path, long size = 65536, bool follow = true);
Op removexattr(std::string path, std::string name, bool follow = true);
Op utimens(std::string path, long flags);
}  // namespace op

// How results are compared: directory sizes are file system specific (Linux's tmpfs counts
// 20 bytes an entry), so they are compared only where both sides are tmpfs.
struct CompareOptions {
  bool dir_sizes = false;
};

// Applies op; its normalized result ("ENOENT", "3", "5 \"hello\"", "reg 0644 n=1 ...").
std::string apply(Fs& fs, const Op& op, const CompareOptions& opt);

// The whole tree under "/": every name with its lstat, file contents, link targets.
std::string snapshot(Fs& fs, const CompareOptions& opt);

struct Trace {
  std::vector<std::string> results;  // one per op
  std::string tree;                  // snapshot afterwards
};
Trace run(Fs& fs, const Sequence& seq, const CompareOptions& opt);

// A sequence of n calls over a small name space (a few names in a few directories, symlinks,
// a handful of descriptors), so that collisions and errors are frequent. Deterministic in
// seed. Never blocks (FIFOs and pipes are opened non-blocking) and never leaves the root.
Sequence random_sequence(uint64_t seed, int n);

// Sequences written by hand for known corners (appending, holes, renames, links and symlinks,
// trailing slashes, cwd, umask, descriptors, pipes, errors, FIFOs, permissions, truncation).
struct NamedSequence {
  const char* name;
  Sequence seq;
};
std::vector<NamedSequence> hand_written_sequences();

// The index of the first differing result (results.size() for the tree), or -1 if equal.
long first_difference(const Trace& x, const Trace& y);

// Removes calls from seq while still_fails(candidate) holds; at most max_runs tries.
Sequence shrink(const Sequence& seq, const std::function<bool(const Sequence&)>& still_fails,
                int max_runs = 400);

// A side-by-side listing of seq with both traces, marking the first difference.
std::string report(const Sequence& seq, const Trace& host, const Trace& rump,
                   const std::string& rump_name);

}  // namespace vfs_suite
