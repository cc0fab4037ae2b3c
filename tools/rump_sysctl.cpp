// rump.sysctl — reads (and for the names that can be set, writes) state of the rump kernel at
// $RUMP_SERVER, with Linux's sysctl names. Only what the kernel's system calls expose is here:
// see --help.
#include <fcntl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "rump_tool.h"

namespace {
constexpr const char* kProg = "rump.sysctl";
constexpr const char* kUsage =
    "Usage: rump.sysctl [-n] [-a | name... | -w name=value...]\n"
    "Show state of the rump kernel at $RUMP_SERVER as \"name = value\".\n"
    "\n"
    "  -a          show every name (the default without names)\n"
    "  -n          print values only\n"
    "  -w          set name=value (kernel.hostname and kernel.domainname)\n"
    "      --help  display this help and exit\n"
    "\n"
    "Names: kernel.ostype, kernel.osrelease, kernel.version, kernel.arch, kernel.hostname,\n"
    "kernel.domainname, kernel.uptime (seconds since boot), kernel.realtime (the kernel's\n"
    "wall clock); and, read from the kernel's /proc when proc is mounted there\n"
    "(rump.mount -t proc proc /proc): vm.memtotal, vm.memfree, vm.buffers, vm.dirty (kB,\n"
    "from /proc/meminfo) and fs.mounts (one line per mount, from /proc/mounts).\n";

using Reader = bool (*)(std::string*);

bool read_uname(std::string* out, int field) {
  struct utsname u;
  if (rump_sys_uname(&u) != 0) return false;
  const char* v[] = {u.sysname, u.release, u.version, u.machine, u.nodename, u.domainname};
  *out = v[field];
  return true;
}
bool read_clock(std::string* out, clockid_t id) {
  struct timespec ts;
  if (rump_sys_clock_gettime(id, &ts) != 0) return false;
  char buf[64];
  snprintf(buf, sizeof buf, "%lld.%03ld", static_cast<long long>(ts.tv_sec), ts.tv_nsec / 1000000);
  *out = buf;
  return true;
}

// A whole file of the kernel's /proc. ENOENT when proc is not mounted at /proc.
bool read_proc(const char* file, std::string* out) {
  int fd = rump_sys_open(file, O_RDONLY);
  if (fd < 0) return false;
  out->clear();
  char buf[4096];
  ssize_t n;
  while ((n = rump_sys_read(fd, buf, sizeof buf)) > 0) out->append(buf, static_cast<size_t>(n));
  int e = errno;
  rump_sys_close(fd);
  errno = e;
  return n == 0;
}
// "Field:   1234 kB" of /proc/meminfo, as "1234".
bool read_meminfo(std::string* out, const char* field) {
  std::string text;
  if (!read_proc("/proc/meminfo", &text)) return false;
  size_t at = text.find(std::string(field) + ":");
  if (at == std::string::npos) {
    errno = ENOENT;
    return false;
  }
  at = text.find_first_not_of(" ", at + strlen(field) + 1);
  size_t end = text.find(' ', at);
  *out = text.substr(at, end - at);
  return true;
}
// Every line of /proc/mounts, each shown as its own "fs.mounts = line".
bool read_mounts(std::string* out) {
  if (!read_proc("/proc/mounts", out)) return false;
  if (!out->empty() && out->back() == '\n') out->pop_back();
  return true;
}

struct Name {
  const char* name;
  Reader read;
  int (*write)(const char* name, size_t len);  // nullptr: read-only
};
const Name kNames[] = {
    {"kernel.ostype", [](std::string* o) { return read_uname(o, 0); }, nullptr},
    {"kernel.osrelease", [](std::string* o) { return read_uname(o, 1); }, nullptr},
    {"kernel.version", [](std::string* o) { return read_uname(o, 2); }, nullptr},
    {"kernel.arch", [](std::string* o) { return read_uname(o, 3); }, nullptr},
    {"kernel.hostname", [](std::string* o) { return read_uname(o, 4); }, rump_sys_sethostname},
    {"kernel.domainname", [](std::string* o) { return read_uname(o, 5); },
     rump_sys_setdomainname},
    {"kernel.uptime", [](std::string* o) { return read_clock(o, CLOCK_BOOTTIME); }, nullptr},
    {"kernel.realtime", [](std::string* o) { return read_clock(o, CLOCK_REALTIME); }, nullptr},
    {"vm.memtotal", [](std::string* o) { return read_meminfo(o, "MemTotal"); }, nullptr},
    {"vm.memfree", [](std::string* o) { return read_meminfo(o, "MemFree"); }, nullptr},
    {"vm.buffers", [](std::string* o) { return read_meminfo(o, "Buffers"); }, nullptr},
    {"vm.dirty", [](std::string* o) { return read_meminfo(o, "Dirty"); }, nullptr},
    {"fs.mounts", read_mounts, nullptr},
};

bool from_proc(const Name& e) { return strncmp(e.name, "vm.", 3) == 0 || strcmp(e.name, "fs.mounts") == 0; }

const Name* find(const std::string& n) {
  for (const Name& e : kNames)
    if (n == e.name) return &e;
  return nullptr;
}

bool show(const Name& e, bool values_only) {
  std::string v;
  if (!e.read(&v)) {
    if (from_proc(e) && errno == ENOENT)
      fprintf(stderr, "%s: %s: no /proc in the kernel (rump.mount -t proc proc /proc)\n", kProg,
              e.name);
    else
      fprintf(stderr, "%s: %s: %s\n", kProg, e.name, strerror(errno));
    return false;
  }
  // A value of several lines (fs.mounts) is shown as one "name = line" per line.
  size_t at = 0;
  do {
    size_t nl = v.find('\n', at);
    std::string line = v.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (values_only) printf("%s\n", line.c_str());
    else printf("%s = %s\n", e.name, line.c_str());
    at = nl == std::string::npos ? v.size() + 1 : nl + 1;
  } while (at <= v.size());
  return true;
}
}  // namespace

