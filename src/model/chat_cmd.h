/* chat_cmd.h - a chat's slash commands, parsed and carried out in the core
 * so the Chat pane and `lathe chat` share them word for word:
 *   /ab on|off  /blind on|off  /model PATH  /lora PATH [SCALE]|none
 *   /checkpoint [RUN] [STEP|latest]  /set NAME VALUE  /system [TEXT]
 *   /template NAME  /vote a|b|tie|bad  /reset  /save FILE  /help  /quit
 * A line starting with "//" is not a command: it is sent as a prompt
 * starting with "/". Bad values are refused with what was expected. */
#ifndef LATHE_CHAT_CMD_H
#define LATHE_CHAT_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "bytebuf.h"
#include "chat_session.h"

enum { CHAT_CMD_DONE = 0, CHAT_CMD_QUIT = 1 };

typedef struct {
    const char *name;       /* "/set" */
    const char *args;       /* "NAME VALUE" */
    const char *help;       /* one line */
} chat_cmd_info;

/* The commands, in help order. */
const chat_cmd_info *chat_cmd_list(size_t *n);
/* The names /set takes, NULL-terminated. */
extern const char *const chat_cmd_settings[];

/* True when LINE is a command (a '/' first, not "//"). */
bool chat_cmd_is(const char *line);
/* The prompt LINE sends: LINE itself, or after "//" the text from the
 * second '/'. */
const char *chat_cmd_prompt(const char *line);

/* Carries out the command LINE on S; OUT receives what to show (help, a
 * listing, what changed), possibly several lines. Returns CHAT_CMD_DONE,
 * CHAT_CMD_QUIT for /quit, or -1 with err. */
int chat_cmd_run(chat_session *s, const char *line, bytebuf *out, char *err, size_t errlen);

#endif
