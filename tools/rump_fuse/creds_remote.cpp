// Credentials with a remote kernel (rump_fuse --server): the connection is one process of that
// kernel, with the credentials its server grants, and a client cannot make processes with
// others. Requests run as that process; the host kernel checks each caller's permissions
// against the files' modes (default_permissions), and files made for a caller are given to it
// when the process may (FsState::chown_created).
#include "tools/rump_fuse/creds.h"

namespace rump_fuse {

int become(const Cred&) { return 0; }

void release_thread() {}

}  // namespace rump_fuse
