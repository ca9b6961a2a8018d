#!/bin/sh
# bench_llama_cpp.sh - lathe's inference against real llama.cpp on the same
# GGUF files, in one run:
#   NODE_LLAMA_CPP_DIR=DIR tests/bench/bench_llama_cpp.sh [BUILD_DIR]
# For each shape it writes a random Llama (tests/bench/gen_model, the sample's
# tokenizer padded to 32000 tokens), trains a 1-step rank-1 adapter on it (the
# only way into `lathe export merge`) and merges it out as F32, F16, Q8_0,
# Q4_K and Q5_K; then each file is measured by `lathe bench generate -m FILE`
# and by llama.cpp (tests/bench/llama_cpp_speed.mjs), one right after the
# other: 192 prompt tokens prefilled, 64 tokens decoded, best of 3, every
# online CPU as threads on both sides, only the evaluation timed (no model
# load), the logits of each evaluation's last token computed on both sides.
# Shapes: 143m (dim 768, 12 layers, 12 heads, ffn 2304, untied: 141.2 M
# parameters) and 55m (the engine's: dim 512, 8 layers, 8 heads / 2 kv heads,
# ffn 1408). BENCH_LLAMA_CPP_SHAPES and BENCH_LLAMA_CPP_TYPES pick a subset.
# llama.cpp comes from node-llama-cpp's prebuilt binaries in
# NODE_LLAMA_CPP_DIR (npm install node-llama-cpp there); the run prints their
# release and the CPU variant ggml loaded (node-llama-cpp 3.22.1 here loads
# llama.cpp release v0.5.0, variant sapphirerapids: AVX-512 VNNI, AMX). Its
# per-call cost in JavaScript (a promise and an event-loop turn per
# evaluation) counts against llama.cpp. Without node-llama-cpp or node it
# says SKIP and exits 0.
# The file preparation runs under nice; the measurements do not. No
# assertions: a shared machine only slows runs down (ggml's threads spin at
# barriers, so llama.cpp suffers most), so run it on a quiet one.
set -eu
build=$(cd "${1:-build}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
lathe=$build/lathe
nlc=${NODE_LLAMA_CPP_DIR:-}
if [ ! -d "$nlc/node_modules/node-llama-cpp" ] || ! command -v node >/dev/null; then
    echo "bench_llama_cpp: SKIP (needs node and NODE_LLAMA_CPP_DIR with node_modules/node-llama-cpp)"
    exit 0
fi
threads=$(getconf _NPROCESSORS_ONLN)
vocab=32000
work=$(mktemp -d "${TMPDIR:-/tmp}/lathe-bench-llama-cpp.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# shape NAME: gen_model's options for it
shape() {
    case $1 in
    143m) echo "--dim 768 --layers 12 --heads 12 --kv-heads 12 --ffn 2304" ;;
    55m) echo "--dim 512 --layers 8 --heads 8 --kv-heads 2 --ffn 1408" ;;
    *) echo "bench_llama_cpp: unknown shape '$1' (143m, 55m)" >&2; return 1 ;;
    esac
}

# prepare NAME: $work/NAME-base.gguf and the adapter merged into it as each type
prepare() {
    opts=$(shape "$1")
    # shellcheck disable=SC2086 # opts is a list of options
    nice -n 19 "$build/tests/bench/gen_model" $opts --vocab $vocab \
        --tokenizer "$src/samples/model.gguf" -o "$work/$1-base.gguf" >/dev/null
    nice -n 19 "$lathe" train "$src/samples/lora.yaml" --max-steps 1 \
        --set base_model="$work/$1-base.gguf" --set eval_steps=1000 --set lora_r=1 \
        --set micro_batch_size=1 --set sequence_len=32 --output "$work/$1-run" >/dev/null 2>&1
    for t in $types; do
        nice -n 19 "$lathe" export merge -m "$work/$1-base.gguf" \
            --lora "$work/$1-run/adapter/adapter.gguf" -o "$work/$1-$t.gguf" --type "$t" >/dev/null
    done
    rm -rf "$work/$1-base.gguf" "$work/$1-run" "$work/.cache"
}

# field NAME JSON: a number from a one-line JSON object
field() { printf '%s\n' "$2" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
# sfield NAME JSON: a string from it
sfield() { printf '%s\n' "$2" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

shapes=${BENCH_LLAMA_CPP_SHAPES:-143m 55m}
types=${BENCH_LLAMA_CPP_TYPES:-f32 f16 q8_0 q4_k q5_k}
version=$(sed -n 's/^  "version": "\(.*\)",/\1/p' "$nlc/node_modules/node-llama-cpp/package.json")
echo "$("$lathe" --version 2>/dev/null | head -n 1) vs node-llama-cpp $version;" \
    "$threads threads; load: $(uptime | sed 's/.*load average: //')"
header=no
for s in $shapes; do
    shape "$s" >/dev/null
    prepare "$s"
    for t in $types; do
        f=$work/$s-$t.gguf
        ours=$("$lathe" bench generate -m "$f" --json)
        theirs=$(NODE_LLAMA_CPP_DIR=$nlc node "$src/tests/bench/llama_cpp_speed.mjs" "$f" \
            "$threads" $vocab)
        if [ $header = no ]; then
            echo "llama.cpp: $(sfield release "$theirs"), $(sfield build "$theirs")," \
                "CPU variant $(sfield variant "$theirs"), $(field threads "$theirs") threads"
            printf '%-5s %-5s %7s | %9s %9s | %9s %9s | %7s %7s\n' model type "file MB" \
                "lathe pp" "lathe tg" "llama pp" "llama tg" "pp x" "tg x"
            header=yes
        fi
        lp=$(field prefill_tokens_per_s "$ours") ld=$(field decode_tokens_per_s "$ours")
        tp=$(field prefill_tokens_per_s "$theirs") td=$(field decode_tokens_per_s "$theirs")
        awk -v s="$s" -v t="$t" -v mb="$(wc -c <"$f")" -v lp="$lp" -v ld="$ld" -v tp="$tp" \
            -v td="$td" 'BEGIN { printf "%-5s %-5s %7.1f | %9.1f %9.1f | %9.1f %9.1f | %7.2f %7.2f\n",
            s, t, mb / 1e6, lp, ld, tp, td, lp / tp, ld / td }'
        rm -f "$f"
    done
done
echo "pp: prefill tokens/s (192 tokens), tg: decode tokens/s (64 tokens); x: lathe / llama.cpp;" \
    "load now: $(uptime | sed 's/.*load average: //')"
