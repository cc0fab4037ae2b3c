// Pipes (pipe2): a bounded buffer between a read end and a write end, with Linux's semantics:
// reads block until data or end of file (no writers), writes block until room, up to PIPE_BUF
// bytes are written atomically, writing with no readers fails with EPIPE (there are no signals
// in a rump kernel), O_NONBLOCK gives EAGAIN.
#pragma once

#include "kern/file.h"
#include "kern/lib/ref.h"
#include "kern/lib/result.h"
#include "vfs/types.h"

namespace rk::vfs {

class PipeBuffer;

class PipeFile final : public kern::File {
 public:
  // Makes the two ends: ends[0] reads, ends[1] writes. flags: O_NONBLOCK, O_CLOEXEC (the latter
  // is the caller's business), O_DIRECT (packet mode; EINVAL if unsupported).
  static Result<void> create_pair(kern::Kernel& k, uint32_t flags, RefPtr<PipeFile> ends[2]);

  Kind kind() const override { return Kind::kPipe; }
  Result<void> read(kern::Lwp& l, kern::Uio& uio, bool positioned) override;
  Result<void> write(kern::Lwp& l, kern::Uio& uio, bool positioned) override;
  Result<int64_t> ioctl(kern::Lwp& l, unsigned long cmd, uint64_t arg) override;  // FIONREAD
  uint32_t poll(kern::Lwp& l, uint32_t events) override;
  // fstat: a FIFO owned by the creator, mode 0600, size 0 (as Linux reports it).
  Result<void> getattr(Vattr& va);

 protected:
  void free_self() override;
  void close_last() override;

 private:
  PipeFile(kern::Kernel& k, uint32_t flags, Ref<PipeBuffer> buf, bool write_end);
  Ref<PipeBuffer> buf_;
  const bool write_end_;
};

}  // namespace rk::vfs
