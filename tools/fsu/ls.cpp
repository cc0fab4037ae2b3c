// fsu_ls: coreutils ls over the image (-l -a -A -d -i -h -n -1 -R -t -S -r -f, columns on a
// terminal).
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "tools/fsu/args.h"
#include "tools/fsu/format.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

struct Options {
  bool all = false, almost_all = false, dirs_as_files = false, inode = false, recursive = false,
       human = false, numeric = false, long_format = false, one_per_line = false,
       by_time = false, by_size = false, reverse = false, unsorted = false;
};

struct Entry {
  std::string name;  // as shown
  std::string path;  // to reach it
  struct stat st {};
  std::string target;  // of a symbolic link, for -l
};

class Lister {
 public:
  Lister(Context& ctx, const Options& o) : ctx_(ctx), o_(o), now_(std::time(nullptr)) {}

  int run(std::vector<std::string> operands);

 private:
  void sort(std::vector<Entry>& v) const;
  void print_entries(const std::vector<Entry>& v, bool total);
  void list_dir(const std::string& path, const std::string& header, bool show_header);
  void print_columns(const std::vector<Entry>& v);

  Context& ctx_;
  const Options& o_;
  time_t now_;
  KernelFs fs_;
  int status_ = 0;
  bool printed_ = false;  // something was printed: a directory header needs a blank line first
};

void Lister::sort(std::vector<Entry>& v) const {
  if (o_.unsorted) return;
  auto by_name = [](const Entry& a, const Entry& b) { return std::strcmp(a.name.c_str(), b.name.c_str()) < 0; };
  std::stable_sort(v.begin(), v.end(), [&](const Entry& a, const Entry& b) {
    if (o_.by_size && a.st.st_size != b.st.st_size) return a.st.st_size > b.st.st_size;
    if (o_.by_time) {
      if (a.st.st_mtim.tv_sec != b.st.st_mtim.tv_sec) return a.st.st_mtim.tv_sec > b.st.st_mtim.tv_sec;
      if (a.st.st_mtim.tv_nsec != b.st.st_mtim.tv_nsec) return a.st.st_mtim.tv_nsec > b.st.st_mtim.tv_nsec;
    }
    return by_name(a, b);
  });
  if (o_.reverse) std::reverse(v.begin(), v.end());
}

std::string size_field(const struct stat& st, bool human) {
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "";
  return human ? human_size(static_cast<uint64_t>(st.st_size)) : std::to_string(st.st_size);
}

