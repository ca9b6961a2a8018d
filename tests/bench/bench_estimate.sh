#!/bin/sh
# bench_estimate.sh - how close `lathe config --estimate` comes to real runs:
#   tests/bench/bench_estimate.sh [BUILD_DIR] [WORK_DIR]
# For each case (the sample model's two configs, and the engine's 15M and 135M
# benchmark shapes of `lathe bench train` - full and LoRA, with and without
# gradient checkpointing, and a 4-bit base) it prints the predicted peak
# memory, the peak resident set of a real `lathe train --max-steps 3` (GNU
# time's maximum RSS) and their ratio; the target is within 10 % for every
# case. Then it times samples/lora.yaml: the duration `--estimate --measure`
# predicts against the full run's own training time (target: within 15 %).
# The models of the benchmark shapes are random, written by gen_model into
# WORK_DIR (default: a temporary directory, removed after); the data is the
# sample's. Timings on a shared machine are noisy: run it on a quiet one.
set -eu
build=$(cd "${1:-build}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
lathe=$build/lathe
vocab=${LATHE_REFERENCE_DIR:-$src/../shared/reference}/vocab/ggml-vocab-llama-spm.gguf
if [ -n "${2:-}" ]; then
    work=$2
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-estimate.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
[ -x /usr/bin/time ] || { echo "bench_estimate: needs GNU time (/usr/bin/time)" >&2; exit 1; }
[ -f "$vocab" ] || { echo "bench_estimate: no vocabulary at $vocab (LATHE_REFERENCE_DIR)" >&2; exit 1; }
steps=3

# The shapes of src/bench/bench_train.c.
model() { # NAME gen_model-args...
    name=$1
    shift
    [ -f "$work/$name.gguf" ] || "$build/tests/bench/gen_model" "$@" --tokenizer "$vocab" \
        -o "$work/$name.gguf"
}
model m15 --dim 288 --layers 6 --heads 6 --kv-heads 6 --ffn 768 --vocab 32000
model m135 --dim 576 --layers 30 --heads 9 --kv-heads 3 --ffn 1536 --vocab 49152 --tied

config() { # NAME MODEL SEQ BATCH then extra lines
    name=$1 m=$2 seq=$3 batch=$4
    shift 4
    {
        echo "base_model: $work/$m.gguf"
        echo "datasets:"
        echo "  - path: $src/samples/data/train.jsonl"
        echo "    type: alpaca"
        echo "sequence_len: $seq"
        echo "sample_packing: true"
        echo "micro_batch_size: $batch"
        echo "learning_rate: 1.0e-4"
        for line in "$@"; do echo "$line"; done
    } >"$work/$name.yaml"
}
lora="adapter: lora
lora_r: 8
lora_alpha: 16
lora_target_linear: true"
config full-15m-s256-b8 m15 256 8
config full-15m-s256-b8-ckpt m15 256 8 "gradient_checkpointing: true"
config lora8-15m-s256-b8 m15 256 8 "$lora"
config lora8-15m-s256-b8-ckpt m15 256 8 "$lora" "gradient_checkpointing: true"
config lora8-135m-s256-b4 m135 256 4 "$lora"
config lora8-135m-s512-b4-ckpt m135 512 4 "$lora" "gradient_checkpointing: true"
config full-135m-s256-b4 m135 256 4
config full-135m-s256-b4-ckpt m135 256 4 "gradient_checkpointing: true"
config qlora8-135m-s256-b4 m135 256 4 "$lora" "load_in_4bit: true"
cp "$src/samples/lora.yaml" "$work/sample-lora.yaml"
cp "$src/samples/full.yaml" "$work/sample-full.yaml"
sed -i "s|^base_model: .*|base_model: $src/samples/model.gguf|; s|path: data/|path: $src/samples/data/|" \
    "$work/sample-lora.yaml" "$work/sample-full.yaml"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
json_num() { # KEY: the first number after "KEY": in stdin
    sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p" | head -n 1
}

printf '%-26s %12s %12s %7s\n' case predicted_MiB measured_MiB ratio
for c in sample-lora sample-full full-15m-s256-b8 full-15m-s256-b8-ckpt lora8-15m-s256-b8 \
    lora8-15m-s256-b8-ckpt lora8-135m-s256-b4 lora8-135m-s512-b4-ckpt full-135m-s256-b4 \
    full-135m-s256-b4-ckpt qlora8-135m-s256-b4; do
    cfg=$work/$c.yaml
    predicted=$("$lathe" config --estimate "$cfg" --json --set max_steps=$steps 2>/dev/null |
        json_num peak)
    rm -rf "$work/run-$c"
    /usr/bin/time -f '%M' -o "$work/rss" "$lathe" train "$cfg" --max-steps $steps \
        --output "$work/run-$c" >/dev/null 2>"$work/train.err" ||
        { echo "bench_estimate: $c: lathe train failed:" >&2; tail -n 3 "$work/train.err" >&2; exit 1; }
    measured=$(($(tail -n 1 "$work/rss") * 1024))
    printf '%-26s %12s %12s %7.3f\n' "$c" "$(mib "$predicted")" "$(mib "$measured")" \
        "$(awk -v p="$predicted" -v m="$measured" 'BEGIN { print p / m }')"
    rm -rf "$work/run-$c"
done

# Time: the measured extrapolation against the whole sample run. The
# estimate is taken just before and just after the run and averaged, so a
# machine whose load drifts meanwhile skews it less.
measure() {
    "$lathe" config --estimate "$work/sample-lora.yaml" --measure --json 2>/dev/null |
        json_num estimated_s
}
before=$(measure)
rm -rf "$work/run-time"
"$lathe" train "$work/sample-lora.yaml" --output "$work/run-time" >/dev/null 2>"$work/train.err"
after=$(measure)
actual=$(sed -n 's/.*finished after [0-9]* steps ([^)]*), \([0-9.]*\) s,.*/\1/p' "$work/train.err")
predicted=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.1f", (a + b) / 2 }')
printf '%-26s %12s %12s %7.3f   (estimates %.0f s before, %.0f s after)\n' \
    "time sample-lora (s)" "$predicted" "$actual" \
    "$(awk -v p="$predicted" -v m="$actual" 'BEGIN { print p / m }')" "$before" "$after"
