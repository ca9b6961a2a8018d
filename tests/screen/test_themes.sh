#!/bin/sh
# test_themes.sh - every built-in theme on a real terminal (tmux), at 8
# colours (a stock xterm), 256 colours, direct colour and NO_COLOR: the Data
# table and the trained-token preview, read back with their SGR colours
# (sgr_contrast.awk), keep every letter at a WCAG contrast of at least 3:1
# both where the terminal's own background is white and where it is black,
# and the cursor row stands out.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

fx=$LATHE_SRCDIR/tests/fixtures/data
awk_script=$LATHE_SRCDIR/tests/screen/sgr_contrast.awk
cp "$fx/browse.jsonl" "$scr_dir/"

# A direct-colour terminal, compiled into the scratch directory when tic can.
terms="xterm xterm-256color"
# (setaf/setab as ncurses' xterm-direct: 38:2::R:G:B above the first 8)
cat >"$scr_dir/direct.src" <<'EOF'
lathe-direct|direct colour,
	RGB, colors#0x1000000, pairs#0x10000,
	setaf=\E[%?%p1%{8}%<%t3%p1%d%e38:2::%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m,
	setab=\E[%?%p1%{8}%<%t4%p1%d%e48:2::%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m,
	use=xterm-256color,
EOF
if tic -x -o "$scr_dir/terminfo" "$scr_dir/direct.src" 2>/dev/null; then
    terms="$terms lathe-direct"
else
    skip "direct colour" "tic cannot compile a terminfo entry"
fi

# readable WHAT: the screen's letters read on white and on black.
readable() {
    scr_screen -e >"$scr_dir/screen.sgr"
    out=$(awk -f "$awk_script" "$scr_dir/screen.sgr") && return 0
    diag "$1: $out"
    false
}
# selected WHAT: screen line 6 (the table's first record, where the cursor
# is) is drawn reversed or on a background of its own.
selected() {
    out=$(awk -v row=6 -v min=0 -f "$awk_script" "$scr_dir/screen.sgr")
    echo "$out" | grep -q '^selected yes' || { diag "$1: the cursor row does not stand out"; false; }
}

for theme in default light high-contrast mono; do
    for term in $terms NO_COLOR; do
        if [ "$term" = NO_COLOR ]; then
            scr_start NO_COLOR=1 -- --theme "$theme" -c "$fx/preview.yaml" browse.jsonl
        else
            scr_start TERM="$term" TERMINFO="$scr_dir/terminfo" -- --theme "$theme" \
                -c "$fx/preview.yaml" browse.jsonl
        fi
        what="$theme on $term"
        check "$what: the table opens" scr_wait "tokens counted"
        check "$what: the table reads on white and on black" readable "$what table"
        check "$what: the cursor row stands out" selected "$what"
        scr_keys t
        check "$what: the preview opens" scr_wait "masked"
        check "$what: the preview reads on white and on black" readable "$what preview"
        scr_keys Escape q
        check "$what: it quits" scr_wait "lathe exited with 0"
    done
done
tap_done
