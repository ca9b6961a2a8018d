/* tok_gguf_write.c - a tok_vocab as GGUF tokenizer metadata: the keys
 * llama.cpp's vocab loader reads (gguf-py's Keys.Tokenizer: tokenizer.ggml.*)
 * with the value types its converter writes, so that llama.cpp and
 * tok_vocab_from_gguf read back the tokenizer the vocab holds. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf_write.h"
#include "tok_impl.h"

#define PAD_TEXT_MAX 24     /* "[PAD" + a size_t + "]" */
#define PAD_SCORE (-1000.0f) /* what llama.cpp's converter gives padding tokens */

/* The per-token arrays of the written vocabulary, padding included. */
typedef struct {
    size_t n;
    const char **text;
    size_t *len;
    float *score;
    int32_t *type;
    char *pad;
} token_table;

static void table_free(token_table *t)
{
    free(t->text);
    free(t->len);
    free(t->score);
    free(t->type);
    free(t->pad);
}

static int table_fill(token_table *t, const tok_vocab *v, size_t n)
{
    t->n = n;
    t->text = malloc(n * sizeof *t->text);
    t->len = malloc(n * sizeof *t->len);
    t->score = malloc(n * sizeof *t->score);
    t->type = malloc(n * sizeof *t->type);
    t->pad = malloc((n - v->n + 1) * PAD_TEXT_MAX);
    if (!t->text || !t->len || !t->score || !t->type || !t->pad)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (i < v->n) {
            t->text[i] = v->pool + v->off[i];
            t->len[i] = v->len[i];
            t->score[i] = v->score[i];
            t->type[i] = v->type[i];
            continue;
        }
        char *p = t->pad + (i - v->n) * PAD_TEXT_MAX;
        t->len[i] = (size_t)snprintf(p, PAD_TEXT_MAX, "[PAD%zu]", i);
        t->text[i] = p;
        t->score[i] = PAD_SCORE;
        t->type[i] = TOK_T_UNUSED;
    }
    return 0;
}

static int write_tokens(const tok_vocab *v, size_t n, gguf_writer *w)
{
    token_table t = {0};
    int rc = table_fill(&t, v, n);
    if (!rc) {
        gguf_writer_set_strs(w, "tokenizer.ggml.tokens", t.text, t.len, n);
        /* scores steer SPM merges only; the converter writes none for gpt2 */
        if (v->model == TOK_SPM)
            gguf_writer_set_arr(w, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, t.score, n);
        rc = gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, t.type, n);
    }
    table_free(&t);
    return rc;
}

typedef struct {
    int32_t rank;
    uint32_t len;
    const char *text;
} merge_entry;

static int merge_cmp(const void *a, const void *b)
{
    const merge_entry *x = a, *y = b;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* The merges back in rank order (the map holds them by text). */
static int write_merges(const tok_vocab *v, gguf_writer *w)
{
    const tok_map *m = &v->merges;
    size_t n = 0;
    merge_entry *e = malloc((m->count + 1) * sizeof *e);
    const char **text = malloc((m->count + 1) * sizeof *text);
    size_t *len = malloc((m->count + 1) * sizeof *len);
    int rc = e && text && len ? 0 : -1;
    for (size_t i = 0; !rc && i < m->cap; i++)
        if (m->slots[i].used)
            e[n++] = (merge_entry){m->slots[i].val, m->slots[i].key_len,
                                   m->pool + m->slots[i].key_off};
    if (!rc) {
        qsort(e, n, sizeof *e, merge_cmp);
        for (size_t i = 0; i < n; i++) {
            text[i] = e[i].text;
            len[i] = e[i].len;
        }
        rc = gguf_writer_set_strs(w, "tokenizer.ggml.merges", text, len, n);
    }
    free(e);
    free(text);
    free(len);
    return rc;
}

/* tokenizer.ggml.pre: SPM has none ("default"); a tokenizer.json regex list
 * is written as the llama.cpp pre-tokenizer that splits the same way. */
static int write_pre(const tok_vocab *v, gguf_writer *w, char *err, size_t errlen)
{
    char name[64];
    const char *pre = v->model == TOK_SPM ? "default" : v->pre_name;
    if (v->model == TOK_BPE && !strcmp(pre, "custom")) {
        int found = tok_pretok_identify(&v->pre, v->ignore_merges, name, sizeof name, err, errlen);
        if (found < 0)
            return -1;
        if (!found) {
            snprintf(err, errlen, "the pre-tokenizer regexes of tokenizer.json split text like "
                     "none of llama.cpp's pre-tokenizers (ignore_merges %s)",
                     v->ignore_merges ? "true" : "false");
            return -1;
        }
        pre = name;
    }
    return gguf_writer_set_str(w, "tokenizer.ggml.pre", pre, strlen(pre));
}

static void write_specials(const tok_vocab *v, gguf_writer *w)
{
    const struct {
        const char *key;
        int32_t id;
    } ids[] = {
        {"tokenizer.ggml.bos_token_id", v->bos},     {"tokenizer.ggml.eos_token_id", v->eos},
        {"tokenizer.ggml.unknown_token_id", v->unk}, {"tokenizer.ggml.padding_token_id", v->pad},
        {"tokenizer.ggml.eot_token_id", v->eot},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (ids[i].id != TOK_NONE)
            gguf_writer_set_u32(w, ids[i].key, (uint32_t)ids[i].id);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", v->add_bos);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_eos_token", v->add_eos);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_space_prefix", v->add_space_prefix);
}

int tok_vocab_to_gguf(const tok_vocab *v, const char *chat_template, size_t n_vocab,
                      struct gguf_writer *w, char *err, size_t errlen)
{
    if (n_vocab && n_vocab < v->n) {
        snprintf(err, errlen, "the tokenizer has %zu tokens, more than the model's %zu", v->n,
                 n_vocab);
        return -1;
    }
    const char *model = v->model == TOK_SPM ? "llama" : "gpt2";
    err[0] = '\0';
    gguf_writer_set_str(w, "tokenizer.ggml.model", model, strlen(model));
    if (write_pre(v, w, err, errlen) != 0)
        return -1;
    int rc = write_tokens(v, n_vocab ? n_vocab : v->n, w);
    if (!rc && v->model == TOK_BPE)
        rc = write_merges(v, w);
    write_specials(v, w);
    if (!rc && chat_template)
        rc = gguf_writer_set_str(w, "tokenizer.chat_template", chat_template,
                                 strlen(chat_template));
    if (rc)
        snprintf(err, errlen, "out of memory writing the vocabulary");
    return rc;
}
