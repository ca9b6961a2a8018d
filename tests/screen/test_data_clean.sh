#!/bin/sh
# test_data_clean.sh - the Data pane's phase 2 on a real terminal (tmux): a
# filter typed with its live row count and a bad expression's error (with
# the column), the Stats view, delete + undo + redo, a bulk drop on a filter
# result, the clean menu, editing a record through a scripted $EDITOR (one
# script rewrites the record, one writes invalid JSON: the error is shown and
# the text kept for the next edit), the Stats view following the edits (a
# bulk drop, undo, redo, dedupe; the same counts as `lathe data stats
# --recipe` on the saved recipe), saving to a new file whose bytes equal
# `lathe data clean IN --recipe SAVED_RECIPE -o OUT`, overwriting the input
# after confirmation with a backup, a split export, quitting with unsaved
# edits asking first, and a pane opened with a config whose too_long drop
# replays from the saved recipe's token settings with no flags.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

fx=$LATHE_SRCDIR/tests/fixtures/data
exited_ok() { scr_wait "lathe exited with 0" && ! scr_alternate; }
# Row N of the table (the first record row is 5) starts with record number R.
row_is() { scr_screen | sed -n "$(($1 + 1))p" | grep -qE "^ +$2 "; }
first_row() {
    scr_poll row_is 5 "$1" && return 0
    diag "the first row is not record $1:" "$(scr_screen)"
    false
}
same_bytes() { cmp "$1" "$2" || { diag "$1 and $2 differ"; false; }; }
# The Stats view's counts line: N rows ... E exact duplicates ... M near duplicates.
# Nouns are singular for one ("1 exact duplicate").
s_unless_one() { [ "$1" = 1 ] || printf s; }
counts_are() { scr_screen | grep -qE "^ *$1 rows? .* $2 exact duplicate$(s_unless_one "$2") .* $3 near duplicate$(s_unless_one "$3") "; }
stats_counts() {
    scr_poll counts_are "$@" && return 0
    diag "the Stats view does not count $1 rows, $2 exact and $3 near duplicates:" "$(scr_screen)"
    false
}
# What `lathe data stats --json` says of KEY in $scr_dir/stats.json.
json_count() { sed -n "s/.*\"$1\":\([0-9]*\),.*/\1/p" "$scr_dir/stats.json"; }

cp "$fx/browse.jsonl" "$scr_dir/"
cat >"$scr_dir/rewrite.sh" <<'ED'
#!/bin/sh
sed -i 's/The answer is 4\./Rewritten by the editor./' "$1"
ED
cat >"$scr_dir/broken.sh" <<'ED'
#!/bin/sh
if grep -q oops "$1"; then
    sed -i 's/oops/"fixed on the second try"/' "$1"
else
    printf '{"instruction": "x",\n  "output": oops}\n' >"$1"
fi
ED
chmod +x "$scr_dir/rewrite.sh" "$scr_dir/broken.sh"

scr_start EDITOR=./rewrite.sh VISUAL= -- --no-color browse.jsonl
check "the file opens" scr_wait "60 records"
check "the stats pass ends" scr_wait "1 duplicate $(printf '\302\267')"

scr_keys f 'chars > 6'
check "the filter counts rows as it is typed" scr_wait "filter: chars > 6   60 of 60 rows"
scr_keys 0
check "one more digit narrows the count" scr_wait "filter: chars > 60   4 of 60 rows"
check "the table shows only the matching rows" first_row 7
scr_keys ' and'
check "a bad expression names the column" scr_wait "column 15: expected a condition"
scr_keys BSpace BSpace BSpace BSpace Enter
check "the filter stays after Enter" scr_wait "filter: 4 rows"
scr_keys F
check "F clears the filter" scr_wait "filter cleared"
check "all rows are back" first_row 1

scr_keys S
check "S opens the Stats view" scr_wait "tokens per record: p50"
check "stats show the exact duplicates" scr_wait "1 exact duplicate $(printf '\302\267')"
check "stats show the sequence_len line and the rows it cuts" scr_wait "sequence_len 512: 1 row longer"
check "stats show empty fields per field" scr_wait "input 59 of 60"
check "stats show PII by kind" scr_wait "PII: 0 rows; email 0"
check "stats show languages" scr_wait "languages: en 60"
scr_keys -
check "- lowers the near-duplicate threshold and runs the pass again" scr_wait "threshold 0.75"
scr_keys Escape
check "Esc goes back to the table" scr_wait "format"

