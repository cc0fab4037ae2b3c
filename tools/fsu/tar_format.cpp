#include "tools/fsu/tar_format.h"

#include <cstdio>
#include <cstring>

namespace fsu::tar {
namespace {

void put_str(char* field, size_t len, const std::string& s) {
  std::memcpy(field, s.data(), std::min(len, s.size()));
}

// Octal, NUL-terminated, zero-padded to the field; false when it does not fit.
bool put_oct(char* field, size_t len, uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*llo", static_cast<int>(len - 1), static_cast<unsigned long long>(v));
  if (std::strlen(buf) > len - 1) return false;
  std::memcpy(field, buf, len - 1);
  field[len - 1] = '\0';
  return true;
}

bool get_num(const char* field, size_t len, uint64_t& v) {
  v = 0;
  if (static_cast<unsigned char>(field[0]) & 0x80) {  // GNU base-256
    for (size_t i = 1; i < len; ++i) v = v << 8 | static_cast<unsigned char>(field[i]);
    return true;
  }
  size_t i = 0;
  while (i < len && (field[i] == ' ' || field[i] == '\0')) {
    if (field[i] == '\0' && i + 1 == len) return true;
    ++i;
  }
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) v = v * 8 + static_cast<uint64_t>(field[i] - '0');
  for (; i < len; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return false;
  }
  return true;
}

std::string get_str(const char* field, size_t len) { return std::string(field, strnlen(field, len)); }

// One pax record: "LEN key=value\n", where LEN counts itself.
std::string pax_record(const std::string& key, const std::string& value) {
  size_t body = key.size() + value.size() + 3;  // space, '=', newline
  size_t len = body + 1;
  while (std::to_string(len).size() + body != len) ++len;
  return std::to_string(len) + " " + key + "=" + value + "\n";
}

void checksum(char* b) {
  std::memset(b + 148, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += static_cast<unsigned char>(b[i]);
  std::snprintf(b + 148, 8, "%06o", sum);
  b[155] = ' ';
}

std::vector<char> ustar(const Header& h, const std::string& name, const std::string& prefix,
                        const std::string& link, char type, uint64_t size) {
  std::vector<char> b(kBlock, 0);
  put_str(&b[0], 100, name);
  put_oct(&b[100], 8, h.mode & 07777);
  if (!put_oct(&b[108], 8, h.uid)) put_oct(&b[108], 8, 0);
  if (!put_oct(&b[116], 8, h.gid)) put_oct(&b[116], 8, 0);
  if (!put_oct(&b[124], 12, size)) put_oct(&b[124], 12, 0);
  put_oct(&b[136], 12, h.mtime < 0 ? 0 : static_cast<uint64_t>(h.mtime));
  b[156] = type;
  put_str(&b[157], 100, link);
  std::memcpy(&b[257], "ustar", 6);
  std::memcpy(&b[263], "00", 2);
  put_str(&b[265], 32, h.uname);
  put_str(&b[297], 32, h.gname);
  put_oct(&b[329], 8, h.devmajor);
  put_oct(&b[337], 8, h.devminor);
  put_str(&b[345], 155, prefix);
  checksum(b.data());
  return b;
}

}  // namespace

std::vector<char> encode(const Header& h) {
  std::string name = h.name, prefix;
  if (h.type == '5' && (name.empty() || name.back() != '/')) name += '/';
  bool name_fits = name.size() <= 100;
  if (!name_fits && name.size() <= 256) {
    // Split at a slash: prefix up to 155 bytes, name up to 100.
    for (size_t i = name.size() > 101 ? name.size() - 101 : 0; i < name.size() && i <= 155; ++i) {
      if (name[i] == '/' && i > 0 && name.size() - i - 1 <= 100 && name.size() - i - 1 > 0) {
        prefix = name.substr(0, i);
        name = name.substr(i + 1);
        name_fits = true;
        break;
      }
    }
  }
  std::string pax;
  if (!name_fits) pax += pax_record("path", h.name + (h.type == '5' && h.name.back() != '/' ? "/" : ""));
  if (h.linkname.size() > 100) pax += pax_record("linkpath", h.linkname);
  bool size_fits = h.size < (uint64_t{1} << 33);
  if (!size_fits) pax += pax_record("size", std::to_string(h.size));
  if (h.mtime_nsec) {
    char t[48];
    std::snprintf(t, sizeof t, "%lld.%09u", static_cast<long long>(h.mtime), h.mtime_nsec);
    pax += pax_record("mtime", t);
  }
  std::vector<char> out;
  if (!pax.empty()) {
    Header x;
    x.mode = 0644;
    x.mtime = h.mtime;
    std::string xname = "PaxHeaders/" + h.name.substr(0, std::min<size_t>(h.name.size(), 80));
    out = ustar(x, xname.substr(0, 100), "", "", 'x', pax.size());
    out.insert(out.end(), pax.begin(), pax.end());
    out.resize((out.size() + kBlock - 1) / kBlock * kBlock, 0);
  }
  if (!name_fits) {
    name = name.substr(0, 100);
    prefix.clear();
  }
  std::vector<char> main = ustar(h, name, prefix, h.linkname.substr(0, 100), h.type, size_fits ? h.size : 0);
  out.insert(out.end(), main.begin(), main.end());
  return out;
}

Decoder::Status Decoder::feed(const char* b, Header& out) {
  bool zero = true;
  for (size_t i = 0; i < kBlock && zero; ++i) zero = b[i] == 0;
  if (zero) return Status::kEnd;
  uint64_t sum;
  if (!get_num(b + 148, 8, sum)) {
    error_ = "bad header checksum";
    return Status::kError;
  }
  unsigned have = 0;
  for (size_t i = 0; i < kBlock; ++i) have += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(b[i]);
  if (have != sum) {
    error_ = "bad header checksum";
    return Status::kError;
  }
  uint64_t size, mode, uid, gid, mtime, maj, min;
  if (!get_num(b + 124, 12, size) || !get_num(b + 100, 8, mode) || !get_num(b + 108, 8, uid) ||
      !get_num(b + 116, 8, gid) || !get_num(b + 136, 12, mtime)) {
    error_ = "bad number in header";
    return Status::kError;
  }
  char type = b[156];
  if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
    if (size > (64u << 20)) {
      error_ = "extended header too large";
      return Status::kError;
    }
    ext_type_ = type;
    pending_ = size;
    return Status::kNeedData;
  }
  out = Header();
  std::string prefix = std::memcmp(b + 257, "ustar", 5) == 0 ? get_str(b + 345, 155) : "";
  out.name = prefix.empty() ? get_str(b, 100) : prefix + "/" + get_str(b, 100);
  out.linkname = get_str(b + 157, 100);
  out.type = type == '\0' || type == '7' ? '0' : type;
  out.mode = static_cast<mode_t>(mode & 07777);
  out.uid = static_cast<uid_t>(uid);
  out.gid = static_cast<gid_t>(gid);
  out.size = size;
  out.mtime = static_cast<int64_t>(mtime);
  out.uname = get_str(b + 265, 32);
  out.gname = get_str(b + 297, 32);
  get_num(b + 329, 8, maj);
  get_num(b + 337, 8, min);
  out.devmajor = static_cast<unsigned>(maj);
  out.devminor = static_cast<unsigned>(min);
  if (!path_.empty()) out.name = path_;
  if (!linkpath_.empty()) out.linkname = linkpath_;
  if (have_size_) out.size = size_;
  if (have_mtime_) {
    out.mtime = mtime_;
    out.mtime_nsec = mtime_nsec_;
  }
  path_.clear();
  linkpath_.clear();
  have_size_ = have_mtime_ = false;
  if (out.type == '5' || out.type == '1' || out.type == '2' || out.type == '3' || out.type == '4' ||
      out.type == '6') {
    if (out.type != '0') out.size = out.type == '5' ? 0 : out.size;
  }
  while (out.name.size() > 1 && out.name.back() == '/') out.name.pop_back();
  if (out.name.empty()) {
    error_ = "member without a name";
    return Status::kError;
  }
  return Status::kHeader;
}

