/* cmd_generate.c - `lathe generate`: one completion of a prompt, streamed to
 * stdout as it decodes. The prompt goes through the model's chat template as
 * a user turn followed by the assistant header, unless --raw. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "completion.h"
#include "gen_setup.h"

typedef struct {
    const char *model, *lora, *prompt;
    long n_predict, threads;
    bool raw, seeded;
    tsample_params sp;
} gen_args;

static int parse_sampling(const cli_command *cmd, const char *o, const char *v, gen_args *a)
{
    double d;
    long n;
    if (!strcmp(o, "--temp") && !gen_parse_float(v, 0, 1e6, &d))
        a->sp.temp = (float)d;
    else if (!strcmp(o, "--top-k") && !gen_parse_int(v, 0, 1L << 30, &n))
        a->sp.top_k = (int)n;
    else if (!strcmp(o, "--top-p") && !gen_parse_float(v, 0, 1, &d))
        a->sp.top_p = (float)d;
    else if (!strcmp(o, "--min-p") && !gen_parse_float(v, 0, 1, &d))
        a->sp.min_p = (float)d;
    else if (!strcmp(o, "--repeat-penalty") && !gen_parse_float(v, 1e-6, 1e6, &d))
        a->sp.repeat_penalty = (float)d;
    else if (!strcmp(o, "--seed")) {
        char *end;
        unsigned long long s = strtoull(v, &end, 10);
        if (!*v || *end || *v == '-')
            return cli_usage_error(cmd, "--seed needs a non-negative integer, got '%s'", v);
        a->sp.seed = s;
        a->seeded = true;
    } else
        return cli_usage_error(cmd, "'%s %s': unknown option or value out of range", o, v);
    return CLI_OK;
}

static int parse(const cli_command *cmd, int argc, char **argv, gen_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--raw")) {
            a->raw = true;
            continue;
        }
        if (i + 1 >= argc)
            return cli_usage_error(cmd, "'%s' needs a value or is unknown", o);
        const char *v = argv[++i];
        int rc = CLI_OK;
        if (!strcmp(o, "-m"))
            a->model = v;
        else if (!strcmp(o, "--lora"))
            a->lora = v;
        else if (!strcmp(o, "-p"))
            a->prompt = v;
        else if (!strcmp(o, "-n")) {
            if (gen_parse_int(v, 1, 1 << 20, &a->n_predict))
                rc = cli_usage_error(cmd, "-n needs 1 to 1048576 tokens, got '%s'", v);
        } else if (!strcmp(o, "-t") || !strcmp(o, "--threads")) {
            if (gen_parse_int(v, 1, 1024, &a->threads))
                rc = cli_usage_error(cmd, "%s needs 1 to 1024 threads, got '%s'", o, v);
        } else
            rc = parse_sampling(cmd, o, v, a);
        if (rc != CLI_OK)
            return rc;
    }
    if (!a->model || !a->prompt)
        return cli_usage_error(cmd, "give the model with -m and the prompt with -p");
    return CLI_OK;
}

static void put_text(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

static int prompt_tokens(gen_setup *g, const gen_args *a, tok_ids *ids, char *err, size_t errlen)
{
    if (a->raw)
        return gen_setup_raw(g, a->prompt, ids, err, errlen);
    chat_msg user = {CHAT_USER, a->prompt};
    return gen_setup_chat(g, &user, 1, ids, NULL, err, errlen);
}

static int run(gen_setup *g, const gen_args *a, char *err, size_t errlen)
{
    tok_ids ids = {0}, out = {0};
    gen_session *s = NULL;
    token_sampler *ts = NULL;
    int rc = prompt_tokens(g, a, &ids, err, errlen);
    if (!rc && ids.n == 0) {
        snprintf(err, errlen, "the prompt gives no tokens");
        rc = -1;
    }
    if (!rc && !(s = gen_session_new(g->mf.m, (int)(ids.n + (size_t)a->n_predict), err, errlen)))
        rc = -1;
    if (!rc && !(ts = tsample_new(&a->sp, model_get_config(g->mf.m)->n_vocab, err, errlen)))
        rc = -1;
    completion_opts o = {.max_new = (int)a->n_predict, .on_text = put_text};
    if (!rc)
        rc = completion_run(s, ts, g->vocab, ids.ids, ids.n, &o, &out, NULL, err, errlen);
    if (!rc)
        putchar('\n');
    tsample_free(ts);
    gen_session_free(s);
    tok_ids_free(&ids);
    tok_ids_free(&out);
    return rc;
}

int cmd_generate(const cli_command *cmd, int argc, char **argv)
{
    gen_args a = {.n_predict = 256, .sp = tsample_defaults()};
    int rc = parse(cmd, argc, argv, &a);
    if (rc != CLI_OK)
        return rc;
    if (!a.seeded)
        a.sp.seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
    char err[1024];
    gen_setup g;
    if (gen_setup_open(&g, a.model, a.lora, (int)a.threads, err, sizeof err) ||
        run(&g, &a, err, sizeof err)) {
        fflush(stdout);
        fprintf(stderr, "lathe generate: %s\n", err);
        if (g.vocab)
            gen_setup_close(&g);
        return CLI_FAIL;
    }
    gen_setup_close(&g);
    return CLI_OK;
}
