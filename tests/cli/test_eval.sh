#!/bin/sh
# test_eval.sh - `lathe eval` on the tiny random chat model of
# tests/unit/train_fixture: a dataset whose reference is the model's own
# greedy answer (taken from `lathe generate`) scores exact match 1, another
# answer does not, --max counts good records, records without a user turn
# before the answer are skipped, the --json keys, the --output rows, and the
# errors.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

fx=$(mktemp -d)
trap 'rm -rf "$fx"' EXIT
"$LATHE_BUILDDIR/tests/unit/train_fixture" "$LATHE_SRCDIR/samples/data/vocab.gguf" \
    "$fx/chat.gguf" >/dev/null || { echo "Bail out! train fixture"; exit 1; }

own=$("$LATHE" generate -m "$fx/chat.gguf" -p "Hello there" --temp 0 -n 12 | sed 's/[\\"]/\\&/g')
check "the model answers something" test -n "$own"
{
    printf '{"messages":[{"role":"user","content":"Hello there"},{"role":"assistant","content":"%s"}]}\n' "$own"
    printf '{"messages":[{"role":"assistant","content":"no question first"}]}\n'
    printf '{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Name a colour"},{"role":"assistant","content":"blue"}]}\n'
} >"$fx/data.jsonl"

json() { "$LATHE" eval -m "$fx/chat.gguf" --data "$fx/data.jsonl" -n 12 --json "$@" 2>"$fx/progress"; }
field() { sed -n "s/.*\"$1\": *\([^,}]*\).*/\1/p"; }
one=$(json --max 1)
check "--json prints count, exact_match, bleu4 and rouge_l" \
    sh -c 'echo "$1" | grep -Eq "^\{\"count\":1,\"exact_match\":[0-9.e+-]+,\"bleu4\":[0-9.e+-]+,\"rouge_l\":[0-9.e+-]+,"' _ "$one"
check "the model's own greedy answer is an exact match" test "$(echo "$one" | field exact_match)" = 1.0
check "... with ROUGE-L 1" test "$(echo "$one" | field rouge_l)" = 1.0
check "progress goes to stderr" grep -q "1/1 records evaluated" "$fx/progress"

all=$(json)
check "every record with a user turn before the answer counts" test "$(echo "$all" | field count)" = 2
check "the one without is skipped" test "$(echo "$all" | field skipped)" = 1
check "exact match is the mean over records" test "$(echo "$all" | field exact_match)" = 0.5
# Ten records: the progress line for the tenth is the last one, printed once.
for i in 1 2 3 4 5 6 7 8 9 10; do sed -n 1p "$fx/data.jsonl"; done >"$fx/ten.jsonl"
"$LATHE" eval -m "$fx/chat.gguf" --data "$fx/ten.jsonl" -n 2 >/dev/null 2>"$fx/progress"
check "the final count is printed once" test "$(grep -c '10 records evaluated' "$fx/progress")" -eq 1
text=$("$LATHE" eval -m "$fx/chat.gguf" --data "$fx/data.jsonl" -n 12 2>/dev/null)
check "without --json a summary line" sh -c 'echo "$1" | grep -q "^2 records: exact match 0.5000, BLEU-4"' _ "$text"

"$LATHE" eval -m "$fx/chat.gguf" --data "$fx/data.jsonl" -n 12 --output "$fx/out.json" >/dev/null 2>&1
check "--output writes the file" test -s "$fx/out.json"
check "... with the summary" grep -q '"summary"' "$fx/out.json"
for key in prompt reference prediction scores exact_match bleu4 rouge_l; do
    check "... and rows with $key" grep -q "\"$key\"" "$fx/out.json"
done
check "... whose first prediction is the generated answer" grep -qF "\"prediction\": \"$own\"" "$fx/out.json"
check "... and whose prompt is the rendered conversation" grep -qF '<|im_start|>system\nBe brief.<|im_end|>' "$fx/out.json"
check "no temporary file is left" sh -c '[ "$(ls "$1" | grep -c out)" -eq 1 ]' _ "$fx"

status() { want=$1; shift; "$@" >/dev/null 2>"$fx/err"; [ $? -eq "$want" ]; }
check "no --data is a usage error" status 2 "$LATHE" eval -m "$fx/chat.gguf"
check "--max 0 is a usage error" status 2 "$LATHE" eval -m "$fx/chat.gguf" --data "$fx/data.jsonl" --max 0
check "an unknown option is a usage error" status 2 "$LATHE" eval -m "$fx/chat.gguf" --data "$fx/data.jsonl" --bogus 1
check "a missing dataset exits 1" status 1 "$LATHE" eval -m "$fx/chat.gguf" --data "$fx/nope.jsonl"
check "... and names it" grep -q "nope.jsonl" "$fx/err"
check "a missing model exits 1" status 1 "$LATHE" eval -m "$fx/nope.gguf" --data "$fx/data.jsonl"
check "... and names it" grep -q "nope.gguf" "$fx/err"
printf '{"messages":[{"role":"assistant","content":"alone"}]}\n' >"$fx/none.jsonl"
check "a dataset with nothing to evaluate exits 1" status 1 "$LATHE" eval -m "$fx/chat.gguf" --data "$fx/none.jsonl"
check "... and says why" grep -q "no record" "$fx/err"
tap_done
