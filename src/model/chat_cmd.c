/* chat_cmd.c - parsing and carrying out a chat's slash commands
 * (chat_cmd.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_ckpt.h"
#include "chat_cmd.h"
#include "suggest.h"

enum { MAX_ARGS = 3 };

typedef struct {
    char *argv[MAX_ARGS + 2];   /* MAX_ARGS + 2 words: more than any command takes */
    int argc;
    const char *rest;       /* the text after the command name (/system TEXT) */
} words;

typedef int (*cmd_fn)(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen);

static const chat_cmd_info infos[] = {
    {"/ab", "on|off", "send each prompt to A (the model alone) and B (with its adapter)"},
    {"/blind", "on|off", "A/B with the columns shuffled per prompt, revealed after your vote"},
    {"/vote", "a|b|tie|bad", "judge the latest A/B pair (a/b: the first/second column)"},
    {"/model", "PATH", "the model A and B run (B keeps its adapter)"},
    {"/lora", "PATH [SCALE]|none", "B's adapter: a .gguf, a PEFT or a run directory"},
    {"/checkpoint", "[RUN] [STEP|latest]", "list a run's checkpoints, or load one as B"},
    {"/set", "NAME VALUE", "temp, top_k, top_p, min_p, repeat_penalty, max_tokens, seed"},
    {"/system", "[TEXT]", "the system prompt (none without TEXT)"},
    {"/template", "NAME", "the chat template (auto: the model's own)"},
    {"/reset", "", "forget the conversation (the system prompt stays)"},
    {"/save", "FILE", "write the conversation as a messages dataset (JSONL)"},
    {"/help", "", "this list"},
    {"/quit", "", "leave the chat"},
};

#define N_CMDS (sizeof infos / sizeof infos[0])

const char *const chat_cmd_settings[] = {"temp", "top_k", "top_p", "min_p", "repeat_penalty",
                                         "max_tokens", "seed", NULL};

const chat_cmd_info *chat_cmd_list(size_t *n)
{
    *n = N_CMDS;
    return infos;
}

bool chat_cmd_is(const char *line)
{
    return line[0] == '/' && line[1] != '/';
}

const char *chat_cmd_prompt(const char *line)
{
    return line[0] == '/' && line[1] == '/' ? line + 1 : line;
}

static void outf(bytebuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void outf(bytebuf *b, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        bytebuf_put(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---------------------------------------------------------------- values */
static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno)
        return -1;
    *out = v;
    return 0;
}

static int parse_on_off(const words *w, bool *on, char *err, size_t errlen)
{
    if (w->argc == 2 && (!strcmp(w->argv[1], "on") || !strcmp(w->argv[1], "off"))) {
        *on = !strcmp(w->argv[1], "on");
        return 0;
    }
    return fail(err, errlen, "%s takes on or off%s%s", w->argv[0], w->argc > 1 ? ", not " : "",
                w->argc > 1 ? w->argv[1] : "");
}

/* ---------------------------------------------------------------- settings */
typedef struct {
    const char *name;
    double lo, hi;
    bool whole;
    const char *what;
} setting;

static const setting settings[] = {
    {"temp", 0, 1e6, false, "a number >= 0 (0: greedy)"},
    {"top_k", 0, 1 << 30, true, "a whole number >= 0 (0: off)"},
    {"top_p", 0, 1, false, "a number from 0 to 1 (1: off)"},
    {"min_p", 0, 1, false, "a number from 0 to 1 (0: off)"},
    {"repeat_penalty", 1e-6, 1e6, false, "a number > 0 (1: off)"},
    {"max_tokens", 1, 1 << 20, true, "a whole number from 1 to 1048576"},
};

static void show_settings(const chat_settings *c, bytebuf *out)
{
    const tsample_params *p = &c->sp;
    outf(out, "temp %g  top_k %d  top_p %g  min_p %g  repeat_penalty %g  max_tokens %d  "
         "seed %" PRIu64 "\n", (double)p->temp, p->top_k, (double)p->top_p, (double)p->min_p,
         (double)p->repeat_penalty, c->max_tokens, p->seed);
}

static int apply_setting(chat_settings *c, const char *name, const char *value, char *err,
                         size_t errlen)
{
    if (!strcmp(name, "seed"))
        return parse_u64(value, &c->sp.seed) ? fail(err, errlen, "/set seed takes a whole "
                                                    "number >= 0, not '%s'", value) : 0;
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const setting *st = &settings[i];
        double v;
        if (strcmp(name, st->name))
            continue;
        if (parse_double(value, st->lo, st->hi, &v) || (st->whole && v != floor(v)))
            return fail(err, errlen, "/set %s takes %s, not '%s'", name, st->what, value);
        float *f[] = {&c->sp.temp, NULL, &c->sp.top_p, &c->sp.min_p, &c->sp.repeat_penalty,
                      NULL};
        int *n[] = {NULL, &c->sp.top_k, NULL, NULL, NULL, &c->max_tokens};
        if (f[i])
            *f[i] = (float)v;
        else
            *n[i] = (int)v;
        return 0;
    }
    return fail(err, errlen, "/set knows temp, top_k, top_p, min_p, repeat_penalty, max_tokens "
                "and seed, not '%s'", name);
}

