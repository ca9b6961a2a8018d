#!/bin/sh
# test_train_resume.sh - checkpoints and exact resume of `lathe train` on the
# tiny random llama of tests/unit/train_fixture: 20 steps straight against
# 10 steps (save_steps 5) then --resume to 20, and against a run killed with
# SIGKILL after its step-10 checkpoint and resumed with --resume auto; every
# logged loss of steps 1-20 must be the same string. The same across epoch
# boundaries (each epoch reshuffled). Also: a checkpoint is
# never partially visible, a failed save is reported and training goes on,
# and save_total_limit keeps the newest ones and the
# one with the best eval loss.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
# losses FILE: "step loss" of every step row (not evaluations)
losses() { grep -v eval_loss "$1" | sed -E 's/.*"step":([0-9]+),.*"loss":([^,]*),.*/\1 \2/'; }

"$LATHE_BUILDDIR/tests/unit/train_fixture" "$LATHE_SRCDIR/samples/data/vocab.gguf" \
    "$out/base.gguf" || { echo "Bail out! fixture"; exit 1; }

# Two engine threads check that the split passes are deterministic.
threads=2

# Constant schedule: the run's length does not change its learning rates.
{
    echo "base_model: base.gguf"
    echo "datasets:"
    echo "  - path: $LATHE_SRCDIR/samples/data/train.jsonl"
    echo "    type: alpaca"
    echo "sequence_len: 128"
    echo "sample_packing: true"
    echo "learning_rate: 0.01"
    echo "lr_scheduler: constant"
    echo "micro_batch_size: 2"
    echo "gradient_accumulation_steps: 2"
    echo "lora_dropout: 0.1"
    echo "threads: $threads"
    echo "adapter: lora"
    echo "lora_r: 4"
    echo "lora_alpha: 8"
    echo "lora_target_linear: true"
    echo "save_steps: 5"
} > "$out/c.yaml"

check "straight: 20 steps" status_is 0 "$LATHE" train "$out/c.yaml" --output "$out/straight" \
    --max-steps 20
losses "$out/straight/metrics.jsonl" > "$out/want"
check "straight: 20 losses logged" test "$(wc -l < "$out/want")" -eq 20

check "first half: 10 steps" status_is 0 "$LATHE" train "$out/c.yaml" --output "$out/runs/a" \
    --max-steps 10
for s in 5 10; do
    for f in weights.bin optimizer.bin state.json; do
        check "checkpoints/step-$s/$f" test -s "$out/runs/a/checkpoints/step-$s/$f"
    done
done
check "state.json holds step, epoch, loss, config hash" grep -q '"config_hash"' \
    "$out/runs/a/checkpoints/step-10/state.json"
check "no temporary checkpoint left" test -z "$(ls -A "$out/runs/a/checkpoints" | grep -v '^step-')"
check "resume to 20" status_is 0 "$LATHE" train "$out/c.yaml" --resume "$out/runs/a" \
    --max-steps 20
check "resume: says where it continues" grep -q 'resuming .* from checkpoints/step-10' \
    "$out/stderr"
losses "$out/runs/a/metrics.jsonl" > "$out/got"
check "resume: metrics.jsonl has steps 1-20 once each, losses identical" cmp "$out/want" \
    "$out/got"
check "resume: events log the resume" grep -q 'resumed at step 10 of 20' \
    "$out/runs/a/events.jsonl"

# kill -9 after the step-10 checkpoint; steps past it may be logged and are dropped
"$LATHE" train "$out/c.yaml" --output "$out/runs/b" --max-steps 100000 \
    >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -d "$out/runs/b/checkpoints/step-10" ] && [ $i -lt 600 ]; do
    for d in "$out"/runs/b/checkpoints/*; do
        case "${d##*/}" in step-*|.step-*.tmp|"*") ;; *) echo "# odd entry $d"; bad=1 ;; esac
    done
    sleep 0.02; i=$((i + 1))
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "kill -9: only complete step-N or .tmp entries were ever seen" test -z "$bad"
check "kill -9: step-10 exists" test -s "$out/runs/b/checkpoints/step-10/state.json"
for d in "$out"/runs/b/checkpoints/step-*; do
    case "${d##*/}" in step-5|step-10) ;; *) rm -rf "$d" ;; esac
done
check "resume auto picks the killed run" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/runs/new" --resume auto --max-steps 20
check "resume auto: resumed runs/b" grep -q "resuming .*runs/b from checkpoints/step-10" \
    "$out/stderr"
losses "$out/runs/b/metrics.jsonl" > "$out/got2"
check "kill -9 + resume: losses of steps 1-20 identical" cmp "$out/want" "$out/got2"

# across epoch boundaries: 24 records unpacked are 6 steps an epoch, each
# epoch after the first in its own order; 16 steps straight against runs
# stopped at step 6 (the end of the first epoch) and at step 9 (inside the
# second), each resumed to 16
head -n 24 "$LATHE_SRCDIR/samples/data/train.jsonl" > "$out/small.jsonl"
sed "s|path: .*|path: $out/small.jsonl|; s|sample_packing: true|sample_packing: false|" \
    "$out/c.yaml" > "$out/e.yaml"
check "epochs: 16 steps straight" status_is 0 "$LATHE" train "$out/e.yaml" \
    --output "$out/ep-straight" --max-steps 16
losses "$out/ep-straight/metrics.jsonl" > "$out/want-ep"
check "epochs: the run reaches a third epoch" awk -F'"epoch":' \
    'END {split($2, a, ","); exit !(a[1] > 2.5)}' "$out/ep-straight/metrics.jsonl"
