// rump_server — a rump kernel in a process of its own, serving remote clients (docs/SERVER.md),
// as NetBSD's rump_server(1). rump_allserver is the same program with every component linked.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "rump/rump.h"
#include "sysproxy/server.h"

namespace {

const char* g_prog = "rump_server";

void usage(FILE* f) {
  fprintf(f,
          "Usage: %s [-sv] [-c ncpu] [-d drivespec] [-l component] [-r memlimit]\n"
          "       %*s [-u uid[:gid]] URL\n"
          "Boot a rump kernel and serve it to remote clients at URL: unix://path,\n"
          "unix:///absolute/path (socket mode 0600), tcp://127.0.0.1:port or tcp://[::1]:port.\n"
          "Without -s it goes to the background once it is ready to serve.\n"
          "\n"
          "  -c ncpu       virtual CPUs (a number, or \"host\"); default RUMP_NCPU or 2\n"
          "  -d drivespec  key=/dev/name,hostpath=file,size=host|N[,offset=N][,type=blk|chr|reg]\n"
          "                [,cache=durable|host]\n"
          "                show a host file in the kernel (etfs); size=N creates or extends the\n"
          "                file to N bytes (k/m/g suffixes); type defaults to blk\n"
          "  -l component  load a component library first (\"tmpfs\", \"librumpfs_ext2.so\")\n"
          "  -r memlimit   most memory the kernel may allocate (bytes, k/m/g, or N%%)\n"
          "  -s            stay in the foreground\n"
          "  -u uid[:gid]  clients run as uid (and gid, default uid) instead of root\n"
          "  -v            print the kernel's boot messages and protocol errors\n"
          "      --help    display this help and exit\n"
          "\n"
          "SIGTERM, SIGINT or rump.halt shut it down: file systems are synced and unmounted.\n",
          g_prog, static_cast<int>(strlen(g_prog)), "");
}

[[noreturn]] void die(const std::string& what, const std::string& why) {
  fprintf(stderr, "%s: %s: %s\n", g_prog, what.c_str(), why.c_str());
  exit(1);
}

bool parse_size(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  char* end;
  errno = 0;
  unsigned long long v = strtoull(s.c_str(), &end, 10);
  if (errno != 0 || end == s.c_str()) return false;
  uint64_t mult = 1;
  if (*end == 'k' || *end == 'K') mult = 1ull << 10, ++end;
  else if (*end == 'm' || *end == 'M') mult = 1ull << 20, ++end;
  else if (*end == 'g' || *end == 'G') mult = 1ull << 30, ++end;
  if (*end != '\0' || v > UINT64_MAX / mult) return false;
  *out = v * mult;
  return true;
}

struct Drive {
  std::string spec, key, hostpath;
  bool size_host = true;
  uint64_t size = 0, offset = 0;
  rump_etfs_type type = RUMP_ETFS_BLK;
  rump_etfs_cache cache = RUMP_ETFS_CACHE_DURABLE;
};

Drive parse_drive(const std::string& spec) {
  Drive d;
  d.spec = spec;
  bool have_size = false;
  size_t at = 0;
  while (at <= spec.size()) {
    size_t comma = spec.find(',', at);
    std::string item = spec.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    at = comma == std::string::npos ? spec.size() + 1 : comma + 1;
    size_t eq = item.find('=');
    if (eq == std::string::npos) die("-d " + spec, "expected key=value, got \"" + item + "\"");
    std::string k = item.substr(0, eq), v = item.substr(eq + 1);
    if (k == "key") d.key = v;
    else if (k == "hostpath") d.hostpath = v;
    else if (k == "size") {
      have_size = true;
      d.size_host = v == "host";
      if (!d.size_host && !parse_size(v, &d.size)) die("-d " + spec, "bad size " + v);
    } else if (k == "offset") {
      if (!parse_size(v, &d.offset)) die("-d " + spec, "bad offset " + v);
    } else if (k == "type") {
      if (v == "blk") d.type = RUMP_ETFS_BLK;
      else if (v == "chr") d.type = RUMP_ETFS_CHR;
      else if (v == "reg") d.type = RUMP_ETFS_REG;
      else die("-d " + spec, "type must be blk, chr or reg, not " + v);
    } else if (k == "cache") {
      if (v == "durable") d.cache = RUMP_ETFS_CACHE_DURABLE;
      else if (v == "host") d.cache = RUMP_ETFS_CACHE_HOST;
      else die("-d " + spec, "cache must be durable or host, not " + v);
    } else {
      die("-d " + spec, "unknown key \"" + k + "\" (key, hostpath, size, offset, type, cache)");
    }
  }
  if (d.key.empty() || d.hostpath.empty() || !have_size)
    die("-d " + spec, "key=, hostpath= and size= are required");
  if (d.cache != RUMP_ETFS_CACHE_DURABLE && d.type != RUMP_ETFS_BLK)
    die("-d " + spec, "cache= is for block devices (type=blk)");
  return d;
}

// size=N: the host file is created or extended to offset+N bytes, as NetBSD's rump_server does.
void prepare_drive(const Drive& d) {
  if (d.size_host) return;
  int fd = open(d.hostpath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) die(d.hostpath, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) < d.offset + d.size &&
      ftruncate(fd, static_cast<off_t>(d.offset + d.size)) != 0)
    die(d.hostpath, strerror(errno));
  close(fd);
}

