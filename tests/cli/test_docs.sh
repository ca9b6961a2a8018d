#!/bin/sh
# test_docs.sh - the sample's numbers in README.md and samples/README.md come
# from one run of tests/bench/sample_numbers.sh: both quote its lines, say on
# what machine, and no other held-out figure contradicts them.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

readme="$LATHE_SRCDIR/README.md"
samples="$LATHE_SRCDIR/samples/README.md"
script_lines() { grep -E '^(Measured by tests/bench/sample_numbers.sh|lora\.yaml: [0-9]+ steps|\| (all 200|base)\b)' "$1"; }

for f in "$readme" "$samples"; do
    name=${f#"$LATHE_SRCDIR"/}
    check "$name quotes sample_numbers.sh and the machine" \
        grep -qE '^Measured by tests/bench/sample_numbers.sh on .+, [0-9]+ cores' "$f"
    check "$name has its table" test "$(script_lines "$f" | grep -c '^| base')" -eq 2
done
check "both READMEs quote the same run" test "$(script_lines "$readme")" = "$(script_lines "$samples")"
# Figures the script does not print are gone (a held-out exact match of
# "0.00 -> 0.09", or one "measured" beside a test).
check "no other exact-match figure in the READMEs" sh -c \
    "! grep -nE 'exact match [0-9.]+ -> [0-9.]+|measured: [0-9.]+ ->' '$readme' '$samples'"
tap_done
