#!/bin/sh
# bench_mpi.sh - what data parallelism costs and gives on this machine:
#   tests/bench/bench_mpi.sh [STEPS] [BUILD_DIR]
# For the sample's LoRA and full fine-tuning, the same STEPS optimizer steps
# (default 10) as 1 process x 2 threads with gradient accumulation 2, then
# as `mpirun -np 2` x 1 thread with accumulation 1 (the same run), twice in
# turn, keeping each one's faster round (the machine may be shared). Prints
# training tokens/s of each (steps 2..STEPS, so setup, the final evaluation
# and saving are left out), the bytes each process reduces per step and the
# seconds it spends reducing them, and what that traffic would cost over
# 10 Gb/s Ethernet between 2 and 8 nodes: a ring allreduce sends and
# receives 2(N-1)/N times the gradient bytes per process, here with no
# overlap, so efficiency = compute / (compute + transfer).
set -eu
steps=${1:-10}
build=$(cd "${2:-build}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
mpirun=$(sed -n 's/^MPIRUN = //p' "$build/Makefile")
[ -n "$mpirun" ] || { echo "bench_mpi: $build was built without MPI" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-mpi.XXXXXX")
trap 'rm -rf "$dir"' EXIT
lathe="$build/lathe"
common="--max-steps $steps --set logging_steps=1 --set eval_steps=100000"

# rate RUN: training tokens/s over steps 2..STEPS (metrics.jsonl rows)
rate() {
    grep -v eval_loss "$1/metrics.jsonl" | sed -E \
        's/.*"tokens_per_s":([^,]*),"elapsed_s":([^,}]*).*/\1 \2/' | awk '
        NR == 1 { first = $2; prev = $2; next }
        { tokens += $1 * ($2 - prev); prev = $2 }
        END { printf "%.1f", tokens / (prev - first) }'
}
# step_s RUN: mean seconds of steps 2..STEPS
step_s() {
    grep -v eval_loss "$1/metrics.jsonl" | sed -E 's/.*"elapsed_s":([^,}]*).*/\1/' | awk '
        NR == 1 { first = $1 } { last = $1 } END { printf "%.6f", (last - first) / (NR - 1) }'
}
# field RUN NAME: a number from summary.json
field() { sed -n "s/.*\"$2\": \\([0-9.e+-]*\\).*/\\1/p" "$1/summary.json"; }

# best A B: the run directory of the two with more tokens/s
best() {
    if awk "BEGIN { exit !($(rate "$1") >= $(rate "$2")) }"; then echo "$1"; else echo "$2"; fi
}

echo "# $(uptime)"
for kind in lora full; do
    cfg="$src/samples/$kind.yaml"
    for round in a b; do
        "$lathe" train "$cfg" --output "$dir/$kind-1$round" $common --set threads=2 \
            --set gradient_accumulation_steps=2 2>/dev/null
        "$mpirun" --oversubscribe --bind-to none -np 2 "$lathe" train "$cfg" \
            --output "$dir/$kind-2$round" $common --set threads=1 2>/dev/null
    done
    one=$(best "$dir/$kind-1a" "$dir/$kind-1b") two=$(best "$dir/$kind-2a" "$dir/$kind-2b")
    awk -v kind="$kind" -v one="$(rate "$one")" -v two="$(rate "$two")" \
        -v bytes="$(field "$two" reduced_bytes_per_step)" \
        -v red="$(field "$two" reduce_s_per_step)" -v step="$(step_s "$two")" '
    BEGIN {
        printf "%s: 1 process x 2 threads %.0f tokens/s, 2 processes x 1 thread %.0f tokens/s" \
            " (%.2fx)\n", kind, one, two, two / one
        printf "%s: allreduce %.3f MB per step per process, %.4f s of a %.3f s step" \
            " (%.1f%%, shared memory)\n", kind, bytes / 1e6, red, step, 100 * red / step
        compute = step - red
        for (n = 2; n <= 8; n *= 2) {
            wire = 2 * (n - 1) / n * bytes * 8 / 10e9
            printf "%s: 10 Gb/s, %d nodes: %.4f s on the wire per step, efficiency %.1f%%\n",
                kind, n, wire, 100 * compute / (compute + wire)
        }
    }'
done
echo "# $(uptime)"
