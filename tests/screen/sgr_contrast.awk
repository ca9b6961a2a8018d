# sgr_contrast.awk - reads a `tmux capture-pane -e -p` screen and checks that
# its text reads on a white and on a black terminal: it follows the SGR
# sequences (8/16 colours, 38;5 / 48;5, 38;2 / 48;2, reverse), and for every
# letter or digit takes its foreground and background (the terminal's own
# where none is set: black on white, light grey on black) and their WCAG
# contrast; box-drawing characters are not text. Prints "min CONTRAST ROW:COL
# TEXT" for the worst cell and, with
# -v row=N, "selected yes|no" for whether row N (1-based) has a cell drawn
# reversed or on a background of its own. Exits 1 when any cell is below
# -v min=X (default 3).
function chan(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : exp(2.4 * log((v + 0.055) / 1.055)) }
function lum(rgb,   p) { split(rgb, p, ","); return 0.2126 * chan(p[1]) + 0.7152 * chan(p[2]) + 0.0722 * chan(p[3]) }
function contrast(a, b,   la, lb) { la = lum(a); lb = lum(b); return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05) }
function idx(n,   i, lv) {
    if (n < 16) return pal[n]
    if (n < 232) { n -= 16; split("0 95 135 175 215 255", lv, " "); return lv[int(n / 36) + 1] "," lv[int(n / 6) % 6 + 1] "," lv[n % 6 + 1] }
    n = 8 + 10 * (n - 232); return n "," n "," n
}
function sgr(params,   p, n, i, c) {
    n = split(params, p, ";")
    if (params == "") { n = 1; p[1] = 0 }
    for (i = 1; i <= n; i++) {
        c = p[i] + 0
        if (c == 0) { fg = ""; bg = ""; rev = 0 }
        else if (c == 7) rev = 1
        else if (c == 27) rev = 0
        else if (c >= 30 && c <= 37) fg = pal[c - 30]
        else if (c >= 90 && c <= 97) fg = pal[c - 82]
        else if (c == 39) fg = ""
        else if (c >= 40 && c <= 47) bg = pal[c - 40]
        else if (c >= 100 && c <= 107) bg = pal[c - 92]
        else if (c == 49) bg = ""
        else if ((c == 38 || c == 48) && p[i + 1] == 5) { if (c == 38) fg = idx(p[i + 2] + 0); else bg = idx(p[i + 2] + 0); i += 2 }
        else if ((c == 38 || c == 48) && p[i + 1] == 2) { v = (p[i + 2] + 0) "," (p[i + 3] + 0) "," (p[i + 4] + 0); if (c == 38) fg = v; else bg = v; i += 4 }
    }
}
BEGIN {
    split("0,0,0 205,0,0 0,205,0 205,205,0 0,0,238 205,0,205 0,205,205 229,229,229 127,127,127 255,0,0 0,255,0 255,255,0 92,92,255 255,0,255 0,255,255 255,255,255", t, " ")
    for (i = 0; i < 16; i++) pal[i] = t[i + 1]
    if (min == "") min = 3
    worst = 99; selected = "no"
    split("0,0,0 255,255,255", termfg_bg_white, " ")
}
{
    line = $0; col = 0
    while (length(line) > 0) {
        if (match(line, /^\033\[[0-9;]*m/)) { sgr(substr(line, 3, RLENGTH - 3)); line = substr(line, RLENGTH + 1); continue }
        # line drawing (SO/SI or ESC ( 0 / ESC ( B): box characters, not text
        if (match(line, /^(\016|\033\(0)/)) { acs = 1; line = substr(line, RLENGTH + 1); continue }
        if (match(line, /^(\017|\033\(B)/)) { acs = 0; line = substr(line, RLENGTH + 1); continue }
        ch = substr(line, 1, 1); line = substr(line, 2); col++
        if (NR == row && (rev || bg != "")) selected = "yes"
        if (acs || ch !~ /[A-Za-z0-9]/) continue
        for (k = 0; k < 2; k++) {
            tf = k ? "229,229,229" : "0,0,0"; tb = k ? "0,0,0" : "255,255,255"
            f = fg == "" ? tf : fg; b = bg == "" ? tb : bg
            if (rev) { s = f; f = b; b = s }
            c = contrast(f, b)
            if (c < worst) { worst = c; where = NR ":" col " " ch " fg=" f " bg=" b (k ? " (black terminal)" : " (white terminal)") }
        }
    }
}
END {
    printf "min %.2f %s\n", worst, where
    if (row) print "selected " selected
    exit worst < min
}
