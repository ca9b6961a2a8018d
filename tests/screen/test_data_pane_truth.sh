#!/bin/sh
# test_data_pane_truth.sh - the Data pane says what is so: a filter that
# leaves a few rows shows them all from the top, even after the cursor was at
# the end; undoing the only edit leaves no "unsaved edits"; a dataset whose
# output key is "response" (gpteacher's) shows that name in the detail and the
# Stats view; the preview's trained count stops at the sequence_len cut, as the
# trainer does; counts of one take the singular.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

exited_ok() { scr_wait "lathe exited with 0" && ! scr_alternate; }
# Row N of the table (the first record row is 5) starts with record number R.
row_is() { scr_screen | sed -n "$(($1 + 1))p" | grep -qE "^ +$2 "; }
rows_are() {
    for r in "$@"; do
        n=$((${n:-4} + 1))
        row_is "$n" "$r" || { diag "row $n is not record $r:" "$(scr_screen)"; n=; return 1; }
    done
    n=
}

# 100 gpteacher-style records (instruction, input, response); five answers
# start with "keep", spread through the file, and record 100 is long.
i=1
while [ $i -le 100 ]; do
    case $i in 7|23|48|71|90) a="keep answer $i" ;; *) a="answer number $i" ;; esac
    [ $i -eq 100 ] && a="$(printf 'word %.0s' $(seq 1 80))end"
    printf '{"instruction":"Question %d?","input":"","response":"%s"}\n' "$i" "$a"
    i=$((i + 1))
done >"$scr_dir/teacher.jsonl"
cat >"$scr_dir/cut.yaml" <<EOF
base_model: $LATHE_SRCDIR/samples/data/vocab.gguf
sequence_len: 32
datasets:
  - path: teacher.jsonl
    type: alpaca
learning_rate: 0.0002
EOF

scr_start -- --no-color -c cut.yaml teacher.jsonl
check "the dataset opens" scr_wait "100 records"
check "... and its check pass ends" scr_wait "0 duplicates"
scr_keys End
check "End goes to the last row" scr_wait " 100 alpaca"
scr_keys f
scr_keys -l 'output ~ /^keep/'
scr_keys Enter
check "the filter keeps five rows" scr_wait "filter: 5 rows"
check "all five show, from the top of the table" scr_poll rows_are 7 23 48 71 90
scr_keys F
check "clearing the filter brings the rest back" scr_wait_gone "filter: 5 rows"

scr_keys Home Enter
check "the detail names the output by its key" scr_wait "response"
no_output_label() { ! scr_screen | grep -qE "^ *output *$"; }
check "... not as output" no_output_label
scr_keys Escape S
check "the Stats view names it in the empty-field counts" scr_wait "response 0 of 100;"
check "one row over sequence_len is one row" scr_wait "sequence_len 32: 1 row longer ----"
scr_keys NPage NPage NPage
check "... and in its histogram" scr_wait "tokens: response (text alone)"
scr_keys Escape

scr_keys d
check "deleting a row makes an unsaved edit" scr_wait "unsaved edits"
scr_keys u
check "undoing the only edit leaves none unsaved" scr_wait_gone "unsaved edits"
scr_keys U
check "redoing it is unsaved again" scr_wait "unsaved edits"
scr_keys u
check "... and undone again, not" scr_wait_gone "unsaved edits"

scr_keys End t
check "the long record's preview shows the cut" scr_wait "sequence_len 32: the trainer drops"
legend_sums() {
    line=$(scr_screen | grep -E 'trained [0-9]+ +masked [0-9]+ +dropped [0-9]+') || return 1
    set -- $(echo "$line" | sed 's/[^0-9 ]//g')
    [ $(($1 + $2)) -eq 32 ] || { diag "legend: $line"; false; }
}
check "trained plus masked is the sequence_len the trainer keeps" scr_poll legend_sums
scr_keys Escape q
check "it quits" exited_ok
tap_done
