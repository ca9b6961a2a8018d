#!/bin/sh
# bench_train_pane.sh - what watching a run costs, on the sample config:
#   tests/bench/bench_train_pane.sh [STEPS] [KEYS] [BUILD_DIR] [PAIRS]
# 1. Throughput: PAIRS pairs (default 3) of the same run of STEPS steps
#    (default 300), headless and in the workbench's Train pane (lathe train
#    --tui in tmux, 120x40), the pane first in every other pair; tokens/s from each summary.json, each pair's
#    ratio pane/headless and the median of the ratios. Two runs on a shared
#    2-core machine differ by several per cent, so the ratio alone shows
#    little; hence 2.
# 2. CPU time per thread of the same runs, from /proc/PID/task/*/stat
#    sampled while each run trains (each thread's last sample before it
#    ended or the run's summary appeared):
#    the trainer side (the training thread, its pool, OpenBLAS's threads),
#    the main thread (headless: it logs the records; in the pane it also
#    draws), the sampler behind the gauges, and the tmux server over the
#    pane run, and how often the main thread woke (its voluntary context
#    switches over the run's wall time). The pane's cost as a share of the trainer's CPU time comes
#    from within one run, so the machine's noise does not move it much.
# 3. Key-to-screen latency while the run saturates the cores: KEYS presses
#    (default 60) of x, which flips the charts' x axis between steps and
#    tokens, each timed from send-keys until tmux's capture shows the new
#    legend; p50, p99 and max in ms. The figure includes tmux's own
#    send/capture round trips, so it is an upper bound.
# Each figure is printed with the 1-minute load average when it was taken.
# Needs tmux. Prints figures only; it asserts nothing.
set -eu
steps=${1:-300}
keys=${2:-60}
build=${3:-build}
pairs=${4:-3}
lathe=$(cd "$build" && pwd)/lathe
cfg=$(cd "$(dirname "$0")/../.." && pwd)/samples/lora.yaml
command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed"; exit 0; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-train-pane.XXXXXX")
sock=lathe-bench-$$
T() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { T kill-server 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
cd "$dir"
hz=$(getconf CLK_TCK)
ms() { echo $(( $(date +%s%N) / 1000000 )); }
load() { cut -d' ' -f1 /proc/loadavg; }
tps() { sed -n 's/.*"tokens_per_s": *\([0-9.]*\).*/\1/p' "$1/summary.json"; }
wait_file() {
    tries=0
    until [ -f "$1" ]; do
        tries=$((tries + 1)); [ $tries -lt 6000 ] || { echo "no $1 after 10 min"; exit 1; }
        sleep 0.1
    done
}

# cpu_sample PID: one line per thread, "TID NAME TICKS" (user + system).
# The name sits in parentheses and may hold spaces; the fields after it
# are counted from its closing one.
cpu_sample() {
    awk '{ o = index($0, "("); c = index($0, ") ")
           split(substr($0, c + 2), f, " ")
           print $1, substr($0, o + 1, c - o - 1), f[12] + f[13] }' \
        /proc/"$1"/task/*/stat 2>/dev/null || true
}
# cpu_side PID SAMPLE: seconds of CPU by side, as "trainer main sampler other".
cpu_side() {
    awk -v pid="$1" -v hz="$hz" '
        $2 == "lathe-sysmon" || $2 == "lathe-worker" { s += $3; next }
        $1 == pid { m += $3; next }
        $2 == "lathe-prepare" { o += $3; next }
        { t += $3 }
        END { printf "%.2f %.2f %.2f %.2f", t / hz, m / hz, s / hz, o / hz }' "$2"
}
server_ticks() { awk '{ c = index($0, ") "); split(substr($0, c + 2), f, " "); print f[12] + f[13] }' \
    /proc/"$(T display -p '#{pid}')"/stat; }

# watch_run NAME: samples the CPU time of the process that holds the run's
# lock until its summary appears, into NAME.cpu (the last sample).
watch_run() {
    wait_file "runs/$1/.lock"
    pid=
    until [ -n "$pid" ]; do pid=$(cat "runs/$1/.lock" 2>/dev/null || true); sleep 0.05; done
    echo "$pid" >"$1.pid"
    : >"$1.cpu"
    while [ ! -f "runs/$1/summary.json" ]; do
        cpu_sample "$pid" >"$1.tmp"
        # a thread that ended (the trainer's, before the outputs are saved)
        # is gone from /proc: each thread keeps the most it was seen with
        awk '{ if (!($1 in t) || $NF > t[$1]) { t[$1] = $NF; n[$1] = $2 } }
             END { for (k in t) print k, n[k], t[k] }' "$1.cpu" "$1.tmp" >"$1.max"
        mv "$1.max" "$1.cpu"
        sed -n 's/^voluntary_ctxt_switches:[^0-9]*//p' "/proc/$pid/task/$pid/status" \
            >"$1.tmp" 2>/dev/null || true
        [ -s "$1.tmp" ] && mv "$1.tmp" "$1.sw"
        sleep 0.2
    done
}

# The tokenized cache is built once, before anything is timed; the tmux
# server starts before it too, so every pane run finds it running.
"$lathe" train "$cfg" --max-steps 1 --output runs/warm >/dev/null 2>&1
T new-session -d -s idle -x 80 -y 24 "sleep 100000"

