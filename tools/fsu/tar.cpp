// fsu_tar: tar archives of the image's trees (-c), into the image (-x), or listed (-t). The
// archive is a host file or standard input/output; the format is tar_format.h's.
#include <fcntl.h>
#include <rump/rump_syscalls.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <utility>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"
#include "tools/fsu/host_run.h"
#include "tools/fsu/tar_format.h"

namespace fsu {
namespace {

constexpr size_t kRecord = 20 * tar::kBlock;  // GNU tar's default blocking

struct TarOptions {
  bool verbose = false, same_owner = true;
  std::string dir;  // -C
};

FILE* verbose_stream(const Context& ctx, FILE* archive) { return archive == ctx.out ? ctx.err : ctx.out; }

std::string list_line(const tar::Header& h) {
  static const std::map<char, char> kType = {{'0', '-'}, {'1', 'h'}, {'2', 'l'}, {'3', 'c'},
                                             {'4', 'b'}, {'5', 'd'}, {'6', 'p'}};
  std::string mode = mode_string(h.mode);
  auto t = kType.find(h.type);
  mode[0] = t == kType.end() ? '-' : t->second == 'h' ? '-' : t->second;
  std::string owner = (h.uname.empty() ? std::to_string(h.uid) : h.uname) + "/" +
                      (h.gname.empty() ? std::to_string(h.gid) : h.gname);
  std::string size = h.type == '3' || h.type == '4'
                         ? std::to_string(h.devmajor) + "," + std::to_string(h.devminor)
                         : std::to_string(h.size);
  time_t mt = static_cast<time_t>(h.mtime);
  struct tm tm;
  localtime_r(&mt, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s %s %*s %s ", mode.c_str(), owner.c_str(),
                static_cast<int>(std::max<size_t>(1, 19 - std::min<size_t>(owner.size(), 18))), size.c_str(), date);
  std::string line = buf + h.name + (h.type == '5' ? "/" : "");
  if (h.type == '2') line += " -> " + h.linkname;
  if (h.type == '1') line += " link to " + h.linkname;
  return line;
}

class Writer {
 public:
  Writer(Context& ctx, FILE* out, const TarOptions& o) : ctx_(ctx), out_(out), o_(o) {}
  int status = 0;

  void add(const std::string& path, const std::string& name) {
    struct stat st;
    if (int err = fs_.lstat(path, st)) {
      status = ctx_.fail(path, err);
      return;
    }
    tar::Header h;
    h.name = name;
    h.mode = st.st_mode & 07777;
    h.uid = st.st_uid;
    h.gid = st.st_gid;
    h.uname = user_name(st.st_uid, false);
    h.gname = group_name(st.st_gid, false);
    if (h.uname == std::to_string(st.st_uid)) h.uname.clear();
    if (h.gname == std::to_string(st.st_gid)) h.gname.clear();
    h.mtime = st.st_mtim.tv_sec;
    bool data = false;
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      auto [it, first] = links_.try_emplace({st.st_dev, st.st_ino}, name);
      if (!first) {
        h.type = '1';
        h.linkname = it->second;
        emit(h);
        return;
      }
    }
    switch (st.st_mode & S_IFMT) {
      case S_IFREG: h.type = '0'; h.size = static_cast<uint64_t>(st.st_size); data = true; break;
      case S_IFDIR: h.type = '5'; break;
      case S_IFLNK:
        h.type = '2';
        if (int err = fs_.readlink(path, h.linkname)) {
          status = ctx_.fail(path, err);
          return;
        }
        break;
      case S_IFCHR: case S_IFBLK:
        h.type = S_ISCHR(st.st_mode) ? '3' : '4';
        h.devmajor = major(st.st_rdev);
        h.devminor = minor(st.st_rdev);
        break;
      case S_IFIFO: h.type = '6'; break;
      default:
        status = ctx_.fail(path, "socket ignored");
        return;
    }
    int fd = -1;
    if (data) {
      if (int err = fs_.open(path, O_RDONLY, 0, fd)) {
        status = ctx_.fail(path, err);
        return;
      }
    }
    emit(h);
    if (data) {
      copy(fd, path, h.size);
      fs_.close(fd);
    }
    if (h.type != '5') return;
    std::vector<DirEntry> entries;
    if (int err = fs_.readdir(path, entries)) {
      status = ctx_.fail(path, err);
      return;
    }
    std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    for (const DirEntry& e : entries) add(join(path, e.name), join(name, e.name));
  }

