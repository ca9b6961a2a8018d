#!/bin/sh
# test_train.sh - `lathe train` end to end on a tiny random llama (written by
# tests/unit/train_fixture with the sample vocabulary): LoRA, full, top-layer
# and 8-bit-base runs; the run directory's files and their contents (metrics
# rows and keys, finite and falling loss, adapter that our reader loads, PEFT
# files, a resolved config that loads back); --set and --max-steps; config and
# usage errors; an alarm that stops the run; and Ctrl-C, which stops cleanly
# with the outputs written.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }
err_has() { grep -Eq -- "$1" "$out/stderr"; }
# rows FILE: metric rows that are steps (not evaluations)
rows() { grep -vc eval_loss "$1"; }
evals() { grep -c eval_loss "$1"; }

"$LATHE_BUILDDIR/tests/unit/train_fixture" "$LATHE_SRCDIR/samples/data/vocab.gguf" \
    "$out/base.gguf" || { echo "Bail out! fixture"; exit 1; }

# A config: $1 = name, then extra YAML lines.
config() {
    name=$1; shift
    {
        echo "base_model: base.gguf"
        echo "datasets:"
        echo "  - path: $LATHE_SRCDIR/samples/data/train.jsonl"
        echo "    type: alpaca"
        echo "val_set_size: 16"
        echo "sequence_len: 128"
        echo "sample_packing: true"
        echo "learning_rate: ${LR:-0.01}"
        echo "micro_batch_size: 4"
        echo "threads: 1"
        for l in "$@"; do echo "$l"; done
    } > "$out/$name.yaml"
}

lora="adapter: lora
lora_r: 4
lora_alpha: 8
lora_target_linear: true"

# --- LoRA
config lora "$lora" "max_steps: 10" "eval_steps: 5"
run="$out/run-lora"
check "lora: exits 0" status_is 0 "$LATHE" train "$out/lora.yaml" --output "$run"
for f in config.yaml metrics.jsonl events.jsonl summary.json adapter/adapter.gguf \
         adapter/adapter_config.json adapter/adapter_model.safetensors; do
    check "lora: run directory has $f" test -s "$run/$f"
done
check "lora: 10 step rows in metrics.jsonl" test "$(rows "$run/metrics.jsonl")" -eq 10
check "lora: eval rows at steps 5 and 10" test "$(grep -c '"step":5,.*eval_loss\|"step":10,.*eval_loss' \
    "$run/metrics.jsonl")" -eq 2
check "lora: every step row has the keys" test "$(grep -c '"step":.*"epoch":.*"loss":.*"lr":.*"grad_norm":.*"tokens_per_s":.*"elapsed_s":' \
    "$run/metrics.jsonl")" -eq 12
check "lora: eval rows carry eval_ppl" test "$(grep -c '"eval_loss":.*"eval_ppl":' \
    "$run/metrics.jsonl")" -eq 2
check "lora: losses are finite numbers" test "$(grep -Ec '"loss":-?[0-9]' "$run/metrics.jsonl")" -eq 12
check "lora: plain progress lines on a non-terminal stderr" err_has '^step 10/10  loss [0-9.]+  lr'
check "lora: summary has steps, tokens and best eval" grep -q '"best_eval_step": (5|10)' \
    "$run/summary.json" -E
check "lora: summary says finished" grep -q '"state": "finished"' "$run/summary.json"
check "lora: events log the start" grep -q '"event":"started: 10 steps"' "$run/events.jsonl"
check "lora: events log the end" grep -q '"event":"reached max_steps"' "$run/events.jsonl"
check "lora: events log the save" grep -q '"event":"saved adapter/"' "$run/events.jsonl"
check "lora: adapter.gguf loads with the adapter reader" status_is 0 "$LATHE" export adapter \
    "$run/adapter/adapter.gguf" --gguf "$out/re.gguf"
check "lora: it holds 14 pairs (28 tensors) of rank 4" grep -q '28 tensors, rank 4' "$out/stdout"
check "lora: the PEFT directory loads too (with -m BASE)" status_is 0 "$LATHE" export adapter \
    "$run/adapter" --gguf "$out/re2.gguf" -m "$out/base.gguf"
check "lora: PEFT and GGUF files hold the same adapter" cmp -s "$run/adapter/adapter.gguf" \
    "$out/re2.gguf"
check "lora: resolved config.yaml loads back" status_is 0 "$LATHE" config --check "$run/config.yaml"
check "lora: resolved config names the run directory" grep -q "^output_dir: .*run-lora" \
    "$run/config.yaml"

