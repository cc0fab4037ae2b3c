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
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== ASan+UBSan: all tests"
ctest --test-dir "$build/asan" --output-on-failure -j"$jobs" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail=1
echo "== TSan: concurrency tests"
ctest --test-dir "$build/tsan" --output-on-failure -j"$jobs" -L concurrency 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail=1
echo "== fuzz targets (short runs)"
fuzz_pass=0
fuzz_fail=0
for f in "$build"/fuzz/bin/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  corpus=$(mktemp -d)
  if "$f" -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=0 "$corpus" >"$corpus.log" 2>&1; then
    echo "$name: ok ($(grep -c . "$corpus.log") log lines)"
    fuzz_pass=$((fuzz_pass + 1))
  else
    echo "$name: FAILED"; tail -n 40 "$corpus.log"; fail=1
    fuzz_fail=$((fuzz_fail + 1))
  fi
  rm -rf "$corpus" "$corpus.log"
done
# One closing line over all parts: ctest's counts plus the fuzz runs.
read -r passed failed < <(awk '/tests passed, [0-9]+ tests failed out of/ {
    total += $NF; failed += $(NF-5) } END { print total - failed, failed + 0 }' "$log")
passed=$((passed + fuzz_pass))
failed=$((failed + fuzz_fail))
if [ $fail -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a part failed before testing
echo "tests: $passed passed, $failed failed"
[ $fail -eq 0 ] || exit 1