  int finish() {
    std::vector<char> zero(2 * tar::kBlock, 0);
    put(zero.data(), zero.size());
    size_t pad = (kRecord - written_ % kRecord) % kRecord;
    std::vector<char> z(pad, 0);
    put(z.data(), z.size());
    if (std::fflush(out_) != 0) status = ctx_.fail("archive", errno);
    return status;
  }

 private:
  void put(const char* p, size_t n) {
    if (n && std::fwrite(p, 1, n, out_) != n && !write_failed_) {
      write_failed_ = true;
      status = ctx_.fail("archive", errno);
    }
    written_ += n;
  }
  void emit(const tar::Header& h) {
    std::vector<char> b = tar::encode(h);
    put(b.data(), b.size());
    if (o_.verbose) std::fprintf(verbose_stream(ctx_, out_), "%s%s\n", h.name.c_str(), h.type == '5' ? "/" : "");
  }
  // Exactly `size` bytes (zeros if the file shrank meanwhile), padded to a block.
  void copy(int fd, const std::string& path, uint64_t size) {
    std::vector<char> buf(1 << 20);
    uint64_t left = size;
    while (left > 0) {
      ssize_t n = fs_.read(fd, buf.data(), std::min<uint64_t>(left, buf.size()));
      if (n <= 0) {
        if (n < 0) status = ctx_.fail(path, static_cast<int>(-n));
        else status = ctx_.fail(path, "file shrank while being read");
        std::fill(buf.begin(), buf.end(), 0);
        while (left > 0) {
          size_t k = std::min<uint64_t>(left, buf.size());
          put(buf.data(), k);
          left -= k;
        }
        break;
      }
      put(buf.data(), static_cast<size_t>(n));
      left -= static_cast<uint64_t>(n);
    }
    size_t pad = (tar::kBlock - size % tar::kBlock) % tar::kBlock;
    std::vector<char> z(pad, 0);
    put(z.data(), z.size());
  }

  Context& ctx_;
  FILE* out_;
  const TarOptions& o_;
  KernelFs fs_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
  uint64_t written_ = 0;
  bool write_failed_ = false;
};

// Makes the missing directories above `path`.
void make_parents(const std::string& path) {
  std::string d = dir_name(path);
  if (d == "/" || d == ".") return;
  struct stat st;
  if (rump_sys_lstat(d.c_str(), &st) == 0) return;
  make_parents(d);
  rump_sys_mkdir(d.c_str(), 0755);
}

bool safe_name(const std::string& name) {
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t s = name.find('/', pos);
    std::string comp = name.substr(pos, s == std::string::npos ? std::string::npos : s - pos);
    if (comp == "..") return false;
    if (s == std::string::npos) break;
    pos = s + 1;
  }
  return true;
}

