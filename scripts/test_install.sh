#!/usr/bin/env bash
# Installs the build into a fresh prefix, builds examples/two_kernels.c with nothing but the
# installed headers and `pkg-config rump-all`, and runs it.
set -euo pipefail
build=$1
src=$2
sanitize=${3:-}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
pcdir=$(dirname "$(find "$prefix" -name rump-all.pc | head -n 1)")
export PKG_CONFIG_PATH=$pcdir
flags=$(pkg-config --cflags --libs rump-all)
extra=()
[ -n "$sanitize" ] && extra=(-fsanitize="$sanitize")
# Only the installed headers: the source tree is not on the include path.
cc -std=c11 -Wall -Wextra -Werror "${extra[@]}" "$src/examples/two_kernels.c" $flags -pthread \
  -o "$prefix/two_kernels"
echo "built with: cc two_kernels.c $flags -pthread"
"$prefix/two_kernels"
