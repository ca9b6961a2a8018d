#!/bin/sh
# check.sh - the whole test suite, as the README and .ci/run run it.
#
# Three out-of-tree builds: build/ (plain -Werror build, make check and
# make distcheck), build-asan/ (ASan+UBSan, make check) and build-tsan/
# (ThreadSanitizer, the threaded tests), then every libFuzzer target for
# FUZZ_SECONDS (default 60) from its committed seed corpus. Prints a summary line per tree and a
# final "N passed, N failed, N skipped"; exits non-zero on any failure.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src" || exit 1
: "${LATHE_REFERENCE_DIR:=$src/../shared/reference}"
export LATHE_REFERENCE_DIR
jobs=$(nproc 2>/dev/null || echo 2)
passed=0 failed=0 skipped=0

[ -x configure ] || autoreconf -fi || exit 1

count() { sed -n "s/^# $1: *//p" "$2" | head -n 1; }

# tree DIR TARGET CONFIGURE-FLAGS...
tree() {
    dir=$1 target=$2; shift 2
    mkdir -p "$dir"
    log=$dir/test-suite.log
    rm -f "$log"
    if ! { [ -f "$dir/Makefile" ] || (cd "$dir" && "$src/configure" -q "$@"); } ||
       ! make -s -C "$dir" -j"$jobs" >/dev/null ||
       ! make -C "$dir" -j"$jobs" "$target" ||
       [ ! -f "$log" ]; then
        [ -f "$log" ] || { echo "check.sh: $dir: build or harness failed"; failed=$((failed + 1)); }
    fi
    if [ -f "$log" ]; then
        p=$(( $(count PASS "$log") + $(count XFAIL "$log") ))
        f=$(( $(count FAIL "$log") + $(count XPASS "$log") + $(count ERROR "$log") ))
        s=$(count SKIP "$log")
        echo "check.sh: $dir: $p passed, $f failed, $s skipped"
        passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    fi
}

tree build check
tree build-asan check --enable-sanitizers
tree build-tsan check-threaded --enable-tsan
if make -C build -j"$jobs" distcheck >build/distcheck.log 2>&1; then
    echo "check.sh: make distcheck passed"
else
    echo "check.sh: make distcheck FAILED (see build/distcheck.log):"
    tail -n 30 build/distcheck.log
    failed=$((failed + 1))
fi
make -C build -j"$jobs" fuzz >build/fuzz.log 2>&1
if make -C build -j"$jobs" fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-60}" >>build/fuzz.log 2>&1; then
    echo "check.sh: fuzzing passed:"
    grep '^fuzz target' build/fuzz.log | sed 's/^/check.sh:   /'
    passed=$((passed + 1))
else
    echo "check.sh: fuzzing FAILED (see build/fuzz.log):"
    tail -n 40 build/fuzz.log
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
