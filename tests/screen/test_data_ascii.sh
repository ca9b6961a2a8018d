#!/bin/sh
# test_data_ascii.sh - the Data pane in a locale that is not UTF-8 (LANG=C):
# crt picks its glyphs from the locale's codeset, so the table, the detail
# view, the trained-token preview and the Stats view must all be pure ASCII
# on screen (no byte >= 0x80), with each glyph's ASCII stand-in where the
# UTF-8 one would be (never a '?' for a glyph the terminal cannot show).
# The dataset's own CJK and emoji show as '?', as text.h draws any
# character the locale cannot decode.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

fx=$LATHE_SRCDIR/tests/fixtures/data
high=$(printf '[\200-\377]')
# The screen has no byte >= 0x80.
ascii_only() {
    scr_screen >"$scr_dir/screen.txt"
    if LC_ALL=C grep -n "$high" "$scr_dir/screen.txt" >"$scr_dir/high.txt"; then
        diag "bytes >= 0x80 on screen:" "$(LC_ALL=C cat -v "$scr_dir/high.txt")"
        return 1
    fi
}
# Row N of the screen (1 = the title) has no '?' in it.
no_question_row() {
    row=$(scr_screen | sed -n "${1}p")
    case $row in
        *'?'*) diag "row $1: $row"; return 1 ;;
    esac
}

cp "$fx/browse.jsonl" "$scr_dir/"
scr_start LANG=C LC_ALL=C -- --no-color -c "$fx/preview.yaml" browse.jsonl
check "the table opens under LANG=C" scr_wait "60 records - alpaca - 0 problems - 1 duplicate"
check "the stats pass ends" scr_wait_gone "stats pass"
check "the summary line uses the ASCII separator" no_question_row 3
check "a newline inside a table cell shows as |" scr_wait "?|Second line"
check "a cut cell ends in ~" scr_wait "Question number 11: what is 11 plu~"
check "the table is pure ASCII" ascii_only

scr_keys g 1 0 Enter Enter
check "the detail view opens" scr_wait "record 10 of 60 - line 10 - byte"
check "its figures use the ASCII separator" scr_wait " chars - "
check "the detail view is pure ASCII" ascii_only

scr_keys t
check "the preview opens" scr_wait "record 10 - template chatml - "
check "a newline token shows as \$" scr_wait '$'
check "the preview is pure ASCII" ascii_only
scr_keys Escape g 2 0 Enter t
check "the cut marker is ASCII scissors" scr_wait "8< sequence_len 40: the trainer drops"
check "the long record's preview is pure ASCII" ascii_only
scr_keys Escape

scr_keys S
check "the Stats view opens" scr_wait "p50"
check "its histograms draw with #" scr_wait " ####"
check "its figures use the ASCII separator" scr_wait " - p90 "
check "the Stats view is pure ASCII" ascii_only
scr_keys Escape q
check "it quits" scr_wait "lathe exited with 0"
tap_done
