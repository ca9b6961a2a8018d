#!/bin/sh
# test_data_edit.sh - `lathe data clean|convert|split` headless: a recipe
# replayed twice (and from the recipe saved beside its output) gives the
# same bytes; filter, near_dedupe and redact_pii steps with -m and
# --sequence-len; the token settings a recipe records (from --config) replayed
# with no flags, overrides that warn, a recipe's model that is gone; .gz output, in-place only with --in-place and with a backup,
# recipe errors as FILE:LINE:COLUMN, convert counts and skipped records as
# FILE:LINE:BYTE, split sizes and determinism, exit codes (1 runtime, 2
# usage), and all of it on the gpteacher-*.json datasets beside the reference
# files ($LATHE_REFERENCE_DIR/../datasets, as tests/unit/ds_fixture.h finds
# them, so a VPATH build such as make distcheck's runs them too) when present.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
lines() { wc -l <"$1" | tr -d ' '; }

printf '%s\n' '{"instruction":" a ","output":"b"}' '{"instruction":"a","output":"b"}' \
    'not json' '{"instruction":"c","output":"  "}' '{"instruction":"d",  "output":"e"}' \
    >"$out/in.jsonl"
cp "$out/in.jsonl" "$out/orig.jsonl"
cat >"$out/r.yaml" <<'YAML'
version: 1
steps:
  - do: whitespace
  - do: dedupe
  - do: drop_empty
YAML

check "clean exits 0" status_is 0 "$LATHE" data clean "$out/in.jsonl" --recipe "$out/r.yaml" -o "$out/a.jsonl"
check "clean writes the kept records" test "$(cat "$out/a.jsonl")" = '{"instruction":"a","output":"b"}
{"instruction":"d",  "output":"e"}'
check "clean reports counts and the recipe" grep -q "3 steps; wrote 2 records .*(2 deleted, 1 problem records left out); recipe .*a.jsonl.recipe.yaml" "$out/stderr"
check "the recipe is saved beside the output" test -f "$out/a.jsonl.recipe.yaml"
"$LATHE" data clean "$out/in.jsonl" --recipe "$out/r.yaml" -o "$out/b.jsonl" 2>/dev/null
check "a second run is byte-identical" cmp -s "$out/a.jsonl" "$out/b.jsonl"
"$LATHE" data clean "$out/in.jsonl" --recipe "$out/a.jsonl.recipe.yaml" -o "$out/c.jsonl" 2>/dev/null
check "replaying the saved recipe is byte-identical" cmp -s "$out/a.jsonl" "$out/c.jsonl"
check "clean to .gz exits 0" status_is 0 "$LATHE" data clean "$out/in.jsonl" --recipe "$out/r.yaml" -o "$out/a.jsonl.gz"
check "the .gz output holds the same records" sh -c "gzip -dc '$out/a.jsonl.gz' | cmp -s - '$out/a.jsonl'"

check "clean -o INPUT without --in-place exits 2" status_is 2 "$LATHE" data clean "$out/in.jsonl" --recipe "$out/r.yaml" -o "$out/in.jsonl"
check "the refusal names --in-place" grep -q -- "--in-place" "$out/stderr"
check "the input is untouched" cmp -s "$out/in.jsonl" "$out/orig.jsonl"
check "clean --in-place exits 0" status_is 0 "$LATHE" data clean "$out/in.jsonl" --recipe "$out/r.yaml" --in-place
check "the input now holds the cleaned records" cmp -s "$out/in.jsonl" "$out/a.jsonl"
check "the old input is kept as .bak" cmp -s "$out/in.jsonl.bak" "$out/orig.jsonl"
check "the backup is reported" grep -q "kept as .*in.jsonl.bak" "$out/stderr"
cp "$out/orig.jsonl" "$out/in.jsonl"

