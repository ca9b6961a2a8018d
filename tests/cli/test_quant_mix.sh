#!/bin/sh
# test_quant_mix.sh - a Q4_K_M-style file, as people download them, end to
# end: the bundled sample (dim 256, ffn 704) merged with a 2-step adapter and
# written as `--type q4_k_m` holds Q4_K and Q6_K matrices and, for the
# 704-wide ffn_down rows that no 256-block fits, the Q5_0 and Q8_0 fallbacks
# llama.cpp's quantizer uses; that file then inspects as supported, generates,
# trains a LoRA over its frozen quantized base (load_in_4bit keeps the file's
# blocks) and merges again.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
has() { grep -Eq -- "$1" "$out/stdout"; }

cfg="$LATHE_SRCDIR/samples/lora.yaml"
train() {   # train OUTPUT_DIR [--set ...]
    dir=$1; shift
    "$LATHE" train "$cfg" --max-steps 2 --set eval_steps=1000 --set threads=2 \
        --set micro_batch_size=1 --set sequence_len=64 --output "$dir" "$@"
}

check "a LoRA on the F16 sample trains" status_is 0 train "$out/run0"
check "merge to the q4_k_m mix exits 0" status_is 0 "$LATHE" export merge \
    -m "$LATHE_SRCDIR/samples/model.gguf" --lora "$out/run0/adapter/adapter.gguf" \
    -o "$out/mix.gguf" --type q4_k_m
check "inspect exits 0" status_is 0 "$LATHE" inspect "$out/mix.gguf"
for t in Q4_K Q6_K Q5_0 Q8_0; do
    check "the mix holds supported $t tensors" has "^  $t +[0-9]+ tensors .*  supported\$"
done
check "it generates" status_is 0 "$LATHE" generate -m "$out/mix.gguf" -p "Hello" -n 8 --temp 0
check "and prints a completion" test -s "$out/stdout"
check "a LoRA trains over its frozen quantized base" status_is 0 train "$out/run1" \
    --set base_model="$out/mix.gguf" --set load_in_4bit=true
check "and writes its adapter" test -s "$out/run1/adapter/adapter.gguf"
check "base + that adapter merges again to q4_k_m" status_is 0 "$LATHE" export merge \
    -m "$out/mix.gguf" --lora "$out/run1/adapter/adapter.gguf" -o "$out/mix2.gguf" \
    --type q4_k_m
check "and the merged file generates" status_is 0 "$LATHE" generate -m "$out/mix2.gguf" \
    -p "Hello" -n 4 --temp 0
tap_done
