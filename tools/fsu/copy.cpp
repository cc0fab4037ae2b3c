#include "tools/fsu/copy.h"

#include <fcntl.h>
#include <sys/sysmacros.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

namespace fsu {
namespace {

// Small enough that the chunks in flight (ChunkRing::kSlots) stay in the CPU's cache between
// the read that fills one and the write that empties it: a 1 GiB fsu_get took 15-20 % more
// system time with 1 MiB chunks. Large enough for the kernel to stream (64 KiB and more).
constexpr size_t kChunk = 256 << 10;

// Sets owner, mode and times of a copied entry as -p asks (or only the mode of a new file).
int finish(const Context& ctx, Fs& to, const std::string& dst, const struct stat& st,
           const CopyOptions& opt) {
  if (!opt.preserve) return 0;
  bool lnk = S_ISLNK(st.st_mode);
  // Ownership first: chown clears the set-id bits that chmod then puts back. Like cp, a
  // refusal to give the file away is not an error.
  int err = to.lchown(dst, st.st_uid, st.st_gid);
  if (err && err != EPERM) return ctx.fail(dst, err);
  if (!lnk) {
    err = to.chmod(dst, st.st_mode & 07777);
    if (err) return ctx.fail(dst, err);
  }
  struct timespec t[2] = {st.st_atim, st.st_mtim};
  err = to.utimens(dst, t, true);
  if (err && !(lnk && (err == EOPNOTSUPP || err == ENOSYS))) return ctx.fail(dst, err);
  return 0;
}

int copy_file(const Context& ctx, Fs& from, const std::string& src, Fs& to, const std::string& dst,
              const struct stat& st, const CopyOptions& opt, Progress& progress) {
  int in = -1, out = -1;
  if (int err = from.open(src, O_RDONLY, 0, in)) return ctx.fail(src, err);
  int err = to.open(dst, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 0777, out);
  if (err == EISDIR) {
    from.close(in);
    return ctx.fail(dst, "cannot overwrite directory with non-directory");
  }
  if (err) {
    from.close(in);
    return ctx.fail(dst, err);
  }
  progress.start_file(src, static_cast<uint64_t>(st.st_size));
  bool in_error = false;
  bool sparse = S_ISREG(st.st_mode) && st.st_blocks * 512 < st.st_size;
  if (S_ISREG(st.st_mode) && !sparse) to.will_write(out, st.st_size);
  err = copy_data(from, in, to, out, progress, in_error, sparse);
  from.close(in);
  int cerr = to.close(out);
  if (err) return ctx.fail(in_error ? src : dst, err);
  if (cerr) return ctx.fail(dst, cerr);
  return finish(ctx, to, dst, st, opt);
}

// Whether `path` of fs is `dir` (st) or below it: its ancestors, found through "..", are
// compared with dir by device and inode. For copies inside one tree.
bool inside(Fs& fs, const std::string& path, const struct stat& dir) {
  std::string p = path;
  struct stat cur, prev {};
  for (int depth = 0; depth < 4096; ++depth) {
    if (fs.stat(p, cur) != 0) return false;
    if (cur.st_dev == dir.st_dev && cur.st_ino == dir.st_ino) return true;
    if (depth > 0 && cur.st_dev == prev.st_dev && cur.st_ino == prev.st_ino) return false;  // the root
    prev = cur;
    p = join(p, "..");
  }
  return false;
}

int copy_dir(const Context& ctx, Fs& from, const std::string& src, Fs& to, const std::string& dst,
             const struct stat& st, const CopyOptions& opt, CopyState& state) {
  if (&from == &to && inside(to, dir_name(dst), st)) {
    return ctx.fail(src, "cannot copy a directory into itself, " + dst);
  }
  struct stat dst_st;
  bool made = false;
  if (int err = to.lstat(dst, dst_st); err == ENOENT) {
    // Writable for us while we fill it; its real mode comes at the end.
    if (int e = to.mkdir(dst, (st.st_mode & 0777) | 0700)) return ctx.fail(dst, e);
    made = true;
  } else if (err) {
    return ctx.fail(dst, err);
  } else if (!S_ISDIR(dst_st.st_mode)) {
    return ctx.fail(dst, "cannot overwrite non-directory with directory " + src);
  }
  std::vector<DirEntry> entries;
  if (int err = from.readdir(src, entries)) return ctx.fail(src, err);
  int failures = 0;
  for (const DirEntry& e : entries) {
    failures += copy_one(ctx, from, join(src, e.name), to, join(dst, e.name), opt, state);
  }
  if (opt.preserve) {
    failures += finish(ctx, to, dst, st, opt);
  } else if (made && (st.st_mode & 0777) != ((st.st_mode & 0777) | 0700)) {
    // cp gives a new directory the source's mode less the umask; mkdir applied the umask to
    // the mode with 0700 added, so take back only what we added.
    struct stat now;
    if (to.lstat(dst, now) == 0) to.chmod(dst, now.st_mode & 0777 & ~(0700 & ~st.st_mode));
  }
  return failures;
}

}  // namespace

namespace {

// Writes one chunk of a file's bytes at the end of what was written; blocks of zeros become
// holes when `sparse`. 0 or an errno.
int put_chunk(Fs& to, int out, const char* buf, size_t len, bool sparse, off_t& pos,
              bool& ends_in_hole) {
  constexpr size_t kHole = 4096;  // the unit of holes: a page, the usual block size
  for (size_t off = 0; off < len;) {
    size_t piece = sparse ? std::min(kHole, len - off) : len - off;
    const char* p = buf + off;
    bool zero = sparse && piece == kHole && p[0] == 0 && std::memcmp(p, p + 1, piece - 1) == 0;
    if (zero) {
      off_t r = to.seek(out, static_cast<off_t>(piece), SEEK_CUR);
      if (r < 0) return static_cast<int>(-r);
    } else if (int err = to.write_all(out, p, piece)) {
      return err;
    }
    ends_in_hole = zero;
    off += piece;
    pos += static_cast<off_t>(piece);
  }
  return 0;
}

// Chunks handed from the reading side to the writing side, a few in flight, so that reading
// the next chunk and writing this one overlap (two copies of every byte, one on each core).
class ChunkRing {
 public:
  static constexpr int kSlots = 4;
  ChunkRing() {
    for (auto& b : buf_) b.reset(new char[kChunk]);
  }

