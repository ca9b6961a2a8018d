#!/bin/sh
# test_chat_repl.sh - `lathe chat` on a terminal (tmux): GNU readline takes
# the typing, a prompt's reply streams after "A: " with its figures, a slash
# command answers, Tab completes a command, Ctrl-C stops a reply that would
# run on (the tiny random fixture model never ends its turn; a 65536-token
# context gives it room) and the chat goes on, Ctrl-C at the prompt drops
# the line, a line ending in a backslash continues the prompt (one prompt,
# one reply, its lines joined by a newline), Ctrl-D leaves; history persists across restarts in
# $XDG_STATE_HOME/lathe/chat_history and Ctrl-R searches it; a chat that
# keeps no line leaves no state folder behind.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

state="$scr_dir/state"
fx="$scr_dir/fixture.gguf"
"$LATHE_BUILDDIR/tests/unit/train_fixture" "$LATHE_SRCDIR/samples/data/vocab.gguf" "$fx" \
    >/dev/null || { echo "Bail out! train fixture"; exit 1; }
start() { scr_start "XDG_STATE_HOME=$state" -- chat -m "$fx" --temp 0 -c 65536 -n 1000000 -t 1; }
# A line matching the regex RE.
has_re() { scr_screen | grep -q "$1"; }
# Lines scrolled off the top so far.
scrolled() { scr_tmux display-message -p -t "$scr_session" '#{history_size}'; }
# The reply to "> TEXT" has begun: a line "A: " with text below that prompt,
# or (a fast reply pushes the prompt off the screen) more lines scrolled
# than the SCROLLED before it.
streaming() {
    scr_screen | awk -v t="> $1" '$0 == t { on = 1; next } on && /^A: ./ { f = 1 } END { exit !f }' ||
        [ "$(scrolled)" -gt "$2" ]
}
# The last line holding anything is TEXT (trailing spaces dropped, as tmux
# drops them); is the prompt, "> " and TEXT.
last_is() { [ "$(scr_screen | grep -v '^$' | tail -n 1 | sed 's/ *$//')" = "$1" ]; }
prompt_shows() { last_is "$(printf '> %s' "$1" | sed 's/ *$//')"; }

start
scr_poll prompt_shows "" || diag "no prompt"
scr_keys C-d
scr_wait "lathe exited with 0" >/dev/null
check "a chat that keeps no line makes no state folder" test ! -e "$state/lathe"

start
check "the REPL says what A runs" scr_wait "A: fixture.gguf, no adapter"
check "... and shows its prompt" scr_poll prompt_shows ""
scr_keys "/set max_tokens 5" Enter
check "a slash command answers" scr_wait "max_tokens 5"
scr_keys "first question" Enter
check "a reply streams after A:" scr_wait "A:  "
check "... and ends with its figures" scr_wait "A: 5 tokens, first after"
check "... max_tokens reached" scr_wait "max_tokens reached"
scr_keys "/s" Tab Tab
check "Tab lists the commands a prefix fits" scr_poll has_re "^/save  */set  */system"
scr_keys "e" Tab Tab Tab
check "... completes the one that fits, then lists its values" scr_poll has_re "^max_tokens  .*temp"
scr_keys C-u "/set max_tokens 1000000" Enter
check "... and the line still runs" scr_wait "max_tokens 1000000"
before=$(scrolled)
scr_keys "second question" Enter
check "a long reply streams" scr_poll streaming "second question" "$before"
scr_keys C-c
check "Ctrl-C stops it" scr_wait ", stopped"
check "... and the chat goes on" scr_poll prompt_shows ""
scr_keys "half a line"
scr_poll prompt_shows "half a line" || diag "the typing did not show"
scr_keys C-c
check "Ctrl-C at the prompt drops the line" scr_poll prompt_shows ""
scr_keys "/set max_tokens 2" Enter 'two\' Enter
check "a line ending in a backslash continues after ..." scr_poll last_is "..."
scr_keys "lines" Enter
check "... one prompt, one reply" scr_wait "A: 2 tokens, first after"
scr_keys "/save $scr_dir/two.jsonl" Enter
scr_wait "saved 1 conversation (6 turns) to $scr_dir/two.jsonl" >/dev/null
check "... the prompt holds both lines" grep -qF '{"role":"user","content":"two\nlines"}' "$scr_dir/two.jsonl"
scr_screen >"$scr_dir/screen1.txt"
scr_keys C-d
check "Ctrl-D leaves (status 0)" scr_wait "lathe exited with 0"
check "the history file is written" grep -q "second question" "$state/lathe/chat_history"

start
scr_poll prompt_shows "" || diag "no prompt after the restart"
scr_keys Up
check "history persists across restarts (Up)" scr_poll prompt_shows "/save $scr_dir/two.jsonl"
scr_keys C-u C-r "first q"
check "Ctrl-R searches it" scr_wait "(reverse-i-search)\`first q': first question"
scr_keys C-g C-d
check "... and the chat leaves cleanly" scr_wait "lathe exited with 0"
tap_done
