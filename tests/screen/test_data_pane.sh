#!/bin/sh
# test_data_pane.sh - the Data pane on a real terminal (tmux): a dataset
# opened from the command line, the table and its golden screen, scrolling,
# jumping to a record, the detail view (CJK, emoji, combining marks, newlines
# and tabs), substring, regex and one-field search with the match highlighted
# and n/N, editing the search line (moves, cuts, history, CJK), sorting,
# the trained-token preview with its colours and the sequence_len cut, the
# problems view on a malformed file (BOM, CRLF, invalid UTF-8, bad lines),
# resizing, and quitting while indexing.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

fx=$LATHE_SRCDIR/tests/fixtures/data
esc=$(printf '\033')
exited_ok() { scr_wait "lathe exited with 0" && ! scr_alternate; }
stderr_empty() { [ ! -s "$scr_dir/stderr" ] || { diag "stderr:" "$(cat "$scr_dir/stderr")"; false; }; }
# The row holding TEXT shows it as a search match (underlined, in the
# monochrome theme these runs use).
marked() { scr_screen -e | grep -qE "${esc}\\[[0-9;]*4[0-9;]*m$1"; }
# The table row of record R has flag F among its flags (the last column).
flag_row() { scr_screen | grep -qE "^ +$1 alpaca .* [A-Z!*X]*$2[A-Z!*X]* *\$"; }
flagged() {
    scr_poll flag_row "$1" "$2" && return 0
    diag "record $1 is not flagged $2:" "$(scr_screen)"
    false
}
# Row N of the table (the first record row is 5) starts with record number R.
row_is() { scr_screen | sed -n "$(($1 + 1))p" | grep -qE "^ +$2 "; }
# Two different colours on the legend line (trained vs masked).
legend_coloured() {
    line=$(scr_screen -e | grep -F 'trained' | grep -F 'masked')
    a=$(printf '%s' "$line" | sed -n "s/.*${esc}\\[\\([0-9;]*\\)mtrained.*/\\1/p")
    b=$(printf '%s' "$line" | sed -n "s/.*${esc}\\[\\([0-9;]*\\)m *masked.*/\\1/p")
    [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ] || { diag "legend: $(printf '%s' "$line" | cat -v)"; false; }
}

# Relative names (lathe runs in $scr_dir), so the golden screens do not hold
# the build tree's location.
cp "$fx/browse.jsonl" "$fx/malformed.jsonl" "$scr_dir/"
scr_start -- --no-color browse.jsonl
check "opens straight into the Data pane with the file" scr_wait "60 records"
check "the format is detected" scr_wait "alpaca"
check "the title names the file" scr_wait "browse.jsonl"
check "token counts are marked as estimates without a tokenizer" scr_wait "~tokens estimated"
check "the check pass counts the duplicate, singular for one" scr_wait "1 duplicate $(printf '\302\267')"
check "the stats pass ends" scr_wait_gone "stats pass"
check "the table matches its golden screen" scr_golden data-table
check "the empty record is flagged" flagged 12 E
check "the duplicate is flagged" flagged 13 D

scr_keys PgDn PgDn
check "PgDn scrolls the table" scr_wait "Question number 60"
scr_keys Home
check "Home goes back to the first record" scr_wait "Question number 1:"
check "the first row is record 1" scr_poll row_is 5 1
scr_keys End
check "End shows the last record" scr_wait "Question number 60"

scr_keys g 4 1 Enter
check "g jumps to a record number" scr_wait "Last needle: forty-one."
scr_keys g 9 9 9 Enter
check "a record number past the end is refused" scr_wait "no record 999: 60 indexed"

scr_keys g 1 0 Enter Enter
check "Enter opens the detail view" scr_wait "record 10 of 60"
check "detail labels the instruction" scr_wait " instruction"
check "detail shows CJK text" scr_wait "日本語の質問: 猫は何ですか？"
check "detail shows emoji and combining marks" scr_wait "$(printf 'emoji \360\237\220\261\360\237\216\211 and combining e\314\201 and Korean')"
check "detail wraps at the newline" scr_wait " Second line of the answer with a tab    here."
check "the detail view matches its golden screen" scr_golden data-detail
scr_keys ']'
check "] shows the next record" scr_wait "record 11 of 60"
scr_keys '[' '['
check "[ shows the previous record" scr_wait "record 9 of 60"
scr_keys Escape
check "Esc goes back to the table" scr_wait "format"

scr_keys Home / n e e d l e Enter
check "/ searches and lands on the first match" scr_wait "match in record 7"
check "the match is highlighted" marked needle
scr_keys n
check "n finds the next match" scr_wait "match in record 23"
scr_keys n
check "n again" scr_wait "match in record 41"
scr_keys n
check "n wraps around to the first" scr_wait "match in record 7"
scr_keys N
check "N goes back (wrapping)" scr_wait "match in record 41"
# The prompt is the line editor: keys that move and cut, history, UTF-8.
# (A search starts at the cursor's row, so each moves off the last match.)
scr_keys Home / e d l e Home n e Enter
check "Home, then typing, inserts at the start of the line" scr_wait "match in record 7"
scr_keys Down / Up Enter
check "Up recalls the last search" scr_wait "match in record 23"
scr_keys Down / x y z C-w n e e d l e Left Left Left C-k d l e Enter
check "Ctrl-W, Left and Ctrl-K edit the line" scr_wait "match in record 41"
scr_keys / '本語の質問' Home '日'
check "wide characters are typed and inserted before the cursor" \
    scr_wait "search all fields (text): 日本語の質問"