int read_archive(Context& ctx, FILE* in, const TarOptions& o, bool extract) {
  tar::Decoder dec;
  KernelFs fs;
  std::vector<char> block(tar::kBlock);
  std::vector<std::pair<std::string, tar::Header>> dirs;  // their modes and times come last
  int status = 0;
  auto read_block = [&]() { return std::fread(block.data(), 1, tar::kBlock, in) == tar::kBlock; };
  std::string base = o.dir.empty() ? "." : o.dir;
  for (;;) {
    if (!read_block()) {
      if (std::ferror(in)) return ctx.fail("archive", errno);
      break;  // no end blocks: accept, as GNU tar does with a warning
    }
    tar::Header h;
    auto s = dec.feed(block.data(), h);
    if (s == tar::Decoder::Status::kEnd) break;
    if (s == tar::Decoder::Status::kError) return ctx.fail("archive", dec.error());
    if (s == tar::Decoder::Status::kNeedData) {
      uint64_t n = dec.pending_data();
      std::string data;
      for (uint64_t got = 0; got < n; got += tar::kBlock) {
        if (!read_block()) return ctx.fail("archive", "unexpected end of archive");
        data.append(block.data(), std::min<uint64_t>(tar::kBlock, n - got));
      }
      if (dec.feed_extension(data) == tar::Decoder::Status::kError) return ctx.fail("archive", dec.error());
      continue;
    }
    uint64_t data_size = h.type == '0' ? h.size : (h.type == '1' || h.type == '2' || h.type == '5') ? 0 : h.size;
    if (h.type == '1' || h.type == '2' || h.type == '5' || h.type == '3' || h.type == '4' || h.type == '6') {
      data_size = 0;
    }
    if (!extract) {
      std::fprintf(ctx.out, "%s\n", o.verbose ? list_line(h).c_str() : (h.name + (h.type == '5' ? "/" : "")).c_str());
    }
    std::string rel = h.name;
    while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    std::string dest = join(base, rel);
    bool ok = extract && safe_name(rel) && (h.type != '1' || safe_name(h.linkname));
    if (extract && !ok) status = ctx.fail(h.name, "member name or link with '..' skipped");
    if (ok && o.verbose) std::fprintf(ctx.out, "%s\n", h.name.c_str());
    int fd = -1;
    if (ok) {
      make_parents(dest);
      struct stat old;
      bool exists = fs.lstat(dest, old) == 0;
      if (exists && h.type != '5' && !S_ISDIR(old.st_mode)) fs.unlink(dest);
      if (exists && h.type != '5' && S_ISDIR(old.st_mode)) fs.rmdir(dest);
      int err = 0;
      switch (h.type) {
        case '5':
          if (!(exists && S_ISDIR(old.st_mode))) err = fs.mkdir(dest, 0700);
          if (!err) dirs.emplace_back(dest, h);
          break;
        case '2': err = fs.symlink(h.linkname, dest); break;
        case '1': {
          std::string target = h.linkname;
          while (!target.empty() && target[0] == '/') target.erase(0, 1);
          err = fs.link(join(base, target), dest);
          break;
        }
        case '3': case '4': case '6':
          err = fs.mknod(dest, (h.type == '3' ? S_IFCHR : h.type == '4' ? S_IFBLK : S_IFIFO) | 0600,
                         makedev(h.devmajor, h.devminor));
          break;
        default: err = fs.open(dest, O_WRONLY | O_CREAT | O_TRUNC, 0600, fd); break;
      }
      if (err) {
        status = ctx.fail(dest, err);
        ok = false;
      }
    }
    // The data (read even when not extracting, to stay in step).
    std::vector<char> buf(1 << 16);
    uint64_t left = (data_size + tar::kBlock - 1) / tar::kBlock * tar::kBlock, payload = data_size;
    while (left > 0) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
      if (std::fread(buf.data(), 1, k, in) != k) {
        if (fd >= 0) fs.close(fd);
        return ctx.fail("archive", "unexpected end of archive");
      }
      size_t real = static_cast<size_t>(std::min<uint64_t>(payload, k));
      if (fd >= 0 && real > 0) {
        if (int err = fs.write_all(fd, buf.data(), real)) {
          status = ctx.fail(dest, err);
          fs.close(fd);
          fd = -1;
          ok = false;
        }
      }
      payload -= real;
      left -= k;
    }
    if (fd >= 0 && fs.close(fd) != 0) status = ctx.fail(dest, errno), ok = false;
    if (!ok || h.type == '5' || h.type == '1') continue;
    if (o.same_owner) fs.lchown(dest, h.uid, h.gid);
    if (h.type != '2') fs.chmod(dest, h.mode);
    struct timespec t[2] = {{h.mtime, static_cast<long>(h.mtime_nsec)}, {h.mtime, static_cast<long>(h.mtime_nsec)}};
    fs.utimens(dest, t, true);
  }
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    const tar::Header& h = it->second;
    if (o.same_owner) fs.lchown(it->first, h.uid, h.gid);
    fs.chmod(it->first, h.mode);
    struct timespec t[2] = {{h.mtime, static_cast<long>(h.mtime_nsec)}, {h.mtime, static_cast<long>(h.mtime_nsec)}};
    fs.utimens(it->first, t, true);
  }
  return status;
}

