#!/bin/sh
# test_inspect.sh - `lathe inspect` on a GGUF file with tensors of seven types,
# a tiny Hugging Face directory, the llama.cpp reference vocabularies, and the
# error exits (1 for an unreadable model, 2 for usage).
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
has() { grep -Eq -- "$1" "$out/stdout"; }
err_has() { grep -Eq -- "$1" "$out/stderr"; }

gguf="$LATHE_SRCDIR/tests/fuzz/corpus/gguf/tensors.gguf"
check "gguf: exits 0" status_is 0 "$LATHE" inspect "$gguf"
check "gguf: architecture and shape" sh -c "grep -q '^architecture: *llama$' '$out/stdout' &&
    grep -q 'dim 32, 1 layers, 4 heads / 2 kv heads, head_dim 8, ffn 64' '$out/stdout'"
check "gguf: parameter count" has '^parameters: .*\(800\)$'
check "gguf: type histogram" sh -c "grep -Eq '^  Q4_K +1 tensors +256 params' '$out/stdout' &&
    grep -Eq '^  Q8_0 +1 tensors +64 params' '$out/stdout' && grep -q '^tensors: *7$' '$out/stdout'"
check "gguf: each type says whether lathe computes with it" sh -c "
    grep -Eq '^  Q4_K +1 tensors .*  supported$' '$out/stdout' &&
    ! grep -q 'not supported' '$out/stdout'"

hf="$LATHE_SRCDIR/tests/fixtures/hf-tiny"
check "hf dir: exits 0" status_is 0 "$LATHE" inspect "$hf"
check "hf dir: config" has 'dim 8, 1 layers, 2 heads / 1 kv heads, head_dim 4, ffn 16'
check "hf dir: dtypes and parameters" sh -c "grep -Eq '^  BF16 +8 tensors +624 params' '$out/stdout' &&
    grep -q '(648)' '$out/stdout'"
check "hf dir: tokenizer and template" sh -c "grep -q 'BPE (tokenizer.json), 6 tokens' '$out/stdout' &&
    grep -q '^chat template: yes, 128 bytes; first line: {% for message in messages %}' '$out/stdout'"
check "hf single file: exits 0" status_is 0 "$LATHE" inspect "$hf/model.safetensors"

vocab="$LATHE_REFERENCE_DIR/vocab/ggml-vocab-llama-spm.gguf"
if [ -r "$vocab" ]; then
    check "llama-spm vocab: exits 0" status_is 0 "$LATHE" inspect "$vocab"
    check "llama-spm vocab: tokenizer" has '^tokenizer: +llama \(pre: default\), 32000 tokens$'
    check "llama-spm vocab: no template" has '^chat template: none$'
    check "gpt-2 vocab: unsupported arch is reported, exit 0" status_is 0 "$LATHE" inspect \
        "$LATHE_REFERENCE_DIR/vocab/ggml-vocab-gpt-2.gguf"
    check "gpt-2 vocab: reason" has "^architecture: +gpt2 \(cannot run: architecture 'gpt2'"
else
    skip "reference vocabularies" "LATHE_REFERENCE_DIR has no vocab/"
fi

# Adapters and run directories: rank, alpha, targets, base and the training.
(cd "$out" && "$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 2 --output run \
    >/dev/null 2>&1)
adapter_shown() {
    has "^adapter: +$1 \(LoRA\)$" && has '^base model: +.*/samples/model.gguf$' &&
        has '^rank: +16$' && has '^alpha: +32 \(scale alpha/r = 2\)$' &&
        has '^targets: +q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj \(42 matrices over 6 layers\)$'
}
check "run dir: exits 0" status_is 0 "$LATHE" inspect "$out/run"
check "run dir: the adapter's rank, alpha, targets and base" adapter_shown "$out/run"
check "run dir: how the training went" has '^training: +finished \(reached max_steps\): 2 steps, [0-9]+ tokens in [0-9.]+ s, final loss [0-9.]+, best eval loss [0-9.]+ at step 2$'
check "adapter gguf: exits 0" status_is 0 "$LATHE" inspect "$out/run/adapter/adapter.gguf"
check "adapter gguf: reported as an adapter" adapter_shown "$out/run/adapter/adapter.gguf"
check "adapter gguf: not as a model that cannot run" sh -c "! grep -q 'cannot run' '$out/stdout'"
rm "$out/run/adapter/adapter.gguf"
check "PEFT adapter/: exits 0" status_is 0 "$LATHE" inspect "$out/run/adapter"
check "PEFT adapter/: the same report" adapter_shown "$out/run/adapter"
rm "$out/run/summary.json"
check "run dir without summary.json: says so" sh -c "'$LATHE' inspect '$out/run' | grep -q '^training: *no summary.json'"

printf 'GGUF\003\000\000\000' > "$out/trunc.gguf"
check "truncated gguf exits 1" status_is 1 "$LATHE" inspect "$out/trunc.gguf"
check "truncated gguf names offset and reason" err_has 'trunc.gguf: offset 8: truncated header'
check "missing model exits 1" status_is 1 "$LATHE" inspect "$out/nope.gguf"
mkdir "$out/emptydir"
check "directory without safetensors exits 1" status_is 1 "$LATHE" inspect "$out/emptydir"
check "no model exits 2" status_is 2 "$LATHE" inspect
check "two models exit 2" status_is 2 "$LATHE" inspect a b
tap_done
