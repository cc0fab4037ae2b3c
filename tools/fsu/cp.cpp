// fsu_cp (image to image), fsu_get (image to host), fsu_put (host to image) and fsu_ecp (either
// way: -g gets, otherwise puts), all with cp's rules (copy.h).
#include "tools/fsu/args.h"
#include "tools/fsu/copy.h"
#include "tools/fsu/fs.h"
#include "tools/fsu/fsu.h"

namespace fsu {
namespace {

enum class Dir { kImageToImage, kGet, kPut, kEither };

int copy_command(Context& ctx, const Args& args, Dir dir) {
  Parsed p;
  std::vector<LongOpt> longs = {{"recursive", 'R', false}, {"preserve", 'p', false},
                                {"dereference", 'L', false}, {"archive", 'a', false}};
  if (!parse_args(ctx, args, dir == Dir::kEither ? "RrpLag" : "RrpLa", longs, p)) return 1;
  CopyOptions opt;
  opt.recursive = p.has('R') || p.has('r') || p.has('a');
  opt.preserve = p.has('p') || p.has('a');
  opt.deref = p.has('L');
  if (p.operands.size() < 2) {
    return ctx.fail(p.operands.empty() ? "missing file operand" : "missing destination operand", "");
  }
  std::vector<std::string> sources(p.operands.begin(), p.operands.end() - 1);
  HostFs host;
  KernelFs image;
  bool get = dir == Dir::kGet || (dir == Dir::kEither && p.has('g'));
  Fs& from = dir == Dir::kImageToImage || get ? static_cast<Fs&>(image) : host;
  Fs& to = dir == Dir::kImageToImage || !get ? static_cast<Fs&>(image) : host;
  return copy_operands(ctx, from, sources, to, p.operands.back(), opt);
}

}  // namespace

int cmd_cp(Context& ctx, const Args& args) { return copy_command(ctx, args, Dir::kImageToImage); }
int cmd_get(Context& ctx, const Args& args) { return copy_command(ctx, args, Dir::kGet); }
int cmd_put(Context& ctx, const Args& args) { return copy_command(ctx, args, Dir::kPut); }
int cmd_ecp(Context& ctx, const Args& args) { return copy_command(ctx, args, Dir::kEither); }

}  // namespace fsu
