/* chat_rl.h - GNU readline set up for a chat, the same in the Chat pane and
 * in `lathe chat` on a terminal: the prompt history, kept in the state
 * folder's chat_history ($XDG_STATE_HOME/lathe, state_dir.h) and shared by
 * both, each line appended to the file as it is entered; Tab completing
 * commands and paths through the core's chat_complete; no signal handlers
 * of readline's own. Readline is one per process, and so is this. */
#ifndef LATHE_CHAT_RL_H
#define LATHE_CHAT_RL_H

#include <stddef.h>

/* Entries the history file keeps; the oldest go first. */
#define CHAT_RL_HISTORY_MAX 1000

/* Sets readline up and reads the history. -1 with err when the history
 * cannot be kept (no state folder, an unreadable file): the chat works,
 * without it. */
int chat_rl_open(char *err, size_t errlen);
/* LINE (not blank) into the history, and onto the file at once. */
void chat_rl_remember(const char *line);
/* Trims the file to CHAT_RL_HISTORY_MAX entries; frees the candidates. */
void chat_rl_close(void);

#endif
