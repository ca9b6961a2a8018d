#!/bin/sh
# bench_data.sh - record-indexing speed against `wc -l` on generated datasets:
#   tests/bench/bench_data.sh [MB] [BUILD_DIR]
# Generates MB megabytes (default 200) of alpaca and of sharegpt JSONL, plus
# the alpaca records as one JSON array, runs `lathe bench data --json` on each
# and removes the files. Needs a built tree (BUILD_DIR, default ./build).
set -eu
mb=${1:-200}
build=${2:-build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-data.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$build/tests/bench/gen_dataset" --format alpaca --mb "$mb" -o "$dir/alpaca.jsonl"
"$build/tests/bench/gen_dataset" --format sharegpt --mb "$mb" -o "$dir/sharegpt.jsonl"
{ echo "["; sed '$!s/$/,/' "$dir/alpaca.jsonl"; echo "]"; } >"$dir/alpaca.json"
for f in alpaca.jsonl sharegpt.jsonl alpaca.json; do
    "$build/lathe" bench data -f "$dir/$f" --json
done
