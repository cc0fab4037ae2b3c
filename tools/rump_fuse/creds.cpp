#include "tools/rump_fuse/creds.h"

#include <fuse_lowlevel.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <mutex>
#include <utility>

namespace rump_fuse {
namespace {

using Key = std::pair<std::pair<uid_t, gid_t>, std::vector<gid_t>>;
Key key_of(const Cred& c) { return {{c.uid, c.gid}, c.groups}; }

std::mutex g_procs_lock;
std::map<Key, pid_t> g_procs;  // the kernel process of each credential

// A thread's lwps, one per credential it has served; freed when the thread ends.
struct ThreadLwps {
  std::map<Key, lwp*> lwps;
  lwp* current = nullptr;
  ~ThreadLwps() { release(); }
  void release() {
    for (auto& [k, l] : lwps) {
      rump_pub_lwproc_switch(l);
      rump_pub_lwproc_releaselwp();
    }
    lwps.clear();
    current = nullptr;
    rump_pub_lwproc_switch(nullptr);
  }
};
thread_local ThreadLwps t_lwps;

// Makes the process for `c`; the calling thread is left bound to nothing.
int make_process(const Cred& c, pid_t& pid) {
  rump_pub_lwproc_switch(nullptr);
  if (int err = rump_pub_lwproc_rfork(RUMP_RFFD_SHARE)) return err;
  int err = 0;
  rump_sys_umask(0);
  if (rump_sys_setgroups(c.groups.size(), c.groups.data()) < 0 ||
      rump_sys_setresgid(c.gid, c.gid, c.gid) < 0 || rump_sys_setresuid(c.uid, c.uid, c.uid) < 0) {
    err = errno;
  }
  pid = rump_sys_getpid();
  rump_pub_lwproc_switch(nullptr);  // the first lwp stays, unbound: it keeps the process
  return err;
}

}  // namespace

int become(const Cred& c) {
  Key k = key_of(c);
  auto it = t_lwps.lwps.find(k);
  if (it != t_lwps.lwps.end()) {
    if (t_lwps.current != it->second) {
      rump_pub_lwproc_switch(it->second);
      t_lwps.current = it->second;
    }
    return 0;
  }
  pid_t pid;
  {
    std::lock_guard g(g_procs_lock);
    auto p = g_procs.find(k);
    if (p == g_procs.end()) {
      if (int err = make_process(c, pid)) return err;
      g_procs.emplace(k, pid);
    } else {
      pid = p->second;
    }
  }
  rump_pub_lwproc_switch(nullptr);
  t_lwps.current = nullptr;
  if (int err = rump_pub_lwproc_newlwp(pid)) return err;
  t_lwps.current = rump_pub_lwproc_curlwp();
  t_lwps.lwps.emplace(k, t_lwps.current);
  return 0;
}

void release_thread() { t_lwps.release(); }

}  // namespace rump_fuse