printf 'version: 1\nsteps:\n  - do: dedupe\n  - do: dlete\n' >"$out/bad.yaml"
check "a bad recipe exits 1" status_is 1 "$LATHE" data clean "$out/in.jsonl" --recipe "$out/bad.yaml" -o "$out/x.jsonl"
check "the error has file:line:column" grep -q "bad.yaml:4:9: unknown action 'dlete'" "$out/stderr"
printf 'version: 1\nsteps:\n  - do: delete\n    rows: [99]\n' >"$out/range.yaml"
check "a step that fails exits 1" status_is 1 "$LATHE" data clean "$out/in.jsonl" --recipe "$out/range.yaml" -o "$out/x.jsonl"
check "the failing step is named" grep -q "range.yaml: step 1 (delete): .*no record 99" "$out/stderr"
check "nothing is written on failure" test ! -e "$out/x.jsonl"
check "clean without --recipe exits 2" status_is 2 "$LATHE" data clean "$out/in.jsonl" -o "$out/x.jsonl"
check "clean without -o exits 2" status_is 2 "$LATHE" data clean "$out/in.jsonl" --recipe "$out/r.yaml"
check "clean of a missing file exits 1" status_is 1 "$LATHE" data clean "$out/none.jsonl" --recipe "$out/r.yaml" -o "$out/x.jsonl"
check "clean of a missing recipe exits 1" status_is 1 "$LATHE" data clean "$out/in.jsonl" --recipe "$out/none.yaml" -o "$out/x.jsonl"

cat >"$out/f.yaml" <<'YAML'
version: 1
steps:
  - do: redact_pii
  - do: near_dedupe
    threshold: 0.8
  - do: tag
    filter: chars > 10
    tag: long
  - do: drop
    filter: too_long or problem
YAML
printf '%s\n' '{"instruction":"mail bob@example.com now","output":"ok"}' \
    '{"instruction":"The quick brown fox jumps over the lazy dog","output":"a"}' \
    '{"instruction":"the quick brown fox, jumps over the lazy dog!","output":"a"}' \
    '{"instruction":"a rather long instruction with many many words in it","output":"b"}' \
    >"$out/f.jsonl"
check "clean with filters and --sequence-len exits 0" status_is 0 "$LATHE" data clean "$out/f.jsonl" --recipe "$out/f.yaml" --sequence-len 12 -o "$out/f-out.jsonl"
check "PII is redacted, the near duplicate and the too-long record dropped" test "$(cat "$out/f-out.jsonl")" = '{"instruction":"mail [EMAIL] now","output":"ok"}
{"instruction":"The quick brown fox jumps over the lazy dog","output":"a"}'
# with -m a record's tokens are its trained length (ChatML, the vocab's template): 27 to 40 here
check "with -m the sample vocabulary's trained lengths leave only the shortest record" sh -c "'$LATHE' data clean '$out/f.jsonl' --recipe '$out/f.yaml' -m '$LATHE_SRCDIR/samples/data/vocab.gguf' --sequence-len 30 -o '$out/f3.jsonl' 2>/dev/null && test \"\$(cat '$out/f3.jsonl')\" = '{\"instruction\":\"mail [EMAIL] now\",\"output\":\"ok\"}'"
check "with -m every record is over 12 trained tokens" sh -c "'$LATHE' data clean '$out/f.jsonl' --recipe '$out/f.yaml' -m '$LATHE_SRCDIR/samples/data/vocab.gguf' --sequence-len 12 -o '$out/f4.jsonl' 2>/dev/null && test ! -s '$out/f4.jsonl'"
check "without --sequence-len nothing is too long" sh -c "'$LATHE' data clean '$out/f.jsonl' --recipe '$out/f.yaml' -o '$out/f2.jsonl' 2>/dev/null && test \$(wc -l <'$out/f2.jsonl') -eq 3"
check "clean with a bad --sequence-len exits 2" status_is 2 "$LATHE" data clean "$out/f.jsonl" --recipe "$out/f.yaml" --sequence-len -3 -o "$out/x.jsonl"
check "clean with a missing tokenizer exits 1" status_is 1 "$LATHE" data clean "$out/f.jsonl" --recipe "$out/f.yaml" -m "$out/none.gguf" -o "$out/x.jsonl"
printf 'version: 1\nsteps:\n  - do: drop\n    filter: "chars >"\n' >"$out/bf.yaml"
check "a bad filter exits 1" status_is 1 "$LATHE" data clean "$out/f.jsonl" --recipe "$out/bf.yaml" -o "$out/x.jsonl"
check "the bad filter's column is named" grep -q "step 1 (drop): filter 'chars >': column 8" "$out/stderr"

