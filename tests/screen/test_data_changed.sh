#!/bin/sh
# test_data_changed.sh - a dataset truncated by another program while the
# Data pane shows it: the pane keeps running (no bus error), says the file
# changed on disk, and R reloads it and replays the edit made before.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

"$LATHE_BUILDDIR/tests/bench/gen_dataset" --rows 4000 -o "$scr_dir/shrink.jsonl" 2>/dev/null \
    || { echo "Bail out! gen_dataset"; exit 1; }
running() { scr_alternate && scr_lacks "lathe exited"; }

scr_start -- --no-color shrink.jsonl
check "the file opens" scr_wait "4000 records"
check "the check ends" scr_wait " duplicate"
scr_keys d
check "the first record is deleted" scr_wait "1 deleted"
scr_keys End
check "the table shows the last record" scr_wait " 4000 "
truncate -s 100 "$scr_dir/shrink.jsonl"
scr_keys Up Down
check "the pane says the file changed on disk" scr_wait "shrink.jsonl changed on disk: R reloads it and replays the edits"
scr_keys Home
check "the pane still answers keys" scr_wait " 1 "
check "lathe is still running" running
scr_keys R
check "R reloads the file as it is now" scr_wait "1 record ·"
check "the edit is replayed on it" scr_wait "1 of 1 edit steps replayed"
check "the warning is gone" scr_wait_gone "changed on disk"
scr_keys q y
check "quits cleanly" scr_wait "lathe exited with 0"

tap_done
