#!/bin/sh
# test_dataset_type.sh - a dataset whose records do not fit the type the
# config gives it: `config --check` reads the first records and says so at the
# dataset's file:line with the type they look like; `train` reports skipped
# records as a few examples and a count with the same hint (not one line per
# record), and a run whose data comes from the tokenized-data cache reports
# the same lines.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sd="$LATHE_SRCDIR/samples"

config() { # config NAME TYPE DATASET
    cat >"$out/$1.yaml" <<EOF
base_model: $sd/model.gguf
datasets:
  - path: $3
    type: $2
sequence_len: 128
learning_rate: 0.001
adapter: lora
lora_target_linear: true
val_set_size: 0
EOF
}
status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }

config wrong sharegpt "$sd/data/heldout.jsonl"
check "config --check of sharegpt over alpaca data exits 1" status_is 1 "$LATHE" config --check "$out/wrong.yaml"
check "... at the dataset's first record, with the type they look like" grep -qF \
    "data/heldout.jsonl:1:1: error: 100 of the first 100 records do not fit datasets[0].type sharegpt (expected an object with 'conversations' holding a non-empty list of turns); these look like alpaca: set type: alpaca" "$out/stderr"
check "... and does not say ok" sh -c "! grep -q ': ok' '$out/stdout'"

config right alpaca "$sd/data/heldout.jsonl"
check "the right type checks ok" status_is 0 "$LATHE" config --check "$out/right.yaml"

# A few bad records among good ones: a warning, and training goes on.
{ head -n 60 "$sd/data/heldout.jsonl"
  for i in 1 2 3 4 5; do printf '{"conversations":[{"from":"human","value":"q%d"},{"from":"gpt","value":"a"}]}\n' "$i"; done
} >"$out/mixed.jsonl"
config mixed alpaca "$out/mixed.jsonl"
check "a few misfits are a warning" status_is 0 "$LATHE" config --check "$out/mixed.yaml"
check "... naming the first one's line and their type" grep -qF \
    "mixed.jsonl:61:1: warning: 5 of the first 65 records do not fit datasets[0].type alpaca" "$out/stderr"
check "... and the hint" grep -qF "these look like sharegpt: set type: sharegpt" "$out/stderr"

(cd "$out" && "$LATHE" train wrong.yaml --max-steps 1 --output runs/wrong >stdout 2>stderr)
check "train on the wrong type fails" test $? -ne 0 -o ! -f "$out/runs/wrong/summary.json"
check "... with a few lines, not one per record" test "$(wc -l <"$out/stderr")" -lt 12
check "... the first records as examples" grep -qF "heldout.jsonl: line 1, byte 0: expected an object with 'conversations'" "$out/stderr"
check "... then the count and the hint" grep -qF \
    "heldout.jsonl: 200 of 200 records skipped in all as not sharegpt (200 problems, the first 3 shown); these look like alpaca: set type: alpaca" "$out/stderr"

# The same notes when the tokenized data comes from the cache.
skips() { grep -E 'skipped|look like' "$1" | sed 's/^lathe train: //'; }
(cd "$out" && "$LATHE" train mixed.yaml --max-steps 1 --output runs/first >/dev/null 2>first.err)
(cd "$out" && "$LATHE" train mixed.yaml --max-steps 1 --output runs/second >/dev/null 2>second.err)
check "the second run takes the cache" grep -q "tokenized data from the cache" "$out/second.err"
first=$(skips "$out/first.err")
check "the first run reports the skipped records" test -n "$first"
check "the cached run reports the same lines" test "$first" = "$(skips "$out/second.err")"
tap_done