scr_keys Home d
check "d deletes the row" scr_wait "deleted record 1"
check "the deleted row leaves the view" first_row 2
check "the summary counts it" scr_wait "1 deleted"
scr_keys u
check "u undoes the delete" scr_wait "undone: delete"
check "the row is back" first_row 1
scr_keys U
check "U redoes it" scr_wait "redone: delete"
check "the row is gone again" first_row 2
scr_keys z
check "z shows deleted rows" scr_wait "deleted rows shown (X)"
check "the deleted row is back in the view" first_row 1
scr_keys Home d
check "d on a deleted row restores it" scr_wait "restored record 1"
scr_keys z
check "z hides deleted rows again" scr_wait "deleted rows hidden"
check "the restored row stays" first_row 1

scr_keys f 'output ~ /needle/' Enter
check "a regex filter" scr_wait "filter: 2 rows"
scr_keys b d
check "b d drops the filter's rows" scr_wait "dropped the rows where output ~ /needle/: 2 rows changed"
scr_keys S
check "the Stats view runs the pass again over the edits" scr_wait "stats after 3 edits"
check "its counts follow the bulk drop" stats_counts 58 1 0
scr_keys u
check "u in the Stats view undoes the drop" scr_wait "undone: drop"
check "the pass runs again: the rows are back" stats_counts 60 1 0
check "it says which edits it describes" scr_wait "stats after 2 edits"
scr_keys U
check "after redo the counts follow again" stats_counts 58 1 0
scr_keys Escape
scr_keys F
check "they are gone from the table" scr_wait "2 deleted"

scr_keys f 'output ~ /is 22/' Enter b t r e v i e w Enter
check "b t tags the filter's rows" scr_wait "tagged review the rows where output ~ /is 22/: 1 row changed"
scr_keys F g 1 1 Enter Enter
check "the detail view lists the tag" scr_wait "tags: review"
scr_keys Escape

scr_keys c d
check "the clean menu dedupes" scr_wait "dropped exact duplicates: 1 row changed"
scr_keys S
check "the Stats view has no exact duplicates left" stats_counts 57 0 0
scr_keys Escape

scr_keys Home Down e
check "e edits the record in \$EDITOR" scr_wait "edited record 2: 1 row changed"
check "the table shows the new text" scr_wait "Rewritten by the editor."
scr_keys Enter
check "the detail view shows it too" scr_wait "edited (not saved until w)"
scr_keys Escape

scr_keys w
check "w offers a path next to the input" scr_wait "save to: browse-clean.jsonl"
scr_keys Enter
check "save writes the file and its recipe" scr_wait "saved 57 records to browse-clean.jsonl, recipe browse-clean.jsonl.recipe.yaml"
check "the saved file replays byte for byte" \
    "$LATHE" data clean "$scr_dir/browse.jsonl" --recipe "$scr_dir/browse-clean.jsonl.recipe.yaml" -o "$scr_dir/replay.jsonl"
check "the replay equals the pane's save" same_bytes "$scr_dir/browse-clean.jsonl" "$scr_dir/replay.jsonl"
check "lathe data stats --recipe runs the saved recipe" sh -c "'$LATHE' data stats '$scr_dir/browse.jsonl' \
    --recipe '$scr_dir/browse-clean.jsonl.recipe.yaml' --near-threshold 0.75 --json >'$scr_dir/stats.json'"
scr_keys S
check "the pane and lathe data stats --recipe count the same" \
    stats_counts "$(json_count rows)" "$(json_count exact_duplicates)" "$(json_count near_duplicates)"
check "the PII count is the same too" scr_wait "PII: $(json_count pii_rows) rows;"
scr_keys Escape

scr_keys x Enter
check "x exports a seeded split" scr_wait "split: 51 records to browse-train.jsonl, 6 to browse-val.jsonl"