int main(int argc, char** argv) {
  rk::tools::handle_help(argc, argv, kUsage);
  bool all = false, values_only = false, write = false;
  int c;
  while ((c = getopt(argc, argv, "anw")) != -1) {
    switch (c) {
      case 'a': all = true; break;
      case 'n': values_only = true; break;
      case 'w': write = true; break;
      default: rk::tools::bad_usage(kProg, "unknown option");
    }
  }
  if (write && optind == argc) rk::tools::bad_usage(kProg, "-w needs name=value");
  // Check every name before connecting: a typo is reported without touching the kernel.
  for (int i = optind; i < argc; ++i) {
    std::string arg = argv[i];
    std::string name = write ? arg.substr(0, arg.find('=')) : arg;
    const Name* e = find(name);
    if (e == nullptr) rk::tools::die(kProg, name.c_str(), "unknown name (see --help)");
    if (write && (arg.find('=') == std::string::npos || e->write == nullptr))
      rk::tools::die(kProg, arg.c_str(), e->write == nullptr ? "read-only" : "expected name=value");
  }
  rk::tools::connect_or_die(kProg);
  int status = 0;
  if (all || optind == argc) {
    // Everything there is: without a /proc in the kernel, the names read from it are left
    // out, with one line saying so.
    std::string probe;
    bool have_proc = read_proc("/proc/version", &probe);
    for (const Name& e : kNames)
      if ((have_proc || !from_proc(e)) && !show(e, values_only)) status = 1;
    if (!have_proc)
      fprintf(stderr, "%s: vm.*, fs.mounts: no /proc in the kernel (rump.mount -t proc proc /proc)\n",
              kProg);
    return status;
  }
  for (int i = optind; i < argc; ++i) {
    std::string arg = argv[i];
    if (write) {
      size_t eq = arg.find('=');
      const Name* e = find(arg.substr(0, eq));
      std::string value = arg.substr(eq + 1);
      if (e->write(value.c_str(), value.size()) != 0) {
        fprintf(stderr, "%s: %s: %s\n", kProg, e->name, strerror(errno));
        status = 1;
        continue;
      }
      if (!show(*e, values_only)) status = 1;
    } else if (!show(*find(arg), values_only)) {
      status = 1;
    }
  }
  return status;
}
