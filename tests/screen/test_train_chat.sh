#!/bin/sh
# test_train_chat.sh - "chat with this" (C in the Train pane): a run
# training in the pane hands its newest checkpoint to the Chat pane as B,
# which is focused and loads that checkpoint; a finished run opened from
# its files hands its final adapter. Without a checkpoint C says so.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

scr_timeout=${SCR_TIMEOUT:-60}
cd "$scr_dir" || exit 1
small="--set eval_steps=1000 --set micro_batch_size=2 --set sequence_len=128 --set threads=2"
# shellcheck disable=SC2086
"$LATHE" train "$LATHE_SRCDIR/samples/lora.yaml" --max-steps 6 --set logging_steps=1 $small \
    --output runs/done >/dev/null 2>train.err ||
    { cat train.err; echo "Bail out! lathe train"; exit 1; }

# The checkpoint the Train pane's header names ("checkpoint step-N"), or nothing.
shown_ckpt() { scr_screen | sed -n 's/.*checkpoint step-\([0-9][0-9]*\).*/\1/p' | head -n 1; }
have_ckpt() { [ -n "$(shown_ckpt)" ]; }
step_past() {
    s=$(scr_screen | sed -n 's/.* step \([0-9][0-9]*\)\/[0-9].*/\1/p' | head -n 1)
    [ -n "$s" ] && [ "$s" -gt "$1" ]
}

# shellcheck disable=SC2086
scr_start -- train "$LATHE_SRCDIR/samples/lora.yaml" --tui --no-color --max-steps 400 \
    --set logging_steps=1 $small --output runs/live
check "the run trains in the Train pane" scr_wait " training  step "
check "steps advance" scr_poll step_past 1
scr_keys C
check "C before any checkpoint says so" scr_wait "no checkpoint yet: c saves one now"
scr_keys c
check "c saves a checkpoint (the header names it)" scr_poll have_ckpt
ckpt=$(shown_ckpt)
scr_keys C
check "C focuses the Chat pane" scr_wait "Enter sends"
check "the Chat pane takes the checkpoint as B" \
    scr_wait "checkpoint step $ckpt of runs/live to chat with as B"
check "and loads it as B" scr_wait "B: model.gguf + runs/live checkpoint step $ckpt, scale 1.0"
scr_keys BTab   # the Chat pane reads digits as text: back with Shift-Tab
check "back in the Train pane the run still trains" scr_wait " training  step "
scr_keys s
scr_wait "Stop the run after this step" >/dev/null
scr_keys y
check "it stops" scr_wait " ended  step "
scr_keys q
check "it quits" scr_exited_ok

scr_start -- --no-color runs/done
check "the finished run opens" scr_wait "opened runs/done"
scr_keys C
check "C on a finished run: B is its final adapter" scr_wait "B: model.gguf + runs/done, scale 1.0"
scr_keys BTab q
check "it quits again" scr_exited_ok
tap_done
