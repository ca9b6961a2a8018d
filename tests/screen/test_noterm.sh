#!/bin/sh
# test_noterm.sh - the workbench without a usable terminal fails with status 1
# and a message on stderr, and leaves nothing on stdout.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { "$LATHE" "$@" </dev/null >"$out/stdout" 2>"$out/stderr"; echo $? >"$out/status"; }
status_is() { [ "$(cat "$out/status")" = "$1" ]; }
stderr_has() { grep -qF -- "$1" "$out/stderr"; }
stdout_empty() { [ ! -s "$out/stdout" ]; }

run
check "no terminal: exit status 1" status_is 1
check "no terminal: says a terminal is needed" stderr_has "needs a terminal"
check "no terminal: nothing on stdout" stdout_empty
run --no-color --theme light
check "no terminal with options: exit status 1" status_is 1
tap_done
