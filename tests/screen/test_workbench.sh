#!/bin/sh
# test_workbench.sh - the workbench on a real terminal (tmux): start-up with
# the four panes and live gauges, pane switching, the help overlay, resizing
# below 80x24 and back, themes (and a broken theme file), colourless runs,
# and quitting with q or Ctrl-C back to a normal shell screen; a bare
# `lathe` opens the bundled sample workspace (its config behind, in the
# Config pane), `lathe CONFIG.yaml` the config (its pane first) and its
# dataset, `lathe -c CONFIG.yaml DATASET` both.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"
. "$LATHE_SRCDIR/tests/screen/harness.sh"

times=$(printf '\303\227')   # the multiplication sign of "80x24"

rss_shown() { scr_screen | grep -qE 'RSS [0-9][0-9.]*[BKMGTP]'; }
exited_ok() { exited_with 0; }
exited_with() { scr_wait "lathe exited with $1" && ! scr_alternate; }
ascii_gauges() { scr_screen | grep -qE 'RSS [0-9.]+[BKMGTP] \| RAM' && scr_screen | grep -qE 'RAM +\[[#.]+\]'; }
signal_lathe() { pid=$(scr_lathe_pid) && [ -n "$pid" ] && kill -"$1" "$pid"; }
no_pane_left() { ! scr_screen | grep -qF '1 Data'; }
no_colour() { ! scr_has_colour; }
gpu_shown() { scr_screen | grep -qE '^ GPU +(no GPU|NVIDIA|[A-Za-z])'; }
stderr_empty() { [ ! -s "$scr_dir/stderr" ] || { diag "stderr:" "$(cat "$scr_dir/stderr")"; false; }; }

# A model as PATH opens no dataset: the shell's own screens, with an empty Data pane.
cp "$LATHE_SRCDIR/samples/data/vocab.gguf" "$scr_dir/model.gguf"
scr_start -- model.gguf
for name in "1 Data" "2 Config" "3 Train" "4 Chat"; do
    check "tab bar shows '$name'" scr_wait "$name"
done
check "status line shows a live RSS figure" rss_shown
check "Data pane matches its golden screen" scr_golden data
scr_keys 3
check "3 switches to Train" scr_wait "no run yet; start one with lathe train CONFIG.yaml"
check "Train pane shows the process gauges" scr_wait "peak"
check "Train pane shows no debug figures" scr_lacks "frame "
check "Train pane shows the GPU state" gpu_shown
scr_keys Tab
check "Tab moves to Chat" scr_wait "A/B chat"
check "Chat pane names lathe chat" scr_wait "lathe chat -m MODEL.gguf --lora ADAPTER --ab"
scr_keys Tab
check "Tab wraps to Data" scr_wait "Dataset explorer"
scr_keys BTab
check "Shift-Tab moves back to Chat" scr_wait "A/B chat"
scr_keys 2
check "2 switches to Config" scr_wait "Training config"
scr_keys 1
check "1 switches to Data" scr_wait "Dataset explorer"
scr_keys '?'
check "? opens the help overlay" scr_wait "Help: Data pane"
check "help overlay matches its golden screen" scr_golden help
# Each key means one thing: t is the Data pane's trained tokens, not also the theme.
key_rows() { scr_screen | grep -cE "│ +$1 {2,}[a-z]"; }
check "the help lists t once" test "$(key_rows t)" -eq 1
theme_key() { scr_screen | grep -qE "│ +F2 +next colour theme"; }
check "the help lists F2 for the next theme" theme_key
scr_keys Escape
check "any key closes the help" scr_wait_gone "Help: Data pane"
scr_keys F1
check "F1 opens the help overlay" scr_wait "Global keys"
scr_keys x
check "help closes again" scr_wait_gone "Global keys"

scr_resize 60 20
check "60x20 shows the too-small message" scr_wait "terminal too small (need 80${times}24, have 60${times}20)"
check "too-small screen matches its golden screen" scr_golden too-small
scr_resize 120 40
check "120x40 restores the layout" scr_wait "4 Chat"
check "too-small message is gone" scr_wait_gone "too small"
for s in 10x5 200x60 79x24 80x23 1x1 80x24 33x90 150x12 120x40 81x25 2x2 120x40; do
    scr_resize "${s%x*}" "${s#*x}"
done
check "after a storm of resizes the layout is back" scr_wait "Dataset explorer"
check "after a storm of resizes the status line is back" rss_shown

