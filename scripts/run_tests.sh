#!/usr/bin/env bash
# Runs the whole test suite: every test of the ASan+UBSan build, the concurrency tests of the
# TSan build, and a short run of each fuzz target. Prints ctest's summary for each part and a
# final "N passed, N failed" line.
set -uo pipefail
build=${1:-build}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
jobs=$(nproc)
fail=0

echo "== ASan+UBSan: all tests"
ctest --test-dir "$build/asan" --output-on-failure -j"$jobs" || fail=1
echo "== TSan: concurrency tests"
ctest --test-dir "$build/tsan" --output-on-failure -j"$jobs" -L concurrency || fail=1
echo "== fuzz targets (short runs)"
for f in "$build"/fuzz/bin/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus=$(mktemp -d)
  if "$f" -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=0 "$corpus" >"$corpus.log" 2>&1; then
    echo "$name: ok ($(grep -c . "$corpus.log") log lines)"
  else
    echo "$name: FAILED"; tail -n 40 "$corpus.log"; fail=1
  fi
  rm -rf "$corpus" "$corpus.log"
done
if [ $fail -ne 0 ]; then echo "make test: FAILED"; exit 1; fi
echo "make test: all parts passed"
