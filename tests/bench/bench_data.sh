#!/bin/sh
# bench_data.sh - record-indexing speed against `wc -l` per layout and format:
#   tests/bench/bench_data.sh [MB] [BUILD_DIR]
# `lathe bench data` runs every case of issue 6 on generated alpaca JSONL;
# this adds the index case on MB megabytes (default 200) of sharegpt JSONL and
# of the alpaca records as one JSON array. Removes the files after.
set -eu
mb=${1:-200}
build=${2:-build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-data.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$build/tests/bench/gen_dataset" --format alpaca --mb "$mb" -o "$dir/alpaca.jsonl"
"$build/tests/bench/gen_dataset" --format sharegpt --mb "$mb" -o "$dir/sharegpt.jsonl"
{ echo "["; sed '$!s/$/,/' "$dir/alpaca.jsonl"; echo "]"; } >"$dir/alpaca.json"
rm "$dir/alpaca.jsonl"
for f in sharegpt.jsonl alpaca.json; do
    "$build/lathe" bench data -f "$dir/$f" --case index --json
done
