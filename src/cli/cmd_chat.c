/* cmd_chat.c - `lathe chat`: options, the chat session, and the line mode
 * used when stdin is not a terminal: every input line is a prompt or a
 * slash command; each reply is one line on stdout, "A: ..." (or "B: ...",
 * or "1: "/"2: " while blind), with backslash, newline, carriage return and
 * tab escaped as \\ \n \r \t; what a command prints goes to stdout with
 * "# " before each line; notices, reply figures and errors go to stderr;
 * the exit status is 1 when a line failed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chat_cmd.h"
#include "cli_opts.h"
#include "cmd_chat.h"
#include "plural.h"

typedef struct {
    chat_options o;
    bool ab, blind;
    double scale;
} chat_args;

static int parse(const cli_command *cmd, int argc, char **argv, chat_args *a)
{
    chat_options *o = &a->o;
    tsample_params *p = &o->set.sp;
    const cli_opt opts[] = {
        {"-m", NULL, CLI_STRING, &o->model, 0, 0, NULL},
        {"--lora", NULL, CLI_STRING, &o->b.adapter, 0, 0, NULL},
        {"--lora-scale", NULL, CLI_DOUBLE, &a->scale, 1e-6, 1e3, NULL},
        {"--ab", NULL, CLI_FLAG, &a->ab, 0, 0, NULL},
        {"--blind", NULL, CLI_FLAG, &a->blind, 0, 0, NULL},
        {"--template", NULL, CLI_STRING, &o->template_name, 0, 0, NULL},
        {"--system", NULL, CLI_STRING, &o->system, 0, 0, NULL},
        {"-n", NULL, CLI_INT, &o->set.max_tokens, 1, 1 << 20, "1 to 1048576 tokens"},
        {"-c", "--ctx", CLI_INT, &o->lineup.n_ctx, 16, 1 << 20, "16 to 1048576 positions"},
        {"-t", "--threads", CLI_INT, &o->lineup.threads, 1, 1024, "1 to 1024 threads"},
        {"--temp", NULL, CLI_FLOAT, &p->temp, 0, 1e6, NULL},
        {"--top-k", NULL, CLI_INT, &p->top_k, 0, 1 << 30, NULL},
        {"--top-p", NULL, CLI_FLOAT, &p->top_p, 0, 1, NULL},
        {"--min-p", NULL, CLI_FLOAT, &p->min_p, 0, 1, NULL},
        {"--repeat-penalty", NULL, CLI_FLOAT, &p->repeat_penalty, 1e-6, 1e6, NULL},
        {"--seed", NULL, CLI_U64, &p->seed, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 1, NULL, 0}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!o->model)
        return cli_usage_error(cmd, "give the model with -m");
    char err[1024];
    chat_tmpl t;
    if (o->template_name && chat_session_parse_template(o->template_name, &t, err, sizeof err))
        return cli_usage_error(cmd, "--template: %s", err);
    if ((a->ab || a->blind) && !o->b.adapter)
        return cli_usage_error(cmd, "%s needs --lora ADAPTER: B is the model with the adapter",
                               a->blind ? "--blind" : "--ab");
    o->ab = a->ab || a->blind;
    o->blind = a->blind;
    o->b.scale = (float)a->scale;
    return CLI_OK;
}

/* ---------------------------------------------------------------- output */
static void put_escaped(FILE *fp, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '\\': fputs("\\\\", fp); break;
        case '\n': fputs("\\n", fp); break;
        case '\r': fputs("\\r", fp); break;
        case '\t': fputs("\\t", fp); break;
        default: fputc(*s, fp);
        }
}

static const char *stop_note(completion_stop why)
{
    static const char *const notes[] = {"", ", max_tokens reached", ", context full",
                                        ", stopped"};
    return notes[why];
}

static void put_stats(FILE *fp, const chat_session *s, int col, const char *lead)
{
    const chat_stats *st = chat_session_stats(s, col);
    if (!st)
        return;
    char speed[32] = "tokens/s n/a"; /* decoding speed needs a token after the first */
    if (st->tokens > 1)
        snprintf(speed, sizeof speed, "%.1f tokens/s", st->tok_per_s);
    fprintf(fp, "%s%s: %zu token%s, first after %.3f s, %s (prompt %zu token%s, %zu cached)%s\n",
            lead, chat_session_tag(s, col), st->tokens, plural_s(st->tokens), st->ttft_s, speed,
            st->prompt_tokens, plural_s(st->prompt_tokens), st->reused, stop_note(st->stop));
}

/* The line mode's replies and figures, once every column has finished. */
static void put_replies(chat_cli *c)
{
    for (int col = 0; col < chat_session_columns(c->s); col++) {
        const char *r = chat_session_reply(c->s, col);
        if (!r)
            continue;
        printf("%s: ", chat_session_tag(c->s, col));
        put_escaped(stdout, r);
        putchar('\n');
        put_stats(stderr, c->s, col, "lathe chat: ");
    }
    fflush(stdout);
}

/* The REPL shows column 0 as it streams and the others when done. */
static void show(chat_cli *c, const chat_event *ev, bool *streaming)
{
    if (ev->kind == CHAT_EV_NOTICE && c->tty) {
        printf("(%s)\n", ev->text);
    } else if (ev->kind == CHAT_EV_NOTICE) {
        fprintf(stderr, "lathe chat: %s\n", ev->text);
    } else if (ev->kind == CHAT_EV_DONE && ev->text) {
        fprintf(stderr, "lathe chat: %s: %s\n", chat_session_tag(c->s, ev->col), ev->text);
        c->errors++;
    } else if (ev->kind == CHAT_EV_TEXT && c->tty && ev->col == 0) {
        if (!*streaming)
            printf("%s: ", chat_session_tag(c->s, 0));
        *streaming = true;
        fwrite(ev->text, 1, ev->len, stdout);
    }
    fflush(stdout);
}

