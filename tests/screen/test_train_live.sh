#!/bin/sh
# test_train_live.sh - a run trained inside the workbench (lathe train
# CONFIG.yaml --tui) on the sample: steps and loss advance on screen; pause
# stops the step count and resume moves it again; the learning-rate
# multiplier shows in the chart title and in events.jsonl; save now puts a
# checkpoint on disk; evaluate now logs an evaluation; stop (confirmed)
# writes summary.json; the finished run stays on screen.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

SCR_TIMEOUT=${SCR_TIMEOUT:-60}
scr_timeout=$SCR_TIMEOUT
run=$scr_dir/runs/live

# The step the header shows ("step N/TOTAL"), or nothing.
shown_step() { scr_screen | sed -n 's/.* step \([0-9][0-9]*\)\/[0-9].*/\1/p' | head -n 1; }
step_past() { s=$(shown_step); [ -n "$s" ] && [ "$s" -gt "$1" ]; }
event_has() { grep -qF -- "$1" "$run/events.jsonl" 2>/dev/null; }

# Small steps, so that each "after this step" below is short under
# ThreadSanitizer; enough of them that the run still trains when stopped.
small="--set micro_batch_size=2 --set sequence_len=128 --set threads=2"
# shellcheck disable=SC2086
scr_start -- train "$LATHE_SRCDIR/samples/lora.yaml" --tui --no-color --max-steps 4000 \
    --set logging_steps=1 $small --output runs/live
check "the run shows its setup" scr_wait "preparing a run of"
check "the run trains in the Train pane" scr_wait " training  step "
check "steps advance" scr_poll step_past 2
loss_shown() { scr_screen | grep -qE 'loss [0-9.]+ smoothed\(0\.6\) [0-9.]+'; }
check "the loss and its smoothing are shown" scr_poll loss_shown

scr_keys p
check "p pauses" scr_wait " paused  step "
check "the pause is an event" scr_poll event_has "paused after step"
paused_at=$(shown_step)
sleep 2
still() { [ "$(shown_step)" = "$paused_at" ]; }
check "the step count stops while paused" still
scr_keys p
check "p resumes" scr_wait " training  step "
check "steps advance again" scr_poll step_past "$paused_at"

scr_keys ']'
check "] doubles the learning rate: header" scr_wait "lr x2"
check "] doubles the learning rate: chart title" scr_wait "(multiplier 2)"
check "the multiplier is an event" scr_poll event_has "learning-rate multiplier 2"
ckpt() { ls "$run/checkpoints" 2>/dev/null | grep -q '^step-'; }
scr_keys c
check "c saves a checkpoint on disk" scr_poll ckpt
check "the save is an event" scr_poll event_has "(on request)"
scr_keys e
check "e evaluates now" scr_poll event_has "evaluated on request"

scr_keys s
check "s asks before stopping" scr_wait "Stop the run after this step"
scr_keys n
check "n keeps it training" scr_wait_gone "Stop the run after this step"
scr_keys s
scr_wait "Stop the run after this step" >/dev/null
scr_keys y
summary() { test -f "$run/summary.json"; }
check "y stops it and summary.json is written" scr_poll summary
stopped() { grep -qE '"state": *"stopped"' "$run/summary.json"; }
check "summary.json says it stopped" stopped
check "the ended run stays on screen" scr_wait " ended  step "
scr_keys q
check "it quits" scr_wait "lathe exited with 0"
tap_done
