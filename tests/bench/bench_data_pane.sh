#!/bin/sh
# bench_data_pane.sh - the Data pane on a large generated file:
#   tests/bench/bench_data_pane.sh [ROWS_MB] [BUILD_DIR]
# Generates ROWS_MB megabytes of alpaca JSONL (default 740, about a million
# rows), runs `lathe bench data -f` on it (the in-process pane cases: first
# screen, frame times while paging, searching and filtering; then stats and
# memory), then opens it in a real terminal (tmux, when installed) and reports
# the wall time from starting lathe to the first record on screen, which the
# in-process figures cannot see. Removes the file after.
set -eu
mb=${1:-740}
build=${2:-build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-pane.XXXXXX")
sock=lathe-bench-$$
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
"$build/tests/bench/gen_dataset" --format alpaca --mb "$mb" -o "$dir/big.jsonl"
echo "rows: $(wc -l <"$dir/big.jsonl")"
"$build/lathe" bench data -f "$dir/big.jsonl"
command -v tmux >/dev/null 2>&1 || exit 0
ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(ms)
tmux -L "$sock" -f /dev/null new-session -d -s b -x 120 -y 40 \
    "env LANG=C.UTF-8 TERM=screen-256color '$build/lathe' '$dir/big.jsonl'"
until tmux -L "$sock" capture-pane -p -t b 2>/dev/null | grep -qE '^ +1 alpaca'; do
    [ $(( $(ms) - t0 )) -lt 10000 ] || { echo "no first screen in 10 s"; exit 1; }
    sleep 0.01
done
echo "tmux: lathe started to first record on screen: $(( $(ms) - t0 )) ms"