// Names on a terminal as coreutils shows them (quoting style shell-escape): as they are when
// the shell would read them so, else in single quotes ('\'' for a quote), or in double quotes
// when only a single quote needs it; control characters as '?'. Off a terminal, as they are.
std::string shown_name(const std::string& name, bool tty, bool& quoted) {
  quoted = false;
  if (!tty) return name;
  auto safe = [](unsigned char c) {
    return std::isalnum(c) || std::strchr("%+,-./:=@_^", c) != nullptr || c >= 0x80;
  };
  bool plain = !name.empty() && name[0] != '~' && name[0] != '#';
  for (unsigned char c : name) plain = plain && safe(c);
  if (plain) return name;
  quoted = true;
  std::string n;
  for (char c : name) n += std::iscntrl(static_cast<unsigned char>(c)) ? '?' : c;
  if (n.find('\'') != std::string::npos && n.find_first_of("$`\\\"!") == std::string::npos) {
    return "\"" + n + "\"";
  }
  std::string r = "'";
  for (char c : n) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

void Lister::print_entries(const std::vector<Entry>& v_in, bool total) {
  FILE* out = ctx_.out;
  // Shown names: when some need quotes, the others get a space in front, so that they line up.
  std::vector<Entry> v = v_in;
  bool any_quoted = false;
  std::vector<bool> quoted(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    bool q;
    v[i].name = shown_name(v[i].name, ctx_.out_is_tty, q);
    quoted[i] = q;
    any_quoted = any_quoted || q;
    bool tq;
    if (!v[i].target.empty()) v[i].target = shown_name(v[i].target, ctx_.out_is_tty, tq);
  }
  bool one_per_line = !o_.long_format && (o_.one_per_line || !ctx_.out_is_tty || o_.inode);
  if (any_quoted && !one_per_line) {  // ls lines them up in columns and long listings only
    for (size_t i = 0; i < v.size(); ++i) {
      if (!quoted[i]) v[i].name = " " + v[i].name;
    }
  }
  size_t ino_w = 0;
  for (const Entry& e : v) ino_w = std::max(ino_w, std::to_string(e.st.st_ino).size());
  if (!o_.long_format) {
    if (one_per_line) {
      for (const Entry& e : v) {
        if (o_.inode) std::fprintf(out, "%*lu ", static_cast<int>(ino_w), static_cast<unsigned long>(e.st.st_ino));
        std::fprintf(out, "%s\n", e.name.c_str());
      }
    } else {
      print_columns(v);
    }
    return;
  }
  if (total) {
    uint64_t blocks = 0;
    for (const Entry& e : v) blocks += static_cast<uint64_t>(e.st.st_blocks);
    std::string t = o_.human ? human_size(blocks * 512) : std::to_string(kib_ceil(blocks * 512));
    std::fprintf(out, "total %s\n", t.c_str());
  }
  size_t link_w = 0, user_w = 0, group_w = 0, size_w = 0, major_w = 0, minor_w = 0;
  std::vector<std::string> users, groups;
  for (const Entry& e : v) {
    users.push_back(user_name(e.st.st_uid, o_.numeric));
    groups.push_back(group_name(e.st.st_gid, o_.numeric));
    link_w = std::max(link_w, std::to_string(e.st.st_nlink).size());
    user_w = std::max(user_w, users.back().size());
    group_w = std::max(group_w, groups.back().size());
    if (S_ISCHR(e.st.st_mode) || S_ISBLK(e.st.st_mode)) {
      major_w = std::max(major_w, std::to_string(major(e.st.st_rdev)).size());
      minor_w = std::max(minor_w, std::to_string(minor(e.st.st_rdev)).size());
    } else {
      size_w = std::max(size_w, size_field(e.st, o_.human).size());
    }
  }
  if (major_w) size_w = std::max(size_w, major_w + 2 + minor_w);
  for (size_t i = 0; i < v.size(); ++i) {
    const Entry& e = v[i];
    if (o_.inode) std::fprintf(out, "%*lu ", static_cast<int>(ino_w), static_cast<unsigned long>(e.st.st_ino));
    std::string size;
    if (S_ISCHR(e.st.st_mode) || S_ISBLK(e.st.st_mode)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%*u, %*u", static_cast<int>(major_w), major(e.st.st_rdev),
                    static_cast<int>(minor_w), minor(e.st.st_rdev));
      size = buf;
    } else {
      size = size_field(e.st, o_.human);
    }
    std::fprintf(out, "%s %*lu %-*s %-*s %*s %s %s", mode_string(e.st.st_mode).c_str(),
                 static_cast<int>(link_w), static_cast<unsigned long>(e.st.st_nlink),
                 static_cast<int>(user_w), users[i].c_str(), static_cast<int>(group_w),
                 groups[i].c_str(), static_cast<int>(size_w), size.c_str(),
                 ls_time(e.st.st_mtim, now_).c_str(), e.name.c_str());
    if (S_ISLNK(e.st.st_mode)) std::fprintf(out, " -> %s", e.target.c_str());
    std::fputc('\n', out);
  }
}

void Lister::print_columns(const std::vector<Entry>& v) {
  if (v.empty()) return;
  size_t width = 80;  // as ls: COLUMNS, then the terminal's own width
  if (const char* c = std::getenv("COLUMNS"); c && std::atoi(c) > 0) width = static_cast<size_t>(std::atoi(c));
  struct winsize ws;
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) width = ws.ws_col;
  size_t n = v.size(), cols = n, rows = 1;
  std::vector<size_t> colw;
  for (; cols >= 1; --cols) {
    rows = (n + cols - 1) / cols;
    cols = (n + rows - 1) / rows;
    colw.assign(cols, 0);
    for (size_t i = 0; i < n; ++i) colw[i / rows] = std::max(colw[i / rows], v[i].name.size());
    size_t total = 0;
    for (size_t c = 0; c < cols; ++c) total += colw[c] + (c + 1 < cols ? 2 : 0);
    if (total < width || cols == 1) break;
  }
  for (size_t r = 0; r < rows; ++r) {
    size_t pos = 0, target = 0;  // where we are on the line, where the next name starts
    for (size_t c = 0; c < cols; ++c) {
      size_t i = c * rows + r;
      if (i >= n) break;
      // Padding as ls makes it: tabs (every 8 columns) where they fit, spaces after.
      while (pos < target) {
        if (target / 8 > (pos + 1) / 8) {
          std::fputc('\t', ctx_.out);
          pos += 8 - pos % 8;
        } else {
          std::fputc(' ', ctx_.out);
          ++pos;
        }
      }
      std::fputs(v[i].name.c_str(), ctx_.out);
      pos += v[i].name.size();
      target += colw[c] + 2;
    }
    std::fputc('\n', ctx_.out);
  }
}