# The token settings travel in the recipe: a session counting with the sample
# vocabulary (ChatML) and sequence_len 30 from a config, as the pane takes
# them, replays with no token flags, from another directory.
vocab=$(realpath "$LATHE_SRCDIR/samples/data/vocab.gguf")
printf 'base_model: %s\ndatasets:\n  - path: f.jsonl\nchat_template: chatml\nsequence_len: 30\nlearning_rate: 0.0002\n' "$vocab" >"$out/c.yaml"
tr="$out/t1.jsonl.recipe.yaml"
check "clean --config exits 0" status_is 0 "$LATHE" data clean "$out/f.jsonl" --recipe "$out/f.yaml" --config "$out/c.yaml" -o "$out/t1.jsonl"
check "--config counts with its model, template and sequence_len" test "$(cat "$out/t1.jsonl")" = '{"instruction":"mail [EMAIL] now","output":"ok"}'
check "the recipe records the tokenizer's absolute path" grep -qxF "  model: $vocab" "$tr"
check "the recipe records the template and sequence_len" sh -c "grep -qx '  chat_template: chatml' '$tr' && grep -qx '  sequence_len: 30' '$tr'"
check "replaying it with no token flags exits 0" status_is 0 sh -c "cd / && '$LATHE' data clean '$out/f.jsonl' --recipe '$tr' -o '$out/t2.jsonl'"
check "the replay is byte-identical" cmp -s "$out/t1.jsonl" "$out/t2.jsonl"
check "a replay with the recipe's settings does not warn" sh -c "! grep -q warning '$out/stderr'"
check "-m naming the recipe's model does not warn" sh -c "'$LATHE' data clean '$out/f.jsonl' --recipe '$tr' -m '$LATHE_SRCDIR/samples/data/vocab.gguf' -o '$out/t5.jsonl' 2>&1 | { ! grep -q warning; } && cmp -s '$out/t1.jsonl' '$out/t5.jsonl'"
check "a different --sequence-len exits 0" status_is 0 "$LATHE" data clean "$out/f.jsonl" --recipe "$tr" --sequence-len 12 -o "$out/t3.jsonl"
check "and warns that the output may differ" grep -q "warning: .*t1.jsonl.recipe.yaml recorded the sequence_len 30 and the options give 12; .*may differ from the Data pane's" "$out/stderr"
check "with it every record is too long" test ! -s "$out/t3.jsonl"
check "stats --recipe counts with the recipe's settings" sh -c "'$LATHE' data stats '$out/f.jsonl' --recipe '$tr' --json 2>/dev/null | grep -q '\"chat_template\":\"chatml\".*\"sequence_len\":30,\"over_sequence_len\":0'"
sed "s|^  model: .*|  model: $out/gone.gguf|" "$tr" >"$out/gone.yaml"
check "a recipe whose model is gone exits 1" status_is 1 "$LATHE" data clean "$out/f.jsonl" --recipe "$out/gone.yaml" -o "$out/x.jsonl"
check "the error names the recipe, the model and -m" grep -q "gone.yaml: cannot load the tokenizer .*gone.gguf.*pass -m" "$out/stderr"
check "-m replaces a model that is gone" status_is 0 "$LATHE" data clean "$out/f.jsonl" --recipe "$out/gone.yaml" -m "$vocab" -o "$out/t4.jsonl"
check "and warns that the tokenizer changed" grep -q "recorded the tokenizer .*gone.gguf and the options give .*vocab.gguf" "$out/stderr"
check "-m with --config exits 2" status_is 2 "$LATHE" data clean "$out/f.jsonl" --recipe "$tr" -m "$vocab" --config "$out/c.yaml" -o "$out/x.jsonl"
check "a relative -m is recorded absolute" sh -c "cd '$LATHE_SRCDIR' && '$LATHE' data clean '$out/f.jsonl' --recipe '$out/f.yaml' -m samples/data/vocab.gguf -o '$out/t6.jsonl' 2>/dev/null && grep -qxF '  model: $vocab' '$out/t6.jsonl.recipe.yaml'"
check "a recipe without token filters replays an override silently" sh -c "'$LATHE' data clean '$out/in.jsonl' --recipe '$out/a.jsonl.recipe.yaml' --sequence-len 5 -o '$out/t7.jsonl' 2>&1 | { ! grep -q warning; }"