scr_keys Home d w C-u browse.jsonl Enter
check "saving over the input asks first" scr_wait "overwrite the input browse.jsonl? a backup is kept [y/n]"
scr_keys n
check "n leaves it" scr_wait "not saved"
scr_keys w C-u browse.jsonl Enter y
check "y overwrites it and keeps a backup" scr_wait "backup browse.jsonl.bak"
check "the backup holds the old file" same_bytes "$fx/browse.jsonl" "$scr_dir/browse.jsonl.bak"
check "the input now has the edits" sh -c "[ \$(wc -l <'$scr_dir/browse.jsonl') -eq 56 ]"

scr_keys d q
check "quitting with unsaved edits asks" scr_wait "Data: 1 unsaved edit in browse.jsonl"
scr_keys n
check "n keeps the pane" scr_wait "format"
scr_keys q y
check "y quits" exited_ok

cp "$fx/browse.jsonl" "$scr_dir/browse.jsonl"
scr_start EDITOR=./broken.sh VISUAL= -- --no-color browse.jsonl
check "the file opens again" scr_wait "60 records"
check "its check pass ends (editing waits for it)" scr_wait "1 duplicate $(printf '\302\267')"
scr_keys Home e
check "invalid JSON from the editor is refused with line and column" \
    scr_wait "record 1: line 2, column 16: invalid token near 'oops'"
check "the text is kept" scr_wait "your text is kept: e again"
scr_keys e
check "editing again starts from the kept text and can fix it" scr_wait "edited record 1: 1 row changed"
check "the fixed record shows" scr_wait "fixed on the second try"
scr_keys q y
check "quits after confirming" exited_ok
check "nothing on stderr" sh -c "[ ! -s '$scr_dir/stderr' ]"

# A pane opened with a config counts with its tokenizer (the sample
# vocabulary, ChatML) and sequence_len 40: too_long finds 3 records, which
# the byte estimate would not; the saved recipe records those settings, so
# `lathe data clean` without token flags drops the same rows.
cp "$fx/browse.jsonl" "$scr_dir/browse.jsonl"
printf 'base_model: %s\ndatasets:\n  - path: browse.jsonl\nchat_template: chatml\nsequence_len: 40\nlearning_rate: 0.0002\n' \
    "$(realpath "$LATHE_SRCDIR/samples/data/vocab.gguf")" >"$scr_dir/c.yaml"
scr_start -- --no-color -c c.yaml browse.jsonl
check "the file opens with a config" scr_wait "60 records"
scr_keys f 'too_long' Enter
check "too_long counts with the config's tokenizer and sequence_len" scr_wait "filter: 3 rows"
scr_keys b d
check "b d drops them" scr_wait "dropped the rows where too_long: 3 rows changed"
scr_keys w C-u tl.jsonl Enter
check "the save writes its recipe" scr_wait "saved 57 records to tl.jsonl, recipe tl.jsonl.recipe.yaml"
check "the recipe records the tokenizer, template and sequence_len" sh -c "grep -q '^  model: /.*vocab.gguf\$' '$scr_dir/tl.jsonl.recipe.yaml' \
    && grep -qx '  chat_template: chatml' '$scr_dir/tl.jsonl.recipe.yaml' && grep -qx '  sequence_len: 40' '$scr_dir/tl.jsonl.recipe.yaml'"
check "lathe data clean with no token flags replays it byte for byte" sh -c "'$LATHE' data clean '$scr_dir/browse.jsonl' \
    --recipe '$scr_dir/tl.jsonl.recipe.yaml' -o '$scr_dir/tl-replay.jsonl' 2>/dev/null"
check "the same bytes" same_bytes "$scr_dir/tl.jsonl" "$scr_dir/tl-replay.jsonl"
sed '/^tokens:/,/^  sequence_len/d' "$scr_dir/tl.jsonl.recipe.yaml" >"$scr_dir/tl-old.yaml"
check "without its tokens: section the replay would differ" sh -c "'$LATHE' data clean '$scr_dir/browse.jsonl' \
    --recipe '$scr_dir/tl-old.yaml' -o '$scr_dir/tl-old.jsonl' 2>/dev/null && ! cmp -s '$scr_dir/tl.jsonl' '$scr_dir/tl-old.jsonl'"
scr_keys q
check "quits (saved)" exited_ok
tap_done
