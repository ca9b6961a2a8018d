#!/bin/sh
# test_train_follow.sh - lathe runs/NAME on a run another process trains (a
# headless lathe train): the Train pane follows metrics.jsonl as it grows,
# says who owns the run and refuses to control it; when that run ends the
# pane says how; opening the finished run again shows it whole; the runs
# folder's Enter opens a run too.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

scr_timeout=${SCR_TIMEOUT:-60}
run=$scr_dir/runs/bg
shown_step() { scr_screen | sed -n 's/^ bg  [a-z]*  step \([0-9][0-9]*\).*/\1/p' | head -n 1; }
step_past() { s=$(shown_step); [ -n "$s" ] && [ "$s" -gt "$1" ]; }
logged() { [ -f "$run/metrics.jsonl" ] && [ "$(wc -l <"$run/metrics.jsonl")" -ge 2 ]; }
# Polls without a tmux session (scr_poll needs one).
wait_logged() {
    end=$(( $(date +%s) + 120 ))
    while [ "$(date +%s)" -le "$end" ]; do logged && return 0; sleep 0.1; done
    return 1
}

(cd "$scr_dir" && exec "$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 24 \
    --set logging_steps=1 --output runs/bg >"$scr_dir/bg.log" 2>&1) &
bg=$!
check "a headless run starts in another process" wait_logged

scr_start -- runs/bg --no-color
check "lathe runs/NAME opens the Train pane on it" scr_wait " bg  training  step "
check "it names the process that owns the run" scr_wait "written by another lathe (PID"
first=$(shown_step)
check "the step advances as the other process logs" scr_poll step_past "$first"
scr_keys p
check "a follower cannot control the run" scr_wait "only that process can control it"
wait $bg
check "the headless run finished" test -f "$run/summary.json"
check "the pane says it finished, at its last step" scr_wait " bg  finished  step 24"
check "its best evaluation is shown" scr_wait "best eval "
scr_keys q
check "quitting a follower asks nothing" scr_wait "lathe exited with 0"

scr_start -- runs/bg --no-color
check "re-opening the finished run shows it whole" scr_wait " bg  finished  step 24"
check "with its checkpoint" scr_wait "checkpoint step-24"
scr_keys q
scr_wait "lathe exited with 0" >/dev/null

scr_start -- --no-color
scr_keys 3
check "the runs folder lists it" scr_wait "1 run in runs/"
scr_keys Enter
check "Enter opens it" scr_wait " bg  finished  step 24"
scr_keys q
check "it quits" scr_wait "lathe exited with 0"
tap_done
