#!/bin/sh
# test_bench_data.sh - `lathe bench data` runs end to end on a tiny generated
# file and on a given one, and prints the documented JSON fields; the
# generator writes JSONL that the index counts exactly. Figures are not
# judged here (benchmarks belong to tests/bench/, not to tests).
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
has_fields() {
    for f in '"bench":"data"' "\"case\":\"$1\"" '"bytes":' '"seconds":' '"baseline_seconds":' \
        '"ratio":' "\"records\":$2"; do
        grep -q "$f" "$out/stdout" || { diag "missing $f in: $(cat "$out/stdout")"; return 1; }
    done
}

gen="$LATHE_BUILDDIR/tests/bench/gen_dataset"
check "the generator writes 1 MB of sharegpt" \
    status_is 0 "$gen" --format sharegpt --mb 1 --seed 3 -o "$out/s.jsonl"
records=$(wc -l <"$out/s.jsonl")
check "bench data -f FILE --json" status_is 0 "$LATHE" bench data -f "$out/s.jsonl" --json
check "prints bench, case, bytes, seconds, baseline_seconds, ratio, records" \
    has_fields index-jsonl "$records"
{ echo "["; sed '$!s/$/,/' "$out/s.jsonl"; echo "]"; } >"$out/s.json"
check "a JSON array is its own case" status_is 0 "$LATHE" bench data -f "$out/s.json" --json
check "with the same record count" has_fields index-array "$records"
check "without -f it generates a file in TMPDIR" \
    status_is 0 env TMPDIR="$out" "$LATHE" bench data --mb 1 --json
check "and removes it" sh -c "! ls '$out'/lathe-bench-data-* 2>/dev/null | grep -q ."
check "an unknown --format is a usage error" status_is 2 "$LATHE" bench data --format csv
check "a missing file fails" status_is 1 "$LATHE" bench data -f "$out/none.jsonl"
tap_done