  // The reading side: a free slot to fill, or nullptr when the writer gave up.
  char* to_fill() {
    std::unique_lock<std::mutex> g(m_);
    cv_.wait(g, [&] { return stop_ || filled_ - emptied_ < kSlots; });
    return stop_ ? nullptr : buf_[filled_ % kSlots].get();
  }
  void filled(size_t len) {
    std::lock_guard<std::mutex> g(m_);
    len_[filled_ % kSlots] = len;
    ++filled_;
    cv_.notify_all();
  }
  // The end of the input: err 0 at end of file, or the read error.
  void finish(int err) {
    std::lock_guard<std::mutex> g(m_);
    eof_ = true;
    read_error_ = err;
    cv_.notify_all();
  }

  // The writing side: the next chunk, or nullptr at the end of the input.
  const char* to_empty(size_t& len) {
    std::unique_lock<std::mutex> g(m_);
    cv_.wait(g, [&] { return filled_ > emptied_ || eof_; });
    if (filled_ == emptied_) return nullptr;
    len = len_[emptied_ % kSlots];
    return buf_[emptied_ % kSlots].get();
  }
  void emptied() {
    std::lock_guard<std::mutex> g(m_);
    ++emptied_;
    cv_.notify_all();
  }
  // The writer failed: the reader stops at its next chunk.
  void stop() {
    std::lock_guard<std::mutex> g(m_);
    stop_ = true;
    cv_.notify_all();
  }
  int read_error() {
    std::lock_guard<std::mutex> g(m_);
    return read_error_;
  }

