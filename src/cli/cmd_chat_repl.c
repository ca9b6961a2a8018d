/* cmd_chat_repl.c - `lathe chat` on a terminal: GNU readline through its
 * callback interface, so one poll() waits on the keyboard and on Ctrl-C
 * (a self-pipe: readline installs no signal handlers of its own). History
 * (shared with the Chat pane), completion and a prompt continued over lines
 * (a trailing backslash) are chat_rl.h's; Ctrl-R searches the history. Ctrl-C clears the line being typed; during a reply
 * it stops the reply (chat_cli_line's exchange); Ctrl-D or /quit leaves. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/readline.h>

#include "chat_rl.h"
#include "cmd_chat.h"

/* readline's callbacks take no context: the one REPL of the process */
static struct {
    chat_cli *c;
    bool done;
    bool installed;         /* readline has the terminal */
} repl;

static void on_line(char *line);

static void install(bool on)
{
    if (on && !repl.installed)
        rl_callback_handler_install(chat_rl_prompt(), on_line);
    else if (!on && repl.installed)
        rl_callback_handler_remove();
    repl.installed = on;
}

static void on_line(char *line)
{
    install(false);     /* the terminal is the replies' until the next prompt */
    if (!line) {
        putchar('\n');
        repl.done = true;
        return;
    }
    char *text = chat_rl_take(line);
    if (text)
        repl.done = chat_cli_line(repl.c, text);
    free(text);
    install(!repl.done);
}

/* Ctrl-C at the prompt: the line (and a prompt continued) is dropped, a
 * fresh prompt shown. */
static void clear_line(void)
{
    chat_rl_drop();
    rl_set_prompt(chat_rl_prompt());
    rl_replace_line("", 0);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
}

void chat_repl(chat_cli *c)
{
    char err[4096];
    repl.c = c;
    repl.done = false;
    printf("lathe chat: /help lists the commands; Ctrl-C stops a reply, Ctrl-D leaves\n");
    if (chat_rl_open(err, sizeof err))
        printf("(no prompt history: %s)\n", err);
    for (int col = 0; col < chat_session_columns(c->s); col++)
        printf("%s\n", chat_session_label(c->s, col));
    install(true);
    while (!repl.done) {
        struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {c->sig[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents & POLLIN) {
            chat_cli_drain(c->sig[0]);
            clear_line();
        }
        if (p[0].revents & (POLLIN | POLLHUP))
            rl_callback_read_char();
    }
    install(false);
    chat_rl_close();
}
