/* cmd_generate.c - `lathe generate`: one completion of a prompt, streamed to
 * stdout as it decodes, and the prefill and decoding speed on stderr. The
 * prompt goes through the model's chat template as a user turn followed by the
 * assistant header, unless --raw. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_opts.h"
#include "completion.h"
#include "gen_setup.h"

typedef struct {
    const char *model, *lora, *prompt;
    int n_predict, threads;
    bool raw;
    tsample_params sp;
} gen_args;

static int parse(const cli_command *cmd, int argc, char **argv, gen_args *a)
{
    const cli_opt opts[] = {
        {"--raw", NULL, CLI_FLAG, &a->raw, 0, 0, NULL},
        {"-m", NULL, CLI_STRING, &a->model, 0, 0, NULL},
        {"--lora", NULL, CLI_STRING, &a->lora, 0, 0, NULL},
        {"-p", NULL, CLI_STRING, &a->prompt, 0, 0, NULL},
        {"-n", NULL, CLI_INT, &a->n_predict, 1, 1 << 20, "1 to 1048576 tokens"},
        {"-t", "--threads", CLI_INT, &a->threads, 1, 1024, "1 to 1024 threads"},
        {"--temp", NULL, CLI_FLOAT, &a->sp.temp, 0, 1e6, NULL},
        {"--top-k", NULL, CLI_INT, &a->sp.top_k, 0, 1 << 30, NULL},
        {"--top-p", NULL, CLI_FLOAT, &a->sp.top_p, 0, 1, NULL},
        {"--min-p", NULL, CLI_FLOAT, &a->sp.min_p, 0, 1, NULL},
        {"--repeat-penalty", NULL, CLI_FLOAT, &a->sp.repeat_penalty, 1e-6, 1e6, NULL},
        {"--seed", NULL, CLI_U64, &a->sp.seed, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 1, NULL, 0}, argc, argv);
    if (rc == CLI_OK && (!a->model || !a->prompt))
        return cli_usage_error(cmd, "give the model with -m and the prompt with -p");
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void put_text(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

static void prefilled(void *ctx)
{
    *(double *)ctx = now_s();
}

/* Tokens per second of N tokens in SECS, 0 when too quick to measure. */
static double rate(size_t n, double secs)
{
    return secs > 0 ? (double)n / secs : 0.0;
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
    double t0 = now_s(), t_prefilled = t0;
    completion_opts o = {.max_new = a->n_predict, .on_text = put_text, .ctx = &t_prefilled,
                         .on_prefilled = prefilled};
    if (!rc)
        rc = completion_run(s, ts, g->vocab, ids.ids, ids.n, &o, &out, NULL, err, errlen);
    if (!rc) {
        double t1 = now_s();
        putchar('\n');
        fflush(stdout);
        fprintf(stderr, "lathe generate: prompt %zu tokens in %.3f s (%.1f tokens/s), "
                "generated %zu tokens in %.3f s (%.1f tokens/s)\n", ids.n, t_prefilled - t0,
                rate(ids.n, t_prefilled - t0), out.n, t1 - t_prefilled,
                rate(out.n, t1 - t_prefilled));
    }
    tsample_free(ts);
    gen_session_free(s);
    tok_ids_free(&ids);
    tok_ids_free(&out);
    return rc;
}

int cmd_generate(const cli_command *cmd, int argc, char **argv)
{
    gen_args a = {.n_predict = 256, .sp = tsample_defaults()};
    a.sp.seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);  /* unless --seed */
    int rc = parse(cmd, argc, argv, &a);
    if (rc != CLI_OK)
        return rc;
    char err[1024];
    gen_setup g;
    if (gen_setup_open(&g, a.model, a.lora, a.threads, err, sizeof err) ||
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
