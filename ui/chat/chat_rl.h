/* chat_rl.h - GNU readline set up for a chat, the same in the Chat pane and
 * in `lathe chat` on a terminal: the prompt history, kept in the state
 * folder's chat_history ($XDG_STATE_HOME/lathe, state_dir.h) and shared by
 * both, each line appended to the file as it is entered; a line ending in
 * a backslash continuing the prompt on the next (read after "... "), so a
 * prompt can hold newlines; Tab completing commands and paths through the
 * core's chat_complete; no signal handlers of readline's own. Readline is
 * one per process, and so is this. */
#ifndef LATHE_CHAT_RL_H
#define LATHE_CHAT_RL_H

#include <stdbool.h>
#include <stddef.h>

/* Entries the history file keeps; the oldest go first. */
#define CHAT_RL_HISTORY_MAX 1000

/* Sets readline up and reads the history. -1 with err when the history
 * cannot be kept (no state folder, an unreadable file): the chat works,
 * without it. */
int chat_rl_open(char *err, size_t errlen);
/* LINE, as readline returned it (taken), into the history (when not
 * blank) and onto the file at once. The whole prompt, its lines joined by
 * newlines (malloc'd), once LINE ends it; NULL while it goes on, or when
 * memory ran out (the prompt is dropped). */
char *chat_rl_take(char *line);
/* The prompt the next line is read after: "> ", or "... " while a prompt
 * goes on. */
const char *chat_rl_prompt(void);
/* True while a prompt goes on over lines. */
bool chat_rl_continued(void);
/* Drops a prompt under way (Ctrl-C, Ctrl-D). */
void chat_rl_drop(void);
/* Trims the file to CHAT_RL_HISTORY_MAX entries; frees the candidates. */
void chat_rl_close(void);

#endif
