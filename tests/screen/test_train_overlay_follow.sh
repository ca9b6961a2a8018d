#!/bin/sh
# test_train_overlay_follow.sh - a run overlaid on the Train pane's charts
# while another process trains it (a headless lathe train) is followed: the
# legend shows how far it is and that step advances as its metrics.jsonl
# grows; once that run has ended the overlay stays, read to its end (the
# charts' x axis spans its 30 steps, where the run shown has 4).
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

scr_timeout=${SCR_TIMEOUT:-60}
cd "$scr_dir" || exit 1
small="--set eval_steps=1000 --set micro_batch_size=2 --set sequence_len=128 --set threads=1"
# shellcheck disable=SC2086
"$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 4 --set logging_steps=1 $small \
    --output runs/a >/dev/null 2>train-a.err || { cat train-a.err; echo "Bail out! lathe train"; exit 1; }

run=$scr_dir/runs/bg
logged() { [ -f "$run/metrics.jsonl" ] && [ "$(wc -l <"$run/metrics.jsonl")" -ge 2 ]; }
wait_logged() {
    end=$(( $(date +%s) + 120 ))
    while [ "$(date +%s)" -le "$end" ]; do logged && return 0; sleep 0.1; done
    return 1
}
# shellcheck disable=SC2086
(exec "$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 30 --set logging_steps=1 \
    $small --output runs/bg >bg.log 2>&1) &
bg=$!
check "a headless run starts in another process" wait_logged

overlay_step() { scr_screen | sed -n 's/.*  1 bg (running, step \([0-9][0-9]*\)).*/\1/p' | head -n 1; }
step_past() { s=$(overlay_step); [ -n "$s" ] && [ "$s" -gt "$1" ]; }
legend() { scr_screen | grep -qE -- "$1"; }

scr_start -- --no-color runs/a
check "run a opens in the Train pane" scr_wait "opened runs/a"
scr_keys R
check "the runs folder lists both" scr_wait "2 runs in runs/"
check "bg, being written, is listed first" scr_poll legend "^ *bg +running"
scr_keys Space R
check "the legend names the overlay as running, with its step" \
    scr_poll legend "   a  1 bg \(running, step [0-9]+\)"
first=$(overlay_step)
check "its step advances as the other process logs" scr_poll step_past "$first"
wait $bg
check "the headless run finished" test -f "$run/summary.json"
ended() { scr_has "   a  1 bg" && scr_lacks "1 bg (running"; }
check "once it has ended the legend names it plainly" scr_poll ended
# a's 4 steps alone make an axis to 4; read to its end, bg's 30 steps make it longer
check "the charts' x axis reaches the overlay's last step" scr_poll legend "^ +10 +20 +30( |$)"
scr_keys q
check "it quits" scr_wait "lathe exited with 0"
tap_done
