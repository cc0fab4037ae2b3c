// fsu_stat: coreutils stat's default output, -c/--format, -L, and -f (the file system).
#include <fcntl.h>
#include <rump/rump_syscalls.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

struct Info {
  std::string name;
  struct stat st {};
  bool have_birth = false;
  struct timespec birth {};
  std::string target;  // of a symbolic link
};

// stat's %N: the name, quoted when it has characters the shell would see, and a link's target.
std::string quoted(const std::string& s) {
  if (s.find_first_of(" \t\n'\"\\$`*?[]{}()<>|&;#~!") == std::string::npos && !s.empty()) return s;
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

std::string time_or_dash(bool have, const struct timespec& t) { return have ? full_time(t) : "-"; }

std::string expand(const std::string& fmt, const Info& in) {
  const struct stat& st = in.st;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] == '\\' && i + 1 < fmt.size()) {
      char c = fmt[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c == '\\' ? '\\' : c;
      continue;
    }
    if (fmt[i] != '%' || i + 1 >= fmt.size()) {
      out += fmt[i];
      continue;
    }
    char c = fmt[++i];
    char buf[64];
    switch (c) {
      case '%': out += '%'; break;
      case 'n': out += in.name; break;
      case 'N':
        out += quoted(in.name);
        if (S_ISLNK(st.st_mode)) out += " -> " + quoted(in.target);
        break;
      case 's': out += std::to_string(st.st_size); break;
      case 'b': out += std::to_string(st.st_blocks); break;
      case 'B': out += "512"; break;
      case 'o': out += std::to_string(st.st_blksize); break;
      case 'f': std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(st.st_mode)); out += buf; break;
      case 'F': out += file_type_name(st); break;
      case 'a': std::snprintf(buf, sizeof buf, "%o", static_cast<unsigned>(st.st_mode & 07777)); out += buf; break;
      case 'A': out += mode_string(st.st_mode); break;
      case 'u': out += std::to_string(st.st_uid); break;
      case 'U': out += user_name(st.st_uid, false); break;
      case 'g': out += std::to_string(st.st_gid); break;
      case 'G': out += group_name(st.st_gid, false); break;
      case 'i': out += std::to_string(st.st_ino); break;
      case 'h': out += std::to_string(st.st_nlink); break;
      case 'd': out += std::to_string(st.st_dev); break;
      case 'D': std::snprintf(buf, sizeof buf, "%lx", static_cast<unsigned long>(st.st_dev)); out += buf; break;
      case 't': std::snprintf(buf, sizeof buf, "%x", major(st.st_rdev)); out += buf; break;
      case 'T': std::snprintf(buf, sizeof buf, "%x", minor(st.st_rdev)); out += buf; break;
      case 'x': out += full_time(st.st_atim); break;
      case 'X': out += std::to_string(st.st_atim.tv_sec); break;
      case 'y': out += full_time(st.st_mtim); break;
      case 'Y': out += std::to_string(st.st_mtim.tv_sec); break;
      case 'z': out += full_time(st.st_ctim); break;
      case 'Z': out += std::to_string(st.st_ctim.tv_sec); break;
      case 'w': out += time_or_dash(in.have_birth, in.birth); break;
      case 'W': out += in.have_birth ? std::to_string(in.birth.tv_sec) : "0"; break;
      default: out += '?'; out += c; break;
    }
  }
  return out;
}

void print_default(FILE* out, const Info& in) {
  const struct stat& st = in.st;
  std::string file = quoted(in.name);
  if (S_ISLNK(st.st_mode)) file += " -> " + quoted(in.target);
  std::fprintf(out, "  File: %s\n", file.c_str());
  std::fprintf(out, "  Size: %-10lld\tBlocks: %-10lld IO Block: %-6ld %s\n",
               static_cast<long long>(st.st_size), static_cast<long long>(st.st_blocks),
               static_cast<long>(st.st_blksize), file_type_name(st).c_str());
  std::string ino = std::to_string(st.st_ino);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    std::fprintf(out, "Device: %u,%u\tInode: %-11s Links: %-5lu Device type: %u,%u\n",
                 major(st.st_dev), minor(st.st_dev), ino.c_str(),
                 static_cast<unsigned long>(st.st_nlink), major(st.st_rdev), minor(st.st_rdev));
  } else {
    std::fprintf(out, "Device: %u,%u\tInode: %-11s Links: %lu\n", major(st.st_dev),
                 minor(st.st_dev), ino.c_str(), static_cast<unsigned long>(st.st_nlink));
  }
  std::fprintf(out, "Access: (%04o/%s)  Uid: (%5u/%8s)   Gid: (%5u/%8s)\n",
               static_cast<unsigned>(st.st_mode & 07777), mode_string(st.st_mode).c_str(),
               static_cast<unsigned>(st.st_uid), user_name(st.st_uid, false).c_str(),
               static_cast<unsigned>(st.st_gid), group_name(st.st_gid, false).c_str());
  std::fprintf(out, "Access: %s\nModify: %s\nChange: %s\n Birth: %s\n", full_time(st.st_atim).c_str(),
               full_time(st.st_mtim).c_str(), full_time(st.st_ctim).c_str(),
               time_or_dash(in.have_birth, in.birth).c_str());
}

