/* tok_gguf.c - a tok_vocab from GGUF metadata (tokenizer.ggml.*), with the
 * defaults llama.cpp applies when keys are missing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "tok_impl.h"

typedef struct {
    const char **tokens;
    size_t *lens;
    float *scores;
    int32_t *types;
    const char **merges;
    size_t *merge_lens;
    char pre[64];
} gguf_arrays;

static void arrays_free(gguf_arrays *a)
{
    free(a->tokens);
    free(a->lens);
    free(a->scores);
    free(a->types);
    free(a->merges);
    free(a->merge_lens);
}

static int read_model(const gguf_file *g, tok_model *model, char *err, size_t errlen)
{
    const char *s;
    size_t n;
    if (!gguf_get_str(g, "tokenizer.ggml.model", &s, &n)) {
        snprintf(err, errlen, "tokenizer.ggml.model: missing (the file has no vocabulary)");
        return -1;
    }
    if (n == 5 && !memcmp(s, "llama", 5)) {
        *model = TOK_SPM;
    } else if (n == 4 && !memcmp(s, "gpt2", 4)) {
        *model = TOK_BPE;
    } else {
        snprintf(err, errlen, "tokenizer.ggml.model: '%.*s' is not supported (llama or gpt2)",
                 (int)(n < 40 ? n : 40), s);
        return -1;
    }
    return 0;
}

static int read_strings(const gguf_kv *kv, const char ***out, size_t **lens, char *err,
                        size_t errlen)
{
    *out = malloc((kv->n ? kv->n : 1) * sizeof **out);
    *lens = malloc((kv->n ? kv->n : 1) * sizeof **lens);
    if (!*out || !*lens) {
        snprintf(err, errlen, "%s: out of memory", kv->key);
        return -1;
    }
    for (uint64_t i = 0; i < kv->n; i++) {
        if (!gguf_kv_arr_str(kv, i, &(*out)[i], &(*lens)[i])) {
            snprintf(err, errlen, "%s: element %llu is not a string", kv->key,
                     (unsigned long long)i);
            return -1;
        }
    }
    return 0;
}

static const gguf_kv *array_kv(const gguf_file *g, const char *key, uint64_t want_n,
                               bool required, char *err, size_t errlen)
{
    const gguf_kv *kv = gguf_find_kv(g, key);
    if (!kv) {
        if (required)
            snprintf(err, errlen, "%s: missing", key);
        return NULL;
    }
    if (kv->type != GGUF_TYPE_ARRAY || (want_n && kv->n != want_n)) {
        snprintf(err, errlen, "%s: expected an array of %llu elements", key,
                 (unsigned long long)want_n);
        return NULL;
    }
    return kv;
}

static int read_per_token(const gguf_file *g, tok_spec *sp, gguf_arrays *a, char *err,
                          size_t errlen)
{
    const gguf_kv *kv = array_kv(g, "tokenizer.ggml.scores", sp->n_tokens, false, err, errlen);
    if (kv) {
        a->scores = malloc(kv->n * sizeof *a->scores);
        if (!a->scores || !gguf_kv_arr_f32(kv, a->scores)) {
            snprintf(err, errlen, "tokenizer.ggml.scores: not numbers");
            return -1;
        }
        sp->scores = a->scores;
    } else if (err[0]) {
        return -1;
    }
    kv = array_kv(g, "tokenizer.ggml.token_type", sp->n_tokens, false, err, errlen);
    if (kv) {
        a->types = malloc(kv->n * sizeof *a->types);
        if (!a->types)
            return -1;
        for (uint64_t i = 0; i < kv->n; i++) {
            int64_t t;
            if (!gguf_kv_arr_int(kv, i, &t)) {
                snprintf(err, errlen, "tokenizer.ggml.token_type: element %llu is not an integer",
                         (unsigned long long)i);
                return -1;
            }
            a->types[i] = t >= 0 && t <= TOK_T_BYTE ? (int32_t)t : 0;
        }
        sp->types = a->types;
    } else if (err[0]) {
        return -1;
    }
    return 0;
}

static void read_ids(const gguf_file *g, tok_spec *sp)
{
    static const struct {
        const char *key;
        size_t field;
    } ids[] = {
        {"tokenizer.ggml.bos_token_id", offsetof(tok_spec, bos)},
        {"tokenizer.ggml.eos_token_id", offsetof(tok_spec, eos)},
        {"tokenizer.ggml.unknown_token_id", offsetof(tok_spec, unk)},
        {"tokenizer.ggml.padding_token_id", offsetof(tok_spec, pad)},
        {"tokenizer.ggml.eot_token_id", offsetof(tok_spec, eot)},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        int64_t v;
        if (gguf_get_int(g, ids[i].key, &v))
            *(int32_t *)((char *)sp + ids[i].field) =
                v >= 0 && v <= INT32_MAX ? (int32_t)v : TOK_NONE;
    }
    gguf_get_bool(g, "tokenizer.ggml.add_bos_token", &sp->add_bos);
    gguf_get_bool(g, "tokenizer.ggml.add_eos_token", &sp->add_eos);
    gguf_get_bool(g, "tokenizer.ggml.add_space_prefix", &sp->add_space_prefix);
}

static int fill_spec(const gguf_file *g, tok_spec *sp, gguf_arrays *a, char *err, size_t errlen)
{
    tok_model model;
    if (read_model(g, &model, err, errlen) != 0)
        return -1;
    const char *pre = NULL;
    if (model == TOK_BPE && gguf_get_strz(g, "tokenizer.ggml.pre", a->pre, sizeof a->pre))
        pre = a->pre;
    tok_spec_defaults(sp, model, pre);
    const gguf_kv *kv = array_kv(g, "tokenizer.ggml.tokens", 0, true, err, errlen);
    if (!kv || read_strings(kv, &a->tokens, &a->lens, err, errlen) != 0)
        return -1;
    sp->n_tokens = kv->n;
    sp->tokens = a->tokens;
    sp->token_lens = a->lens;
    if (read_per_token(g, sp, a, err, errlen) != 0)
        return -1;
    if (model == TOK_BPE) {
        kv = array_kv(g, "tokenizer.ggml.merges", 0, true, err, errlen);
        if (!kv || read_strings(kv, &a->merges, &a->merge_lens, err, errlen) != 0)
            return -1;
        sp->n_merges = kv->n;
        sp->merges = a->merges;
        sp->merge_lens = a->merge_lens;
    }
    read_ids(g, sp);
    return 0;
}

static char *chat_template_of(const gguf_file *g)
{
    const char *s;
    size_t n;
    if (!gguf_get_str(g, "tokenizer.chat_template", &s, &n))
        return NULL;
    return strndup(s, n);
}

tok_vocab *tok_vocab_from_gguf(const struct gguf_file *g, char **chat_template, char *err,
                               size_t errlen)
{
    tok_spec sp;
    gguf_arrays a = {0};
    tok_vocab *v = NULL;
    err[0] = '\0';
    if (fill_spec(g, &sp, &a, err, errlen) == 0)
        v = tok_vocab_new(&sp, err, errlen);
    else if (!err[0])
        snprintf(err, errlen, "out of memory reading the vocabulary");
    arrays_free(&a);
    if (v && chat_template)
        *chat_template = chat_template_of(g);
    return v;
}

tok_vocab *tok_vocab_load_gguf(const char *path, char **chat_template, char *err, size_t errlen)
{
    gguf_file *g = gguf_open(path, err, errlen);
    if (!g)
        return NULL;
    char msg[256];
    tok_vocab *v = tok_vocab_from_gguf(g, chat_template, msg, sizeof msg);
    if (!v)
        snprintf(err, errlen, "%s: %s", path, msg);
    gguf_close(g);
    return v;
}