# --- on a terminal: a progress bar redrawn in place
if command -v script >/dev/null 2>&1; then
    script -qec "'$LATHE' train '$out/lora.yaml' --output '$out/run-tty'" /dev/null \
        > "$out/tty.out" 2>&1
    check "terminal: exits 0" test $? -eq 0
    cr=$(printf '\r')
    check "terminal: the bar is redrawn with carriage returns" \
        grep -q "${cr}.*step 10/10 \[########################\] loss [0-9.]*  lr .* tok/s  ETA 0:00" \
        "$out/tty.out"
    check "terminal: no plain step lines" test "$(grep -c '^step ' "$out/tty.out")" -eq 0
else
    skip "terminal: progress bar" "no script(1)"
fi

# --- full fine-tune on a tiny repeated dataset: the loss must fall
head -n 4 "$LATHE_SRCDIR/samples/data/train.jsonl" > "$out/tiny.jsonl"
LR=0.003 config full "max_steps: 30" "logging_steps: 2" "lr_scheduler: constant"
sed -i "s|path: .*|path: $out/tiny.jsonl|; s|val_set_size: 16|val_set_size: 0|" "$out/full.yaml"
run="$out/run-full"
check "full: exits 0" status_is 0 "$LATHE" train "$out/full.yaml" --output "$run"
check "full: model.gguf written" test -s "$run/model.gguf"
check "full: no adapter" test ! -e "$run/adapter"
check "full: one row per logging_steps" test "$(rows "$run/metrics.jsonl")" -eq 15
check "full: no eval rows without a validation set" test "$(evals "$run/metrics.jsonl")" -eq 0
losses=$(sed 's/.*"loss":\([^,]*\),.*/\1/' "$run/metrics.jsonl")
first=$(echo "$losses" | head -n 3 | awk '{s += $1} END {print s / NR}')
last=$(echo "$losses" | tail -n 3 | awk '{s += $1} END {print s / NR}')
diag "full: mean loss of the first 3 logged steps $first, of the last 3 $last"
check "full: loss falls on average" awk -v a="$first" -v b="$last" 'BEGIN {exit !(b < a - 0.5)}'
check "full: model.gguf loads" status_is 0 "$LATHE" inspect "$run/model.gguf"

sed "s|^base_model: .*|base_model: $LATHE_SRCDIR/tests/fixtures/hf-tiny|" "$out/full.yaml" \
    > "$out/hf.yaml"
check "full from a Hugging Face directory: exits 0" status_is 0 "$LATHE" train "$out/hf.yaml" \
    --output "$out/run-hf" --max-steps 2
check "full from a Hugging Face directory: model.gguf loads" status_is 0 "$LATHE" inspect \
    "$out/run-hf/model.gguf"
check "and carries the tokenizer" grep -q '^tokenizer: .*tokens' "$out/stdout"

# --- top layers and a frozen 8-bit base
config top "unfrozen_layers: 1" "max_steps: 2"
check "top layers: exits 0" status_is 0 "$LATHE" train "$out/top.yaml" --output "$out/run-top"
check "top layers: says so" err_has 'top layers'
config q8 "$lora" "load_in_8bit: true" "max_steps: 2"
check "8-bit base: exits 0" status_is 0 "$LATHE" train "$out/q8.yaml" --output "$out/run-q8"
check "8-bit base: writes the adapter" test -s "$out/run-q8/adapter/adapter.gguf"
config q8full "load_in_8bit: true" "max_steps: 2"
check "8-bit base without LoRA exits 1" status_is 1 "$LATHE" train "$out/q8full.yaml" \
    --output "$out/run-q8full"
check "and says it needs adapter: lora" err_has 'need adapter: lora'

# --- --set and --max-steps
check "--set overrides a key" status_is 0 "$LATHE" train "$out/lora.yaml" --output "$out/run-set" \
    --set max_steps=3 --set logging_steps=1
check "--set: 3 step rows" test "$(rows "$out/run-set/metrics.jsonl")" -eq 3
check "--max-steps wins over --set" status_is 0 "$LATHE" train "$out/lora.yaml" --set max_steps=3 \
    --max-steps 4 --output "$out/run-max"
check "--max-steps: 4 step rows" test "$(rows "$out/run-max/metrics.jsonl")" -eq 4
check "--max-steps: recorded in the resolved config" grep -q '^max_steps: 4' \
    "$out/run-max/config.yaml"

