#!/bin/sh
# test_train_pane.sh - the Train pane tells the truth about the runs in the
# working directory's runs/: a real finished run, one still writing (its step
# moves as rows are logged), a failed one; folders that hold no run and the
# tokenized cache are left out; with no runs/ it says how to start one.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

runs=$scr_dir/runs
(cd "$scr_dir" && "$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 2 \
    --set logging_steps=1 --output runs/real >"$scr_dir/train.log" 2>&1)
check "a real two-step run finishes" test -f "$runs/real/summary.json"
mkdir -p "$runs/live" "$runs/broken" "$runs/empty" "$runs/.cache"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do
    printf '{"step":%d,"epoch":0.1,"loss":2.%02d,"lr":0.001}\n' "$i" "$i"
done >"$runs/live/metrics.jsonl"
printf '{"state":"failed","message":"loss is NaN","steps":3,"final_loss":null}\n' >"$runs/broken/summary.json"
: >"$runs/broken/metrics.jsonl"
# The live run was written last: it is listed first.
touch "$runs/live/metrics.jsonl"

scr_start -- --no-color
check "the workbench starts" scr_wait "4 Chat"
scr_keys 3
check "the pane counts the runs" scr_wait "3 runs in runs/"
row_has() { scr_screen | grep -E "^ +$1 " | grep -qE -- "$2"; }
check "the real run is finished at step 2" scr_poll row_has real "finished +step 2 +loss [0-9.]+"
check "a run with no summary and no process holding it is interrupted" row_has live "interrupted +step 18 +loss 2.18 +last log"
check "the failed run says so" row_has broken "failed +step 3"
not_listed() { scr_screen | grep -qE "^ +$1 " && { diag "$1 is listed:" "$(scr_screen)"; return 1; }; true; }
check "a folder without a run is not listed" not_listed empty
check "the tokenized cache is not listed" not_listed '\.cache'
check "the pane says how to open one" scr_wait "open one with lathe runs/NAME"
check "no 'no run yet' while runs exist" scr_wait_gone "no run yet"
printf '{"step":19,"epoch":0.1,"loss":1.5,"lr":0.001}\n' >>"$runs/live/metrics.jsonl"
check "a newly logged step shows up" scr_poll row_has live "step 19 +loss 1.5 "
scr_keys q
check "it quits" scr_wait "lathe exited with 0"

rm -rf "$runs"
scr_start -- --no-color
scr_keys 3
check "without runs/ it says how to start one" scr_wait "no run yet; start one with lathe train CONFIG.yaml"
scr_keys q
check "it quits again" scr_wait "lathe exited with 0"
tap_done