scr_keys Enter
check "the CJK search finds its record" scr_wait "match in record 10"
scr_keys / o n e Space t w o C-Left X
check "Ctrl-Left moves a word back" scr_wait "search all fields (text): one Xtwo"
scr_keys Escape
check "Esc closes the search line" scr_wait_gone "search all fields"
scr_keys / z z z q Enter
check "no match says so" scr_wait 'no match for "zzzq"'
scr_keys / C-r 'n[e]+dle.*seven' Enter
check "Ctrl-R makes it a regex search" scr_wait "match in record 7"
scr_keys / '[' Enter
check "a bad regex names the error" scr_wait "missing terminating ]"
scr_keys g 8 Enter / Tab Tab Tab n e e d l e Enter
check "Tab limits the search to one field (output)" scr_wait "match in record 41"
scr_keys n
check "a one-field search skips matches in other fields" scr_wait "match in record 7"
scr_keys Enter
check "Enter opens the record found" scr_wait "record 7 of 60"
check "the detail view highlights the match" marked needle
scr_keys Escape
check "Esc leaves the detail view" scr_wait "format"
scr_keys s
check "s sorts by characters" scr_wait "sorted by chars, ascending"
scr_keys Home
check "the shortest record comes first" scr_poll row_is 5 12
scr_keys r
check "r reverses the sort" scr_wait "sorted by chars, descending"
scr_keys Home
check "the longest record comes first" scr_poll row_is 5 20
scr_keys s s
check "s cycles back to file order" scr_wait "sorted by file order"
scr_keys t
check "t without a tokenizer explains how to get one" scr_wait "no tokenizer loaded"
scr_keys Escape

scr_resize 80 24
check "80x24 still shows the table" scr_wait "format"
scr_resize 120 40
check "120x40 shows the full table again" scr_wait "flags"
scr_keys q
check "q quits with status 0" exited_ok
check "nothing on stderr" stderr_empty

scr_start -- -c "$fx/preview.yaml" "$fx/browse.jsonl"
check "a config's base_model gives exact token counts" scr_wait "tokens counted"
scr_keys t
check "t shows the trained-token preview" scr_wait "template chatml"
check "the preview counts trained and masked tokens" scr_wait "masked"
check "trained and masked tokens have different colours" legend_coloured
check "the rendered record shows the template's markers" scr_wait "<|im_start|>assistant"
scr_keys Escape
check "Esc leaves the preview" scr_wait "format"
scr_keys g 2 0 Enter t
check "a record longer than sequence_len shows the cut" scr_wait "sequence_len 40: the trainer drops"
scr_keys Escape
check "Esc leaves the long record's preview" scr_wait "format"
check "the long record is flagged L" flagged 20 L
scr_keys q
check "the preview run quits" exited_ok

scr_start -- malformed.jsonl
check "a malformed file opens" scr_wait "7 records"
check "its problems are counted" scr_wait "4 problems"
check "invalid UTF-8 is shown escaped" scr_wait 'bad bytes \xFF\xFE here'
check "the BOM is skipped" scr_wait "first after a BOM"
check "its stats pass ends" scr_wait_gone "stats pass"
scr_keys p
check "p opens the problems view" scr_wait "Problems: 4"
check "problems list line, byte offset and reason" scr_wait "expected a value near 'this'"
check "the problems view matches its golden screen" scr_golden data-problems
scr_keys Down Enter
check "Enter on a problem opens its record" scr_wait "raw text (escaped)"
check "the record's reason is shown" scr_wait "problem: invalid JSON: expected a value"
scr_keys Escape
check "Esc goes back to the table" scr_wait "format"
scr_keys q
check "the malformed run quits" exited_ok
check "nothing on stderr" stderr_empty

scr_start -- "$fx/chat.jsonl"
check "a conversation file opens" scr_wait "3 records"
check "its format is detected" scr_wait "sharegpt"
check "the table previews the first user turn" scr_wait "Name a colour."
scr_keys Enter
check "detail labels the system turn" scr_wait "turn 1 · system"
check "detail labels the user turn" scr_wait "turn 2 · user"
check "detail labels the assistant turn" scr_wait "turn 3 · assistant"
scr_keys Escape
check "back to the conversation table" scr_wait "format"
scr_keys / Tab Tab Tab Tab Tab Tab b l u e Enter
check "a search limited to assistant turns" scr_wait "match in record 2"
scr_keys n
check "n comes back to the only match (\"Blue.\" differs in case)" scr_wait "match in record 2"
scr_keys q
check "the conversation run quits" exited_ok

gzip -c "$fx/browse.jsonl" >"$scr_dir/browse.jsonl.gz"
scr_start -- browse.jsonl.gz
check "a gzip-compressed file opens too" scr_wait "60 records"
scr_keys q
check "the gzip run quits" exited_ok
{ echo "["; sed '$!s/$/,/' "$fx/browse.jsonl"; echo "]"; } >"$scr_dir/array.json"
scr_start -- array.json
check "a JSON array opens too" scr_wait "60 records"
check "its records are parsed" scr_wait "Question number 1:"
scr_keys q
check "the array run quits" exited_ok

# A missing file is refused before the workbench starts (exit 1, as the
# README says), not opened as an empty pane with the error in it.
scr_start -- "$scr_dir/no such file.jsonl"
check "a missing file exits 1" scr_wait "lathe exited with 1"
check "... naming it on stderr" grep -qF "no such file.jsonl: No such file or directory" "$scr_dir/stderr"
tap_done
