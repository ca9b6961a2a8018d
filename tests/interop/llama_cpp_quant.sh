#!/bin/sh
# llama_cpp_quant.sh - the quantized files `lathe export merge` writes, in real
# llama.cpp: the bundled sample plus a 2-step adapter is merged as each GGUF
# type lathe writes (F16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K and the Q4_K_M mix with
# its Q5_0/Q8_0 fallbacks); llama.cpp must load each one and continue a raw
# prompt greedily with the same first line as `lathe generate --raw --temp 0`
# on the same file (later tokens may part where two candidates nearly tie:
# llama.cpp rounds activations per 256 for the K-quants, lathe per 32). Not
# part of `make check`: it needs node-llama-cpp (npm install node-llama-cpp)
# in NODE_LLAMA_CPP_DIR.
#   LATHE_BUILDDIR=build NODE_LLAMA_CPP_DIR=/path sh tests/interop/llama_cpp_quant.sh
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

[ -d "${NODE_LLAMA_CPP_DIR:-}/node_modules/node-llama-cpp" ] ||
    skip_all "NODE_LLAMA_CPP_DIR has no node_modules/node-llama-cpp"

out=$(mktemp -d)
trap 'rm -rf "$out"; rm -f "$NODE_LLAMA_CPP_DIR/lathe_greedy.mjs"' EXIT
prompt="The old lighthouse keeper"
"$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 2 --set eval_steps=1000 \
    --set threads=2 --set micro_batch_size=1 --set sequence_len=64 --output "$out/run" \
    >/dev/null 2>&1 || { echo "Bail out! training the adapter"; exit 1; }
cp "$LATHE_SRCDIR/tests/interop/llama_cpp_greedy.mjs" "$NODE_LLAMA_CPP_DIR/lathe_greedy.mjs"

# first_line TEXT: up to the first newline (JSON-escaped or real)
first_line() { printf '%s' "$1" | sed 's/^"//; s/\\n.*//' | head -n 1; }
for t in f16 q8_0 q4_0 q4_k q5_k q6_k q4_k_m; do
    m="$out/m-$t.gguf"
    "$LATHE" export merge -m "$LATHE_SRCDIR/samples/model.gguf" \
        --lora "$out/run/adapter/adapter.gguf" -o "$m" --type "$t" >/dev/null 2>&1
    ours=$("$LATHE" generate -m "$m" -p "$prompt" --raw --temp 0 -n 12 2>/dev/null)
    theirs=$(node "$NODE_LLAMA_CPP_DIR/lathe_greedy.mjs" "$m" "$prompt" 12 2>"$out/err")
    diag "$t lathe: $ours" "$t llama.cpp: $theirs"
    check "$t: llama.cpp loads the merged file" test -n "$theirs"
    check "$t: same greedy first line as lathe" test "$(first_line "$ours")" = \
        "$(first_line "$theirs")"
done
tap_done
