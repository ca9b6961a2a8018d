/* chat_rl.c - readline's history and completion for a chat (chat_rl.h).
 * readline's callbacks take no context: the state is the process's. */
#include "config.h"

#include "chat_rl.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "bytebuf.h"
#include "chat_complete.h"
#include "state_dir.h"

static struct {
    char history[PATH_MAX];     /* "" when there is none */
    bool made;                  /* its folder exists (made at the first line kept) */
    chat_cands cands;
    size_t next;
    bytebuf more;               /* the lines of a prompt continued so far */
} rl;

static char *next_cand(const char *text, int state)
{
    (void)text;
    if (!state)
        rl.next = 0;
    return rl.next < rl.cands.n ? strdup(rl.cands.items[rl.next++]) : NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)start;
    rl_attempted_completion_over = 1;   /* no file names when we have nothing */
    chat_cands_free(&rl.cands);
    if (chat_complete(rl_line_buffer, (size_t)end, &rl.cands) || !rl.cands.n)
        return NULL;
    const char *only = rl.cands.n == 1 ? rl.cands.items[0] : "";
    rl_completion_suppress_append = only[0] && only[strlen(only) - 1] == '/';
    return rl_completion_matches(text, next_cand);
}

int chat_rl_open(char *err, size_t errlen)
{
    rl_readline_name = "lathe";     /* for $if lathe in ~/.inputrc */
    rl_catch_signals = 0;
    rl_completer_word_break_characters = " \t";
    rl_attempted_completion_function = complete;
    using_history();
    char dir[PATH_MAX - 16];
    rl.history[0] = '\0';
    if (state_dir("", false, dir, sizeof dir, err, errlen))
        return -1;
    snprintf(rl.history, sizeof rl.history, "%s/chat_history", dir);
    int e = read_history(rl.history);
    if (e && e != ENOENT) {
        snprintf(err, errlen, "%s: %s", rl.history, strerror(e));
        rl.history[0] = '\0';
        return -1;
    }
    return 0;
}

/* The history's folder, made at the first line kept, so that a chat that
 * keeps nothing leaves no trace. */
static bool folder_made(void)
{
    char dir[PATH_MAX], err[512];
    if (!rl.made && state_dir("", true, dir, sizeof dir, err, sizeof err) == 0)
        rl.made = true;
    return rl.made;
}

static void remember(const char *line)
{
    if (!line[strspn(line, " \t")])
        return;
    add_history(line);
    if (!rl.history[0] || !folder_made())
        return;             /* no folder for the file: the lines stay in memory */
    if (append_history(1, rl.history) == ENOENT)
        write_history(rl.history);
}

char *chat_rl_take(char *line)
{
    remember(line);
    size_t n = strlen(line);
    bool goes_on = n && line[n - 1] == '\\';
    if (goes_on)
        line[n - 1] = '\n';
    if (!goes_on && !rl.more.len)
        return line;
    bytebuf_put(&rl.more, line, n + !goes_on);  /* the last line brings the NUL */
    free(line);
    if (goes_on)
        return NULL;
    char *text = rl.more.oom ? NULL : rl.more.p;
    if (text)
        rl.more = (bytebuf){0};
    chat_rl_drop();
    return text;
}

const char *chat_rl_prompt(void)
{
    return rl.more.len ? "... " : "> ";
}

bool chat_rl_continued(void)
{
    return rl.more.len > 0;
}

void chat_rl_drop(void)
{
    bytebuf_free(&rl.more);
}

void chat_rl_close(void)
{
    chat_rl_drop();
    chat_cands_free(&rl.cands);
    if (rl.history[0])
        history_truncate_file(rl.history, CHAT_RL_HISTORY_MAX);
}