static void put_repl_end(chat_cli *c, bool streamed)
{
    if (streamed)
        putchar('\n');
    for (int col = streamed ? 1 : 0; col < chat_session_columns(c->s); col++) {
        const char *r = chat_session_reply(c->s, col);
        if (r)
            printf("%s: %s\n", chat_session_tag(c->s, col), r);
    }
    for (int col = 0; col < chat_session_columns(c->s); col++)
        put_stats(stdout, c->s, col, "  ");
    fflush(stdout);
}

void chat_cli_drain(int fd)
{
    char buf[256];
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

/* Polls events until every column has finished; Ctrl-C stops the replies. */
static void exchange(chat_cli *c)
{
    bool streaming = false;
    for (;;) {
        chat_event ev;
        while (chat_session_poll(c->s, &ev)) {
            show(c, &ev, &streaming);
            chat_event_clear(&ev);
        }
        if (!chat_session_busy(c->s))
            break;
        struct pollfd p[2] = {{c->wake[0], POLLIN, 0}, {c->sig[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents & POLLIN) {
            chat_cli_drain(c->sig[0]);
            chat_session_stop(c->s);
        }
        if (p[0].revents & POLLIN)
            chat_cli_drain(c->wake[0]);
    }
    if (c->tty)
        put_repl_end(c, streaming);
    else
        put_replies(c);
}

static void put_output(const chat_cli *c, const bytebuf *out)
{
    for (const char *p = out->p; p && *p;) {
        size_t n = strcspn(p, "\n");
        printf("%s%.*s\n", c->tty ? "" : "# ", (int)n, p);
        p += n + (p[n] == '\n');
    }
    fflush(stdout);
}

bool chat_cli_line(chat_cli *c, const char *line)
{
    char err[4096];
    if (chat_cmd_is(line)) {
        bytebuf out = {0};
        int rc = chat_cmd_run(c->s, line, &out, err, sizeof err);
        put_output(c, &out);
        bytebuf_free(&out);
        if (rc < 0) {
            fprintf(stderr, "lathe chat: %s\n", err);
            c->errors++;
        }
        return rc == CHAT_CMD_QUIT;
    }
    const char *prompt = chat_cmd_prompt(line);
    if (!prompt[strspn(prompt, " \t\r")])
        return false;
    if (chat_session_send(c->s, prompt, err, sizeof err)) {
        fprintf(stderr, "lathe chat: %s\n", err);
        c->errors++;
        return false;
    }
    exchange(c);
    return false;
}

/* ---------------------------------------------------------------- line mode */
static void line_mode(chat_cli *c)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    /* Ctrl-C while waiting for input ends the chat (getline fails with EINTR) */
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (chat_cli_line(c, line))
            break;
    }
    free(line);
}

/* ---------------------------------------------------------------- setup */
static int sigint_fd = -1;

static void on_sigint(int sig)
{
    (void)sig;
    int e = errno;
    if (write(sigint_fd, "", 1) < 0) {
        /* a full pipe already says Ctrl-C was pressed */
    }
    errno = e;
}

static void wake(void *ctx)
{
    const chat_cli *c = ctx;
    if (write(c->wake[1], "", 1) < 0) {
        /* a full pipe already wakes the UI thread */
    }
}

static int open_pipes(chat_cli *c)
{
    return pipe2(c->wake, O_CLOEXEC | O_NONBLOCK) || pipe2(c->sig, O_CLOEXEC | O_NONBLOCK)
               ? -1 : 0;
}

/* From here on Ctrl-C is the chat's (until then, while the model loads, it
 * ends the program as usual). No SA_RESTART: a read waiting for a line is
 * interrupted. */
static int catch_sigint(chat_cli *c)
{
    sigint_fd = c->sig[1];
    struct sigaction sa = {.sa_handler = on_sigint};
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGINT, &sa, NULL);
}

static void close_pipes(chat_cli *c)
{
    signal(SIGINT, SIG_DFL);
    for (int i = 0; i < 2; i++) {
        if (c->wake[i] >= 0)
            close(c->wake[i]);
        if (c->sig[i] >= 0)
            close(c->sig[i]);
    }
}

int cmd_chat(const cli_command *cmd, int argc, char **argv)
{
    chat_args a = {.scale = 1.0};
    a.o.set.sp = tsample_defaults();
    a.o.set.sp.seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32); /* unless --seed */
    a.o.set.max_tokens = 256;
    int rc = parse(cmd, argc, argv, &a);
    if (rc != CLI_OK)
        return rc;
    chat_cli c = {.wake = {-1, -1}, .sig = {-1, -1}, .tty = isatty(STDIN_FILENO)};
    char err[4096];
    if (open_pipes(&c)) {
        fprintf(stderr, "lathe chat: cannot make a pipe: %s\n", strerror(errno));
        close_pipes(&c);
        return CLI_FAIL;
    }
    a.o.lineup.notify = wake;
    a.o.lineup.notify_ctx = &c;
    if (!(c.s = chat_session_new(&a.o, err, sizeof err))) {
        fprintf(stderr, "lathe chat: %s\n", err);
        close_pipes(&c);
        return CLI_FAIL;
    }
    if (catch_sigint(&c))
        fprintf(stderr, "lathe chat: Ctrl-C will end the program: %s\n", strerror(errno));
    if (c.tty)
        chat_repl(&c);
    else
        line_mode(&c);
    chat_session_free(c.s);
    close_pipes(&c);
    return !c.tty && c.errors ? CLI_FAIL : CLI_OK;  /* a script learns a line failed */
}
