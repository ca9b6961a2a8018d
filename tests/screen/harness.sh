# harness.sh - drive the workbench in a private tmux server and read its
# screen back (TUI.md section 6). Source it after tests/tap.sh:
#   scr_start [LATHE ARGS...]     start lathe in a fresh 120x40 session
#   scr_wait TEXT / scr_wait_gone TEXT   poll the screen, 10 s timeout
#   scr_keys KEY...  scr_resize W H  scr_screen  scr_golden NAME
# Waits poll the screen instead of sleeping, so a loaded machine is only
# slower, not flaky. The server is private (-L lathe-PID, no config) and is
# killed on exit. Runs the lathe of the build tree it is in, so the ASan
# tree tests the ASan binary.

scr_timeout=${SCR_TIMEOUT:-10}
scr_dir=$(mktemp -d)
scr_runs=0
# Sockets live in the temporary directory, so nothing is left in /tmp.
TMUX_TMPDIR=$scr_dir
export TMUX_TMPDIR
scr_sock=lathe-$$
scr_session=lathe

scr_tmux() { tmux -L "$scr_sock" -f /dev/null "$@"; }

scr_cleanup() {
    scr_tmux kill-server 2>/dev/null || true
    rm -rf "$scr_dir"
}
trap scr_cleanup EXIT
trap 'exit 1' INT TERM

command -v tmux >/dev/null 2>&1 || skip_all "tmux is not installed"

# The TERM inside tmux: the first entry terminfo has, tmux's own first.
scr_term=
for t in tmux-256color screen-256color xterm-256color screen; do
    if infocmp "$t" >/dev/null 2>&1; then scr_term=$t; break; fi
done
[ -n "$scr_term" ] || skip_all "no terminfo entry for tmux-256color, screen-256color or xterm-256color"

# scr_start [ENV=VALUE...] -- [LATHE ARGS...]: a new session running lathe;
# after lathe exits the pane prints "lathe exited with N" and stays open.
# Its state folder (XDG_STATE_HOME) is $scr_dir/state, kept across runs.
scr_start() {
    # A new server per run: a killed server may still hold its socket.
    scr_tmux kill-server 2>/dev/null || true
    scr_runs=$((scr_runs + 1))
    scr_sock=lathe-$$-$scr_runs
    envs=
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs="$envs '$1'"; shift; done
    [ "${1:-}" = -- ] && shift
    args=
    for a in "$@"; do args="$args '$a'"; done
    cat >"$scr_dir/run.sh" <<RUN
trap : INT
cd '$scr_dir' || exit 1
env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=$scr_term XDG_STATE_HOME='$scr_dir/state' $envs '$LATHE' $args 2>'$scr_dir/stderr'
echo "lathe exited with \$?"
exec cat
RUN
    scr_tmux new-session -d -s "$scr_session" -x 120 -y 40 "sh '$scr_dir/run.sh'"
}

scr_screen() { scr_tmux capture-pane -p -t "$scr_session" "$@" 2>/dev/null; }

# scr_poll CMD...: true once CMD succeeds; false after the timeout or when
# the session is gone.
scr_poll() {
    end=$(( $(date +%s) + scr_timeout ))
    while [ "$(date +%s)" -le "$end" ]; do
        "$@" && return 0
        scr_tmux has-session -t "$scr_session" 2>/dev/null || { diag "tmux session is gone"; return 1; }
        sleep 0.05
    done
    return 1
}

scr_has() { scr_screen | grep -qF -- "$1"; }
scr_lacks() { ! scr_has "$1"; }

# scr_wait TEXT: true once TEXT (a fixed string) is on screen.
scr_wait() {
    scr_poll scr_has "$1" && return 0
    diag "timed out waiting for '$1'; screen was:" "$(scr_screen)" "stderr:" "$(cat "$scr_dir/stderr" 2>/dev/null)"
    return 1
}

scr_wait_gone() {
    scr_poll scr_lacks "$1" && return 0
    diag "timed out waiting for '$1' to go; screen was:" "$(scr_screen)"
    return 1
}

scr_keys() { scr_tmux send-keys -t "$scr_session" "$@"; }

scr_resize() { scr_tmux resize-window -t "$scr_session" -x "$1" -y "$2"; }

# The lathe process id (the child of the pane's shell).
scr_lathe_pid() { pgrep -P "$(scr_tmux display-message -p -t "$scr_session" '#{pane_pid}')" | head -n 1; }

# True while the pane shows the alternate screen (curses is running).
scr_alternate() { [ "$(scr_tmux display-message -p -t "$scr_session" '#{alternate_on}')" = 1 ]; }

# lathe exited with status 0 and left the alternate screen.
scr_exited_ok() { scr_wait "lathe exited with 0" && ! scr_alternate; }

# scr_same_bytes A B: the two files hold the same bytes (else the diff is said).
scr_same_bytes() { cmp "$1" "$2" || { diag "$1 and $2 differ:" "$(diff "$1" "$2")"; false; }; }

# scr_stderr_says TEXT: lathe's stderr has TEXT (a fixed string).
scr_stderr_says() { grep -qF -- "$1" "$scr_dir/stderr" || { diag "stderr:" "$(cat "$scr_dir/stderr")"; false; }; }

# Colour SGR codes (not the 39/49 resets) on the screen.
scr_has_colour() { scr_screen -e | grep -qE '\[([0-9;]*;)?(3[0-7]|4[0-7]|38|48|9[0-7]|10[0-7])(;[0-9;]*)?m'; }

# scr_exited PID: true once process PID has gone; unlike scr_poll it needs
# no tmux session (for when the server is killed on purpose).
scr_exited() {
    end=$(( $(date +%s) + scr_timeout ))
    while [ "$(date +%s)" -le "$end" ]; do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.05
    done
    return 1
}

# Volatile fields out: numbers (with a size unit), gauge bars, the GPU field
# of the status line, and runs of spaces that right-aligned numbers shift.
scr_normalise() {
    sed -e 's/[0-9][0-9.]*[BKMGTP]\{0,1\}/#/g' \
        -e 's/\[[█░#.]*\]/[bar]/g' \
        -e 's/│ no GPU/│ GPU #\/#/; s/| no GPU/| GPU #\/#/; s/GPU #\/# +/GPU #\/#/' \
        -e 's/  */ /g; s/ $//'
}

# scr_same WANT NAME: the normalised screen, saved as NAME, equals WANT.
scr_same() {
    scr_screen | scr_normalise >"$scr_dir/$2.txt"
    diff -u "$1" "$scr_dir/$2.txt" >"$scr_dir/$2.diff"
}

# scr_golden NAME: the normalised screen equals tests/screen/golden/NAME.txt
# (polled: on a loaded machine tmux may still be taking in the frame).
# With SCR_UPDATE_GOLDEN=1 the golden file is rewritten instead.
scr_golden() {
    want="$LATHE_SRCDIR/tests/screen/golden/$1.txt"
    if [ "${SCR_UPDATE_GOLDEN:-0}" = 1 ]; then
        scr_screen | scr_normalise >"$want"
        return 0
    fi
    scr_poll scr_same "$want" "$1" && return 0
    diag "screen differs from golden $1:" "$(cat "$scr_dir/$1.diff")"
    return 1
}
