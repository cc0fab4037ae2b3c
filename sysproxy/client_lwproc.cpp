// librumpclient's rump_pub_lwproc_*: one host program acting as several processes of the
// remote kernel, as a local client does with rump_lwproc(3). Each process is a RemoteClient
// of its own (its own connections, joined to its own kernel process); a thread's calls go to
// the one it was switched to.
#include <cerrno>
#include <memory>

#include "rump/rump.h"
#include "sysproxy/client_impl.h"

namespace rk::sysproxy {
namespace {

// The process the thread was bound to with rump_pub_lwproc_rfork/switch; owned by whoever
// holds the struct lwp* the API handed out, freed by rump_pub_lwproc_releaselwp.
thread_local RemoteClient* t_process = nullptr;

}  // namespace

RemoteClient* current_client() {
  RemoteClient* c = t_process;
  return c != nullptr ? c : g_client.load(std::memory_order_acquire);
}

void bind_thread(RemoteClient* c) { t_process = c; }

}  // namespace rk::sysproxy

using rk::sysproxy::RemoteClient;

// A struct lwp* of librumpclient is a RemoteClient: nothing else ever sees inside it.
extern "C" {

int rump_pub_lwproc_rfork(int flags) {
  if ((flags & RUMP_RFFDG) && (flags & RUMP_RFCFDG)) return EINVAL;
  // Sharing the parent's table would need two processes over one table in the kernel, which
  // the protocol cannot ask for.
  if (!(flags & (RUMP_RFFDG | RUMP_RFCFDG))) return EINVAL;
  RemoteClient* parent = rk::sysproxy::current_client();
  if (parent == nullptr) return ENXIO;
  std::unique_ptr<RemoteClient> child;
  uint32_t fork_flags = (flags & RUMP_RFCFDG) ? rk::sysproxy::kForkNoFds : 0;
  if (int e = parent->rfork(fork_flags, &child); e != 0) return e;
  rk::sysproxy::bind_thread(child.release());
  return 0;
}

// A process's further lwps would be RemoteClient connections joined to it; nothing needs them
// yet.
int rump_pub_lwproc_newlwp(pid_t) { return ENOSYS; }

void rump_pub_lwproc_switch(struct lwp* l) {
  rk::sysproxy::bind_thread(reinterpret_cast<RemoteClient*>(l));
}

void rump_pub_lwproc_releaselwp(void) {
  RemoteClient* c = rk::sysproxy::current_client();
  if (c == nullptr || c == rk::sysproxy::g_client.load()) return;
  rk::sysproxy::bind_thread(nullptr);
  c->end_process();
  delete c;
}

struct lwp* rump_pub_lwproc_curlwp(void) {
  RemoteClient* c = rk::sysproxy::current_client();
  if (c == nullptr || c == rk::sysproxy::g_client.load()) return nullptr;
  return reinterpret_cast<struct lwp*>(c);
}

}  // extern "C"