void Lister::list_dir(const std::string& path, const std::string& header, bool show_header) {
  std::vector<DirEntry> names;
  int err = fs_.readdir(path, names);
  if (show_header) {
    if (printed_) std::fputc('\n', ctx_.out);
    std::fprintf(ctx_.out, "%s:\n", header.c_str());
    printed_ = true;
  }
  if (err) {
    ctx_.fail(path, err);
    status_ = std::max(status_, 2);
    return;
  }
  std::vector<Entry> entries;
  if (o_.all) {
    names.insert(names.begin(), {DirEntry{".", 0, 0}, DirEntry{"..", 0, 0}});
  }
  for (const DirEntry& d : names) {
    if (d.name[0] == '.' && !o_.all && !o_.almost_all) continue;
    Entry e;
    e.name = d.name;
    e.path = join(path, d.name);
    // Names alone need no stat: the directory entry's type says which ones to descend into.
    bool need_stat = o_.long_format || o_.by_time || o_.by_size || o_.inode ||
                     (o_.recursive && d.type == DT_UNKNOWN);
    if (!need_stat) {
      e.st.st_mode = DTTOIF(d.type);
      entries.push_back(std::move(e));
      continue;
    }
    if (int serr = fs_.lstat(e.path, e.st)) {
      ctx_.fail(e.path, serr);
      status_ = std::max(status_, 1);
      continue;
    }
    if (o_.long_format && S_ISLNK(e.st.st_mode)) fs_.readlink(e.path, e.target);
    entries.push_back(std::move(e));
  }
  sort(entries);
  print_entries(entries, true);
  printed_ = true;
  if (!o_.recursive) return;
  for (const Entry& e : entries) {
    if (!S_ISDIR(e.st.st_mode) || e.name == "." || e.name == "..") continue;
    std::string sub = join(header, e.name);
    list_dir(e.path, sub, true);
  }
}

int Lister::run(std::vector<std::string> operands) {
  bool many = operands.size() > 1;
  if (operands.empty()) operands.push_back(".");
  std::vector<Entry> files, dirs;
  for (const std::string& op : operands) {
    Entry e;
    e.name = e.path = op;
    bool follow = !o_.long_format && !o_.dirs_as_files;
    int err = follow ? fs_.stat(op, e.st) : fs_.lstat(op, e.st);
    if (err == ENOENT && follow) err = fs_.lstat(op, e.st);  // a dangling link
    if (err) {
      ctx_.fail(op, err);
      status_ = 2;
      continue;
    }
    // With -l (or -d) a link named on the command line is shown as the link, as ls does.
    if (S_ISLNK(e.st.st_mode)) fs_.readlink(op, e.target);
    if (S_ISDIR(e.st.st_mode) && !o_.dirs_as_files) {
      dirs.push_back(std::move(e));
    } else {
      files.push_back(std::move(e));
    }
  }
  sort(files);
  sort(dirs);
  if (!files.empty()) {
    print_entries(files, false);
    printed_ = true;
  }
  for (const Entry& d : dirs) {
    list_dir(d.path, d.name, many || o_.recursive || !files.empty());
  }
  return status_;
}

}  // namespace

int cmd_ls(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "aAdiRhnl1tSrfC", {{"all", 'a', false}, {"almost-all", 'A', false},
                                                 {"directory", 'd', false}, {"inode", 'i', false},
                                                 {"recursive", 'R', false},
                                                 {"human-readable", 'h', false},
                                                 {"numeric-uid-gid", 'n', false},
                                                 {"reverse", 'r', false}},
                  p)) {
    return 2;
  }
  Options o;
  for (const auto& [k, v] : p.opts) {
    switch (k) {
      case 'a': o.all = true; break;
      case 'A': o.almost_all = true; break;
      case 'd': o.dirs_as_files = true; break;
      case 'i': o.inode = true; break;
      case 'R': o.recursive = true; break;
      case 'h': o.human = true; break;
      case 'n': o.numeric = o.long_format = true; break;
      case 'l': o.long_format = true; o.one_per_line = false; break;
      case '1': o.one_per_line = true; o.long_format = false; break;
      case 'C': o.one_per_line = o.long_format = false; break;
      case 't': o.by_time = true; break;
      case 'S': o.by_size = true; break;
      case 'r': o.reverse = true; break;
      case 'f': o.unsorted = o.all = true; break;
      default: break;
    }
  }
  Lister l(ctx, o);
  return l.run(p.operands);
}

}  // namespace fsu