static int cmd_set(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    chat_settings c = *chat_session_settings(s);
    if (w->argc == 1) {
        show_settings(&c, out);
        return 0;
    }
    if (w->argc != 3)
        return fail(err, errlen, "usage: /set NAME VALUE (e.g. /set temp 0.7)");
    char name[32];
    snprintf(name, sizeof name, "%s", w->argv[1]);
    for (char *p = name; *p; p++)
        *p = *p == '-' ? '_' : *p;
    if (apply_setting(&c, name, w->argv[2], err, errlen) ||
        chat_session_set_settings(s, &c, err, errlen))
        return -1;
    show_settings(&c, out);
    return 0;
}

/* ---------------------------------------------------------------- commands */
static void show_lineup(chat_session *s, bytebuf *out)
{
    for (int c = 0; c < chat_session_columns(s); c++)
        outf(out, "%s\n", chat_session_label(s, c));
}

static int cmd_ab(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    bool on = false;
    if (parse_on_off(w, &on, err, errlen))
        return -1;
    int rc = w->argv[0][1] == 'a' ? chat_session_set_ab(s, on, err, errlen)
                                  : chat_session_set_blind(s, on, err, errlen);
    if (!rc) {
        outf(out, "A/B %s%s\n", chat_session_ab(s) ? "on" : "off",
             chat_session_blind(s) ? ", blind" : "");
        show_lineup(s, out);
    }
    return rc;
}

static int cmd_vote(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        chat_pick pick;
    } picks[] = {{"a", CHAT_PICK_FIRST}, {"1", CHAT_PICK_FIRST}, {"b", CHAT_PICK_SECOND},
                 {"2", CHAT_PICK_SECOND}, {"tie", CHAT_PICK_TIE}, {"bad", CHAT_PICK_BAD}};
    for (size_t i = 0; w->argc == 2 && i < sizeof picks / sizeof picks[0]; i++)
        if (!strcmp(w->argv[1], picks[i].name)) {
            char msg[4096];
            if (chat_session_vote(s, picks[i].pick, msg, sizeof msg, err, errlen))
                return -1;
            outf(out, "%s\n", msg);
            return 0;
        }
    return fail(err, errlen, "/vote takes a (the first column better), b (the second), tie or "
                "bad (both bad)");
}

static int cmd_model(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    if (w->argc != 2)
        return fail(err, errlen, "usage: /model PATH (a GGUF file or a Hugging Face directory)");
    if (chat_session_set_model(s, w->argv[1], err, errlen))
        return -1;
    show_lineup(s, out);
    return 0;
}

static int cmd_lora(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    double scale = 1.0;
    if (w->argc < 2 || w->argc > 3)
        return fail(err, errlen, "usage: /lora PATH [SCALE] or /lora none");
    if (w->argc == 3 && parse_double(w->argv[2], 1e-6, 1e3, &scale))
        return fail(err, errlen, "/lora's SCALE is a number > 0 (1: as trained), not '%s'",
                    w->argv[2]);
    bool none = !strcmp(w->argv[1], "none");
    if (chat_session_set_lora(s, none ? NULL : w->argv[1], (float)scale, err, errlen))
        return -1;
    outf(out, none ? "B removed; A/B off\n" : "%s\n", chat_session_lineup(s)->label[1]);
    return 0;
}

static void list_checkpoints(const char *run, const chat_ckpt *v, size_t n, bytebuf *out)
{
    if (!n)
        outf(out, "%s: no checkpoint yet (a run writes one every save_steps)\n", run);
    else
        outf(out, "%s: %zu checkpoint%s (load one: /checkpoint STEP)\n", run, n,
             n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++)
        if (isnan(v[i].loss))
            outf(out, "  step %" PRId64 "\n", v[i].step);
        else
            outf(out, "  step %" PRId64 "  loss %.4f\n", v[i].step, v[i].loss);
}

static bool step_word(const char *w, int64_t *step)
{
    uint64_t v;
    if (!strcmp(w, "latest")) {
        *step = -1;
        return true;
    }
    if (parse_u64(w, &v) || v > INT64_MAX)
        return false;
    *step = (int64_t)v;
    return true;
}