check "convert exits 0" status_is 0 "$LATHE" data convert "$out/in.jsonl" --to messages -o "$out/m.jsonl"
check "convert counts converted and skipped" grep -q "4 records converted, 1 skipped (1 problem, 0 that do not fit messages)" "$out/stderr"
check "the skipped record is FILE:LINE:BYTE" grep -q "skipped .*in.jsonl:3:68: invalid JSON" "$out/stderr"
check "convert writes messages" test "$(head -n 1 "$out/m.jsonl")" = '{"messages":[{"role":"user","content":" a "},{"role":"assistant","content":"b"}]}'
check "convert to .json writes an array" sh -c "'$LATHE' data convert '$out/m.jsonl' --to alpaca -o '$out/back.json' 2>/dev/null && head -c 2 '$out/back.json' | grep -q '^\['"
check "convert with an unknown format exits 2" status_is 2 "$LATHE" data convert "$out/in.jsonl" --to yaml -o "$out/x.jsonl"
check "convert without -o exits 2" status_is 2 "$LATHE" data convert "$out/in.jsonl" --to alpaca
check "convert of a missing file exits 1" status_is 1 "$LATHE" data convert "$out/none.jsonl" --to alpaca -o "$out/x.jsonl"

check "split exits 0" status_is 0 "$LATHE" data split "$out/in.jsonl" --val 0.25 -o "$out/s"
check "split sizes add up (3 train, 1 val)" test "$(lines "$out/s-train.jsonl") $(lines "$out/s-val.jsonl")" = "3 1"
check "split with a count" sh -c "'$LATHE' data split '$out/in.jsonl' --val 2 --seed 9 -o '$out/t' 2>/dev/null && test \$(wc -l <'$out/t-val.jsonl') -eq 2"
check "split with too large a count exits 1" status_is 1 "$LATHE" data split "$out/in.jsonl" --val 9 -o "$out/u"
check "split with a bad --val exits 2" status_is 2 "$LATHE" data split "$out/in.jsonl" --val 1.5 -o "$out/u"
check "split with a bad --seed exits 2" status_is 2 "$LATHE" data split "$out/in.jsonl" --val 1 --seed x -o "$out/u"
check "split without --val exits 2" status_is 2 "$LATHE" data split "$out/in.jsonl" -o "$out/u"

datasets=${LATHE_REFERENCE_DIR:-$LATHE_SRCDIR/../shared/reference}/../datasets
for f in "$datasets"/gpteacher-*.json; do
    [ -f "$f" ] && gp="$f" && break
done
if [ -z "${gp:-}" ]; then
    skip "gpteacher datasets" "$datasets/gpteacher-*.json not present"
else
    dir=$(dirname "$gp")
    for f in "$dir"/gpteacher-*.json; do
        n=$(basename "$f" .json)
        check "$n: clean exits 0" status_is 0 "$LATHE" data clean "$f" --recipe "$out/r.yaml" -o "$out/$n.json"
        check "$n: clean with filters exits 0" status_is 0 "$LATHE" data clean "$f" --recipe "$out/f.yaml" --sequence-len 512 -o "$out/$n-f.json"
        "$LATHE" data clean "$f" --recipe "$out/$n-f.json.recipe.yaml" -o "$out/$n-f2.json" 2>/dev/null
        check "$n: its replay is byte-identical" cmp -s "$out/$n-f.json" "$out/$n-f2.json"
        "$LATHE" data clean "$f" --recipe "$out/$n.json.recipe.yaml" -o "$out/$n-again.json" 2>/dev/null
        check "$n: replay is byte-identical" cmp -s "$out/$n.json" "$out/$n-again.json"
        check "$n: the output is a JSON array" sh -c "head -c 1 '$out/$n.json' | grep -q '^\['"
        check "$n: convert to sharegpt exits 0" status_is 0 "$LATHE" data convert "$out/$n.json" --to sharegpt -o "$out/$n-s.jsonl"
        conv=$(sed -n 's/.*: \([0-9]*\) records converted.*/\1/p' "$out/stderr")
        check "$n: every cleaned record converts" test "$(lines "$out/$n-s.jsonl")" = "$conv"
        check "$n: split exits 0" status_is 0 "$LATHE" data split "$out/$n-s.jsonl" --val 0.1 --seed 3 -o "$out/$n-a"
        "$LATHE" data split "$out/$n-s.jsonl" --val 0.1 --seed 3 -o "$out/$n-b" 2>/dev/null
        check "$n: split is deterministic" sh -c "cmp -s '$out/$n-a-val.jsonl' '$out/$n-b-val.jsonl' && cmp -s '$out/$n-a-train.jsonl' '$out/$n-b-train.jsonl'"
        check "$n: split keeps every record" test $(($(lines "$out/$n-a-train.jsonl") + $(lines "$out/$n-a-val.jsonl"))) -eq "$conv"
    done
fi
tap_done