 private:
  std::unique_ptr<char[]> buf_[kSlots];
  size_t len_[kSlots] = {};
  std::mutex m_;
  std::condition_variable cv_;
  uint64_t filled_ = 0, emptied_ = 0;  // chunks
  bool eof_ = false, stop_ = false;
  int read_error_ = 0;
};

int read_side(Fs& from, int in, ChunkRing& ring, Progress* progress) {
  for (;;) {
    char* b = ring.to_fill();
    if (b == nullptr) return 0;
    ssize_t n;
    do {
      n = from.read(in, b, kChunk);
    } while (n == -EINTR);
    if (n <= 0) {
      ring.finish(n < 0 ? static_cast<int>(-n) : 0);
      return n < 0 ? static_cast<int>(-n) : 0;
    }
    ring.filled(static_cast<size_t>(n));
    if (progress != nullptr) progress->add(static_cast<size_t>(n));
  }
}

int write_side(Fs& to, int out, ChunkRing& ring, bool sparse, Progress* progress, off_t& pos,
               bool& ends_in_hole) {
  for (;;) {
    size_t len = 0;
    const char* b = ring.to_empty(len);
    if (b == nullptr) return 0;
    if (int err = put_chunk(to, out, b, len, sparse, pos, ends_in_hole)) {
      ring.stop();
      return err;
    }
    ring.emptied();
    if (progress != nullptr) progress->add(len);
  }
}

}  // namespace

int copy_data(Fs& from, int in, Fs& to, int out, Progress& progress, bool& in_error, bool sparse) {
  off_t pos = 0;
  bool ends_in_hole = false;
  if (from.is_host() != to.is_host()) {
    // Between the host and an image: the host's side runs on a thread of its own, the
    // kernel's stays on this one (its process and current kernel are this thread's).
    ChunkRing ring;
    int werr = 0;
    if (from.is_host()) {
      std::thread reader([&] { (void)read_side(from, in, ring, nullptr); });
      werr = write_side(to, out, ring, sparse, &progress, pos, ends_in_hole);
      reader.join();
    } else {
      std::thread writer([&] { werr = write_side(to, out, ring, sparse, nullptr, pos, ends_in_hole); });
      (void)read_side(from, in, ring, &progress);
      writer.join();
    }
    if (int rerr = ring.read_error()) {
      in_error = true;
      return rerr;
    }
    if (werr) return werr;
  } else {
    std::unique_ptr<char[]> buf(new char[kChunk]);
    for (;;) {
      ssize_t n = from.read(in, buf.get(), kChunk);
      if (n == -EINTR) continue;
      if (n < 0) {
        in_error = true;
        return static_cast<int>(-n);
      }
      if (n == 0) break;
      auto len = static_cast<size_t>(n);
      if (int err = put_chunk(to, out, buf.get(), len, sparse, pos, ends_in_hole)) return err;
      progress.add(len);
    }
  }
  // A hole at the end is not written: give the file its length.
  if (ends_in_hole) return to.ftruncate(out, pos);
  return 0;
}

int copy_one(const Context& ctx, Fs& from, const std::string& src, Fs& to, const std::string& dst,
             const CopyOptions& opt, CopyState& state) {
  struct stat st;
  int err = opt.deref ? from.stat(src, st) : from.lstat(src, st);
  if (err) return ctx.fail(src, err);
  if (S_ISDIR(st.st_mode)) {
    if (!opt.recursive) return ctx.fail(src, "-R not specified; omitting directory");
    return copy_dir(ctx, from, src, to, dst, st, opt, state);
  }
  if (opt.preserve && opt.recursive && st.st_nlink > 1) {
    auto [it, first] = state.linked.try_emplace({st.st_dev, st.st_ino}, dst);
    if (!first) {
      struct stat old;
      if (to.lstat(dst, old) == 0 && !S_ISDIR(old.st_mode)) to.unlink(dst);
      if (to.link(it->second, dst) == 0) return 0;
      // No hard links there: an independent copy then.
    }
  }
  Progress& progress = state.progress;
  if (S_ISREG(st.st_mode) || !opt.recursive) {
    if (!S_ISREG(st.st_mode) && !opt.recursive && !S_ISLNK(st.st_mode)) {
      // Without -R, cp reads whatever it is; a fifo or device of an image is not worth it.
      return ctx.fail(src, "not a regular file (use -R to copy it as it is)");
    }
    if (S_ISLNK(st.st_mode)) {
      // Not recursive: follow the link, as cp does.
      if (int e = from.stat(src, st)) return ctx.fail(src, e);
      if (S_ISDIR(st.st_mode)) return ctx.fail(src, "-R not specified; omitting directory");
    }
    return copy_file(ctx, from, src, to, dst, st, opt, progress);
  }
  // Recursive copies keep links, fifos, sockets and devices as they are: replace what is there.
  struct stat old;
  if (to.lstat(dst, old) == 0) {
    if (S_ISDIR(old.st_mode)) return ctx.fail(dst, "cannot overwrite directory with non-directory");
    if (int e = to.unlink(dst)) return ctx.fail(dst, e);
  }
  if (S_ISLNK(st.st_mode)) {
    std::string target;
    if (int e = from.readlink(src, target)) return ctx.fail(src, e);
    if (int e = to.symlink(target, dst)) return ctx.fail(dst, e);
  } else {
    if (int e = to.mknod(dst, st.st_mode & (S_IFMT | 0777), st.st_rdev)) return ctx.fail(dst, e);
  }
  return finish(ctx, to, dst, st, opt);
}

int copy_operands(const Context& ctx, Fs& from, const std::vector<std::string>& sources, Fs& to,
                  const std::string& target, const CopyOptions& opt) {
  if (sources.empty()) return ctx.fail("missing file operand", "");
  struct stat tst;
  bool target_dir = to.stat(target, tst) == 0 && S_ISDIR(tst.st_mode);
  CopyState state(ctx);
  if (!target_dir) {
    if (sources.size() > 1) return ctx.fail(target, "target is not a directory");
    return copy_one(ctx, from, sources[0], to, target, opt, state) ? 1 : 0;
  }
  int failures = 0;
  for (const std::string& s : sources) {
    std::string b = base_name(s);
    // The root of a tree ("/" or ".") has no name of its own: its contents go into target.
    std::string dst = b == "/" || b == "." || b == ".." ? target : join(target, b);
    failures += copy_one(ctx, from, s, to, dst, opt, state);
  }
  return failures ? 1 : 0;
}

}  // namespace fsu