# --- early stopping: at a learning rate too small to change fp32 weights the
# eval loss never improves, so patience 2 stops the run after three
# evaluations (each runs right after its step, so the third one's step is
# the last)
LR=1e-12 config patience "$lora" "max_steps: 200" "eval_steps: 1" "early_stopping_patience: 2" \
    "lr_scheduler: constant"
run="$out/run-patience"
check "early stopping: exits 0" status_is 0 "$LATHE" train "$out/patience.yaml" --output "$run"
check "early stopping: stopped" grep -q '"state": "stopped"' "$run/summary.json"
check "early stopping: logged as an event" grep -q '"step":3,.*"event":"early stopping (patience 2)"' \
    "$run/events.jsonl"
check "early stopping: the step of the third evaluation is the last" \
    test "$(rows "$run/metrics.jsonl")" -eq 3
check "early stopping: best eval is the first" grep -q '"best_eval_step": 1,' "$run/summary.json"

# --- the default run directory: runs/<timestamp> under the current directory
mkdir "$out/cwd"
check "default output: exits 0" status_is 0 sh -c "cd '$out/cwd' && '$LATHE' train '$out/lora.yaml' \
    --max-steps 1"
check "default output: runs/<timestamp>/summary.json" sh -c "ls '$out'/cwd/runs/[0-9]*-[0-9]*/summary.json >/dev/null"

# --- divergence: SGD at lr 10 without clipping goes non-finite; after
# nan_tolerance (3) skipped steps the run fails, logged and summarised
check "divergence: exits 1" status_is 1 "$LATHE" train "$out/full.yaml" --output "$out/run-nan" \
    --set learning_rate=10 --set max_grad_norm=0 --set optimizer=sgd --max-steps 50 \
    --set logging_steps=1
check "divergence: says why" err_has 'training failed: .*non-finite .* 3 consecutive steps'
check "divergence: skipped steps logged with a null loss or gradient norm" \
    test "$(grep -Ec '"(loss|grad_norm)":null' "$out/run-nan/metrics.jsonl")" -ge 3
check "divergence: summary says failed" grep -q '"state": "failed"' "$out/run-nan/summary.json"
check "divergence: summary counts 3 skipped steps" grep -q '"skipped_steps": 3' \
    "$out/run-nan/summary.json"

# --- the non-finite alarm set to stop: the first skipped step stops the run
# (nan_tolerance is out of reach) after a checkpoint, and says so
run="$out/run-nanstop"
check "nonfinite alarm: the stopped run exits 0" status_is 0 "$LATHE" train "$out/full.yaml" \
    --output "$run" --set learning_rate=10 --set max_grad_norm=0 --set optimizer=sgd \
    --max-steps 1000 --set nan_tolerance=1000 --set alarm_nonfinite=stop
check "nonfinite alarm: a warning on stderr" \
    err_has '^lathe train: warning: nonfinite alarm: step [0-9]+ was skipped: its (loss|gradient) is not finite; stopping the run after a checkpoint$'
check "nonfinite alarm: in events.jsonl with its name and action" grep -q \
    '"kind":"alarm","event":"nonfinite alarm: .*"alarm":"nonfinite","action":"stop"}' \
    "$run/events.jsonl"
check "nonfinite alarm: summary says stopped by it" grep -q \
    '"message": "stopped by the nonfinite alarm"' "$run/summary.json"
last=$(sed -n 's/.*"steps": \([0-9]*\),/\1/p' "$run/summary.json")
check "nonfinite alarm: the last step $last is checkpointed" test -f \
    "$run/checkpoints/step-$last/state.json"

# --- the count of consecutive skipped steps survives a resume: a run
# stopped one step before the failing one (two skips pending) and resumed
# fails at the same step as the straight run; a checkpoint written before
# the count was saved still loads (and counts from 0)
fail_at=$(sed -n 's/.*"steps": \([0-9]*\),/\1/p' "$out/run-nan/summary.json")
nan_args="--set learning_rate=10 --set max_grad_norm=0 --set optimizer=sgd --set save_steps=1"
check "nan resume: the part before the failing step exits 0" status_is 0 "$LATHE" train \
    "$out/full.yaml" --output "$out/run-nan2" $nan_args --max-steps $((fail_at - 1))
check "nan resume: the checkpoint holds 2 pending skips" grep -q '"consecutive_skipped": 2' \
    "$out/run-nan2/checkpoints/step-$((fail_at - 1))/state.json"
