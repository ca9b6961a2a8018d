/* cmd_tokenize.c - `lathe tokenize`, following llama.cpp's llama-tokenize:
 * BOS when the vocab adds it (unless --no-bos), special-token text parsed
 * (unless --no-parse-special), and either `[1, 2, 3]` (--ids) or one
 * `%6d -> 'piece'` line per token with control tokens shown. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "file_read.h"
#include "tok.h"

typedef struct {
    const char *model, *prompt, *file;
    bool use_stdin, ids, no_bos, no_parse_special, show_count;
} tokenize_options;

static int parse_options(const cli_command *cmd, int argc, char **argv, tokenize_options *o)
{
    const cli_opt opts[] = {
        {"-m", NULL, CLI_STRING, &o->model, 0, 0, NULL},
        {"-p", NULL, CLI_STRING, &o->prompt, 0, 0, NULL},
        {"-f", NULL, CLI_STRING, &o->file, 0, 0, NULL},
        {"--stdin", NULL, CLI_FLAG, &o->use_stdin, 0, 0, NULL},
        {"--ids", NULL, CLI_FLAG, &o->ids, 0, 0, NULL},
        {"--no-bos", NULL, CLI_FLAG, &o->no_bos, 0, 0, NULL},
        {"--no-parse-special", NULL, CLI_FLAG, &o->no_parse_special, 0, 0, NULL},
        {"--show-count", NULL, CLI_FLAG, &o->show_count, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 1, NULL, 0}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (!o->model)
        return cli_usage_error(cmd, "-m MODEL_OR_VOCAB is required");
    if ((o->prompt != NULL) + (o->file != NULL) + o->use_stdin != 1)
        return cli_usage_error(cmd, "give exactly one of -p TEXT, -f FILE or --stdin");
    return CLI_OK;
}

static char *read_input(const tokenize_options *o, size_t *len)
{
    if (o->prompt) {
        *len = strlen(o->prompt);
        return strdup(o->prompt);
    }
    if (o->use_stdin)
        return file_read_stream(stdin, len);
    return file_read_path(o->file, len, NULL, 0);
}

static int print_tokens(const tok_vocab *v, const tok_ids *t, bool ids)
{
    char *piece = NULL;
    size_t cap = 0;
    if (ids)
        fputs("[", stdout);
    for (size_t i = 0; i < t->n; i++) {
        if (ids) {
            printf(i ? ", %d" : "%d", (int)t->ids[i]);
            continue;
        }
        long n = tok_piece(v, t->ids[i], true, 0, NULL, 0);
        if (n < 0 || (size_t)n >= cap) {
            cap = n < 0 ? 1 : (size_t)n + 1;
            char *np = realloc(piece, cap);
            if (!np) {
                free(piece);
                return -1;
            }
            piece = np;
        }
        n = tok_piece(v, t->ids[i], true, 0, piece, cap);
        /* llama-tokenize prints the piece as a C string */
        size_t shown = strnlen(piece, n < 0 ? 0 : (size_t)n);
        printf("%6d -> '", (int)t->ids[i]);
        fwrite(piece, 1, shown, stdout);
        fputs("'\n", stdout);
    }
    if (ids)
        fputs("]\n", stdout);
    free(piece);
    return 0;
}

int cmd_tokenize(const cli_command *cmd, int argc, char **argv)
{
    tokenize_options o = {0};
    int rc = parse_options(cmd, argc, argv, &o);
    if (rc != CLI_OK)
        return rc;
    char err[512];
    tok_vocab *v = tok_vocab_load(o.model, NULL, err, sizeof err);
    if (!v) {
        fprintf(stderr, "lathe tokenize: %s\n", err);
        return CLI_FAIL;
    }
    size_t len = 0;
    char *text = read_input(&o, &len);
    tok_session *s = text ? tok_session_new(v, err, sizeof err) : NULL;
    tok_ids t = {0};
    rc = CLI_FAIL;
    if (!text)
        fprintf(stderr, "lathe tokenize: cannot read %s\n", o.file ? o.file : "standard input");
    else if (!s || tok_encode(s, text, len, tok_add_bos(v) && !o.no_bos, !o.no_parse_special,
                              &t, err, sizeof err) != 0)
        fprintf(stderr, "lathe tokenize: %s\n", err);
    else
        rc = CLI_OK;
    if (rc == CLI_OK && print_tokens(v, &t, o.ids) != 0) {
        fprintf(stderr, "lathe tokenize: out of memory\n");
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK) {
        if (o.show_count)
            printf("Total number of tokens: %zu\n", t.n);
    }
    tok_ids_free(&t);
    tok_session_free(s);
    free(text);
    tok_vocab_free(v);
    return rc;
}
