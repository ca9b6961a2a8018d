/* state_dir.h - where lathe keeps what it must find again on the next start
 * and that is not one of the user's own files (unsaved edits kept when the
 * terminal went away, prompt history): $XDG_STATE_HOME/lathe, by default
 * ~/.local/state/lathe, as the XDG base directory specification says
 * (a relative or empty XDG_STATE_HOME is ignored). Folders it creates are
 * 0700; one that exists must belong to the user and be writable by nobody
 * else, since what is read back from it is trusted. */
#ifndef LATHE_STATE_DIR_H
#define LATHE_STATE_DIR_H

#include <stdbool.h>
#include <stddef.h>

/* The folder lathe/SUB under the state directory into OUT. With CREATE it
 * is made when missing; without, a missing one is no error (a lookup finds
 * nothing there). -1 with ERR naming the folder and the reason. */
int state_dir(const char *sub, bool create, char *out, size_t n, char *err, size_t errlen);

#endif
