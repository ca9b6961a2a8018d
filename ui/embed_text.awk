# embed_text.awk - writes a text file as a C string constant, so a data file
# (themes/default.yaml) is compiled into the binary instead of copied by hand.
# Usage: awk -v sym=NAME -v header=NAME.h -v src=LABEL -f embed_text.awk IN > OUT.c
# Defines "const char NAME[]" and "const size_t NAME_len" (bytes, no NUL).
function cstr(s,    out, i, c) {
    out = ""
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (c == "\\" || c == "\"")
            out = out "\\"
        out = out c
    }
    return out
}
BEGIN {
    printf "/* Generated from %s by ui/embed_text.awk; do not edit. */\n", src
    printf "#include \"%s\"\n\n", header
    printf "const char %s[] =\n\"\"\n", sym
}
{ printf "\"%s\\n\"\n", cstr($0) }
END { printf ";\nconst size_t %s_len = sizeof %s - 1;\n", sym, sym }