for stop in 6 9; do
    check "epochs: stop at step $stop" status_is 0 "$LATHE" train "$out/e.yaml" \
        --output "$out/ep-$stop" --max-steps $stop
    check "epochs: resume from step $stop to 16" status_is 0 "$LATHE" train "$out/e.yaml" \
        --resume "$out/ep-$stop" --max-steps 16
    losses "$out/ep-$stop/metrics.jsonl" > "$out/got-ep"
    check "epochs: resumed at $stop, losses of steps 1-16 identical" cmp "$out/want-ep" \
        "$out/got-ep"
done

# a failed save (a file in the way of .step-10.tmp): reported, training goes
# on, the earlier checkpoint intact and the next one written
check "save failure: first 5 steps" status_is 0 "$LATHE" train "$out/c.yaml" \
    --output "$out/fail" --max-steps 5
: > "$out/fail/checkpoints/.step-10.tmp"
check "save failure: the run goes on and exits 0" status_is 0 "$LATHE" train "$out/c.yaml" \
    --resume "$out/fail" --max-steps 15
check "save failure: says so on stderr" grep -q 'checkpoint failed: .*training goes on' \
    "$out/stderr"
check "save failure: logged as an event" grep -q '"step":10,.*checkpoint failed' \
    "$out/fail/events.jsonl"
check "save failure: no step-10" test ! -e "$out/fail/checkpoints/step-10"
check "save failure: step-5 intact, step-15 written" test -s \
    "$out/fail/checkpoints/step-5/weights.bin" -a -s "$out/fail/checkpoints/step-15/state.json"

# the final checkpoint failing fails the run (the documented rule: a run
# whose last state cannot be saved must not look complete); the earlier
# checkpoints stay intact and summary.json says what happened
: > "$out/fail/checkpoints/.step-17.tmp"
check "final save failure: exits 1" status_is 1 "$LATHE" train "$out/c.yaml" \
    --resume "$out/fail" --max-steps 17
check "final save failure: says why" grep -q 'lathe train: checkpoint failed: .*step-17' \
    "$out/stderr"
check "final save failure: logged as an event" grep -q '"step":17,.*checkpoint failed' \
    "$out/fail/events.jsonl"
check "final save failure: step-15 intact, no step-17" test -s \
    "$out/fail/checkpoints/step-15/weights.bin" -a ! -e "$out/fail/checkpoints/step-17"
check "final save failure: summary.json written" grep -q '"steps": 17,' \
    "$out/fail/summary.json"

# save_total_limit 2: two checkpoints remain, the newest and the one of the
# best evaluation (each evaluation runs right after its step, before that
# step's checkpoint is saved and the older ones pruned, so the best is known
# even when it is the newest)
check "save_total_limit run" status_is 0 "$LATHE" train "$out/c.yaml" --output "$out/lim" \
    --max-steps 20 --set save_total_limit=2 --set save_steps=2 --set val_set_size=8 \
    --set eval_steps=2 --set learning_rate=2
best=$(grep eval_loss "$out/lim/metrics.jsonl" |
    sed -E 's/.*"step":([0-9]+),.*"eval_loss":([^,]*),.*/\2 \1/' | sort -g | head -1 | cut -d' ' -f2)
kept=$(ls "$out/lim/checkpoints" | sed 's/step-//' | sort -n | tr '\n' ' ')
echo "# best eval step $best, kept: $kept"
if [ "$best" -lt 20 ]; then want="$best 20 "; else want="18 20 "; fi
check "save_total_limit: kept $want" test "$kept" = "$want"
check "save_total_limit: summary names the same best step" \
    grep -q "\"best_eval_step\": $best," "$out/lim/summary.json"

# load_best_model_at_end: every new best evaluation also saves a checkpoint,
# and the adapter written at the end holds the best one's weights: the same
# bytes as a run stopped at that step; save_total_limit 1 keeps it beside the
# newest
{
    grep -v '^save_steps' "$out/c.yaml"
    echo "val_set_size: 8"
    echo "eval_steps: 2"
    echo "load_best_model_at_end: true"
} > "$out/best.yaml"
check "load best: exits 0" status_is 0 "$LATHE" train "$out/best.yaml" --output "$out/best" \
    --max-steps 12 --set learning_rate=1 --set save_steps=4 --set save_total_limit=1
best=$(grep eval_loss "$out/best/metrics.jsonl" |
    sed -E 's/.*"step":([0-9]+),.*"eval_loss":([^,]*),.*/\2 \1/' | sort -g | head -1 | cut -d' ' -f2)
echo "# best eval step $best"
check "load best: the best is not the last step (the test needs that)" test "$best" -lt 12
check "load best: says it loaded it" grep -q "loaded the best checkpoint (step $best," \
    "$out/stderr"
check "load best: logged as an event" grep -q "\"event\":\"loaded the best checkpoint (step $best," \
    "$out/best/events.jsonl"
check "load best: summary.json output_step is the best step" \
    grep -q "\"output_step\": $best\$" "$out/best/summary.json"
check "load best: the best checkpoint and the newest remain" \
    test "$(ls "$out/best/checkpoints" | sort -t- -k2 -n | tr '\n' ' ')" = "step-$best step-12 "
check "load best: a run stopped at step $best" status_is 0 "$LATHE" train "$out/best.yaml" \
    --output "$out/best-short" --max-steps "$best" --set learning_rate=1
check "load best: the adapter is that run's, byte for byte" cmp \
    "$out/best/adapter/adapter.gguf" "$out/best-short/adapter/adapter.gguf"
check "without it: the last weights (output_step 12)" status_is 0 "$LATHE" train \
    "$out/best.yaml" --output "$out/last" --max-steps 12 --set learning_rate=1 \
    --set load_best_model_at_end=false
check "without it: output_step 12" grep -q '"output_step": 12$' "$out/last/summary.json"

tap_done
