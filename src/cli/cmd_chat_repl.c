/* cmd_chat_repl.c - `lathe chat` on a terminal: GNU readline through its
 * callback interface, so one poll() waits on the keyboard and on Ctrl-C
 * (a self-pipe: readline installs no signal handlers of its own). History
 * persists in $XDG_STATE_HOME/lathe/chat_history (~/.local/state when
 * unset), Ctrl-R searches it, Tab completes commands and paths (the core's
 * chat_complete). Ctrl-C clears the line being typed; during a reply it
 * stops the reply (chat_cli_line's exchange); Ctrl-D or /quit leaves. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "chat_complete.h"
#include "cmd_chat.h"

enum { HISTORY_MAX = 1000 };

static const char prompt[] = "> ";

/* readline's callbacks take no context: the one REPL of the process */
static struct {
    chat_cli *c;
    char history[PATH_MAX];
    bool done;
    bool installed;         /* readline has the terminal */
    chat_cands cands;
    size_t next;
} repl;

static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            int rc = mkdir(path, 0700) && errno != EEXIST;
            *p = '/';
            if (rc)
                return -1;
        }
    return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

/* The history file, its directory created; "" when there is no home. */
static void history_path(char *out, size_t len)
{
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char dir[PATH_MAX];
    out[0] = '\0';
    if (state && state[0] == '/')
        snprintf(dir, sizeof dir, "%s/lathe", state);
    else if (home && home[0])
        snprintf(dir, sizeof dir, "%s/.local/state/lathe", home);
    else
        return;
    if (mkdirs(dir) == 0 && snprintf(out, len, "%s/chat_history", dir) >= (int)len)
        out[0] = '\0';
}

static void remember(const char *line)
{
    add_history(line);
    if (repl.history[0] && append_history(1, repl.history) == ENOENT)
        write_history(repl.history);
}

static void on_line(char *line);

static void install(bool on)
{
    if (on && !repl.installed)
        rl_callback_handler_install(prompt, on_line);
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
    if (line[strspn(line, " \t")])
        remember(line);
    repl.done = chat_cli_line(repl.c, line);
    free(line);
    install(!repl.done);
}

static char *next_cand(const char *text, int state)
{
    (void)text;
    if (!state)
        repl.next = 0;
    return repl.next < repl.cands.n ? strdup(repl.cands.items[repl.next++]) : NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)start;
    rl_attempted_completion_over = 1;   /* no file names when we have nothing */
    chat_cands_free(&repl.cands);
    if (chat_complete(rl_line_buffer, (size_t)end, &repl.cands) || !repl.cands.n)
        return NULL;
    const char *only = repl.cands.n == 1 ? repl.cands.items[0] : "";
    rl_completion_suppress_append = only[0] && only[strlen(only) - 1] == '/';
    return rl_completion_matches(text, next_cand);
}

/* Ctrl-C at the prompt: the line is dropped, a fresh prompt shown. */
static void clear_line(void)
{
    rl_replace_line("", 0);
    rl_crlf();
    rl_on_new_line();
    rl_redisplay();
}

static void setup(chat_cli *c)
{
    repl.c = c;
    repl.done = false;
    history_path(repl.history, sizeof repl.history);
    using_history();
    if (repl.history[0])
        read_history(repl.history);
    rl_readline_name = "lathe";
    rl_catch_signals = 0;
    rl_completer_word_break_characters = " \t";
    rl_attempted_completion_function = complete;
}

void chat_repl(chat_cli *c)
{
    setup(c);
    printf("lathe chat: /help lists the commands; Ctrl-C stops a reply, Ctrl-D leaves\n");
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
    chat_cands_free(&repl.cands);
    if (repl.history[0])
        history_truncate_file(repl.history, HISTORY_MAX);
}
