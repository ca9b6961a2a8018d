#!/bin/sh
# test_train_resume_pane.sh - resuming a run from a checkpoint it holds,
# from the Train pane: a run trained in the pane and stopped at step N (a
# checkpoint is saved) resumes with r, through the run session with resume
# set, and trains past N in the same run directory; stopped again at M, it
# resumes from the runs folder (R, then r on its row) and goes past M. r on
# a run that trains says it trains already.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

scr_timeout=${SCR_TIMEOUT:-60}
run=$scr_dir/runs/r
small="--set eval_steps=1000 --set micro_batch_size=2 --set sequence_len=128 --set threads=2"

shown_step() { scr_screen | sed -n 's/.* step \([0-9][0-9]*\)\/[0-9].*/\1/p' | head -n 1; }
step_past() { s=$(shown_step); [ -n "$s" ] && [ "$s" -gt "$1" ]; }
# summary.json's steps, once the run has written it.
summary_steps() { sed -n 's/.*"steps": *\([0-9][0-9]*\).*/\1/p' "$run/summary.json" 2>/dev/null; }
stopped() { grep -qE '"state": *"stopped"' "$run/summary.json" 2>/dev/null; }
# stop_it: stops the run shown (confirmed) and waits for summary.json.
stop_it() {
    rm -f "$run/summary.json"
    scr_keys s
    scr_wait "Stop the run after this step" >/dev/null
    scr_keys y
    scr_poll stopped && scr_wait " ended  step "
}

# shellcheck disable=SC2086
scr_start -- train "$LATHE_SRCDIR/samples/lora.yaml" --tui --no-color --max-steps 4000 \
    --set logging_steps=1 $small --output runs/r
check "the run trains in the Train pane" scr_wait " training  step "
check "steps advance" scr_poll step_past 2
scr_keys r
check "r on a run training here says so" scr_wait "the run trains here already"
check "s stops it, writing summary.json" stop_it
n=$(summary_steps)
check "it stopped at a step N > 0 with its checkpoint" test -d "$run/checkpoints/step-$n"
scr_keys r
check "r resumes it through the run session" scr_wait "resuming runs/r"
check "it trains again" scr_wait " training  step "
check "the resumed run goes past step N=$n" scr_poll step_past "$n"
check "it resumed from its step-N checkpoint" scr_poll grep -q "resumed at step $n of" "$run/events.jsonl"
check "stopped again" stop_it
m=$(summary_steps)
check "at a step M past N" test "$m" -gt "$n"
scr_keys q
check "it quits" scr_exited_ok

scr_start -- --no-color
scr_keys 3
check "the runs folder lists the stopped run" scr_wait "1 run in runs/"
scr_keys r
check "r on its row resumes it" scr_wait " training  step "
check "it goes past step M=$m" scr_poll step_past "$m"
check "from its step-M checkpoint" scr_poll grep -q "resumed at step $m of" "$run/events.jsonl"
check "stopped a third time" stop_it
scr_keys q
check "it quits again" scr_exited_ok
tap_done
