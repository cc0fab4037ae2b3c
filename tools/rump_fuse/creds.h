// Each FUSE request runs in a process of the kernel with the requester's credentials, so the
// kernel's own permission checks apply.
//
// One kernel process per distinct (uid, gid, supplementary groups), made on first use with
// rump_pub_lwproc_rfork: it shares the descriptor table of the local client (pid 1), where the
// open files of the FUSE handles live, and has umask 0 (the host has applied the caller's umask
// already). Its first lwp is never bound again and keeps it alive until the kernel goes; each
// worker thread gets an lwp of its own in it (rump_pub_lwproc_newlwp), kept per thread.
#pragma once

#include <sys/types.h>

#include <vector>

struct fuse_req;

namespace rump_fuse {

struct Cred {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // sorted
  bool operator==(const Cred&) const = default;
};

// The requester's credentials (with its supplementary groups, read from /proc by libfuse,
// unless it is root).
Cred request_cred(fuse_req* req);

// Binds the calling thread to an lwp with credentials `c`. 0 or an errno value.
int become(const Cred& c);

// Unbinds the calling thread and frees its lwps (at the end of a worker thread).
void release_thread();

}  // namespace rump_fuse
