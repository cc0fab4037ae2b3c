#include "tools/fsu/format.h"

#include <grp.h>
#include <pwd.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace fsu {

std::string mode_string(mode_t m) {
  std::string s(10, '-');
  switch (m & S_IFMT) {
    case S_IFDIR: s[0] = 'd'; break;
    case S_IFLNK: s[0] = 'l'; break;
    case S_IFCHR: s[0] = 'c'; break;
    case S_IFBLK: s[0] = 'b'; break;
    case S_IFIFO: s[0] = 'p'; break;
    case S_IFSOCK: s[0] = 's'; break;
    default: break;
  }
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) {
    if (m & (0400 >> i)) s[1 + i] = rwx[i];
  }
  if (m & S_ISUID) s[3] = (m & S_IXUSR) ? 's' : 'S';
  if (m & S_ISGID) s[6] = (m & S_IXGRP) ? 's' : 'S';
  if (m & S_ISVTX) s[9] = (m & S_IXOTH) ? 't' : 'T';
  return s;
}

std::string file_type_name(const struct stat& st) {
  switch (st.st_mode & S_IFMT) {
    case S_IFREG: return st.st_size == 0 ? "regular empty file" : "regular file";
    case S_IFDIR: return "directory";
    case S_IFLNK: return "symbolic link";
    case S_IFCHR: return "character special file";
    case S_IFBLK: return "block special file";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "socket";
    default: return "weird file";
  }
}

std::string human_size(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes);
  const char* units = "KMGTPE";
  double v = static_cast<double>(bytes);
  int u = -1;
  char buf[32];
  for (;;) {
    v /= 1024;
    ++u;
    if (v < 10) {
      double r = std::ceil(v * 10) / 10;
      if (r < 10) {
        std::snprintf(buf, sizeof buf, "%.1f%c", r, units[u]);
        return buf;
      }
      v = r;
    }
    double r = std::ceil(v);
    if (r < 1024 || u == 5) {
      std::snprintf(buf, sizeof buf, "%.0f%c", r, units[u]);
      return buf;
    }
  }
}

uint64_t kib_ceil(uint64_t bytes) { return (bytes + 1023) / 1024; }

// The host's databases answer slowly and the same ids come back for every file of a listing:
// remember the answers (the programs are single-threaded; the tests call from one thread).
std::string user_name(uid_t uid, bool numeric) {
  if (numeric) return std::to_string(uid);
  static std::map<uid_t, std::string> cache;
  auto it = cache.find(uid);
  if (it != cache.end()) return it->second;
  std::string name = std::to_string(uid);
  struct passwd pw, *res = nullptr;
  std::vector<char> buf(4096);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &res) == 0 && res) name = pw.pw_name;
  return cache.emplace(uid, name).first->second;
}

std::string group_name(gid_t gid, bool numeric) {
  if (numeric) return std::to_string(gid);
  static std::map<gid_t, std::string> cache;
  auto it = cache.find(gid);
  if (it != cache.end()) return it->second;
  std::string name = std::to_string(gid);
  struct group gr, *res = nullptr;
  std::vector<char> buf(4096);
  if (getgrgid_r(gid, &gr, buf.data(), buf.size(), &res) == 0 && res) name = gr.gr_name;
  return cache.emplace(gid, name).first->second;
}

std::string ls_time(const struct timespec& t, time_t now) {
  struct tm tm;
  time_t s = t.tv_sec;
  localtime_r(&s, &tm);
  constexpr time_t kSixMonths = 31556952 / 2;
  bool recent = s > now - kSixMonths && s <= now;
  static const char* kMon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  if (recent) {
    std::snprintf(buf, sizeof buf, "%s %2d %02d:%02d", kMon[tm.tm_mon], tm.tm_mday, tm.tm_hour,
                  tm.tm_min);
  } else {
    std::snprintf(buf, sizeof buf, "%s %2d  %d", kMon[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900);
  }
  return buf;
}

std::string full_time(const struct timespec& t) {
  struct tm tm;
  time_t s = t.tv_sec;
  localtime_r(&s, &tm);
  char date[64], zone[16], buf[128];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
  std::strftime(zone, sizeof zone, "%z", &tm);
  std::snprintf(buf, sizeof buf, "%s.%09ld %s", date, static_cast<long>(t.tv_nsec), zone);
  return buf;
}

bool parse_mode(const std::string& spec, mode_t old, bool is_dir, mode_t umask, mode_t& out) {
  if (spec.empty()) return false;
  if (spec.find_first_not_of("01234567") == std::string::npos) {
    if (spec.size() > 4) return false;
    out = static_cast<mode_t>(std::stoul(spec, nullptr, 8));
    // As GNU chmod: a directory keeps its set-id bits unless five digits name them.
    if (is_dir && spec.size() < 5) out |= old & (S_ISUID | S_ISGID);
    return true;
  }
  mode_t m = old & 07777;
  size_t i = 0;
  while (i <= spec.size()) {
    // who
    mode_t who = 0;
    bool who_given = false;
    for (; i < spec.size() && std::string("ugoa").find(spec[i]) != std::string::npos; ++i) {
      who_given = true;
      switch (spec[i]) {
        case 'u': who |= S_ISUID | S_IRWXU; break;
        case 'g': who |= S_ISGID | S_IRWXG; break;
        case 'o': who |= S_IRWXO; break;
        default: who |= S_ISUID | S_ISGID | S_ISVTX | 0777; break;
      }
    }
    if (!who_given) who = S_ISUID | S_ISGID | S_ISVTX | 0777;
    if (i >= spec.size() || std::string("+-=").find(spec[i]) == std::string::npos) return false;
    while (i < spec.size() && std::string("+-=").find(spec[i]) != std::string::npos) {
      char op = spec[i++];
      mode_t perm = 0;
      for (; i < spec.size() && std::string("rwxXstugo").find(spec[i]) != std::string::npos; ++i) {
        switch (spec[i]) {
          case 'r': perm |= 0444; break;
          case 'w': perm |= 0222; break;
          case 'x': perm |= 0111; break;
          case 'X': if (is_dir || (old & 0111)) perm |= 0111; break;
          case 's': perm |= S_ISUID | S_ISGID; break;
          case 't': perm |= S_ISVTX; break;
          case 'u': perm |= ((m & S_IRWXU) >> 6) * 0111; break;
          case 'g': perm |= ((m & S_IRWXG) >> 3) * 0111; break;
          case 'o': perm |= (m & S_IRWXO) * 0111; break;
          default: break;
        }
      }
      perm &= who;
      if (!who_given) perm &= ~umask;  // "+x" without "a": the umask's bits stay as they are
      if (op == '+') m |= perm;
      if (op == '-') m &= ~perm;
      // "=" clears what it names, but a directory keeps its set-id bits (as GNU chmod).
      if (op == '=') m = (m & ~(who & ~(is_dir ? S_ISUID | S_ISGID : 0))) | perm;
    }
    if (i == spec.size()) break;
    if (spec[i] != ',') return false;
    ++i;
  }
  out = m;
  return true;
}

}  // namespace fsu
