#!/bin/sh
# test_sample_finetune.sh - the bundled sample end to end: samples/lora.yaml,
# run from another directory (its paths resolve against samples/), fine-tunes
# the committed base model; on the first held-out records `lathe eval` then
# finds that the base does not answer in the chat format (it continues with
# more text; exact match 0) and base + adapter does (short answers that
# end the turn, exact match and ROUGE-L up). 100 steps instead of lora.yaml's
# 8 epochs keep it under a minute; two threads keep the numbers fixed. Sanitized builds (LATHE_SANITIZED) run a tiny version
# that checks the commands work and skip the gain, which needs the full steps.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
# metric KEY FILE: one figure of an eval --json line
metric() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p" "$2"; }
# answers FILE: predictions in an eval --output file that look like the
# references (at most four words, no sentence-ending period)
answers() {
    grep '"prediction": ' "$1" | sed 's/.*"prediction": "//; s/",\{0,1\}$//' |
        awk '!/\.$/ && NF <= 4 { n++ } END { print n + 0 }'
}
# at_least A B: A >= B (decimals)
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

model="$LATHE_SRCDIR/samples/model.gguf"
heldout="$LATHE_SRCDIR/samples/data/heldout.jsonl"
if [ -n "${LATHE_SANITIZED:-}" ]; then
    steps=2 rows=4
else
    steps=${SAMPLE_TEST_STEPS:-100} rows=${SAMPLE_TEST_ROWS:-100}
fi

cd "$out" || exit 1
check "lora.yaml trains $steps steps from another directory" status_is 0 "$LATHE" train \
    "$LATHE_SRCDIR/samples/lora.yaml" --max-steps "$steps" --set eval_steps=1000 --set threads=2 --output run
check "the run wrote its adapter" test -s run/adapter/adapter.gguf
check "eval of the base model on $rows held-out records" status_is 0 "$LATHE" eval \
    -m "$model" --data "$heldout" --max "$rows" -n 16 --json --output base-rows.json
cp "$out/stdout" base.json
check "eval of base + adapter" status_is 0 "$LATHE" eval -m "$model" --lora run \
    --data "$heldout" --max "$rows" -n 16 --json --output tuned-rows.json
cp "$out/stdout" tuned.json
check "both evals scored $rows records" test "$(grep -c "\"count\":$rows," base.json tuned.json |
    grep -c ':1$')" -eq 2

base=$(metric exact_match base.json) tuned=$(metric exact_match tuned.json)
base_rl=$(metric rouge_l base.json) tuned_rl=$(metric rouge_l tuned.json)
base_fmt=$(answers base-rows.json) tuned_fmt=$(answers tuned-rows.json)
diag "held-out ($rows records, $steps steps): exact match $base -> $tuned," \
    "ROUGE-L $base_rl -> $tuned_rl, answer-shaped replies $base_fmt -> $tuned_fmt"
if [ -n "${LATHE_SANITIZED:-}" ]; then
    for c in "the base does not answer in the chat format" "the fine-tuned model does" \
             "exact match rises" "ROUGE-L rises"; do
        skip "$c" "$LATHE_SANITIZED build: $steps steps only"
    done
else
    check "the base does not answer in the chat format (at most 5% answer-shaped)" \
        test "$base_fmt" -le $((rows / 20))
    check "the fine-tuned model does (at least 90% answer-shaped)" \
        test "$tuned_fmt" -ge $((rows * 9 / 10))
    check "exact match rises by at least 0.12" \
        at_least "$tuned" "$(awk -v b="$base" 'BEGIN { print b + 0.12 }')"
    check "ROUGE-L rises by at least 0.15" \
        at_least "$tuned_rl" "$(awk -v b="$base_rl" 'BEGIN { print b + 0.15 }')"
fi
tap_done
