#!/bin/sh
# test_data_stats.sh - `lathe data stats`: --json keys and values on a fixture
# with planted findings (the same fixture as tests/unit/test_ds_stats.c), the
# text report and its histogram, a vocabulary from -m or a config's
# base_model with its sequence_len, --recipe (the rows after a recipe's
# steps: the numbers of the file `lathe data clean` writes from it), and
# usage and runtime errors.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
vocab="$LATHE_SRCDIR/samples/data/vocab.gguf"

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
has() { grep -qF -- "$1" "$out/stdout"; }

cat >"$out/d.jsonl" <<'JSONL'
{"instruction":"Say hello","input":"","output":"Hello there, friend of mine!"}
{"instruction":"Say hello","input":"","output":"Hello there, friend of mine!"}
{"instruction":"Mail","input":"","output":"write to a@b.io or call 555-123-4567"}
not json
{"instruction":"","input":"x","output":"y"}
{"instruction":"say HELLO","input":"","output":"hello there friend of mine"}
{"instruction":"翻訳して","input":"","output":"こんにちは"}
JSONL

check "stats --json exits 0" status_is 0 "$LATHE" data stats "$out/d.jsonl" --json --sequence-len 9
check "--json prints one line" test "$(wc -l <"$out/stdout")" -eq 1
check "rows" has '"rows":7,'
check "problem_rows" has '"problem_rows":1,'
check "exact_duplicates" has '"exact_duplicates":1,'
check "near_duplicates" has '"near_duplicates":1,'
check "empty_fields per field" has '"empty_fields":{"instruction":1,"input":5,"output":0}'
check "pii per kind" has '"pii":{"email":1,"phone":1,"credit_card":0,"api_key":0,"secret":0}'
check "token_percentiles (estimated)" has '"token_percentiles":{"p50":10,"p90":10,"p99":10,"max":10}'
check "languages" has '"languages":{"en":5,"ja":1}'
check "over sequence_len" has '"sequence_len":9,"over_sequence_len":4'
check "tokens are estimated without a vocabulary" has '"tokens_exact":false'
check "estimated totals are field sums" has '"tokens_templated":false,"chat_template":null'

check "text report exits 0" status_is 0 "$LATHE" data stats "$out/d.jsonl" --sequence-len 9
check "text names rows and problems, singular for one" grep -q "7 rows (alpaca), 1 problem row, 1 problem\$" "$out/stdout"
check "text names duplicates" has "duplicates: 1 exact, 1 near (Jaccard >= 0.80)"
check "text counts rows over sequence_len" has "sequence_len 9: 4 rows have more tokens"
check "text draws a histogram with the sequence_len line" sh -c "grep -F '█' '$out/stdout' | grep -q 'sequence_len'"

check "-m tokenizes with the vocabulary" status_is 0 "$LATHE" data stats "$out/d.jsonl" --json -m "$vocab"
check "tokens are exact with -m" has '"tokens_exact":true'
check "with -m totals are trained lengths" has '"tokens_templated":true,"chat_template":"chatml"'
check "text names the templated total" status_is 0 "$LATHE" data stats "$out/d.jsonl" -m "$vocab" --sequence-len 9
check "the histogram says templated" has "tokens per row (templated)"
check "fields are the text alone" has "tokens in output (text alone)"
printf 'base_model: %s\ndatasets:\n  - path: d.jsonl\nsequence_len: 3\nlearning_rate: 0.0002\n' "$vocab" >"$out/c.yaml"
check "--config takes base_model and sequence_len" status_is 0 "$LATHE" data stats "$out/d.jsonl" --json --config "$out/c.yaml"
check "the config's sequence_len is used" has '"sequence_len":3,'
check "--near-threshold is reported" status_is 0 "$LATHE" data stats "$out/d.jsonl" --json --near-threshold 0.95 --format alpaca
check "the threshold is in the output" has '"near_threshold":0.95'

# --recipe: the rows after the recipe's steps, as the pane's Stats view shows them
cat >"$out/r.yaml" <<'YAML'
version: 1
steps:
  - do: dedupe
  - do: redact_pii
  - do: delete
    rows: [5]
YAML
check "stats --recipe exits 0" status_is 0 "$LATHE" data stats "$out/d.jsonl" --json --recipe "$out/r.yaml" -m "$vocab" --sequence-len 9
check "the duplicate is gone" has '"rows":5,"problem_rows":1,"problems":1,"exact_duplicates":0,'
check "its near duplicate now counts against the first" has '"near_duplicates":1,'
check "redacted PII is not counted" has '"pii_rows":0,'
check "the deleted record's empty instruction is gone" has '"empty_fields":{"instruction":0,'
mv "$out/stdout" "$out/edited.json"
# the same numbers as the file the recipe writes (bar its path and the bad line it leaves out)
"$LATHE" data clean "$out/d.jsonl" --recipe "$out/r.yaml" -o "$out/clean.jsonl" 2>/dev/null
printf 'not json\n' >>"$out/clean.jsonl"
check "stats of the cleaned file exits 0" status_is 0 "$LATHE" data stats "$out/clean.jsonl" --json -m "$vocab" --sequence-len 9
same_json() { sed 's/"dataset":"[^"]*",//' "$1" >"$out/a.json"; sed 's/"dataset":"[^"]*",//' "$2" >"$out/b.json"; cmp -s "$out/a.json" "$out/b.json" || { diag "$(cat "$out/a.json")" "$(cat "$out/b.json")"; false; }; }
check "--recipe reports what the cleaned file has" same_json "$out/edited.json" "$out/stdout"
check "the text report runs over the recipe too" status_is 0 "$LATHE" data stats "$out/d.jsonl" --recipe "$out/r.yaml"
check "the text report counts the edited rows" grep -q "5 rows (alpaca), 1 problem row," "$out/stdout"
check "--help names --recipe" sh -c "'$LATHE' data --help | grep -q 'recipe R.yaml]'"
printf 'version: 1\nsteps:\n  - do: delete\n    rows: [99]\n' >"$out/range.yaml"
check "a recipe step that fails exits 1" status_is 1 "$LATHE" data stats "$out/d.jsonl" --recipe "$out/range.yaml"
check "the failing step is named" grep -q "range.yaml: step 1 (delete)" "$out/stderr"
check "a missing recipe exits 1" status_is 1 "$LATHE" data stats "$out/d.jsonl" --recipe "$out/none.yaml"

check "no dataset exits 2" status_is 2 "$LATHE" data stats --json
check "a bad threshold exits 2" status_is 2 "$LATHE" data stats "$out/d.jsonl" --near-threshold 2
check "the threshold error names the option" grep -q "near-threshold needs a number" "$out/stderr"
check "-m with --config exits 2" status_is 2 "$LATHE" data stats "$out/d.jsonl" -m "$vocab" --config "$out/c.yaml"
check "a bad --format exits 2" status_is 2 "$LATHE" data stats "$out/d.jsonl" --format csv
check "a missing file exits 1" status_is 1 "$LATHE" data stats "$out/none.jsonl"
check "the missing file is named" grep -q "none.jsonl" "$out/stderr"
check "a missing vocabulary exits 1" status_is 1 "$LATHE" data stats "$out/d.jsonl" -m "$out/none.gguf"
tap_done
