#!/bin/sh
# tap-driver.sh - automake test driver for TAP output: every "ok"/"not ok" line
# of a test becomes one counted result, so the harness totals count test cases,
# not programs. Implements automake's log-driver protocol (options below, then
# "--" and the test command). A test that exits non-zero, crashes, or prints a
# plan that does not match the results it printed is an ERROR.
name= log= trs= color=no
while [ $# -gt 0 ]; do
    case $1 in
    --test-name) name=$2; shift 2 ;;
    --log-file) log=$2; shift 2 ;;
    --trs-file) trs=$2; shift 2 ;;
    --color-tests) color=$2; shift 2 ;;
    --expect-failure|--enable-hard-errors|--collect-skipped-logs) shift 2 ;;
    --) shift; break ;;
    *) echo "tap-driver.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ "$color" = yes ]; then
    grn='[0;32m' red='[0;31m' blu='[1;34m' std='[m'
else
    grn= red= blu= std=
fi

tmp=$log.raw
"$@" >"$tmp" 2>&1
rc=$?
cp "$tmp" "$log"
: >"$trs"
n=0 plan= bad=0 skipped=0
report() { # result text colour
    echo "$1: $name $2" | sed "s/^$1/$3$1$std/"
    echo ":test-result: $1" >>"$trs"
}
while IFS= read -r line; do
    case $line in
    # cmocka prints a skipped test as "not ok N # SKIP": a skip all the same.
    "ok"*"# SKIP"*|"ok"*"# skip"*|"not ok"*"# SKIP"*|"not ok"*"# skip"*)
        n=$((n + 1)); skipped=$((skipped + 1)); report SKIP "${line#*ok}" "$blu" ;;
    "not ok"*) n=$((n + 1)); bad=1; report FAIL "${line#not ok}" "$red" ;;
    "ok"*) n=$((n + 1)); report PASS "${line#ok}" "$grn" ;;
    1..*) plan=${line#1..}; plan=${plan%% *} ;;
    esac
done <"$tmp"
rm -f "$tmp"

if [ "$rc" -ne 0 ]; then
    report ERROR "- exited with status $rc" "$red"; bad=1
elif [ -z "$plan" ]; then
    report ERROR "- printed no TAP plan" "$red"; bad=1
elif [ "$plan" -ne "$n" ]; then
    report ERROR "- planned $plan tests, ran $n" "$red"; bad=1
fi
if [ "$bad" -ne 0 ]; then
    global=FAIL
elif [ "$n" -gt 0 ] && [ "$skipped" -eq "$n" ] || [ "$plan" = 0 ]; then
    global=SKIP
else
    global=PASS
fi
[ "$plan" = 0 ] && report SKIP "- $(sed -n 's/^1\.\.0 *# *SKIP *//p' "$log")" "$blu"
{
    echo ":global-test-result: $global"
    echo ":recheck: $([ $global = FAIL ] && echo yes || echo no)"
    echo ":copy-in-global-log: $([ $global = PASS ] && echo no || echo yes)"
} >>"$trs"
exit 0
