/* cmd_chat.h - `lathe chat`'s two front ends over one chat session: the
 * line mode (cmd_chat.c: a prompt or a slash command per input line,
 * replies one per line on stdout) and the readline REPL on a terminal
 * (cmd_chat_repl.c). Both run a line through chat_cli_line and an exchange
 * through chat_cli_exchange, where Ctrl-C stops the replies. */
#ifndef LATHE_CMD_CHAT_H
#define LATHE_CMD_CHAT_H

#include <stdbool.h>

#include "chat_session.h"

typedef struct {
    chat_session *s;
    int wake[2];            /* the sides' threads write here after each event */
    int sig[2];             /* the SIGINT handler writes here */
    bool tty;               /* the REPL: stream and print as a person reads */
    int errors;             /* lines that failed (the line mode's exit status) */
} chat_cli;

/* Carries out LINE (a prompt or a command); true when it was /quit. */
bool chat_cli_line(chat_cli *c, const char *line);
/* Empties a self-pipe. */
void chat_cli_drain(int fd);
/* The REPL on the terminal; returns when the user quits. */
void chat_repl(chat_cli *c);

#endif
