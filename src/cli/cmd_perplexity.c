/* cmd_perplexity.c - `lathe perplexity`: tokenize a text file with the model's
 * tokenizer (BOS first when the model adds one) and score it window by window
 * (engine/perplexity.h), lathe's way or, with --llama-cpp, llama.cpp's,
 * optionally with a LoRA adapter attached. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "file_read.h"
#include "model_open.h"
#include "perplexity.h"
#include "tok.h"

typedef struct {
    const char *model, *lora, *file;
    int ctx;
    bool json, llama_cpp;
} ppl_args;

static int parse(const cli_command *cmd, int argc, char **argv, ppl_args *a)
{
    const cli_opt opts[] = {
        {"--json", NULL, CLI_FLAG, &a->json, 0, 0, NULL},
        {"--llama-cpp", NULL, CLI_FLAG, &a->llama_cpp, 0, 0, NULL},
        {"-m", NULL, CLI_STRING, &a->model, 0, 0, NULL},
        {"--lora", NULL, CLI_STRING, &a->lora, 0, 0, NULL},
        {"-f", NULL, CLI_STRING, &a->file, 0, 0, NULL},
        {"-c", NULL, CLI_INT, &a->ctx, 2, 1 << 20, "a context of 2 to 1048576 tokens"},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 1, NULL, 0}, argc, argv);
    if (rc == CLI_OK && (!a->model || !a->file))
        return cli_usage_error(cmd, "give the model with -m and the text with -f");
    return rc;
}

/* The file's tokens, BOS first when the vocabulary adds one; *bos is that
 * BOS, or -1 when the vocabulary adds none. */
static int tokenize(const char *model_path, const char *path, tok_ids *ids, int32_t *bos,
                    char *err, size_t errlen)
{
    tok_vocab *v = tok_vocab_load(model_path, NULL, err, errlen);
    if (!v)
        return -1;
    size_t len;
    char *text = file_read_path(path, &len, err, errlen);
    tok_session *s = text ? tok_session_new(v, err, errlen) : NULL;
    int rc = s ? 0 : -1;
    *bos = tok_add_bos(v) && tok_bos(v) >= 0 ? tok_bos(v) : -1;
    if (!rc && *bos >= 0)
        rc = tok_ids_push(ids, *bos);
    if (!rc)
        rc = tok_encode_continue(s, text, len, false, ids, err, errlen);
    tok_session_free(s);
    free(text);
    tok_vocab_free(v);
    return rc;
}

int cmd_perplexity(const cli_command *cmd, int argc, char **argv)
{
    ppl_args a = {.ctx = 512};
    int rc = parse(cmd, argc, argv, &a);
    if (rc != CLI_OK)
        return rc;
    char err[1024];
    tok_ids ids = {0};
    model_file mf;
    perplexity_result r;
    int32_t bos;
    if (tokenize(a.model, a.file, &ids, &bos, err, sizeof err) ||
        model_open(&mf, a.model, a.lora, false, err, sizeof err)) {
        fprintf(stderr, "lathe perplexity: %s\n", err);
        tok_ids_free(&ids);
        return CLI_FAIL;
    }
    rc = a.llama_cpp ? perplexity_score_llama_cpp(mf.m, ids.ids, ids.n, a.ctx, bos, &r, err,
                                                  sizeof err)
                     : perplexity_score(mf.m, ids.ids, ids.n, a.ctx, &r, err, sizeof err);
    model_file_close(&mf);
    size_t n_tokens = ids.n;
    tok_ids_free(&ids);
    if (!rc && r.scored == 0) {
        if (a.llama_cpp)
            snprintf(err, sizeof err, "the text has %zu tokens, fewer than one window of %d "
                     "(llama.cpp's scoring leaves a shorter tail out)", n_tokens, a.ctx);
        else
            snprintf(err, sizeof err, "the text has fewer than 2 tokens");
        rc = -1;
    }
    if (rc) {
        fprintf(stderr, "lathe perplexity: %s\n", err);
        return CLI_FAIL;
    }
    double nll = r.nll_sum / (double)r.scored;
    if (a.json)
        printf("{\"tokens\":%zu,\"nll\":%.9g,\"ppl\":%.9g}\n", r.scored, nll, exp(nll));
    else
        printf("%zu tokens scored in %zu windows of %s%d%s: mean NLL %.6f, perplexity %.4f\n",
               r.scored, r.windows, a.llama_cpp ? "" : "up to ", a.ctx,
               a.llama_cpp ? ", second halves (llama.cpp's scoring)" : "", nll, exp(nll));
    return CLI_OK;
}
