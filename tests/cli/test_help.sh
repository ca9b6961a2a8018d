#!/bin/sh
# test_help.sh - the help texts agree with each other, with the code and with
# the README: every command `lathe --help` lists has a --help that starts with
# its usage; a subcommand appears in one usage line only and is named in the
# command's summary and in the error for a missing one; every option a usage
# line shows is one the command accepts; the README's command table lists the
# same commands, and its first command installs without sudo when run as root.
. "${LATHE_SRCDIR:-$(dirname "$0")/../..}/tests/tap.sh"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
readme="$LATHE_SRCDIR/README.md"

"$LATHE" --help >"$out/global"
cmds=$(sed -n '/^commands:/,$p' "$out/global" | awk '/^  [a-z]/ {print $1}')
check "lathe --help lists commands" test -n "$cmds"

# usage_lines CMD: the usage lines of CMD's --help, one per line, without the
# leading "usage:" or indent (continuation lines are joined to their line).
usage_lines() {
    "$LATHE" "$1" --help | awk -v c="$1" '
        /^$/ { exit }
        { sub(/^usage: +/, ""); sub(/^ +/, "") }
        $1 == "lathe" && $2 == c { if (line != "") print line; line = $0; next }
        { line = line " " $0 }
        END { if (line != "") print line }'
}

# subs CMD: the subcommands its usage lines name (a lower-case third word,
# split at |), one per line.
subs() {
    usage_lines "$1" | awk '$3 ~ /^[a-z][a-z_|]*$/ { n = split($3, w, "|"); for (i = 1; i <= n; i++) print w[i] }'
}

help_starts_with_usage() {
    "$LATHE" "$1" --help >"$out/help" || return 1
    head -n 1 "$out/help" | grep -q "^usage: lathe $1\( \|\$\)"
}

subs_once() {
    dup=$(subs "$1" | sort | uniq -d)
    [ -z "$dup" ] || { diag "$1: in more than one usage line: $dup"; false; }
}

subs_in_summary() {
    summary=$(sed -n '/^commands:/,$p' "$out/global" | awk -v c="$1" '$1 == c { $1 = ""; print }')
    for s in $(subs "$1"); do
        echo "$summary" | grep -qw "$s" || { diag "$1: summary '$summary' lacks '$s'"; return 1; }
    done
}

subs_in_missing_error() {
    "$LATHE" "$1" >/dev/null 2>"$out/err"
    for s in $(subs "$1"); do
        grep -qw "$s" "$out/err" || { diag "$1: '$(cat "$out/err")' lacks '$s'"; return 1; }
    done
}

# Every option of every usage line, given to that command (after its
# subcommand, or its mode when each usage line starts with its own option, as
# config's --check and --resolve) with a bogus option after it: the parser
# must not call the shown option unknown. (The bogus one makes sure nothing
# runs.)
options_accepted() {
    usage_lines "$1" >"$out/usage"
    modes=$(awk '$3 ~ /^-/ { print $3 }' "$out/usage" | sort -u | wc -l)
    while read -r _ _ third rest; do
        sub=
        case $third in
            [a-z]*) sub=${third%%|*} ;;
            -*) [ "$modes" -gt 1 ] && sub=$third ;;
        esac
        for o in $(printf '%s %s\n' "$third" "$rest" | grep -oE '(^|[[ |(])--?[a-zA-Z][a-zA-Z0-9-]*' | sed 's/^[[ |(]//'); do
            [ "$o" = "$sub" ] && continue
            "$LATHE" "$1" $sub "$o" --zz-not-an-option >/dev/null 2>"$out/err" </dev/null
            if grep -q "unknown option.*'$o'" "$out/err"; then
                diag "lathe $1 $sub: the usage shows $o but: $(cat "$out/err")"
                return 1
            fi
        done
    done <"$out/usage"
}

in_readme_table() { grep -q "^| \`lathe $1[ \`]" "$readme"; }

for c in $cmds; do
    check "lathe $c --help starts with 'usage: lathe $c'" help_starts_with_usage "$c"
    if [ -n "$(subs "$c")" ]; then
        check "lathe $c: each subcommand in one usage line" subs_once "$c"
        check "lathe $c: the summary names every subcommand" subs_in_summary "$c"
        check "lathe $c: a missing subcommand's error names every one" subs_in_missing_error "$c"
    fi
    check "lathe $c: every option its usage shows is accepted" options_accepted "$c"
    check "README's command table has lathe $c" in_readme_table "$c"
done

# README's benchmark list is the usage's.
readme_benches() {
    want=$(subs bench | sort | tr '\n' ' ')
    got=$(sed 's/\\|/|/g' "$readme" | grep -o '^| `lathe bench [a-z|]*' | sed 's/.*bench //' | tr '|' '\n' | sort | tr '\n' ' ')
    [ "$want" = "$got" ] || { diag "usage: $want README: $got"; false; }
}
check "README lists the benchmarks the usage shows" readme_benches

# README's first command: root without sudo runs the installer itself, anyone
# else through sudo. Run its install part with stand-ins for id, sh and sudo.
setup=$(grep -m 1 'tests/install-deps.sh' "$readme" | sed 's/^ *//')
install_part=${setup%%&& autoreconf*}
mkdir -p "$out/bin"
for tool in sh sudo; do
    printf '#!/bin/bash\necho "%s $*" >>"%s/ran"\n' "$tool" "$out" >"$out/bin/$tool"
done
runs_install_as() {
    printf '#!/bin/bash\necho %s\n' "$1" >"$out/bin/id"
    chmod +x "$out/bin/"*
    [ "$1" -eq 0 ] && rm -f "$out/bin/sudo"
    rm -f "$out/ran"
    PATH="$out/bin" /bin/bash -c "$install_part" && [ "$(cat "$out/ran")" = "$2" ] ||
        { diag "as uid $1: '$install_part' ran: $(cat "$out/ran" 2>/dev/null)"; false; }
}
check "README setup as root without sudo runs install-deps.sh" runs_install_as 0 "sh tests/install-deps.sh"
printf '#!/bin/bash\necho "sudo $*" >>"%s/ran"\n' "$out" >"$out/bin/sudo"
check "README setup as a user runs install-deps.sh through sudo" runs_install_as 1000 "sudo sh tests/install-deps.sh"
tap_done