# The headless run starts from tmux too: each tmux session is a session of
# its own, and so its own scheduler autogroup where the kernel has them, so
# under contention both sides get the same share of the machine (a run
# started from this script would share this script's group).
headless() {
    echo "$(load)" >"$1.load"
    T new-session -d -s "$1" "'$lathe' train '$cfg' --max-steps $steps --output runs/$1 >/dev/null 2>&1"
    watch_run "$1"
    while T has-session -t "$1" 2>/dev/null; do sleep 0.1; done
}
pane() {
    echo "$(load)" >"$1.load"
    t0=$(server_ticks)
    T new-session -d -s "$1" -x 120 -y 40 \
        "env LANG=C.UTF-8 TERM=screen-256color '$lathe' train '$cfg' --tui --max-steps $steps --output runs/$1"
    watch_run "$1"
    echo $(( $(server_ticks) - t0 )) >"$1.server"
    T send-keys -t "$1" q
    sleep 1
    T kill-session -t "$1" 2>/dev/null || true
}

# report NAME: tokens/s, load, and the CPU by side with its share of the trainer's.
report() {
    s=
    set -- "$1" $(cpu_side "$(cat "$1.pid")" "$1.cpu")
    wall=$(sed -n 's/.*"wall_s": *\([0-9.]*\).*/\1/p' "runs/$1/summary.json")
    line=$(printf '%-3s tokens/s %7.1f  load %s  CPU s: trainer %6.2f  main %5.2f (%4.2f %%)  sampler %4.2f (%4.2f %%)  main wake-ups %5.1f/s' \
        "$1" "$(tps "runs/$1")" "$(cat "$1.load")" "$2" "$3" \
        "$(awk -v a="$3" -v b="$2" 'BEGIN { print 100 * a / b }')" "$4" \
        "$(awk -v a="$4" -v b="$2" 'BEGIN { print 100 * a / b }')" \
        "$(awk -v n="$(cat "$1.sw")" -v t="$wall" 'BEGIN { print n / t }')")
    if [ -f "$1.server" ]; then
        s=$(awk -v t="$(cat "$1.server")" -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
        line="$line  tmux server $s ($(awk -v a="$s" -v b="$2" 'BEGIN { printf "%.2f", 100 * a / b }') %)"
    fi
    echo "$line"
    echo "$1 $2 $3 $4 ${s:-0}" >>sides.txt
}

echo "$pairs pairs of $steps-step runs of samples/lora.yaml, headless (h) and in the Train pane (p); $(nproc) CPUs"
echo "CPU shares are of the same run's trainer-side CPU time"
: >ratios.txt
: >sides.txt
pair=1
while [ "$pair" -le "$pairs" ]; do
    # every other pair the pane goes first, so a drift of the machine's
    # speed over the benchmark does not favour one side
    if [ $((pair % 2)) -eq 1 ]; then headless "h$pair"; pane "p$pair"
    else pane "p$pair"; headless "h$pair"; fi
    report "h$pair"; report "p$pair"
    r=$(awk -v h="$(tps "runs/h$pair")" -v p="$(tps "runs/p$pair")" 'BEGIN { printf "%.4f", p / h }')
    echo "$r" >>ratios.txt
    echo "pair $pair: pane/headless tokens/s $r"
    pair=$((pair + 1))
done
sort -n ratios.txt | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "median pane/headless tokens/s %.4f (pane cost %.2f %% of tokens/s; ratios %s..%s)\n",
        m, (1 - m) * 100, v[1], v[NR] }'
# The pane's own CPU: its main thread and sampler beyond what the headless
# main thread spends logging, as a share of the trainer's, summed over runs.
awk '$1 ~ /^h/ { ht += $2; hm += $3 } $1 ~ /^p/ { pt += $2; pm += $3 + $4; ps += $5 }
     END { printf "main thread share: headless %.2f %%, pane (main + sampler) %.2f %%: the pane adds %.2f %% of the trainer'"'"'s CPU time; tmux server %.2f %%\n",
               100 * hm / ht, 100 * pm / pt, 100 * (pm / pt - hm / ht), 100 * ps / pt }' sides.txt

# Latency: a long run keeps both cores busy meanwhile.
T new-session -d -s lat -x 120 -y 40 \
    "env LANG=C.UTF-8 TERM=screen-256color '$lathe' train '$cfg' --tui --max-steps 100000 --output runs/lat"
until T capture-pane -p -t lat | grep -q ' training  step '; do sleep 0.1; done
want=tokens
: >lat.txt
lat_load=$(load)
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
sort -n lat.txt | awk -v l="$lat_load" -v l2="$(load)" '{v[NR]=$1} END {
    p50=v[int((NR+1)*0.5)]; i=int(NR*0.99+0.999); if (i>NR) i=NR;
    printf "key-to-screen under load (%d keys): p50 %d ms, p99 %d ms, max %d ms (load %s..%s)\n", NR, p50, v[i], v[NR], l, l2 }'
T send-keys -t lat q; sleep 0.5; T send-keys -t lat y
wait_file runs/lat/summary.json