// Without -s: the parent waits for the child to be ready (or to fail) and exits accordingly,
// so that a script can use the server as soon as rump_server returns.
int g_ready_fd = -1;

void daemonize() {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) die("pipe", strerror(errno));
  pid_t pid = fork();
  if (pid < 0) die("fork", strerror(errno));
  if (pid > 0) {
    close(p[1]);
    char status = 1;
    ssize_t n;
    do n = read(p[0], &status, 1);
    while (n < 0 && errno == EINTR);
    _exit(n == 1 && status == 0 ? 0 : 1);  // the child printed why it failed
  }
  close(p[0]);
  setsid();
  g_ready_fd = p[1];
}

void ready(bool verbose) {
  if (g_ready_fd < 0) return;
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    if (!verbose) dup2(null, 2);
    close(null);
  }
  char ok = 0;
  ssize_t n = write(g_ready_fd, &ok, 1);
  (void)n;
  close(g_ready_fd);
  g_ready_fd = -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* slash = strrchr(argv[0], '/')) g_prog = slash + 1;
  else g_prog = argv[0];
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(argv[i], "--") == 0) break;
  }
  bool foreground = false, verbose = false;
  std::vector<Drive> drives;
  std::vector<std::string> components;
  rk::sysproxy::ServerOptions opts;
  int c;
  while ((c = getopt(argc, argv, "c:d:l:r:su:v")) != -1) {
    switch (c) {
      case 'c': setenv("RUMP_NCPU", optarg, 1); break;
      case 'd': drives.push_back(parse_drive(optarg)); break;
      case 'l': components.emplace_back(optarg); break;
      case 'r': setenv("RUMP_MEMLIMIT", optarg, 1); break;
      case 's': foreground = true; break;
      case 'u': {
        char* end;
        errno = 0;
        unsigned long uid = strtoul(optarg, &end, 10);
        unsigned long gid = uid;
        if (*end == ':') gid = strtoul(end + 1, &end, 10);
        if (errno != 0 || *end != '\0' || end == optarg || uid > 0xfffffffeul ||
            gid > 0xfffffffeul)
          die(std::string("-u ") + optarg, "expected uid or uid:gid");
        opts.drop_creds = true;
        opts.uid = static_cast<uint32_t>(uid);
        opts.gid = static_cast<uint32_t>(gid);
        break;
      }
      case 'v': verbose = true; break;
      default:
        fprintf(stderr, "Try '%s --help' for more information.\n", g_prog);
        return 1;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", g_prog,
            optind == argc ? "missing URL" : "too many arguments", g_prog);
    return 1;
  }
  const char* url = argv[optind];
  opts.verbose = verbose;
  if (verbose) setenv("RUMP_VERBOSE", "1", 1);

  if (!foreground) daemonize();

  // Signals are taken through a descriptor: block them before any thread exists.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
  if (sfd < 0) die("signalfd", strerror(errno));

  // A component that does not load has said why on stderr already (one line).
  for (const std::string& name : components)
    if (rump_pub_component_load(name.c_str()) != 0) exit(1);
  if (int e = rump_init(); e != 0) die("cannot boot the kernel", strerror(e));
  rump_kernel* k = rump_kernel_current();
  for (const Drive& d : drives) {
    prepare_drive(d);
    uint64_t size = d.size_host ? RUMP_ETFS_SIZE_ENDOFF : d.size;
    if (int e = rump_pub_etfs_register_withsize(d.key.c_str(), d.hostpath.c_str(), d.type,
                                                d.offset, size);
        e != 0)
      die("-d " + d.spec, strerror(e));
    if (d.cache != RUMP_ETFS_CACHE_DURABLE) {
      if (int e = rump_pub_etfs_set_cache(d.key.c_str(), d.cache); e != 0)
        die("-d " + d.spec, strerror(e));
    }
  }
  std::string why;
  auto server = rk::sysproxy::Server::create(k, url, opts, &why);
  if (!server.ok()) die(url, why);

  ready(verbose);
  for (;;) {
    pollfd fds[2] = {{sfd, POLLIN, 0}, {server.value()->halt_fd(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if ((fds[0].revents & POLLIN) || (fds[1].revents & POLLIN)) break;
  }
  server.value()->stop();
  // Syncs and unmounts the file systems (a kernel halted by rump.halt did so already).
  rump_kernel_destroy(k);
  return 0;
}