cp -r "$out/run-nan2" "$out/run-nan-old"
check "nan resume: resumed, it fails" status_is 1 "$LATHE" train "$out/full.yaml" \
    --resume "$out/run-nan2" $nan_args --max-steps 50
check "nan resume: at the straight run's step $fail_at" grep -q "\"steps\": $fail_at," \
    "$out/run-nan2/summary.json"
sed -i '/"consecutive_skipped"/d' "$out/run-nan-old/checkpoints/step-$((fail_at - 1))/state.json"
check "nan resume: an older checkpoint without the count loads" status_is 1 "$LATHE" train \
    "$out/full.yaml" --resume "$out/run-nan-old" $nan_args --max-steps 50
check "nan resume: and counts from 0" grep -q "\"steps\": $((fail_at + 2))," \
    "$out/run-nan-old/summary.json"

# --- a failed start leaves no run directory behind (a bad dataset, a bad
# model), and never removes one that was there before
printf 'not json\n{"nope": 1}\n' > "$out/junk.jsonl"
sed "s|path: .*|path: $out/junk.jsonl|" "$out/lora.yaml" > "$out/junkdata.yaml"
check "bad dataset: exits 1" status_is 1 "$LATHE" train "$out/junkdata.yaml" \
    --output "$out/runs-debris/a"
check "bad dataset: says why" err_has 'junk.jsonl: line 1, byte 0: invalid JSON'
check "bad dataset: no run directory" test ! -e "$out/runs-debris/a"
printf 'GGUF but not really' > "$out/junk.gguf"
sed "s|^base_model: .*|base_model: $out/junk.gguf|" "$out/lora.yaml" > "$out/junkmodel.yaml"
check "bad model: exits 1" status_is 1 "$LATHE" train "$out/junkmodel.yaml" \
    --output "$out/runs-debris/b"
check "bad model: no run directory" test ! -e "$out/runs-debris/b"
mkdir -p "$out/runs-debris/mine" && : > "$out/runs-debris/mine/notes.txt"
check "bad dataset into an existing directory: exits 1" status_is 1 "$LATHE" train \
    "$out/junkdata.yaml" --output "$out/runs-debris/mine"
check "the existing directory stays, as it was" test "$(ls -A "$out/runs-debris/mine")" = \
    "notes.txt"

# --- errors
printf 'base_model: base.gguf\nlearnig_rate: 0.1\n' > "$out/bad.yaml"
check "config error exits 1" status_is 1 "$LATHE" train "$out/bad.yaml" --output "$out/run-bad"
check "and names file:line:col" err_has 'bad.yaml:2:1: error: .*learnig_rate'
check "bad --set exits 1" status_is 1 "$LATHE" train "$out/lora.yaml" --output "$out/run-bs" \
    --set lora_r=many
check "an existing run directory exits 1" status_is 1 "$LATHE" train "$out/lora.yaml" \
    --output "$out/run-lora"
check "and says it holds a run" err_has 'already holds a run'
check "no config: usage error" status_is 2 "$LATHE" train
# every run ends with a checkpoint; one whose checkpoints are gone (or that
# predates that) but whose outputs are there cannot be resumed without
# overwriting them
rm -rf "$out/run-lora/checkpoints"
check "--resume of a run without checkpoints exits 1" status_is 1 "$LATHE" train \
    "$out/lora.yaml" --resume "$out/run-lora"
check "and says so" err_has 'no checkpoint to resume from'
check "--max-steps wants a number" status_is 2 "$LATHE" train "$out/lora.yaml" --max-steps x

# --- Ctrl-C
config long "$lora" "max_steps: 100000"
run="$out/run-int"
"$LATHE" train "$out/long.yaml" --output "$run" 2>"$out/int.err" &
pid=$!
i=0
while [ "$(cat "$run/metrics.jsonl" 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 200 ]; do
    sleep 0.05; i=$((i + 1))
done
kill -INT "$pid"
wait "$pid"
rc=$?
check "Ctrl-C: exits 0" test "$rc" -eq 0
check "Ctrl-C: summary.json says stopped" grep -q '"state": "stopped"' "$run/summary.json"
check "Ctrl-C: the adapter is written" test -s "$run/adapter/adapter.gguf"
check "Ctrl-C: stopped well before max_steps" test "$(rows "$run/metrics.jsonl")" -lt 100000
check "Ctrl-C: a final checkpoint is written" sh -c "ls -d '$run'/checkpoints/step-*/state.json"
check "Ctrl-C: says it is stopping" grep -q 'interrupted; stopping after the current step' \
    "$out/int.err"

tap_done
