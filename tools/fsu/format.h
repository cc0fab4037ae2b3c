// Text formats of coreutils shared by ls, stat, du and df.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>

namespace fsu {

// "drwxr-xr-x", with s/S/t/T for the set-id and sticky bits.
std::string mode_string(mode_t mode);
// stat's %F: "regular file", "directory", "symbolic link", ...
std::string file_type_name(const struct stat& st);
// coreutils' -h: powers of 1024, rounded up, one decimal below 10 ("4.0K", "12M", "999").
std::string human_size(uint64_t bytes);
// 1024-byte blocks, rounded up.
uint64_t kib_ceil(uint64_t bytes);
// The host's name for an id (what ls shows for a mounted file system), or the number.
std::string user_name(uid_t uid, bool numeric);
std::string group_name(gid_t gid, bool numeric);
// ls -l's time: "Nov 21 21:07" within six months before now, else "Nov 21  2025".
std::string ls_time(const struct timespec& t, time_t now);
// stat's time: "2026-11-21 21:07:02.647229093 +0000".
std::string full_time(const struct timespec& t);
// Parses an octal or symbolic mode (chmod's and mkdir -m's) applied to `old`; false if bad.
// `is_dir` matters for X.
bool parse_mode(const std::string& spec, mode_t old, bool is_dir, mode_t umask, mode_t& out);

}  // namespace fsu
