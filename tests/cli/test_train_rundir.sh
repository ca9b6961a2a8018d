#!/bin/sh
# test_train_rundir.sh - what `lathe train` keeps of a run directory across
# interruptions, on the tiny random llama of tests/unit/train_fixture:
# - a finished run always ends with a checkpoint, so Ctrl-C, --resume
#   --max-steps 60, then --resume again continues from step 60 and loses
#   nothing (the losses of an uninterrupted run);
# - a --resume that would go back behind outputs already written refuses,
#   naming the newest checkpoint and the outputs' step, and changes nothing;
# - resuming a finished run does not evaluate (and print) its last step again;
# - a run killed before its first checkpoint resumes from step 0 in the same
#   data order;
# - a run directory is locked for the run's life: a second --resume at the
#   same time refuses, naming the first one's PID;
# - the end says what ended the run (num_epochs, not max_steps, when only
#   num_epochs was set) and what its tokens/s counts.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
err_has() { grep -Eq -- "$1" "$out/stderr"; }
# losses FILE: "step loss" of every step row (not evaluations)
losses() { grep -v eval_loss "$1" | sed -E 's/.*"step":([0-9]+),.*"loss":([^,]*),.*/\1 \2/'; }
rows() { wc -l < "$1"; }
# wait_rows FILE N: until FILE has N lines (at most 10 s)
wait_rows() {
    i=0
    while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt 500 ]; do
        sleep 0.02; i=$((i + 1))
    done
}

"$LATHE_BUILDDIR/tests/unit/train_fixture" "$LATHE_SRCDIR/samples/data/vocab.gguf" \
    "$out/base.gguf" || { echo "Bail out! fixture"; exit 1; }

# Constant schedule: the run's length does not change its learning rates.
{
    echo "base_model: base.gguf"
    echo "datasets:"
    echo "  - path: $LATHE_SRCDIR/samples/data/train.jsonl"
    echo "    type: alpaca"
    echo "val_set_size: 8"
    echo "sequence_len: 128"
    echo "sample_packing: true"
    echo "learning_rate: 0.01"
    echo "lr_scheduler: constant"
    echo "micro_batch_size: 2"
    echo "threads: 1"
    echo "adapter: lora"
    echo "lora_r: 4"
    echo "lora_alpha: 8"
    echo "lora_target_linear: true"
} > "$out/c.yaml"

check "straight: 80 steps" status_is 0 "$LATHE" train "$out/c.yaml" --output "$out/straight" \
    --max-steps 80
losses "$out/straight/metrics.jsonl" > "$out/want"

# --- Ctrl-C, --resume --max-steps 60, --resume again (issue 12, item 1)
run="$out/run"
"$LATHE" train "$out/c.yaml" --output "$run" --max-steps 100000 2>"$out/int.err" &
pid=$!
wait_rows "$run/metrics.jsonl" 5
kill -INT "$pid"
wait "$pid"
check "Ctrl-C: exits 0" test $? -eq 0
stopped=$(sed -n 's/.*"steps": \([0-9]*\),/\1/p' "$run/summary.json")
diag "stopped at step $stopped"
check "Ctrl-C: stopped before step 60" test "$stopped" -lt 60
check "Ctrl-C: a checkpoint of the last step" test -s "$run/checkpoints/step-$stopped/state.json"
check "--resume --max-steps 60: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" \
    --resume "$run" --max-steps 60
check "--resume --max-steps 60: ends with a checkpoint of step 60" \
    test -s "$run/checkpoints/step-60/state.json"
check "--resume --max-steps 60: summary.json names it" \
    grep -q '"checkpoint": "checkpoints/step-60"' "$run/summary.json"
check "--resume again: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" --resume "$run" \
    --max-steps 80
check "--resume again: continues from step 60" \
    grep -q '"event":"resumed at step 60 of 80"' "$run/events.jsonl"
check "--resume again: says so" err_has "resuming .* from checkpoints/step-60"
losses "$run/metrics.jsonl" > "$out/got"
check "steps 1-80 once each, losses identical to the uninterrupted run" cmp "$out/want" \
    "$out/got"

# --- resuming a finished run: nothing to train, the last evaluation is not
# run (nor printed) again
check "resume of the finished run: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" \
    --resume "$run" --max-steps 80
check "resume of the finished run: no evaluation printed" test "$(grep -c '^eval step' \
    "$out/stderr")" -eq 0
check "resume of the finished run: one evaluation of step 80 in metrics.jsonl" \
    test "$(grep -c '"step":80,.*eval_loss' "$run/metrics.jsonl")" -eq 1

