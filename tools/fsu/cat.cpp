// fsu_cat (files of the image to stdout) and fsu_write (stdin to a file of the image).
#include <fcntl.h>
#include <rump/rump_syscalls.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "tools/fsu/args.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {
constexpr size_t kChunk = 1 << 16;
}

int cmd_cat(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "", {}, p)) return 1;
  if (p.operands.empty()) return ctx.fail("missing file operand", "");
  std::unique_ptr<char[]> buf(new char[kChunk]);
  int status = 0;
  for (const std::string& f : p.operands) {
    int fd = rump_sys_open(f.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      status = ctx.fail(f, errno);
      continue;
    }
    for (;;) {
      ssize_t n = rump_sys_read(fd, buf.get(), kChunk);
      if (n < 0) {
        status = ctx.fail(f, errno);
        break;
      }
      if (n == 0) break;
      if (std::fwrite(buf.get(), 1, static_cast<size_t>(n), ctx.out) != static_cast<size_t>(n)) {
        rump_sys_close(fd);
        return ctx.fail("write error", errno);
      }
    }
    rump_sys_close(fd);
  }
  if (std::fflush(ctx.out) != 0) return ctx.fail("write error", errno);
  return status;
}

int cmd_write(Context& ctx, const Args& args) {
  Parsed p;
  if (!parse_args(ctx, args, "a", {{"append", 'a', false}}, p)) return 1;
  if (p.operands.size() != 1) return ctx.fail(p.operands.empty() ? "missing file operand" : "too many operands", "");
  const std::string& f = p.operands[0];
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (p.has('a') ? O_APPEND : O_TRUNC);
  int fd = rump_sys_open(f.c_str(), flags, 0666);
  if (fd < 0) return ctx.fail(f, errno);
  std::unique_ptr<char[]> buf(new char[kChunk]);
  int status = 0;
  for (;;) {
    size_t n = std::fread(buf.get(), 1, kChunk, ctx.in);
    for (size_t done = 0; done < n;) {
      ssize_t w = rump_sys_write(fd, buf.get() + done, n - done);
      if (w < 0) {
        status = ctx.fail(f, errno);
        break;
      }
      done += static_cast<size_t>(w);
    }
    if (status || n < kChunk) break;
  }
  if (!status && std::ferror(ctx.in)) status = ctx.fail("standard input", errno);
  if (rump_sys_close(fd) < 0 && !status) status = ctx.fail(f, errno);
  return status;
}

}  // namespace fsu
