#!/bin/sh
# test_train_overlay.sh - earlier runs overlaid on the Train pane's charts:
# two real sample runs; one opened, Space in the runs folder overlays the
# other (and then itself too), the row shows the overlay's digit and the
# legend names every run drawn; o hides and shows them, Space again takes
# one off. In a locale that is not UTF-8 the overlaid curve is drawn with
# its digit, so it stays apart from the run's own without colour.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

scr_timeout=${SCR_TIMEOUT:-30}
cd "$scr_dir" || exit 1
small="--set eval_steps=1000 --set micro_batch_size=2 --set sequence_len=128 --set threads=2"
# b learns slower, so its curve lies apart from a's.
for r in a:0.004 b:0.0005; do
    # shellcheck disable=SC2086
    "$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 6 --set logging_steps=1 \
        $small --set learning_rate="${r#*:}" --output "runs/${r%:*}" >/dev/null \
        2>"train-${r%:*}.err" ||
        { cat "train-${r%:*}.err"; echo "Bail out! lathe train"; exit 1; }
done
# b was written last: it is listed first.
touch runs/b/metrics.jsonl

legend() { scr_screen | grep -qE -- "$1"; }
row_has() { scr_screen | grep -qE "^ *$1 +$2 +finished"; }
# A chart row (its axis after an optional label) holds a run of the digit
# 1 that is no number: not next to other digits, a dot or a tick's +.
marked() {
    scr_screen | grep -E '^ *[0-9.kM]*[|+]' | grep -qE '(^|[^0-9.])1+($|[^0-9.+kMe])'
}
unmarked() { ! marked; }

scr_start -- --no-color runs/a
check "run a opens in the Train pane" scr_wait "opened runs/a"
scr_keys R
check "R lists the runs" scr_wait "2 runs in runs/"
check "the runs folder says how to overlay" scr_wait "Space: overlay on the charts"
scr_keys Space
check "Space overlays b: its row shows the digit 1" scr_poll row_has 1 b
scr_keys R
check "the legend names the shown run and the overlay" scr_poll legend "   a  1 b( |$)"
scr_keys R Down Space R
check "several runs: the legend names both overlays" scr_poll legend "   a  1 b  2 a( |$)"
scr_keys o
check "o hides the overlays" scr_wait "2 overlaid runs hidden (o shows)"
check "the legend is gone while hidden" scr_lacks "1 b  2 a"
scr_keys o
check "o shows them again" scr_poll legend "   a  1 b  2 a( |$)"
scr_keys R Up Space
check "Space on an overlaid run takes it off" scr_wait "b is no longer overlaid"
check "the other becomes overlay 1" scr_poll row_has 1 a
scr_keys R
check "the legend follows" scr_poll legend "   a  1 a( |$)"
scr_keys q
check "it quits" scr_exited_ok

scr_start LANG=C LC_ALL=C -- --no-color runs/a
check "ASCII: run a opens" scr_wait "opened runs/a"
check "ASCII: no such digit in the charts before an overlay" unmarked
scr_keys R Space R
check "ASCII: the legend names the overlay" scr_poll legend "   a  1 b( |$)"
check "ASCII: the overlaid curve is drawn with its digit" scr_poll marked
scr_keys q
check "it quits (ASCII)" scr_exited_ok
tap_done
