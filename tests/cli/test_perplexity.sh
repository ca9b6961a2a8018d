#!/bin/sh
# test_perplexity.sh - `lathe perplexity` on the export fixtures' tiny model:
# the JSON contract, the scored-token count, the same figures from --lora
# (GGUF or PEFT adapter) and from the merged model, and its errors.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

fx=$(mktemp -d)
trap 'rm -rf "$fx"' EXIT
"$LATHE_BUILDDIR/tests/unit/export_fixtures" "$fx" >/dev/null || { echo "Bail out! fixtures"; exit 1; }
head -c 3000 "$LATHE_SRCDIR/README.md" >"$fx/text.txt"

json() { "$LATHE" perplexity "$@" --json; }
field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }
# close A B: |A-B| <= 1e-5 * |B|
close() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(d <= 1e-5 * m) }'; }

out=$(json -m "$fx/base.gguf" -f "$fx/text.txt" -c 64)
check "--json prints tokens, nll and ppl" sh -c "echo '$out' | grep -Eq '^\{\"tokens\":[0-9]+,\"nll\":[0-9.e+-]+,\"ppl\":[0-9.e+-]+\}$'"
nll=$(echo "$out" | field nll); ppl=$(echo "$out" | field ppl); tokens=$(echo "$out" | field tokens)
check "ppl is exp(nll)" close "$ppl" "$(awk -v x="$nll" 'BEGIN { printf "%.9g", exp(x) }')"

n=$("$LATHE" tokenize -m "$fx/base.gguf" -f "$fx/text.txt" --ids | tr -cd ',' | wc -c)
n=$((n + 1))
windows=$(( (n + 63) / 64 ))
check "every token but each window's first is scored ($n tokens, $windows windows)" \
    test "$tokens" -eq $((n - windows))
llama=$(json -m "$fx/base.gguf" -f "$fx/text.txt" -c 64 --llama-cpp)
check "--llama-cpp scores the second half of each whole window" \
    test "$(echo "$llama" | field tokens)" -eq $(( n / 64 * (64 - 32 - 1) ))
check "... which gives another figure" sh -c "! close '$(echo "$llama" | field nll)' '$nll'"
check "--help says why llama.cpp's figure differs" sh -c "'$LATHE' perplexity --help | grep -q 'second half'"
printf 'tiny' >"$fx/tiny.txt"
check "--llama-cpp on less than a window exits 1" sh -c "! '$LATHE' perplexity -m '$fx/base.gguf' -f '$fx/tiny.txt' -c 64 --llama-cpp 2>'$fx/err'"
check "... saying why" grep -q "fewer than one window of 64" "$fx/err"
small=$(json -m "$fx/base.gguf" -f "$fx/text.txt" -c 8 | field tokens)
check "smaller windows score fewer tokens" test "$small" -eq $((n - (n + 7) / 8))

"$LATHE" export merge -m "$fx/base.gguf" --lora "$fx/lora.gguf" -o "$fx/merged.gguf" >/dev/null
lora=$(json -m "$fx/base.gguf" --lora "$fx/lora.gguf" -f "$fx/text.txt" -c 64 | field nll)
merged=$(json -m "$fx/merged.gguf" -f "$fx/text.txt" -c 64 | field nll)
check "--lora equals the merged model" close "$lora" "$merged"
check "the adapter changes the figure" sh -c "! close '$lora' '$nll'"
peft=$(json -m "$fx/base.gguf" --lora "$fx/peft" -f "$fx/text.txt" -c 64 | field nll)
check "a PEFT adapter gives the GGUF adapter's figure" close "$peft" "$lora"

status() { want=$1; shift; "$@" >/dev/null 2>"$fx/err"; [ $? -eq "$want" ]; }
check "no -f is a usage error" status 2 "$LATHE" perplexity -m "$fx/base.gguf"
check "-c 1 is a usage error" status 2 "$LATHE" perplexity -m "$fx/base.gguf" -f "$fx/text.txt" -c 1
check "a missing model exits 1" status 1 "$LATHE" perplexity -m "$fx/nope.gguf" -f "$fx/text.txt"
check "... and names it" grep -q "nope.gguf" "$fx/err"
check "a missing text exits 1" status 1 "$LATHE" perplexity -m "$fx/base.gguf" -f "$fx/nope.txt"
: >"$fx/empty.txt"
check "an empty text exits 1" status 1 "$LATHE" perplexity -m "$fx/base.gguf" -f "$fx/empty.txt"
tap_done
