#!/bin/sh
# test_kill_clean.sh - kill -9 during `lathe data clean --in-place`, a few
# times at randomized moments (while the new file is written, as soon as the
# backup appears, anywhere): the input is always the old file or the whole
# new one, a backup exists only when the new file replaced the old, and the
# temporary a killed writer left is gone after the next run over that file
# (`lathe data stats`).
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$LATHE_BUILDDIR/tests/bench/gen_dataset" --mb 20 -o "$out/orig.jsonl" 2>/dev/null \
    || { echo "Bail out! gen_dataset"; exit 1; }
printf 'version: 1\nsteps:\n  - do: drop\n    filter: "chars > 700"\n' >"$out/r.yaml"
cp "$out/orig.jsonl" "$out/new.jsonl"
"$LATHE" data clean "$out/new.jsonl" --recipe "$out/r.yaml" --in-place >/dev/null 2>&1 \
    || { echo "Bail out! data clean"; exit 1; }
old=$(cksum <"$out/orig.jsonl")
new=$(cksum <"$out/new.jsonl")
[ "$old" != "$new" ] || { echo "Bail out! the recipe changes nothing"; exit 1; }

w=$out/work.jsonl
temps() { ls "$w".tmp.* 2>/dev/null; }
backups() { ls "$w".bak* 2>/dev/null; }
# wait_for CMD: polls until CMD prints something (5 s at most).
wait_for() {
    n=0
    while [ -z "$($1)" ] && [ $n -lt 500 ]; do sleep 0.01; n=$((n + 1)); done
}
random_ms() { awk -v s="$$$1" -v m="$2" 'BEGIN { srand(s); printf "%.3f", rand() * m / 1000 }'; }

for i in 1 2 3 4 5; do
    cp "$out/orig.jsonl" "$w"
    rm -f "$w".bak* "$w".tmp.* "$w".recipe.yaml
    "$LATHE" data clean "$w" --recipe "$out/r.yaml" --in-place >/dev/null 2>&1 &
    pid=$!
    case $i in
    1|2) wait_for temps; when="while the new file is written" ;;
    3) wait_for backups; when="as soon as the backup appears" ;;
    *) sleep "$(random_ms "$i" 3000)"; when="at a random moment" ;;
    esac
    sleep "$(random_ms "$i" 40)"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    now=$(cksum <"$w")
    check "kill $i ($when): the input is the old file or the whole new one" \
        test "$now" = "$old" -o "$now" = "$new"
    if [ "$now" = "$old" ]; then
        check "kill $i: no backup, as the input was not replaced" test -z "$(backups)"
    else
        check "kill $i: the replaced input has its backup" test -n "$(backups)"
    fi
    "$LATHE" data stats "$w" >/dev/null 2>&1
    check "kill $i: no temporary is left after the next run over the file" test -z "$(temps)"
done

tap_done
