// Record locks: fcntl's POSIX locks (F_GETLK, F_SETLK, F_SETLKW) and open file description
// locks (F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW), with Linux's semantics.
//
// Each vnode has its list of locks (a RecordLocks, made on the first lock and freed with the
// vnode). A POSIX lock belongs to a process: it goes when the process closes any descriptor
// of the file (File::on_close -> record_locks_release) or exits. An OFD lock belongs to the
// open file: it goes when the file's last reference does (record_locks_release_file). Locks of
// different owners conflict (a write lock with any other lock over the same bytes) even within
// one process; an owner's own locks are split, merged and converted.
//
// Deadlock detection (EDEADLK for F_SETLKW) follows chains of POSIX owners waiting for each
// other on the same vnode.
#pragma once

#include <cstdint>

#include "kern/lib/result.h"
#include "kern/proc.h"

namespace rk::kern {
class File;
class Kernel;
class Lwp;
}  // namespace rk::kern

namespace rk::vfs {

class RecordLocks;
class Vnode;
class VnodeFile;

// struct flock as x86-64 Linux lays it out (32 bytes with padding).
struct Flock {
  int16_t l_type;
  int16_t l_whence;
  int64_t l_start;
  int64_t l_len;
  int32_t l_pid;
};
static_assert(sizeof(Flock) == 32);

inline constexpr int16_t kFRdlck = 0;
inline constexpr int16_t kFWrlck = 1;
inline constexpr int16_t kFUnlck = 2;

// fcntl commands.
inline constexpr int kFGetlk = 5;
inline constexpr int kFSetlk = 6;
inline constexpr int kFSetlkw = 7;
inline constexpr int kFOfdGetlk = 36;
inline constexpr int kFOfdSetlk = 37;
inline constexpr int kFOfdSetlkw = 38;

// Runs a lock command (one of the six above) for l's process on the open vnode f. `fl` holds
// what the client passed and, for the GETLK commands, receives the answer. Errors as Linux's:
// EINVAL (l_type, l_whence, a range before offset 0, l_pid != 0 for OFD commands), EOVERFLOW,
// EBADF (F_RDLCK without read access, F_WRLCK without write access), EAGAIN (F_SETLK on a
// conflict), EDEADLK (F_SETLKW that would wait for itself), ENOLCK (out of memory). F_SETLKW
// blocks (giving the CPU back) until the lock can be had, or answers EINTR once l's process is
// interrupted (Proc::interrupt: a remote client that is gone), within 50 ms.
Result<void> record_lock(kern::Lwp& l, VnodeFile& f, int cmd, Flock& fl);

// Drops every POSIX lock process pid holds on v (it closed a descriptor of v, or exited).
// Wakes those waiting. Never blocks for long; takes only v's lock list lock.
void record_locks_release(Vnode& v, kern::Pid pid);
// Drops every OFD lock the open file f holds on v (f's last reference went).
void record_locks_release_file(Vnode& v, const kern::File& f);

// Frees v's lock list (from ~Vnode: nobody can reach it any more).
void record_locks_free(kern::Kernel& k, RecordLocks* rl);

}  // namespace rk::vfs
