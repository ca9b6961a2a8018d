#!/bin/sh
# test_keys_term.sh - keys whatever TERM says. lathe runs with TERM=vt100
# inside tmux (whose own terminal is screen-256color or the like), as over
# SSH with a TERM that does not match: tmux sends the raw sequences of its
# own terminal and of other common ones (xterm, rxvt, the Linux console).
# End, Home, Delete, Insert, PgUp and PgDn must move in the Data pane, never
# switch panes or type their digits into a prompt; an unknown sequence is
# swallowed whole; Esc alone still works as Esc. Ctrl-C is a key too, not
# the terminal's interrupt: as a signal it overtook the keys typed before it
# that lathe had not read yet (a Ctrl-C right after a chat prompt and its
# Enter met an empty line and asked to quit); quitting gives the shell its
# ^C back.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

cp "$LATHE_SRCDIR/tests/fixtures/data/browse.jsonl" "$scr_dir/"
exited_ok() { scr_wait "lathe exited with 0" && ! scr_alternate; }
# Row N of the table (the first record row is 5) starts with record number R.
row_is() { scr_screen | sed -n "$(($1 + 1))p" | grep -qE "^ +$2 "; }
first_row() {
    scr_poll row_is 5 "$1" && return 0
    diag "the first row is not record $1:" "$(scr_screen)"
    false
}
on_data() { scr_has "60 records" && scr_lacks "Training config" && scr_lacks "A/B chat"; }
still_data() {
    scr_poll on_data && return 0
    diag "not on the Data pane:" "$(scr_screen)"
    false
}
# send HEX...: the bytes as the terminal would send them.
send() { scr_tmux send-keys -t "$scr_session" -H "$@"; }
ESC=1b LB=5b O=4f TILDE=7e

# The interrupt character of the pane's terminal: "^C", or "<undef>".
intr_char() {
    stty -F "$(scr_tmux display-message -p -t "$scr_session" '#{pane_tty}')" -a |
        tr ';' '\n' | sed -n 's/^ *intr = //p'
}

scr_start TERM=vt100 -- --no-color browse.jsonl
check "lathe starts with TERM=vt100 inside tmux" scr_wait "60 records"
check "Ctrl-C comes as a key: the terminal's interrupt character is off" \
    test "$(intr_char)" = "<undef>"
check "the table shows record 1 first" first_row 1

send $ESC $LB 34 $TILDE                       # End as ESC [ 4 ~
check "ESC [ 4 ~ is End: the last row is on screen" scr_wait " 60 alpaca"
check "it did not switch to pane 4" still_data
send $ESC $LB 31 $TILDE                       # Home as ESC [ 1 ~
check "ESC [ 1 ~ is Home" first_row 1
send $ESC $LB 38 $TILDE                       # rxvt End
check "ESC [ 8 ~ is End" scr_wait " 60 alpaca"
send $ESC $LB 37 $TILDE                       # rxvt Home
check "ESC [ 7 ~ is Home" first_row 1
send $ESC $O 46                               # End in application mode
check "ESC O F is End" scr_wait " 60 alpaca"
send $ESC $LB 48                              # xterm Home
check "ESC [ H is Home" first_row 1
send $ESC $LB 46                              # xterm End
check "ESC [ F is End" scr_wait " 60 alpaca"
send $ESC $O 48                               # Home in application mode
check "ESC O H is Home" first_row 1
not_first_row() { ! row_is 5 "$1"; }
send $ESC $LB 36 $TILDE $ESC $LB 36 $TILDE    # PgDn twice: past one screen
check "ESC [ 6 ~ is PgDn" scr_poll not_first_row 1
check "and not pane 6 or a 6" still_data
send $ESC $LB 35 $TILDE $ESC $LB 35 $TILDE    # PgUp twice
check "ESC [ 5 ~ is PgUp" first_row 1
send $ESC $LB 33 $TILDE $ESC $LB 32 $TILDE    # Delete, Insert: no action here
check "ESC [ 3 ~ and ESC [ 2 ~ do not switch to pane 3 or 2" still_data
send $ESC $LB 39 39 $TILDE $ESC $LB 31 3b 35 7a $ESC $LB 32 30 30 $TILDE   # unknown ones
check "unknown sequences are swallowed whole" still_data
check "and move nothing" first_row 1

scr_keys /
send 61 62 $ESC $LB 34 $TILDE $ESC $LB 33 $TILDE 63
check "in a prompt the sequences type nothing" scr_wait "search all fields (text): abc"
scr_keys Escape
check "Esc alone closes the prompt" scr_wait_gone "search all fields"
scr_keys Enter
check "Enter opens the record" scr_wait "record 1 of 60"
send $ESC
check "a lone ESC byte is Esc: back to the table" first_row 1
scr_keys q
check "q quits" exited_ok
check "... and the shell has its ^C back" test "$(intr_char)" = "^C"
tap_done