std::string fs_type_name(long type) {
  switch (static_cast<unsigned long>(type)) {
    case 0xEF53: return "ext2/ext3";
    case 0x01021994: return "tmpfs";
    case 0x4d44: return "msdos";
    case 0x9660: return "isofs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "UNKNOWN (0x%lx)", static_cast<unsigned long>(type));
      return buf;
    }
  }
}

int print_fs(const Context& ctx, const std::string& path) {
  struct statfs sf;
  if (rump_sys_statfs(path.c_str(), &sf) < 0) return ctx.fail(path, errno);
  int fsid[2];
  std::memcpy(fsid, &sf.f_fsid, sizeof fsid);
  char id[32];
  std::snprintf(id, sizeof id, "%x%08x", static_cast<unsigned>(fsid[0]), static_cast<unsigned>(fsid[1]));
  std::fprintf(ctx.out, "  File: \"%s\"\n    ID: %-8s Namelen: %-7ld Type: %s\n", path.c_str(), id,
               static_cast<long>(sf.f_namelen), fs_type_name(static_cast<long>(sf.f_type)).c_str());
  std::fprintf(ctx.out, "Block size: %-10ld Fundamental block size: %ld\n", static_cast<long>(sf.f_bsize),
               static_cast<long>(sf.f_frsize ? sf.f_frsize : sf.f_bsize));
  std::fprintf(ctx.out, "Blocks: Total: %-10llu Free: %-10llu Available: %llu\n",
               static_cast<unsigned long long>(sf.f_blocks), static_cast<unsigned long long>(sf.f_bfree),
               static_cast<unsigned long long>(sf.f_bavail));
  std::fprintf(ctx.out, "Inodes: Total: %-10llu Free: %llu\n", static_cast<unsigned long long>(sf.f_files),
               static_cast<unsigned long long>(sf.f_ffree));
  return 0;
}

}  // namespace

int cmd_stat(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "Lfc:", {{"dereference", 'L', false}, {"file-system", 'f', false},
                                      {"format", 'c', true}},
                  p)) {
    return 1;
  }
  if (p.operands.empty()) return ctx.fail("missing operand", "");
  int status = 0;
  for (const std::string& f : p.operands) {
    if (p.has('f')) {
      status |= print_fs(ctx, f);
      continue;
    }
    Info in;
    in.name = f;
    struct statx sx;
    int flags = p.has('L') ? 0 : AT_SYMLINK_NOFOLLOW;
    int r = p.has('L') ? rump_sys_stat(f.c_str(), &in.st) : rump_sys_lstat(f.c_str(), &in.st);
    if (r < 0) {
      status = ctx.fail(f, errno);
      continue;
    }
    if (rump_sys_statx(AT_FDCWD, f.c_str(), flags, STATX_BTIME, &sx) == 0 && (sx.stx_mask & STATX_BTIME)) {
      in.have_birth = true;
      in.birth.tv_sec = sx.stx_btime.tv_sec;
      in.birth.tv_nsec = sx.stx_btime.tv_nsec;
    }
    if (S_ISLNK(in.st.st_mode)) {
      KernelFs fs;
      fs.readlink(f, in.target);
    }
    if (p.has('c')) {
      std::fprintf(ctx.out, "%s\n", expand(p.value('c'), in).c_str());
    } else {
      print_default(ctx.out, in);
    }
  }
  return status;
}

}  // namespace fsu
