# tap.sh - a few TAP helpers for shell tests; source it, call check/skip, end with tap_done.
# Numbers are assigned as checks run and the plan is printed last.
tap_n=0
tap_failed=0

# check DESCRIPTION COMMAND...: runs COMMAND, ok when it exits 0.
check() {
    desc=$1; shift
    tap_n=$((tap_n + 1))
    if "$@"; then
        echo "ok $tap_n - $desc"
    else
        echo "not ok $tap_n - $desc"
        tap_failed=$((tap_failed + 1))
    fi
}

# skip DESCRIPTION REASON
skip() {
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP $2"
}

# skip_all REASON: the whole script is skipped (automake shows SKIP).
skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

diag() {
    printf '%s\n' "$@" | sed 's/^/# /'
}

# json_string TEXT: TEXT as jansson writes it inside a JSON string
# (backslashes and quotes escaped, newlines as \n).
json_string() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }'; }

tap_done() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}

: "${LATHE_BUILDDIR:=$(pwd)}"
: "${LATHE_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
LATHE="$LATHE_BUILDDIR/lathe"
