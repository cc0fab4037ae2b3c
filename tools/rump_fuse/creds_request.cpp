#include <fuse_lowlevel.h>

#include <algorithm>

#include "tools/rump_fuse/creds.h"

namespace rump_fuse {

Cred request_cred(fuse_req* req) {
  const fuse_ctx* ctx = fuse_req_ctx(req);
  Cred c;
  c.uid = ctx->uid;
  c.gid = ctx->gid;
  if (c.uid != 0) {
    gid_t groups[64];
    int n = fuse_req_getgroups(req, 64, groups);
    if (n > 64) n = 64;
    if (n > 0) {
      c.groups.assign(groups, groups + n);
      std::sort(c.groups.begin(), c.groups.end());
    }
  }
  return c;
}

}  // namespace rump_fuse
