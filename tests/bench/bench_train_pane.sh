#!/bin/sh
# bench_train_pane.sh - what watching a run costs, on the sample config:
#   tests/bench/bench_train_pane.sh [STEPS] [KEYS] [BUILD_DIR]
# 1. Throughput: the same run of STEPS steps (default 40) headless and in the
#    workbench's Train pane (lathe train --tui in tmux, 120x40), twice each,
#    alternating; tokens/s from each summary.json, and the pane's cost as
#    1 - pane/headless of the means.
# 2. Key-to-screen latency while the run saturates the cores: KEYS presses
#    (default 60) of x, which flips the charts' x axis between steps and
#    tokens, each timed from send-keys until tmux's capture shows the new
#    legend; p50, p99 and max in ms. The figure includes tmux's own
#    send/capture round trips, so it is an upper bound.
# Needs tmux. Prints figures only; it asserts nothing.
set -eu
steps=${1:-40}
keys=${2:-60}
build=${3:-build}
lathe=$(cd "$build" && pwd)/lathe
cfg=$(cd "$(dirname "$0")/../.." && pwd)/samples/lora.yaml
command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed"; exit 0; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-train-pane.XXXXXX")
sock=lathe-bench-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { T kill-server 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
cd "$dir"
ms() { echo $(( $(date +%s%N) / 1000000 )); }
tps() { sed -n 's/.*"tokens_per_s": *\([0-9.]*\).*/\1/p' "$1/summary.json"; }
wait_file() {
    i=0
    until [ -f "$1" ]; do
        i=$((i + 1)); [ $i -lt 6000 ] || { echo "no $1 after 10 min"; exit 1; }
        sleep 0.1
    done
}
# The tokenized cache is built once, before anything is timed.
"$lathe" train "$cfg" --max-steps 1 --output runs/warm >/dev/null 2>&1

headless() { "$lathe" train "$cfg" --max-steps "$steps" --output "runs/$1" >/dev/null 2>&1; }
pane() {
    T new-session -d -s "$1" -x 120 -y 40 \
        "env LANG=C.UTF-8 TERM=screen-256color '$lathe' train '$cfg' --tui --max-steps $steps --output runs/$1"
    wait_file "runs/$1/summary.json"
    T send-keys -t "$1" q
    sleep 1
    T kill-session -t "$1" 2>/dev/null || true
}
headless h1; pane p1; headless h2; pane p2
h=$(printf '%s\n%s\n' "$(tps runs/h1)" "$(tps runs/h2)" | awk '{s+=$1} END {printf "%.1f", s/NR}')
p=$(printf '%s\n%s\n' "$(tps runs/p1)" "$(tps runs/p2)" | awk '{s+=$1} END {printf "%.1f", s/NR}')
echo "tokens/s headless: $(tps runs/h1) $(tps runs/h2) (mean $h)"
echo "tokens/s in the Train pane: $(tps runs/p1) $(tps runs/p2) (mean $p)"
echo "pane cost: $(awk -v h="$h" -v p="$p" 'BEGIN {printf "%.2f", (1 - p / h) * 100}') % of headless tokens/s"

# Latency: a long run keeps both cores busy meanwhile.
T new-session -d -s lat -x 120 -y 40 \
    "env LANG=C.UTF-8 TERM=screen-256color '$lathe' train '$cfg' --tui --max-steps 100000 --output runs/lat"
until T capture-pane -p -t lat | grep -q ' training  step '; do sleep 0.1; done
want=tokens
: >lat.txt
n=0
while [ $n -lt "$keys" ]; do
    t0=$(ms)
    T send-keys -t lat x
    until T capture-pane -p -t lat | grep -q "x: $want,"; do :; done
    echo $(( $(ms) - t0 )) >>lat.txt
    if [ $want = tokens ]; then want=steps; else want=tokens; fi
    n=$((n + 1))
    sleep 0.05
done
sort -n lat.txt | awk '{v[NR]=$1} END {
    p50=v[int((NR+1)*0.5)]; i=int(NR*0.99+0.999); if (i>NR) i=NR;
    printf "key-to-screen under load (%d keys): p50 %d ms, p99 %d ms, max %d ms\n", NR, p50, v[i], v[NR] }'
T send-keys -t lat q; sleep 0.5; T send-keys -t lat y
wait_file runs/lat/summary.json