static int cmd_checkpoint(chat_session *s, const words *w, bytebuf *out, char *err,
                          size_t errlen)
{
    int64_t step = -1;
    bool last_is_step = w->argc > 1 && step_word(w->argv[w->argc - 1], &step);
    const char *run = w->argc == 3 || (w->argc == 2 && !last_is_step) ? w->argv[1]
                                                                      : chat_session_run(s);
    if (w->argc > 3 || (w->argc == 3 && !last_is_step))
        return fail(err, errlen, "usage: /checkpoint [RUN] [STEP|latest]");
    if (!run)
        return fail(err, errlen, "which run? /checkpoint RUN lists its checkpoints");
    if (last_is_step) {
        char msg[4096];
        if (chat_session_set_checkpoint(s, run, step, msg, sizeof msg, err, errlen))
            return -1;
        outf(out, "%s\n", msg);
        return 0;
    }
    chat_ckpt *v;
    size_t n;
    if (chat_ckpt_list(run, &v, &n, err, errlen))
        return -1;
    list_checkpoints(run, v, n, out);
    free(v);
    return chat_session_set_run(s, run, err, errlen);
}

static int cmd_system(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    if (chat_session_set_system(s, w->rest, err, errlen))
        return -1;
    outf(out, *w->rest ? "system prompt set\n" : "no system prompt\n");
    return 0;
}

static int cmd_template(chat_session *s, const words *w, bytebuf *out, char *err,
                        size_t errlen)
{
    if (w->argc != 2)
        return fail(err, errlen, "usage: /template NAME (auto, chatml, llama3, ...)");
    if (chat_session_set_template(s, w->argv[1], err, errlen))
        return -1;
    outf(out, "template %s\n", w->argv[1]);
    return 0;
}

static int cmd_reset(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    (void)w;
    if (chat_session_reset(s, err, errlen))
        return -1;
    outf(out, "conversation cleared\n");
    return 0;
}

static int cmd_save(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    char msg[4096];
    if (w->argc != 2)
        return fail(err, errlen, "usage: /save FILE (a .jsonl the Data pane opens)");
    if (chat_session_save(s, w->argv[1], msg, sizeof msg, err, errlen))
        return -1;
    outf(out, "%s\n", msg);
    return 0;
}

static int cmd_help(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    (void)s, (void)w, (void)err, (void)errlen;
    for (size_t i = 0; i < N_CMDS; i++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", infos[i].name, infos[i].args);
        outf(out, "%-32s %s\n", head, infos[i].help);
    }
    outf(out, "%-32s %s\n", "//TEXT", "send TEXT starting with '/'");
    return 0;
}

static int cmd_quit(chat_session *s, const words *w, bytebuf *out, char *err, size_t errlen)
{
    (void)s, (void)w, (void)out, (void)err, (void)errlen;
    return CHAT_CMD_QUIT;
}

/* In the order of infos. */
static const cmd_fn fns[] = {cmd_ab, cmd_ab, cmd_vote, cmd_model, cmd_lora, cmd_checkpoint,
                             cmd_set, cmd_system, cmd_template, cmd_reset, cmd_save, cmd_help,
                             cmd_quit};
_Static_assert(sizeof fns / sizeof fns[0] == N_CMDS, "one function per command");

/* ---------------------------------------------------------------- dispatch */
static bool space(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits LINE (copied into BUF) into words, up to one more than any
 * command takes (so that one is refused). */
static void split(const char *line, char *buf, size_t buflen, words *w)
{
    snprintf(buf, buflen, "%s", line);
    *w = (words){0};
    char *p = buf;
    while (*p && w->argc < MAX_ARGS + 2) {
        while (space(*p))
            p++;
        if (!*p)
            break;
        w->argv[w->argc++] = p;
        while (*p && !space(*p))
            p++;
        if (*p)
            *p++ = '\0';
    }
    const char *r = line + strcspn(line, " \t");
    w->rest = r + strspn(r, " \t");
}

static int unknown(const char *name, char *err, size_t errlen)
{
    size_t best = SIZE_MAX, pick = 0;
    for (size_t i = 0; i < N_CMDS; i++) {
        size_t d = suggest_distance(name, infos[i].name);
        if (d < best) {
            best = d;
            pick = i;
        }
    }
    if (best <= 2)
        return fail(err, errlen, "unknown command %s; did you mean %s? (/help lists them)", name,
                    infos[pick].name);
    return fail(err, errlen, "unknown command %s (/help lists them)", name);
}

int chat_cmd_run(chat_session *s, const char *line, bytebuf *out, char *err, size_t errlen)
{
    size_t n = strlen(line) + 1;
    char *buf = malloc(n);
    words w;
    if (!buf)
        return fail(err, errlen, "out of memory");
    split(line, buf, n, &w);
    size_t i = 0;
    while (i < N_CMDS && strcmp(w.argv[0], infos[i].name))
        i++;
    int rc = i < N_CMDS ? fns[i](s, &w, out, err, errlen) : unknown(w.argv[0], err, errlen);
    free(buf);
    return rc;
}
