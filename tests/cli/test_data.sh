#!/bin/sh
# test_data.sh - `lathe data`: render on the bundled sample (one JSON object
# per record, labels and doc as long as tokens, --max, the summary on stderr,
# a skipped record reported with its line) and its usage errors (stats:
# test_data_stats.sh; clean, convert, split: test_data_edit.sh).
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sd="$LATHE_SRCDIR/samples/data"

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }

check "render the sample exits 0" status_is 0 "$LATHE" data render "$sd/heldout.jsonl" -m "$sd/vocab.gguf"
check "render prints one line per record" test "$(wc -l <"$out/stdout")" -eq 200
check "each line has tokens, labels and doc" test "$(grep -c '^{"tokens":\[[0-9,]*\],"labels":\[[-0-9,]*\],"doc":\[[0,]*\]}$' "$out/stdout")" -eq 200
check "labels and doc are as long as tokens" awk -F'[][]' '{
    if (split($2, a, ",") != split($4, b, ",") || split($2, a, ",") != split($6, c, ",")) exit 1 }' "$out/stdout"
check "the summary names the template and counts" grep -q '^lathe data render: template chatml; 200 records in 200 sequences' "$out/stderr"
check "render --max 3 prints 3 lines" sh -c "'$LATHE' data render '$sd/heldout.jsonl' -m '$sd/vocab.gguf' --max 3 2>/dev/null | wc -l | grep -qx 3"

printf '{"instruction":"a","output":"b"}\n{"instruction":7}\n{"instruction":"c","output":"d"}\n' >"$out/bad.jsonl"
check "a bad record is skipped, not fatal" status_is 0 "$LATHE" data render "$out/bad.jsonl" -m "$sd/vocab.gguf"
check "the bad record is reported with its line" grep -q "bad.jsonl: line 2, byte 33: " "$out/stderr"
check "the good records are printed" test "$(wc -l <"$out/stdout")" -eq 2

check "render without a tokenizer exits 2" status_is 2 "$LATHE" data render "$sd/heldout.jsonl"
check "render without a dataset exits 2" status_is 2 "$LATHE" data render -m "$sd/vocab.gguf"
check "render --max with a bad count exits 2" status_is 2 "$LATHE" data render "$sd/heldout.jsonl" -m "$sd/vocab.gguf" --max x
check "render of a missing file exits 1" status_is 1 "$LATHE" data render "$out/none.jsonl" -m "$sd/vocab.gguf"
check "data --help shows -m" sh -c "'$LATHE' data --help | grep -q 'render DATASET .*-m MODEL_OR_VOCAB'"
tap_done
