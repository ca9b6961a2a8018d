#!/bin/sh
# llama_cpp.sh - checks lathe's GGUF models and LoRA adapters against real
# llama.cpp: export_fixtures --llama-cpp writes a llama and a qwen2 model on the
# reference vocabularies, a LoRA adapter for each and the merged models, and
# prints the engine's top-5 next-token probabilities; llama_cpp_top5.mjs loads
# the same files with llama.cpp (node-llama-cpp's prebuilt binaries) and prints
# its own. Same 5 tokens in the same order, probabilities within 3% (llama.cpp
# keeps its KV cache in F16), for the base and base + adapter; the merged F16
# model's top token is the engine's. Not part of `make check`: it needs
# node-llama-cpp installed (npm install node-llama-cpp) in NODE_LLAMA_CPP_DIR.
#   LATHE_BUILDDIR=build NODE_LLAMA_CPP_DIR=/path sh tests/interop/llama_cpp.sh
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

[ -d "${NODE_LLAMA_CPP_DIR:-}/node_modules/node-llama-cpp" ] ||
    skip_all "NODE_LLAMA_CPP_DIR has no node_modules/node-llama-cpp"
vocab="${LATHE_REFERENCE_DIR:-$LATHE_SRCDIR/../shared/reference}/vocab"
[ -r "$vocab/ggml-vocab-llama-spm.gguf" ] || skip_all "no reference vocabularies"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$LATHE_BUILDDIR/tests/unit/export_fixtures" --llama-cpp "$vocab" "$out" > "$out/engine" ||
    { echo "Bail out! export_fixtures"; exit 1; }
cp "$LATHE_SRCDIR/tests/interop/llama_cpp_top5.mjs" "$NODE_LLAMA_CPP_DIR/lathe_top5.mjs"
node "$NODE_LLAMA_CPP_DIR/lathe_top5.mjs" "$out" > "$out/llama" 2> "$out/stderr" ||
    { cat "$out/stderr"; echo "Bail out! llama.cpp could not load the files"; exit 1; }
rm -f "$NODE_LLAMA_CPP_DIR/lathe_top5.mjs"
diag "engine:" "$(cat "$out/engine")" "llama.cpp:" "$(cat "$out/llama")"

# same_top5 ENGINE_TAG LLAMA_TAG: identical ids, probabilities within 3%
same_top5() {
    e=$(grep "^$1:" "$out/engine" | cut -d: -f2)
    l=$(grep "^$2:" "$out/llama" | cut -d: -f2)
    [ -n "$e" ] && [ -n "$l" ] && echo "$e|$l" | awk -F'|' '{
        n = split($1, a, " "); m = split($2, b, " "); if (n != 5 || m != 5) exit 1
        for (i = 1; i <= 5; i++) {
            split(a[i], x, "="); split(b[i], y, "=")
            if (x[1] != y[1] || (x[2] - y[2]) / x[2] > 0.03 || (y[2] - x[2]) / x[2] > 0.03) exit 1
        }
    }'
}
same_top1() {
    e=$(grep "^$1:" "$out/engine" | cut -d: -f2 | cut -d= -f1)
    l=$(grep "^$2:" "$out/llama" | cut -d: -f2 | cut -d= -f1)
    [ -n "$e" ] && [ "$e" = "$l" ]
}
for a in llama qwen2; do
    check "$a: base model, same top-5" same_top5 "$a base" "$a base"
    check "$a: base + LoRA adapter, same top-5" same_top5 "$a lora" "$a lora"
    check "$a: merged F16 model, same top token" same_top1 "$a merged" "$a merged-f16"
    check "$a: merged Q8_0 model loads" grep -q "^$a merged-q8: [0-9]" "$out/llama"
done
tap_done