# --- a resume that would go back behind the outputs refuses
cp -r "$run" "$out/behind"
rm -rf "$out/behind/checkpoints/step-80"
cp "$out/behind/metrics.jsonl" "$out/behind.metrics"
check "resume behind the outputs: exits 1" status_is 1 "$LATHE" train "$out/c.yaml" \
    --resume "$out/behind" --max-steps 90
check "resume behind the outputs: names the newest checkpoint and the outputs' step" \
    err_has "outputs \(summary.json and adapter/\) are from step 80 but the newest checkpoint is checkpoints/step-60"
check "resume behind the outputs: metrics.jsonl untouched" cmp "$out/behind.metrics" \
    "$out/behind/metrics.jsonl"
check "resume behind the outputs: the adapter untouched" cmp "$run/adapter/adapter.gguf" \
    "$out/behind/adapter/adapter.gguf"

# --- killed before its first checkpoint: --resume trains it again from step 0
# (issue 13, item 10)
run="$out/killed"
"$LATHE" train "$out/c.yaml" --output "$run" --max-steps 100000 >/dev/null 2>&1 &
pid=$!
wait_rows "$run/metrics.jsonl" 3
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "killed: no checkpoint" test ! -e "$run/checkpoints"
check "killed, --resume: exits 0" status_is 0 "$LATHE" train "$out/c.yaml" --resume "$run" \
    --max-steps 20
check "killed, --resume: says it starts again from step 0" \
    err_has "has no checkpoint yet: training it again from step 0"
losses "$run/metrics.jsonl" > "$out/got"
check "killed, --resume: steps 1-20 once each, losses of the uninterrupted run" \
    sh -c "head -n 20 '$out/want' | cmp - '$out/got'"

# --- one process per run directory (issue 13, item 4)
run="$out/run"
resumes=$(grep -c '"event":"resumed at step' "$run/events.jsonl")
"$LATHE" train "$out/c.yaml" --resume "$run" --max-steps 100000 2>"$out/a.err" &
pid=$!
wait_rows "$run/metrics.jsonl" $(($(rows "$run/metrics.jsonl") + 3))
check "second --resume at the same time: exits 1" status_is 1 "$LATHE" train "$out/c.yaml" \
    --resume "$run" --max-steps 1
check "second --resume: names the holder's PID" err_has "in use by another lathe process \(PID $pid\)"
kill -INT "$pid"
wait "$pid"
check "the first run: exits 0" test $? -eq 0
check "one resume logged" test "$(grep -c '"event":"resumed at step' "$run/events.jsonl")" -eq \
    $((resumes + 1))
check "every step once in metrics.jsonl" test "$(losses "$run/metrics.jsonl" | cut -d' ' -f1 |
    sort -n | uniq -d | wc -l)" -eq 0
check "a new run after the first one ended: the lock is free" status_is 0 "$LATHE" train \
    "$out/c.yaml" --resume "$run" --max-steps 1

# --- what ended the run, and what tokens/s counts (issue 12, item 11)
head -n 24 "$LATHE_SRCDIR/samples/data/train.jsonl" > "$out/small.jsonl"
sed "s|path: .*|path: $out/small.jsonl|; s|sample_packing: true|sample_packing: false|" \
    "$out/c.yaml" > "$out/e.yaml"
echo "num_epochs: 1" >> "$out/e.yaml"
check "num_epochs only: exits 0" status_is 0 "$LATHE" train "$out/e.yaml" --output "$out/epochs"
check "num_epochs only: the end says num_epochs" \
    err_has "finished after [0-9]+ steps \(completed num_epochs: 1\)"
check "the closing line comes last, after the final evaluation" sh -c \
    "tail -n 2 '$out/stderr' | head -n 1 | grep -q '^eval step' &&
     tail -n 1 '$out/stderr' | grep -q 'finished after'"
check "num_epochs only: not max_steps" sh -c "! grep -q max_steps '$out/stderr' '$out/epochs/events.jsonl'"
check "num_epochs only: logged as the end event" \
    grep -q '"event":"completed num_epochs: 1"' "$out/epochs/events.jsonl"
tokens=$(sed -n 's/.*"tokens": \([0-9]*\),/\1/p' "$out/epochs/summary.json")
check "tokens/s: the line says what it counts" \
    err_has " $tokens tokens at [0-9]+ tokens/s \(padding excluded; evaluation and saving included\)"

tap_done