Decoder::Status Decoder::feed_extension(const std::string& data) {
  pending_ = 0;
  if (ext_type_ == 'L' || ext_type_ == 'K') {
    (ext_type_ == 'L' ? path_ : linkpath_) = std::string(data.c_str(), strnlen(data.c_str(), data.size()));
    return Status::kNeedData;
  }
  if (ext_type_ == 'g') return Status::kNeedData;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t sp = data.find(' ', pos);
    if (sp == std::string::npos) break;
    uint64_t len = 0;
    for (size_t i = pos; i < sp; ++i) {
      if (data[i] < '0' || data[i] > '9') {
        error_ = "bad pax record";
        return Status::kError;
      }
      len = len * 10 + static_cast<uint64_t>(data[i] - '0');
    }
    if (len < sp - pos + 3 || pos + len > data.size()) {
      error_ = "bad pax record";
      return Status::kError;
    }
    std::string rec = data.substr(sp + 1, pos + len - sp - 2);  // without the newline
    pos += len;
    auto eq = rec.find('=');
    if (eq == std::string::npos) continue;
    std::string key = rec.substr(0, eq), value = rec.substr(eq + 1);
    if (key == "path") path_ = value;
    if (key == "linkpath") linkpath_ = value;
    if (key == "size") {
      size_ = std::strtoull(value.c_str(), nullptr, 10);
      have_size_ = true;
    }
    if (key == "mtime") {
      char* end = nullptr;
      mtime_ = std::strtoll(value.c_str(), &end, 10);
      mtime_nsec_ = 0;
      if (*end == '.') {
        std::string frac = std::string(end + 1).substr(0, 9);
        frac.resize(9, '0');
        mtime_nsec_ = static_cast<uint32_t>(std::strtoul(frac.c_str(), nullptr, 10));
      }
      have_mtime_ = true;
    }
  }
  return Status::kNeedData;
}

}  // namespace fsu::tar
