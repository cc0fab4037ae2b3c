#include "kern/lib/errno.h"

namespace rk {

const char* errno_name(Errno e) {
  switch (e) {
    case Errno::kPerm: return "EPERM";
    case Errno::kNoEnt: return "ENOENT";
    case Errno::kSrch: return "ESRCH";
    case Errno::kIntr: return "EINTR";
    case Errno::kIo: return "EIO";
    case Errno::kNxio: return "ENXIO";
    case Errno::k2Big: return "E2BIG";
    case Errno::kBadF: return "EBADF";
    case Errno::kAgain: return "EAGAIN";
    case Errno::kNoMem: return "ENOMEM";
    case Errno::kAcces: return "EACCES";
    case Errno::kFault: return "EFAULT";
    case Errno::kBusy: return "EBUSY";
    case Errno::kExist: return "EEXIST";
    case Errno::kNotDir: return "ENOTDIR";
    case Errno::kIsDir: return "EISDIR";
    case Errno::kInval: return "EINVAL";
    case Errno::kMFile: return "EMFILE";
    case Errno::kNoSpc: return "ENOSPC";
    case Errno::kRoFs: return "EROFS";
    case Errno::kRange: return "ERANGE";
    case Errno::kDeadLk: return "EDEADLK";
    case Errno::kNameTooLong: return "ENAMETOOLONG";
    case Errno::kNoSys: return "ENOSYS";
    case Errno::kNotEmpty: return "ENOTEMPTY";
    case Errno::kLoop: return "ELOOP";
    case Errno::kOverflow: return "EOVERFLOW";
    case Errno::kOpNotSupp: return "EOPNOTSUPP";
    case Errno::kTimedOut: return "ETIMEDOUT";
    case Errno::kUClean: return "EUCLEAN";
    default: return "E?";
  }
}

}  // namespace rk
