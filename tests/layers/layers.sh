#!/bin/sh
# layers.sh - the include rule of the source tree, checked: dependencies run
# one way, engine <- core (src/data, src/config <- src/model, src/run) <- ui
# <- the command line (src/cli, src/bench, src/main.c). A file may include a
# header of its own layer or a lower one, never a higher one; a pane's folder
# (ui/data, ui/config, ui/train, ui/chat) includes no other pane's headers (panes
# talk through the host, ui/pane.h); and no two headers share a name, since
# includes name headers without their folder.
#
#   sh tests/layers/layers.sh [ROOT]
#
# Prints one line per violation as FILE:LINE: what is wrong; exits 1 when
# there is any, 0 otherwise.
set -u
root=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root" || exit 2

files=$(find engine src ui -name '*.[ch]' | sort)
# One awk pass: the headers by name, then every quoted include of every file.
# shellcheck disable=SC2086
{ printf '%s\n' $files | sed 's/^/H /'; grep -n -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $files; } |
awk '
function rank(f) {
    if (f ~ /^engine\//) return 0
    if (f ~ /^src\/(data|config)\//) return 1
    if (f ~ /^src\/(model|run)\//) return 2
    if (f ~ /^ui\//) return 3
    if (f ~ /^src\/(cli|bench)\// || f == "src/main.c") return 4
    return -1
}
function pane(f,   p) {
    if (f !~ /^ui\/[^\/]+\//) return ""
    split(f, p, "/")
    return p[2]
}
function base(f,   p, n) { n = split(f, p, "/"); return p[n] }
$1 == "H" {
    if ($2 ~ /\.h$/) {
        b = base($2)
        if (b in header) { print header[b] " " $2 ": two headers named " b; bad = 1 }
        else header[b] = $2
    }
    next
}
{
    split($0, loc, ":")
    f = loc[1]; line = loc[2]
    name = $0; sub(/^[^"]*"/, "", name); sub(/".*$/, "", name)
    b = base(name)
    if (!(b in header) || rank(f) < 0) next
    t = header[b]
    if (rank(t) > rank(f)) { print f ":" line ": includes " t ", a higher layer"; bad = 1 }
    else if (pane(f) != "" && pane(t) != "" && pane(f) != pane(t)) {
        print f ":" line ": includes " t ", another pane\047s header (use the host, ui/pane.h)"; bad = 1
    }
}
END { exit bad }'
