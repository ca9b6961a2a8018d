#!/bin/sh
# test_bench_data.sh - `lathe bench data` runs every case of issue 6 end to
# end on small generated files (--quick) and on a given file, and prints the
# documented JSON fields per case; the generator writes what it is asked for.
# Figures are not judged here (benchmarks belong to tests/bench/, not tests).
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
# line_of CASE: the JSON line of that case in stdout
line_of() { grep "\"case\":\"$1\"" "$out/stdout"; }
has_keys() {
    line=$(line_of "$1") || { diag "no case $1 in: $(cat "$out/stdout")"; return 1; }
    shift
    for k in bench case bytes records seconds baseline_seconds ratio figure value target \
        target_is pass loadavg "$@"; do
        echo "$line" | grep -q "\"$k\":" || { diag "$k missing in: $line"; return 1; }
    done
}
field_is() { line_of "$1" | grep -q "\"$2\":$3[,}]" || { diag "want $2=$3: $(line_of "$1")"; return 1; }; }
field_positive() {
    line_of "$1" | grep -qE "\"$2\":(0\.0*)?[1-9]" || { diag "want $2 > 0: $(line_of "$1")"; return 1; }
}

gen="$LATHE_BUILDDIR/tests/bench/gen_dataset"
check "the generator writes a number of rows" \
    status_is 0 "$gen" --format sharegpt --rows 700 --seed 3 -o "$out/s.jsonl"
check "exactly that many" test "$(wc -l <"$out/s.jsonl")" -eq 700

mkdir "$out/gen"
check "bench data --quick --json runs every case" \
    status_is 0 "$LATHE" bench data --quick --json --dir "$out/gen"
check "seven cases, one JSON object per line" \
    test "$(grep -c '^{"bench":"data",.*}$' "$out/stdout")" -eq 7
check "index-jsonl-4m: wc -l baseline and ratio" has_keys index-jsonl-4m mb_per_s
check "first-screen-10k: from opening to a frame with records" \
    has_keys first-screen-10k rows_on_first_screen
check "the first screen showed records" field_positive first-screen-10k rows_on_first_screen
check "frame-scroll-10k: frame time percentiles" \
    has_keys frame-scroll-10k frames p50_ms p99_ms max_ms cpu_p99_ms
check "over 300 scroll frames" field_is frame-scroll-10k frames 300
check "frame-search-10k: frames while typing and searching" \
    has_keys frame-search-10k frames p99_ms search_seconds search_rows
check "the search scanned every row" field_is frame-search-10k search_rows 10000
check "frame-filter-10k: frames while typing and filtering" \
    has_keys frame-filter-10k frames p99_ms filter_seconds filter_rows
check "stats-10k: the full stats pass" has_keys stats-10k stats_seconds tokens_exact tokens_templated
check "over every row" field_is stats-10k records 10000
check "rss-10k: peak memory against the budget" has_keys rss-10k peak_rss_mb rss_budget_mb
check "pass is true or false" sh -c "! grep -vqE '\"pass\":(true|false),' '$out/stdout'"
check "the generated files are removed" sh -c "[ -z \"\$(ls -A '$out/gen')\" ]"

check "text output: one judged line per case" \
    status_is 0 "$LATHE" bench data --quick --dir "$out/gen" --case frame
check "the three frame cases, PASS or MISS" \
    test "$(grep -cE '^data frame-(scroll|search|filter)-10k: .* (PASS|MISS);' "$out/stdout")" -eq 3

check "-f FILE --case index: only the index case" \
    status_is 0 "$LATHE" bench data -f "$out/s.jsonl" --case index --json
check "with the file's record count" \
    sh -c "[ \"\$(wc -l <'$out/stdout')\" -eq 1 ] && grep -q '\"case\":\"index-jsonl-.*\"records\":700,' '$out/stdout'"
check "-m VOCAB --case stats: the pane's template (ChatML, the vocab's own)" \
    status_is 0 "$LATHE" bench data -f "$out/s.jsonl" -m "$LATHE_SRCDIR/samples/data/vocab.gguf" --case stats --json
check "totals are trained lengths" grep -q '"tokens_exact":true,"tokens_templated":true' "$out/stdout"
{ echo "["; sed '$!s/$/,/' "$out/s.jsonl"; echo "]"; } >"$out/s.json"
check "a JSON array is its own case" \
    status_is 0 "$LATHE" bench data -f "$out/s.json" --case index --json
check "with the same record count" grep -q '"case":"index-array-.*"records":700,' "$out/stdout"
check "an unknown --format is a usage error" status_is 2 "$LATHE" bench data --format csv
check "--rows 0 is a usage error" status_is 2 "$LATHE" bench data --rows 0
check "a missing file fails" status_is 1 "$LATHE" bench data -f "$out/none.jsonl"
: >"$out/empty.jsonl"
check "an empty file fails (no records to show)" status_is 1 "$LATHE" bench data -f "$out/empty.jsonl"
check "an unwritable --dir fails" status_is 1 "$LATHE" bench data --quick --dir "$out/none/x"
tap_done
