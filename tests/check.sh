#!/bin/sh
# check.sh - the whole test suite, as the README and .ci/run run it.
#
# build/ (configured with the defaults, so -Werror) runs `make distcheck`:
# the tarball, built out of tree from its read-only sources with -Werror,
# runs the full plain suite (make check) there, so the plain suite runs once.
# Then two more out-of-tree builds: build-asan/ (ASan+UBSan, make check) and
# build-tsan/ (ThreadSanitizer, the threaded tests); then every libFuzzer
# target, two at a time (make -j2 fuzz-run), for FUZZ_SECONDS each (default
# 20: in CI fuzzing is a regression smoke from the committed seed corpus;
# fuzz longer by hand). Prints a summary line per tree and a
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
    [ -f "$log" ] && summary "$dir" "$log"
}

# summary NAME LOG: adds the counts of LOG's automake "# PASS:" ... lines.
summary() {
    p=$(( $(count PASS "$2") + $(count XFAIL "$2") ))
    f=$(( $(count FAIL "$2") + $(count XPASS "$2") + $(count ERROR "$2") ))
    s=$(count SKIP "$2")
    echo "check.sh: $1: $p passed, $f failed, $s skipped"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# The plain tree: make distcheck's make check is the plain suite; its counts
# come from the summary it prints. A failure outside the tests (the build,
# dist, install, distclean) counts as one more.
distcheck() {
    mkdir -p build
    log=build/distcheck.log
    rm -f "$log"
    if { [ -f build/Makefile ] || (cd build && "$src/configure" -q); } &&
       make -C build -j"$jobs" distcheck >"$log" 2>&1; then
        summary "build (make distcheck)" "$log"
        echo "check.sh: make distcheck passed"
    else
        before=$failed
        grep -q '^# TOTAL:' "$log" 2>/dev/null && summary "build (make distcheck)" "$log"
        echo "check.sh: make distcheck FAILED (see build/distcheck.log and" \
             "build/lathe-*/_build/sub/test-suite.log):"
        grep -E '^(FAIL|ERROR|XPASS):' "$log" 2>/dev/null
        tail -n 30 "$log" 2>/dev/null
        [ "$failed" -gt "$before" ] || failed=$((failed + 1))
    fi
}

distcheck
tree build-asan check --enable-sanitizers
tree build-tsan check-threaded --enable-tsan
make -C build -j"$jobs" fuzz >build/fuzz.log 2>&1
if make -C build -j"$jobs" fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-20}" >>build/fuzz.log 2>&1; then
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
