#!/bin/sh
# bench_data_pane.sh - the Data pane in a real terminal, end to end:
#   tests/bench/bench_data_pane.sh [ROWS] [BUILD_DIR]
# `lathe bench data` times the pane in process (first screen, frames); this
# adds what only a terminal shows: the wall time from starting the lathe
# process in tmux to the first record on screen, and from a key (PgDn) to
# the screen showing its result (and, as a baseline, how long tmux takes to
# show a shell's echo), on a generated alpaca JSONL of ROWS rows
# (default 1000000). Needs tmux; removes the file after.
set -eu
rows=${1:-1000000}
build=${2:-build}
command -v tmux >/dev/null 2>&1 || { echo "bench_data_pane.sh: needs tmux"; exit 0; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-pane.XXXXXX")
sock=lathe-bench-$$
cleanup() { tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
"$build/tests/bench/gen_dataset" --format alpaca --rows "$rows" -o "$dir/big.jsonl"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# wait_for REGEX: polls the screen until a line matches, at most 10 s
wait_for() {
    until tmux -L "$sock" capture-pane -p -t b 2>/dev/null | grep -qE "$1"; do
        [ $(( $(ms) - t0 )) -lt 10000 ] || { echo "no '$1' on screen in 10 s"; exit 1; }
        sleep 0.005
    done
}
t0=$(ms)
tmux -L "$sock" -f /dev/null new-session -d -s b -x 120 -y 40 "echo tmux-is-up; sleep 60"
wait_for '^tmux-is-up'
echo "tmux: baseline, a shell's echo on screen: $(( $(ms) - t0 )) ms"
tmux -L "$sock" kill-server
t0=$(ms)
tmux -L "$sock" -f /dev/null new-session -d -s b -x 120 -y 40 \
    "env LANG=C.UTF-8 TERM=screen-256color '$build/lathe' '$dir/big.jsonl'"
wait_for '^ +1 alpaca'
echo "tmux: lathe started to first record on screen: $(( $(ms) - t0 )) ms"
t0=$(ms)
tmux -L "$sock" send-keys -t b NPage
wait_for '^ +3[0-9] alpaca'
echo "tmux: PgDn to the next page on screen: $(( $(ms) - t0 )) ms"