scr_keys F2
check "F2 switches the theme and says so" scr_wait "theme: "
check "the default run uses colour" scr_has_colour
scr_keys T
check "T opens the theme picker" scr_wait "Enter choose"
scr_keys Down Enter
check "Enter in the picker switches the theme" scr_wait_gone "Enter choose"
check "the new theme is named in the status line" scr_wait "theme: "
scr_keys q
check "q quits with status 0 and leaves the alternate screen" exited_ok
check "q leaves no workbench on the shell screen" no_pane_left
check "nothing on stderr" stderr_empty

printf 'roles: [unclosed\n' >"$scr_dir/broken.yaml"
scr_start -- --theme "$scr_dir/broken.yaml"
check "a broken theme still opens the workbench" scr_wait "4 Chat"
check "a broken theme's error is in the status line" scr_wait "broken.yaml"
scr_keys 3
check "a key dismisses the error" scr_wait_gone "broken.yaml"
check "the gauges are back in the status line" rss_shown
scr_keys C-c
check "Ctrl-C quits cleanly with status 0" exited_ok
check "nothing on stderr" stderr_empty

scr_start NO_COLOR=1 --
check "NO_COLOR=1 run starts" scr_wait "4 Chat"
check "NO_COLOR=1 run uses no colour" no_colour
scr_keys q
check "NO_COLOR=1 run quits" exited_ok

mkdir -p "$scr_dir/data"
printf '{"instruction":"a","output":"b"}\n' >"$scr_dir/data/日本語 set.jsonl"
scr_start -- --no-color "data/日本語 set.jsonl"
check "--no-color run starts" scr_wait "4 Chat"
check "the PATH argument is in the title, wide characters and all" scr_wait "data/日本語 set.jsonl"
check "--no-color run uses no colour" no_colour
scr_keys 3
check "--no-color Train pane draws its gauges" scr_wait "peak"
scr_keys q
check "--no-color run quits" exited_ok
check "nothing on stderr" stderr_empty
scr_start
check "SIGTERM run starts" scr_wait "4 Chat"
check "SIGTERM is delivered" signal_lathe TERM
check "SIGTERM quits cleanly with status 0" exited_ok
check "nothing on stderr" stderr_empty

# The crash handler restores the terminal, then dies of the same signal
# (status 128+11), so a core dump still happens where cores are enabled.
scr_start ASAN_OPTIONS=handle_segv=0 --
check "SIGSEGV run starts" scr_wait "4 Chat"
check "SIGSEGV is delivered" signal_lathe SEGV
check "SIGSEGV restores the terminal and still dies of SIGSEGV" exited_with 139

scr_start TERM=lathe-no-such-terminal --
check "an unknown TERM exits with status 1" scr_wait "lathe exited with 1"
check "an unknown TERM is named on stderr" grep -qF "lathe-no-such-terminal" "$scr_dir/stderr"

scr_start LANG=C LC_ALL=C --
check "C locale run starts" scr_wait "4 Chat"
scr_keys 3
check "C locale Train pane starts" scr_wait "peak"
check "C locale uses ASCII gauges" ascii_gauges
scr_keys q
check "C locale run quits" exited_ok
check "nothing on stderr" stderr_empty

scr_start LATHE_SAMPLES="$LATHE_SRCDIR/samples" --
check "a bare lathe opens the sample workspace" scr_wait "sample workspace"
check "the sample's dataset is in the Data pane" scr_wait "1786 records"
check "its tokens are counted with the sample model" scr_wait "tokens counted"
scr_keys 2
check "and its config is in the Config pane" scr_wait "Config $LATHE_SRCDIR/samples/lora.yaml"
scr_keys q
check "the sample workspace quits" exited_ok
check "nothing on stderr" stderr_empty

scr_start -- "$LATHE_SRCDIR/samples/lora.yaml"
check "a config as PATH opens in the Config pane, shown first" scr_wait "Config $LATHE_SRCDIR/samples/lora.yaml"
scr_keys 1
check "and its dataset in the Data pane" scr_wait "1786 records"
scr_keys q
check "the config's workspace quits" exited_ok

scr_start -- -c "$LATHE_SRCDIR/samples/lora.yaml" "$LATHE_SRCDIR/samples/data/heldout.jsonl"
check "a dataset with -c CONFIG opens in the Data pane" scr_wait "200 records"
scr_keys 2
check "and the config in the Config pane" scr_wait "Config $LATHE_SRCDIR/samples/lora.yaml"
scr_keys q
check "that workspace quits" exited_ok
tap_done
