/* bench_tokenize.c - `lathe bench tokenize -m VOCAB [-f FILE] [--json]`:
 * single-threaded encoding throughput on a text file (stdin without -f).
 * The text is encoded whole, as `lathe perplexity` does: once with a fresh
 * session (cold_mb_per_s), then repeatedly for at least a second with the
 * session's word cache warm (mb_per_s). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "clock.h"
#include "file_read.h"
#include "tok.h"

static int run(const char *model, const char *file, bool json)
{
    char err[512];
    tok_vocab *v = tok_vocab_load_gguf(model, NULL, err, sizeof err);
    if (!v) {
        fprintf(stderr, "lathe bench tokenize: %s\n", err);
        return CLI_FAIL;
    }
    FILE *f = file ? file_read_fopen(file, err, sizeof err) : stdin;
    size_t len = 0;
    char *text = f ? file_read_stream(f, &len) : NULL;
    if (f && f != stdin)
        fclose(f);
    tok_session *s = text ? tok_session_new(v, err, sizeof err) : NULL;
    tok_ids ids = {0};
    int rc = CLI_FAIL;
    double t0 = clock_s(), secs;
    if (!s || tok_encode(s, text, len, false, true, &ids, err, sizeof err) != 0) {
        fprintf(stderr, "lathe bench tokenize: %s\n", text || !f ? err : "cannot read the input");
        goto done;
    }
    double cold = (double)len / (clock_s() - t0) / 1e6;
    size_t tokens = ids.n, iters = 0;
    t0 = clock_s();
    do {
        ids.n = 0;
        if (tok_encode(s, text, len, false, true, &ids, err, sizeof err) != 0) {
            fprintf(stderr, "lathe bench tokenize: %s\n", err);
            goto done;
        }
        iters++;
        secs = clock_s() - t0;
    } while (secs < 1.0);
    double bytes = (double)len * (double)iters, mbs = bytes / secs / 1e6;
    const char *kind = tok_vocab_model(v) == TOK_SPM ? "spm" : tok_vocab_pre(v);
    if (json)
        printf("{\"bench\":\"tokenize\",\"case\":\"%s-%zu\",\"bytes\":%.0f,\"seconds\":%.6f,"
               "\"mb_per_s\":%.2f,\"cold_mb_per_s\":%.2f,\"tokens\":%zu,\"tokens_per_s\":%.0f}\n",
               kind, tok_vocab_size(v), bytes, secs, mbs, cold, tokens * iters,
               (double)(tokens * iters) / secs);
    else
        printf("tokenize %s-%zu: %zu bytes -> %zu tokens, %zu runs in %.3f s = %.2f MB/s "
               "(first run, cold cache: %.2f MB/s)\n",
               kind, tok_vocab_size(v), len, tokens, iters, secs, mbs, cold);
    rc = CLI_OK;
done:
    tok_ids_free(&ids);
    tok_session_free(s);
    free(text);
    tok_vocab_free(v);
    return rc;
}

int bench_tokenize(const cli_command *cmd, int argc, char **argv)
{
    const char *model = NULL, *file = NULL;
    bool json = false;
    const cli_opt opts[] = {
        {"-m", NULL, CLI_STRING, &model, 0, 0, NULL},
        {"-f", NULL, CLI_STRING, &file, 0, 0, NULL},
        {"--json", NULL, CLI_FLAG, &json, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, NULL, 0}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!model)
        return cli_usage_error(cmd, "bench tokenize needs -m VOCAB.gguf");
    return run(model, file, json);
}