// The compressor whose magic number starts the file (rewound after the look), or nullptr.
const char* detect_compression(FILE* f) {
  unsigned char m[6] = {};
  size_t n = std::fread(m, 1, sizeof m, f);
  std::rewind(f);
  if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) return "gzip";
  if (n >= 3 && m[0] == 'B' && m[1] == 'Z' && m[2] == 'h') return "bzip2";
  if (n >= 6 && m[0] == 0xfd && m[1] == '7' && m[2] == 'z' && m[3] == 'X' && m[4] == 'Z' && m[5] == 0)
    return "xz";
  if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) return "zstd";
  return nullptr;
}

}  // namespace

int cmd_tar(Context& ctx, const Args& in_args) {
  Args args = in_args;
  // The old form without a dash: "fsu_tar img cf out.tar dir".
  if (!args.empty() && !args[0].empty() && args[0][0] != '-' &&
      args[0].find_first_not_of("cxtvfpC") == std::string::npos) {
    args[0] = "-" + args[0];
  }
  Parsed p;
  if (!parse_args(ctx, args, "cxtvf:pC:zjJ",
                  {{"create", 'c', false}, {"extract", 'x', false}, {"list", 't', false},
                   {"verbose", 'v', false}, {"file", 'f', true}, {"directory", 'C', true},
                   {"same-owner", 'p', false}, {"no-same-owner", 'N', false},
                   {"gzip", 'z', false}, {"bzip2", 'j', false}, {"xz", 'J', false},
                   {"zstd", 'Z', false}},
                  p)) {
    return 2;
  }
  int modes = p.has('c') + p.has('x') + p.has('t');
  if (modes != 1) return ctx.fail("exactly one of -c, -x and -t is needed", "");
  TarOptions o;
  o.verbose = p.has('v');
  o.same_owner = !p.has('N');
  o.dir = p.value('C');
  std::string file = p.value('f', "-");
  bool create = p.has('c');
  FILE* f = file == "-" ? (create ? ctx.out : ctx.in) : std::fopen(file.c_str(), create ? "wb" : "rb");
  if (!f) return ctx.fail(file, errno);
  FILE* const raw_file = f;
  // Compression is a host program between the archive file and us, as GNU tar does it; when
  // reading a file, its magic number says which (so -x needs no -z).
  const char* filter = p.has('z') ? "gzip" : p.has('j') ? "bzip2" : p.has('J') ? "xz"
                     : p.has('Z') ? "zstd" : nullptr;
  if (!filter && !create && f != ctx.in) filter = detect_compression(f);
  Filter comp;
  FILE* archive = f;
  if (filter) {
    std::fflush(f);
    std::vector<std::string> argv = {filter, "-c"};
    if (!create) argv.push_back("-d");
    comp = open_filter(ctx, argv, ::fileno(f), create);
    if (!comp.stream) {
      if (f != ctx.out && f != ctx.in) std::fclose(f);
      return 2;
    }
    archive = comp.stream;
  }
  f = archive;
  int status;
  if (create) {
    Writer w(ctx, f, o);
    auto ops = p.operands;
    if (ops.empty()) ops.push_back(".");
    for (const std::string& op : ops) {
      std::string name = op;
      while (name.size() > 1 && name[0] == '/') name.erase(0, 1);
      if (name == "/") name = ".";
      w.add(o.dir.empty() ? op : join(o.dir, op), name);
    }
    status = w.finish();
  } else {
    if (!p.operands.empty()) return ctx.fail(p.operands[0], "selecting members is not supported");
    status = read_archive(ctx, f, o, p.has('x'));
  }
  if (filter) {
    if (!create) {  // the rest of the stream (the archive's padding) unread: let it go
      char sink[4096];
      while (std::fread(sink, 1, sizeof sink, comp.stream) > 0) {
      }
    }
    int rc = close_filter(comp);
    if (rc != 0 && !status)
      status = ctx.fail(file, std::string(filter) + " failed (exit status " + std::to_string(rc) + ")");
  }
  if (file != "-" && std::fclose(raw_file) != 0 && !status) status = ctx.fail(file, errno);
  return status ? 2 : 0;
}

}  // namespace fsu
