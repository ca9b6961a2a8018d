#!/bin/sh
# test_data_editor.sh - $EDITOR is shell text, as git takes it: an editor
# command with a quoted argument ("two words") gets that argument whole,
# and the file last.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

cp "$LATHE_SRCDIR/tests/fixtures/data/browse.jsonl" "$scr_dir/"
cat >"$scr_dir/edit.sh" <<'ED'
#!/bin/sh
[ "$1" = --mode ] && [ "$2" = "two words" ] && [ $# -eq 3 ] || exit 3
sed -i 's/The answer is 2\./Edited through a quoted EDITOR./' "$3"
ED
chmod +x "$scr_dir/edit.sh"

scr_start 'EDITOR=./edit.sh --mode "two words"' VISUAL= -- --no-color browse.jsonl
check "the file opens" scr_wait "60 records"
check "the check ends" scr_wait " duplicate"
scr_keys e
check "the editor gets its quoted argument whole" scr_wait "Edited through a quoted EDITOR."
check "and the edit counts as one" scr_wait "unsaved edits"

tap_done
