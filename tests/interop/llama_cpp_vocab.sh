#!/bin/sh
# llama_cpp_vocab.sh - checks the tokenizer metadata lathe writes against real
# llama.cpp: vocab_fixtures rewrites the reference vocabularies' tokenizer keys
# with tok_vocab_to_gguf and exports tiny Hugging Face models built around the
# byte-complete tokenizer.json fixtures; llama_cpp_tokenize.mjs then loads them
# with llama.cpp (node-llama-cpp's prebuilt binaries). The rewritten vocabs
# must give the reference test vectors (.out) for every .inp case, and the
# exported models must load, evaluate and tokenize like `lathe tokenize` on the
# tokenizer.json they came from. Not part of `make check`: it needs
# node-llama-cpp installed (npm install node-llama-cpp) in NODE_LLAMA_CPP_DIR.
#   LATHE_BUILDDIR=build NODE_LLAMA_CPP_DIR=/path sh tests/interop/llama_cpp_vocab.sh
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

[ -d "${NODE_LLAMA_CPP_DIR:-}/node_modules/node-llama-cpp" ] ||
    skip_all "NODE_LLAMA_CPP_DIR has no node_modules/node-llama-cpp"
vocab="${LATHE_REFERENCE_DIR:-$LATHE_SRCDIR/../shared/reference}/vocab"
[ -r "$vocab/ggml-vocab-llama-spm.gguf" ] || skip_all "no reference vocabularies"

out=$(mktemp -d)
js="$NODE_LLAMA_CPP_DIR/lathe_tokenize.mjs"
trap 'rm -rf "$out" "$js"' EXIT
"$LATHE_BUILDDIR/tests/unit/vocab_fixtures" "$vocab" "$out" || { echo "Bail out! vocab_fixtures"; exit 1; }
cp "$LATHE_SRCDIR/tests/interop/llama_cpp_tokenize.mjs" "$js"

for v in llama-spm gpt-2 deepseek-llm; do
    node "$js" "$out/$v.gguf" "$vocab/ggml-vocab-$v.gguf.inp" vocab 0 > "$out/$v.llama" 2>/dev/null
    sed 's/^ *//; s/ *$//' "$vocab/ggml-vocab-$v.gguf.out" > "$out/$v.want"
    check "$v: llama.cpp reads the rewritten vocab and gives every test vector" \
        cmp -s "$out/$v.want" "$out/$v.llama"
done

sep='
__ggml_vocab_test__
'
n=0
add() {    # TEXT: one more text, in $out/texts for llama.cpp and in $out/t.N for lathe
    n=$((n + 1))
    printf '%s' "$1" > "$out/t.$n"
    printf '%s%s' "$1" "$sep" >> "$out/texts"
}
add "hello world"; add " the thing"; add "Hello World 12345 café"; add "$(printf 'a\n\nb  c')"
add "I'm here, THE END"; add "<|eot_id|> the<s>"; add "é€😀 x"; add "  leading"; add "trailing  "
lathe_ids() {    # DIR PARSE_SPECIAL: `lathe tokenize` of each text, as llama_cpp_tokenize.mjs prints
    i=0
    while [ "$i" -lt "$n" ]; do
        i=$((i + 1))
        if [ "$2" = 1 ]; then "$LATHE" tokenize -m "$1" --ids --no-bos -f "$out/t.$i"
        else "$LATHE" tokenize -m "$1" --ids --no-bos --no-parse-special -f "$out/t.$i"; fi |
            tr -d '[],'
    done
}
for m in bytes-llama3 bytes-spm; do
    for s in 0 1; do
        node "$js" "$out/$m.gguf" "$out/texts" model "$s" > "$out/$m.llama" 2>"$out/err"
        check "$m (parse_special $s): llama.cpp loads the exported model" test -s "$out/$m.llama"
        lathe_ids "$out/$m" "$s" > "$out/$m.lathe"
        check "$m (parse_special $s): same ids as lathe on tokenizer.json" \
            cmp -s "$out/$m.lathe" "$out/$m.llama"
    done
done
tap_done
