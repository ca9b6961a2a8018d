/* data_editor.h - editing a text in the user's editor from the curses UI:
 * the text goes to a temporary file, curses steps aside (endwin), $VISUAL
 * or $EDITOR (else vi) runs on the file through sh, and curses comes back
 * (the caller asks the screen for a full repaint: PANE_REDRAW). The Data
 * pane edits a record's JSON this way. */
#ifndef LATHE_DATA_EDITOR_H
#define LATHE_DATA_EDITOR_H

#include <stddef.h>

/* Returns 0 with *OUT the file's text after the editor exits (malloc'd,
 * NUL-terminated), or -1 with ERR (the file cannot be written or read, the
 * editor cannot start or exits with an error status). */
int data_editor_run(const char *text, char **out, char *err, size_t errlen);

#endif
