/* editor.h - the user's editor from the curses UI: curses steps aside
 * (endwin), $VISUAL or $EDITOR (else vi) runs through sh with the terminal,
 * and curses comes back (the caller asks the screen for a full repaint:
 * PANE_REDRAW). Meanwhile Ctrl-C and Ctrl-\ are the editor's. The Data pane
 * edits a record's JSON in a temporary file this way, the Config pane the
 * config file itself. */
#ifndef LATHE_EDITOR_H
#define LATHE_EDITOR_H

#include <stddef.h>

/* Runs the editor on the file PATH. 0 when it exits with status 0, else -1
 * with ERR (it cannot start, or exits with an error status). */
int editor_run(const char *path, char *err, size_t errlen);

/* Edits TEXT in a temporary file whose name ends in SUFFIX (".json", so the
 * editor picks its mode). Returns 0 with *OUT the file's text after the
 * editor exits (malloc'd, NUL-terminated), or -1 with ERR (the file cannot
 * be written or read, or editor_run failed); the file is removed. */
int editor_edit_text(const char *text, const char *suffix, char **out, char *err,
                     size_t errlen);

#endif
