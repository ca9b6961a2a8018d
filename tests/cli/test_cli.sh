#!/bin/sh
# test_cli.sh - the command-line contract from BRIEF.md: --version, --help for
# every command, exit status 2 for usage errors and not-yet-available commands.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

status_is() { want=$1; shift; "$@" >"$out/stdout" 2>"$out/stderr"; [ $? -eq "$want" ]; }

check "--version prints 'lathe X.Y.Z'" sh -c "'$LATHE' --version | grep -Eqx 'lathe [0-9]+\.[0-9]+\.[0-9]+'"
check "--help exits 0 and lists commands" sh -c "'$LATHE' --help | grep -q '^  bench '"
for c in train chat generate perplexity tokenize inspect data eval export config bench; do
    check "$c --help exits 0 with usage" sh -c "'$LATHE' $c --help | grep -q '^usage: lathe $c'"
done
check "unknown option exits 2" status_is 2 "$LATHE" --bogus
check "two paths exit 2" status_is 2 "$LATHE" a b
check "--theme without value exits 2" status_is 2 "$LATHE" --theme
check "bench without case exits 2" status_is 2 "$LATHE" bench
check "bench unknown case exits 2" status_is 2 "$LATHE" bench nope
check "bench ring --json reports records_per_s and dropped" sh -c \
    "'$LATHE' bench ring --json --records 200000 | grep -Eq '\"records_per_s\":[0-9]+,.*\"dropped\":[0-9]+'"
check "bench ring rejects a bad count" status_is 2 "$LATHE" bench ring --records x
# Misspelt commands and options get a did-you-mean, as config keys do.
check "a misspelt command exits 2" status_is 2 "$LATHE" trian
check "... and suggests the command" grep -qF "unknown command 'trian'; did you mean 'train'?" "$out/stderr"
check "a misspelt option exits 2" status_is 2 "$LATHE" train --max-step 3 x.yaml
check "... and suggests the option" grep -qF "unknown option '--max-step'; did you mean '--max-steps'?" "$out/stderr"
check "--name=VALUE form suggests too" sh -c "'$LATHE' generate --tmep=0 2>&1 | grep -qF \"did you mean '--temp'\""
check "an unrelated word is no command" sh -c "'$LATHE' zzzzzz 2>&1 | grep -qv 'did you mean'"
# A PATH that is not there exits 1 before any terminal is touched.
check "lathe MISSING.jsonl exits 1" status_is 1 "$LATHE" "$out/MISSING.jsonl"
check "... naming the file and why" grep -qF "MISSING.jsonl: No such file or directory" "$out/stderr"
check "... and leaves stdout alone" test ! -s "$out/stdout"
tap_done
