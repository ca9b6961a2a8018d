#!/bin/sh
# test_train_hangup.sh - the terminal goes away (the tmux server is killed)
# while a run trains in the workbench: the run goes on headless to its end,
# writes summary.json and its outputs, and logs the same losses as an
# uninterrupted headless run of the same config.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

scr_timeout=${SCR_TIMEOUT:-60}
steps=16
# Small steps (the checks compare the two runs, whatever their size): under
# ThreadSanitizer a step of the sample's full size takes seconds.
set_args="--set logging_steps=1 --set eval_steps=8 --set micro_batch_size=2 --set sequence_len=128 --set threads=2"
(cd "$scr_dir" && "$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps $steps \
    $set_args --output runs/ref >"$scr_dir/ref.log" 2>&1)
check "the uninterrupted run finishes" test -f "$scr_dir/runs/ref/summary.json"

run=$scr_dir/runs/hup
# shellcheck disable=SC2086
scr_start -- train "$LATHE_SRCDIR/samples/lora.yaml" --tui --no-color --max-steps $steps \
    $set_args --output runs/hup
logged() { [ -f "$run/metrics.jsonl" ] && [ "$(wc -l <"$run/metrics.jsonl")" -ge 3 ]; }
check "the run trains in the workbench" scr_poll logged
# The workbench runs in a child of the process the shell started (detach.h).
pid=$(pgrep -P "$(scr_lathe_pid)" | head -n 1)
scr_tmux kill-server
done_() { test -f "$run/summary.json"; }
scr_wait_done() {
    # generous: under ThreadSanitizer on a loaded machine the end (evaluation,
    # checkpoint, adapter) alone can take minutes
    end=$(( $(date +%s) + 900 ))
    while [ "$(date +%s)" -le "$end" ]; do done_ && return 0; sleep 0.2; done
    return 1
}
check "after the hangup the run reaches summary.json" scr_wait_done
finished() {
    grep -qE '"state": *"finished"' "$run/summary.json" && return 0
    diag "summary.json:" "$(cat "$run/summary.json")" "events:" "$(cat "$run/events.jsonl")"
    return 1
}
check "it finished all its steps" finished
check "it wrote its adapter" test -d "$run/adapter"
# A step's row, and its row again with the evaluation after it.
losses() { grep -v eval_loss "$1/metrics.jsonl" | sed -n 's/.*"step":\([0-9]*\),.*"loss":\([^,]*\),.*/\1 \2/p'; }
evals() { sed -n 's/.*"step":\([0-9]*\),.*"eval_loss":\([^,}]*\).*/\1 \2/p' "$1/metrics.jsonl"; }
same_losses() {
    losses "$scr_dir/runs/ref" >"$scr_dir/ref.txt"
    losses "$run" >"$scr_dir/hup.txt"
    [ "$(wc -l <"$scr_dir/ref.txt")" -eq $steps ] && diff -u "$scr_dir/ref.txt" "$scr_dir/hup.txt" >&2
}
check "the same training losses as the uninterrupted run" same_losses
same_evals() { [ "$(evals "$scr_dir/runs/ref")" = "$(evals "$run")" ] && [ -n "$(evals "$run")" ]; }
check "the same evaluation losses" same_evals
# The process that went on headless ends after the run.
gone() { [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; }
ended() {
    end=$(( $(date +%s) + 30 ))
    while [ "$(date +%s)" -le "$end" ]; do gone && return 0; sleep 0.2; done
    return 1
}
check "the headless process ends after the run" ended
tap_done
