#!/bin/sh
# test_lost_work.sh - unsaved Data edits are never lost without a word. On a
# real terminal (tmux): with an edit in the Data pane and another pane in
# front, q and Ctrl-C ask and list what would be lost; answering y quits and
# keeps nothing. When nobody can be asked - the tmux server killed (the
# terminal hangs up) or SIGTERM - the edits are kept under
# $XDG_STATE_HOME/lathe/recovery, the next start on the dataset offers them,
# and replaying then saving writes the same bytes as a session that made the
# same edits and saved normally. Declining keeps them for the next start;
# discarding deletes them.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

fx=$LATHE_SRCDIR/tests/fixtures/data
recovery=$scr_dir/state/lathe/recovery
kept_files() { find "$recovery" -name 'browse.jsonl-*.recipe.yaml' 2>/dev/null | wc -l; }
no_kept_file() { [ "$(kept_files)" -eq 0 ] || { diag "kept:" "$(ls -l "$recovery")"; false; }; }
one_kept_file() { [ "$(kept_files)" -eq 1 ]; }
# PID has exited and left one recovery file.
kept_after_exit() {
    scr_exited "$1" && one_kept_file && return 0
    diag "lathe $1 still running or nothing kept:" "$(ls -l "$recovery" 2>&1)" "$(cat "$scr_dir/stderr")"
    false
}

cat >"$scr_dir/rewrite.sh" <<'ED'
#!/bin/sh
sed -i 's/The answer is 4\./Rewritten by the editor./' "$1"
ED
chmod +x "$scr_dir/rewrite.sh"
cp "$fx/browse.jsonl" "$scr_dir/"

# The same edits every time: an $EDITOR rewrite, a delete, a bulk drop on a
# filter and a dedupe (the last two run as jobs): 4 records fewer.
make_edits() {
    scr_keys Home Down e
    scr_wait "edited record 2: 1 row changed" || return 1
    scr_keys Down d
    scr_wait "deleted record 3" || return 1
    scr_keys f 'output ~ /needle/' Enter b d
    scr_wait "dropped the rows where output ~ /needle/: 2 rows changed" || return 1
    scr_keys F c d
    scr_wait "dropped exact duplicates: 1 row changed"
}
open_browse() {
    scr_start EDITOR=./rewrite.sh VISUAL= -- --no-color browse.jsonl
    scr_wait "60 records" && scr_wait "1 duplicate"
}

# ---- quitting asks across panes
check "the dataset opens" open_browse
scr_keys Home d
check "d deletes a row" scr_wait "deleted record 1"
scr_keys 2
check "2 shows the Config pane" scr_wait "Training config"
scr_keys q
check "q from another pane asks first" scr_wait "Quit anyway? [y/n]"
check "it lists the Data pane's unsaved edit" scr_wait "Data: 1 unsaved edit in browse.jsonl"
scr_keys n
check "n keeps the workbench" scr_wait_gone "Quit anyway?"
scr_keys C-c
check "Ctrl-C asks too" scr_wait "Data: 1 unsaved edit in browse.jsonl"
scr_keys C-c
check "Ctrl-C again answers no" scr_wait_gone "Quit anyway?"
scr_keys 1 / a b
check "a search prompt is open" scr_wait "search all fields (text): ab"
scr_keys C-c
check "Ctrl-C in a prompt asks too" scr_wait "Quit anyway? [y/n]"
scr_keys n Escape q y
check "y quits with status 0" scr_exited_ok
check "a confirmed quit keeps nothing" no_kept_file
check "the input is untouched" scr_same_bytes "$fx/browse.jsonl" "$scr_dir/browse.jsonl"

# ---- the reference: the same edits, saved normally
check "the reference session opens" open_browse
check "the edits are made" make_edits
scr_keys w C-u saved.jsonl Enter
check "the reference session saves" scr_wait "saved 56 records to saved.jsonl"
scr_keys q
check "it quits without asking (saved)" scr_exited_ok

# ---- the terminal goes away
check "the lost session opens" open_browse
check "the same edits are made" make_edits
pid=$(scr_lathe_pid)
scr_tmux kill-server
check "killing the tmux server ends lathe and keeps the edits" kept_after_exit "$pid"
check "it says where (on its stderr)" scr_stderr_says "Data: 4 unsaved edits in browse.jsonl kept in $recovery/browse.jsonl-"
check "the input is untouched" scr_same_bytes "$fx/browse.jsonl" "$scr_dir/browse.jsonl"
cp "$(find "$recovery" -name 'browse.jsonl-*')" "$scr_dir/kept.yaml"
check "the kept file replays headless too" sh -c "'$LATHE' data clean '$scr_dir/browse.jsonl' \
    --recipe '$scr_dir/kept.yaml' -o '$scr_dir/headless.jsonl' 2>/dev/null"
check "with the reference's bytes" scr_same_bytes "$scr_dir/saved.jsonl" "$scr_dir/headless.jsonl"

scr_start EDITOR=./rewrite.sh VISUAL= -- --no-color browse.jsonl
check "reopening offers the kept edits" scr_wait "4 edits kept at "
check "with the choices" scr_wait "replay them? [y]es [n]ot now [d]iscard"
scr_keys n
check "n leaves them for later" scr_wait "kept edits left for the next start"
scr_keys q
check "nothing to lose: q quits" scr_exited_ok
check "the file is still there" one_kept_file

scr_start EDITOR=./rewrite.sh VISUAL= -- --no-color browse.jsonl
check "the next start offers them again" scr_wait "4 edits kept at "
scr_keys y
check "y replays them" scr_wait "replayed 4 kept edits"
check "the session has them" scr_wait "4 deleted"
scr_keys w C-u recovered.jsonl Enter
check "saving the replayed session" scr_wait "saved 56 records to recovered.jsonl"
check "writes the bytes the lost session would have" scr_same_bytes "$scr_dir/saved.jsonl" "$scr_dir/recovered.jsonl"
check "the kept file is gone once saved" no_kept_file
scr_keys q
check "quits" scr_exited_ok

# ---- SIGTERM and SIGHUP keep them the same way; d discards
check "a session to terminate opens" open_browse
scr_keys Home d
check "an edit" scr_wait "deleted record 1"
pid=$(scr_lathe_pid)
kill -TERM "$pid"
check "SIGTERM keeps the edit" kept_after_exit "$pid"
check "and exits 0 with the terminal restored" scr_exited_ok
check "it says so" scr_stderr_says "terminated (SIGTERM)"
# SIGHUP with the terminal still there: the same, and it says so.
scr_start -- --no-color browse.jsonl
check "the offer again" scr_wait "1 edit kept at "
scr_keys n
check "declined, the records are checked" scr_wait "1 duplicate"
scr_keys End d
check "an edit of its own" scr_wait "deleted record 60"
scr_keys Home d
check "and another" scr_wait "deleted record 1"
pid=$(scr_lathe_pid)
kill -HUP "$pid"
check "SIGHUP keeps the edits" kept_after_exit "$pid"
check "and exits 0" scr_exited_ok
check "it says so" scr_stderr_says "the terminal went away (SIGHUP)"
scr_start -- --no-color browse.jsonl
check "the offer once more, of that session's edits" scr_wait "2 edits kept at "
scr_keys d
check "d discards it" scr_wait "kept edits deleted"
check "the file is gone" no_kept_file
scr_keys q
check "quits" scr_exited_ok
tap_done
