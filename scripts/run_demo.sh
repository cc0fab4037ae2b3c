#!/usr/bin/env bash
# make run: a rump kernel a newcomer can use at once. Boots rump_allserver on unix://rump.sock
# with a small ext2 demo disk mounted on /demo (and procfs on /proc), then says how to reach
# it. The server stays in the background until `rump.halt`.
set -euo pipefail
build=${1:-build/run}
bin=$build/bin
lib=$build/lib
demo=$build/demo
sock=rump.sock
export RUMP_SERVER=unix://$sock
export PATH=$PATH:/usr/sbin:/sbin

# An older server on the same socket goes first (its disk is synced by the halt).
if [ -S "$sock" ]; then "$bin/rump.halt" >/dev/null 2>&1 || rm -f "$sock"; fi

# The demo disk: a few files, a directory tree and a symbolic link, in an ext2 image made by
# mke2fs without root.
if [ ! -f "$demo/demo.img" ]; then
  rm -rf "$demo" && mkdir -p "$demo/tree/docs/notes"
  printf 'Hello from an ext2 image served by a rump kernel.\n' >"$demo/tree/hello.txt"
  cp README.md "$demo/tree/docs/README.md"
  seq 1 1000 >"$demo/tree/docs/notes/numbers.txt"
  ln -s docs/README.md "$demo/tree/readme"
  mke2fs -q -t ext2 -b 1024 -L demo -d "$demo/tree" "$demo/demo.img" 8M
fi

"$bin/rump_allserver" -d "key=/dev/demo,hostpath=$demo/demo.img,size=host" "$RUMP_SERVER"
hijack=$lib/librumphijack.so
LD_PRELOAD=$hijack mkdir -p /rump/demo /rump/proc
"$bin/rump.mount" -t ext2 /dev/demo /demo
"$bin/rump.mount" -t proc proc /proc

cat <<EOT

A rump kernel is running in the background (rump_allserver, pid $(pgrep -n -f "rump_allserver.*$sock" || echo '?')),
serving $RUMP_SERVER. Its tree has the demo disk ($demo/demo.img, ext2) on /demo.

  export RUMP_SERVER=$RUMP_SERVER PATH=\$PWD/$bin:\$PATH
  rump.sysctl                              # the kernel's state: hostname, memory, mounts
  rump.dmesg | tail                        # its messages
  LD_PRELOAD=\$PWD/$hijack ls -l /rump/demo          # unmodified programs, paths under /rump
  LD_PRELOAD=\$PWD/$hijack cat /rump/demo/hello.txt
  LD_PRELOAD=\$PWD/$hijack cp -a /etc/hostname /rump/demo/
  mkdir -p mnt && rump_fuse --server \$RUMP_SERVER /demo mnt   # on the host through FUSE
  ls -l mnt && fusermount3 -u mnt
  rump.halt                                # sync, unmount, stop

Without a server, the same image through fs-utils (each command boots its own kernel):

  $bin/fsu_ls $demo/demo.img -l /          # after rump.halt: one writer at a time
  $bin/fsu_cat $demo/demo.img /hello.txt

The tour of the C API: $bin/rump_tour
EOT
