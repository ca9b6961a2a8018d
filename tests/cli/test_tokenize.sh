#!/bin/sh
# test_tokenize.sh - `lathe tokenize` against llama-tokenize's conventions on
# the reference llama-spm vocab: --ids list, `id -> 'piece'` lines, BOS
# handling, special-token parsing, input sources and exit statuses; and
# Hugging Face tokenizer fixtures as -m.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
prints() { want=$1; shift; [ "$("$@" 2>"$out/stderr")" = "$want" ]; }

hf="$LATHE_SRCDIR/tests/fixtures/tokenizer"
check "a Hugging Face directory works as -m" \
    prints "[9, 4, 3, 4]" "$LATHE" tokenize -m "$hf/bpe" -p "ab ab" --ids
check "and so does its tokenizer.json" \
    prints "[1, 11]" "$LATHE" tokenize -m "$hf/spm/tokenizer.json" -p "ab" --ids

vocab="${LATHE_REFERENCE_DIR:-}/vocab/ggml-vocab-llama-spm.gguf"
if [ ! -r "$vocab" ]; then
    skip "llama-spm checks" "reference vocab not found (set LATHE_REFERENCE_DIR)"
    tap_done
    exit
fi

check "--ids prints a bracketed list with BOS" \
    prints "[1, 15043, 3186]" "$LATHE" tokenize -m "$vocab" -p "Hello world" --ids
check "--no-bos drops BOS" \
    prints "[15043, 3186]" "$LATHE" tokenize -m "$vocab" -p "Hello world" --ids --no-bos
check "one '%6d -> piece' line per token" prints "     1 -> '<s>'
 15043 -> ' Hello'
  3186 -> ' world'" "$LATHE" tokenize -m "$vocab" -p "Hello world"
check "special text is parsed by default" \
    prints "[1, 15043, 1, 3186]" "$LATHE" tokenize -m "$vocab" -p "Hello<s>world" --ids
check "--no-parse-special keeps it as text" \
    prints "[15043, 29966, 29879, 29958, 11526]" \
    "$LATHE" tokenize -m "$vocab" -p "Hello<s>world" --ids --no-bos --no-parse-special
printf 'Hello world' >"$out/in.txt"
check "-f reads a file" prints "[1, 15043, 3186]" "$LATHE" tokenize -m "$vocab" -f "$out/in.txt" --ids
check "--stdin reads standard input" \
    sh -c "'$LATHE' tokenize -m '$vocab' --stdin --ids <'$out/in.txt' | grep -qx '\[1, 15043, 3186\]'"
check "--show-count prints the total" sh -c \
    "'$LATHE' tokenize -m '$vocab' -p 'Hello world' --show-count | tail -n 1 | grep -qx 'Total number of tokens: 3'"
check "no -m exits 2" status_is 2 "$LATHE" tokenize -p x
check "two inputs exit 2" status_is 2 "$LATHE" tokenize -m "$vocab" -p x --stdin
check "unknown option exits 2" status_is 2 "$LATHE" tokenize -m "$vocab" -p x --bogus
check "missing vocab exits 1 and names it" sh -c \
    "'$LATHE' tokenize -m '$out/nope.gguf' -p x 2>&1 >/dev/null | grep -q 'nope.gguf'; [ \$? -eq 0 ]"
check "missing input file exits 1" status_is 1 "$LATHE" tokenize -m "$vocab" -f "$out/nope.txt"
check "bench tokenize without -m exits 2" status_is 2 "$LATHE" bench tokenize
tap_done
