#!/usr/bin/env bash
# Checks the rules of DESIGN.md §2 that a compiler alone does not enforce.
#   check_kernel_code.sh layering  SRC          kernel code includes no host header
#   check_kernel_code.sh flags     SRC BUILD    kernel code is built -fno-exceptions -fno-rtti
#   check_kernel_code.sh tsa       SRC          clang -Wthread-safety -Werror over kernel code
#   check_kernel_code.sh headers   SRC          each header compiles on its own
set -euo pipefail
what=$1
src=$2
cd "$src"
kernel_dirs=(kern vfs fs net dev)
existing=()
for d in "${kernel_dirs[@]}"; do [ -d "$d" ] && existing+=("$d"); done

# The allocation-free, host-independent standard headers kernel code may use.
allowed='^(cstddef|cstdint|cstdarg|climits|new|type_traits|utility|span|string_view|optional|atomic|bit|array|limits|algorithm|initializer_list|compare|concepts|tuple|numeric|iterator)$'

case $what in
layering)
  bad=0
  while IFS= read -r line; do
    file=${line%%:*}
    header=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*<([^>]+)>.*/\1/' <<<"$line")
    if ! grep -qE "$allowed" <<<"$header"; then
      echo "layering: $file includes <$header>: kernel code may not include host headers (DESIGN.md §2)"
      bad=1
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "${existing[@]}" --include='*.h' --include='*.cpp' || true)
  # Quoted includes must stay inside the kernel layers or name the hypercall interface.
  while IFS= read -r line; do
    file=${line%%:*}
    header=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/' <<<"$line")
    case $header in
      kern/*|vfs/*|fs/*|net/*|dev/*|rump/rumpuser.h) ;;
      *) echo "layering: $file includes \"$header\", which is outside the kernel layers"; bad=1 ;;
    esac
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "${existing[@]}" --include='*.h' --include='*.cpp' || true)
  # A lower layer never includes a higher one.
  if grep -rnE '#[[:space:]]*include[[:space:]]*"(vfs|fs|net|dev)/' kern --include='*.h' --include='*.cpp'; then
    echo "layering: kern/ includes a header of a layer above it"; bad=1
  fi
  [ $bad -eq 0 ] && echo "layering: ok (${existing[*]})"
  exit $bad
  ;;
flags)
  build=$3
  db="$build/compile_commands.json"
  [ -f "$db" ] || { echo "flags: $db missing"; exit 1; }
  python3 - "$db" "$src" "${existing[@]}" <<'PY'
import json, os, sys
db, src, dirs = sys.argv[1], os.path.realpath(sys.argv[2]), sys.argv[3:]
bad = 0
n = 0
for e in json.load(open(db)):
    f = os.path.realpath(e["file"])
    rel = os.path.relpath(f, src)
    if rel.split(os.sep)[0] not in dirs:
        continue
    n += 1
    cmd = e.get("command") or " ".join(e.get("arguments", []))
    for flag in ("-fno-exceptions", "-fno-rtti"):
        if flag not in cmd.split():
            print(f"flags: {rel} is compiled without {flag}")
            bad = 1
if n == 0:
    print("flags: no kernel sources found in the compile database")
    bad = 1
if not bad:
    print(f"flags: ok ({n} kernel sources)")
sys.exit(bad)
PY
  ;;
tsa)
  command -v clang++ >/dev/null || { echo "tsa: clang++ not installed"; exit 1; }
  bad=0
  n=0
  while IFS= read -r f; do
    n=$((n + 1))
    clang++ -std=c++20 -fsyntax-only -fno-exceptions -fno-rtti -Wall -Wextra -Wno-unused-parameter \
      -Wthread-safety -Werror -I. -Ihypercall/include "$f" || bad=1
  done < <(find "${existing[@]}" -name '*.cpp' | sort)
  [ $bad -eq 0 ] && echo "tsa: ok ($n files, clang -Wthread-safety -Werror)"
  exit $bad
  ;;
headers)
  bad=0
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for h in api/include/rump/*.h hypercall/include/rump/*.h; do
    printf '#include "%s"\n' "$PWD/$h" >"$tmp/c.c"
    cc -std=c11 -Wall -Wextra -Werror -fsyntax-only -Iapi/include -Ihypercall/include "$tmp/c.c" || { echo "headers: $h does not compile alone as C"; bad=1; }
    c++ -std=c++20 -Wall -Wextra -Werror -fsyntax-only -Iapi/include -Ihypercall/include -x c++ "$tmp/c.c" || { echo "headers: $h does not compile alone as C++"; bad=1; }
  done
  while IFS= read -r h; do
    printf '#include "%s"\n' "$h" >"$tmp/k.cpp"
    c++ -std=c++20 -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only -fno-exceptions -fno-rtti -I. -Ihypercall/include "$tmp/k.cpp" || { echo "headers: $h does not compile alone"; bad=1; }
  done < <(find "${existing[@]}" -name '*.h' | sort)
  [ $bad -eq 0 ] && echo "headers: ok"
  exit $bad
  ;;
*) echo "usage: $0 layering|flags|tsa|headers SRC [BUILD]" >&2; exit 2 ;;
esac
