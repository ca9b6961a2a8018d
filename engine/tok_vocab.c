/* tok_vocab.c - building the immutable vocab from a tok_spec: token table,
 * text -> id map, merge ranks, the special-token list, byte tables, and the
 * llama.cpp defaults per model and pre-tokenizer. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* XXH3_state_t on the stack (its size is part of the static API) */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "tok_impl.h"
#include "grow.h"
#include "utf8.h"

int tok_reserve(void **p, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return 0;
    void *np = grow_array(*p, cap, n, sz, 16);
    if (!np)
        return -1;
    *p = np;
    return 0;
}

int tok_ids_push(tok_ids *t, int32_t id)
{
    if (tok_reserve((void **)&t->ids, &t->cap, t->n + 1, sizeof *t->ids) != 0)
        return -1;
    t->ids[t->n++] = id;
    return 0;
}

void tok_ids_free(tok_ids *t)
{
    free(t->ids);
    memset(t, 0, sizeof *t);
}

void tok_spec_defaults(tok_spec *spec, tok_model model, const char *pre)
{
    memset(spec, 0, sizeof *spec);
    spec->model = model;
    spec->pre = pre;
    spec->pad = spec->eot = TOK_NONE;
    if (model == TOK_SPM) {
        spec->bos = 1;
        spec->eos = 2;
        spec->unk = 0;
        spec->add_bos = true;
        spec->add_space_prefix = true;
        return;
    }
    spec->bos = spec->eos = 11;
    spec->unk = TOK_NONE;
    if (!pre)
        return;
    if (tok_name_in_list("llama3 llama-v3 llama-bpe falcon3 tekken", pre)) {
        spec->ignore_merges = true;
        spec->add_bos = true;
    } else if (!strcmp(pre, "chameleon")) {
        spec->add_bos = true;
    } else if (!strcmp(pre, "chatglm-bpe")) {
        spec->bos = TOK_NONE;
    }
}

static int32_t valid_id(int32_t id, size_t n)
{
    return id >= 0 && (size_t)id < n ? id : TOK_NONE;
}

static int copy_tokens(tok_vocab *v, const tok_spec *sp, char *err, size_t errlen)
{
    size_t total = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (!sp->tokens[i]) {
            snprintf(err, errlen, "token %zu has no text", i);
            return -1;
        }
        size_t l = sp->token_lens ? sp->token_lens[i] : strlen(sp->tokens[i]);
        if (l > UINT32_MAX) {
            snprintf(err, errlen, "token %zu is too long", i);
            return -1;
        }
        v->len[i] = (uint32_t)l;
        v->off[i] = total;
        total += l;
    }
    v->pool = malloc(total + 1);
    if (!v->pool)
        return -1;
    for (size_t i = 0; i < v->n; i++) {
        memcpy(v->pool + v->off[i], sp->tokens[i], v->len[i]);
        int32_t t = sp->types ? sp->types[i] : TOK_T_NORMAL;
        v->type[i] = (uint8_t)(t >= 0 && t <= TOK_T_BYTE ? t : 0);
        v->score[i] = sp->scores ? sp->scores[i] : 0.0f;
        if (tok_map_put(&v->text_to_id, v->pool + v->off[i], v->len[i], (int32_t)i, 0) != 0)
            return -1;
    }
    return 0;
}

static int load_merges(tok_vocab *v, const tok_spec *sp, char *err, size_t errlen)
{
    for (size_t i = 0; i < sp->n_merges; i++) {
        const char *m = sp->merges[i];
        size_t l = m ? (sp->merge_lens ? sp->merge_lens[i] : strlen(m)) : 0;
        const char *space = l > 1 ? memchr(m + 1, ' ', l - 1) : NULL;
        if (!space) {
            snprintf(err, errlen, "merge %zu is not 'left right'", i);
            return -1;
        }
        if (i > INT32_MAX || tok_map_put(&v->merges, m, l, (int32_t)i, 1) != 0)
            return -1;
    }
    return 0;
}

typedef struct {
    uint32_t len;
    int32_t id;
} special_key;

static int special_cmp(const void *a, const void *b)
{
    const special_key *x = a, *y = b;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int collect_specials(tok_vocab *v)
{
    special_key *keys = malloc(v->n * sizeof *keys);
    v->specials = malloc(v->n * sizeof *v->specials);
    if (!keys || !v->specials) {
        free(keys);
        return -1;
    }
    for (size_t i = 0; i < v->n; i++) {
        int t = v->type[i];
        if ((t == TOK_T_CONTROL || t == TOK_T_USER_DEFINED || t == TOK_T_UNKNOWN) && v->len[i])
            keys[v->n_specials++] = (special_key){v->len[i], (int32_t)i};
    }
    qsort(keys, v->n_specials, sizeof *keys, special_cmp);
    for (size_t i = 0; i < v->n_specials; i++)
        v->specials[i] = keys[i].id;
    free(keys);
    return 0;
}

static void byte_tables(tok_vocab *v)
{
    for (int b = 0; b < 256; b++) {
        char hex[8], one = (char)b;
        snprintf(hex, sizeof hex, "<0x%02X>", b);
        int32_t id = tok_lookup(v, hex, 6);
        v->byte_id[b] = id != TOK_NONE ? id : tok_lookup(v, &one, 1);
        if (v->byte_id[b] == TOK_NONE)
            v->byte_id[b] = v->unk;
        v->byte_enc_len[b] = (uint8_t)utf8_put(tok_byte_to_cpt((uint8_t)b), v->byte_enc[b]);
    }
}

/* What lets SPM merge piece by piece (see tok_spm.c): ASCII bytes that no
 * longer token contains, and whether any token has a "▁" that follows
 * another character. */
static void spm_cut_points(tok_vocab *v)
{
    memset(v->isolated, 0, sizeof v->isolated);
    memset(v->isolated, 1, 0x80);
    v->cut_at_mark = true;
    for (size_t i = 0; i < v->n; i++) {
        const char *t = v->pool + v->off[i];
        uint32_t n = v->len[i];
        for (uint32_t j = 0; n > 1 && j < n; j++)
            v->isolated[(unsigned char)t[j]] = 0;
        for (uint32_t j = 1; j + 3 <= n; j++)
            if (!memcmp(t + j, "\xE2\x96\x81", 3) && (j < 3 || memcmp(t + j - 3, "\xE2\x96\x81", 3)))
                v->cut_at_mark = false;
    }
}

static int build(tok_vocab *v, const tok_spec *sp, char *err, size_t errlen)
{
    v->off = malloc(v->n * sizeof *v->off);
    v->len = malloc(v->n * sizeof *v->len);
    v->score = malloc(v->n * sizeof *v->score);
    v->type = malloc(v->n);
    const char *pre = sp->pre && *sp->pre ? sp->pre : "default";
    v->pre_name = strdup(sp->pre_regexes ? "custom" : pre);
    if (!v->off || !v->len || !v->score || !v->type || !v->pre_name)
        return -1;
    if (copy_tokens(v, sp, err, errlen) != 0 || load_merges(v, sp, err, errlen) != 0 ||
        collect_specials(v) != 0)
        return -1;
    v->bos = valid_id(sp->bos, v->n);
    v->eos = valid_id(sp->eos, v->n);
    v->unk = valid_id(sp->unk, v->n);
    v->pad = valid_id(sp->pad, v->n);
    v->eot = valid_id(sp->eot, v->n);
    v->add_bos = sp->add_bos;
    v->add_eos = sp->add_eos;
    v->add_space_prefix = sp->add_space_prefix;
    v->ignore_merges = sp->ignore_merges;
    byte_tables(v);
    spm_cut_points(v);
    if (v->model == TOK_BPE && tok_pretok_compile(&v->pre, pre, sp->pre_regexes, err, errlen) != 0)
        return -1;
    return 0;
}

tok_vocab *tok_vocab_new(const tok_spec *sp, char *err, size_t errlen)
{
    if (!sp->n_tokens || !sp->tokens || sp->n_tokens > INT32_MAX) {
        snprintf(err, errlen, "vocab has no tokens");
        return NULL;
    }
    if (sp->model != TOK_SPM && sp->model != TOK_BPE) {
        snprintf(err, errlen, "unknown tokenizer model %d", (int)sp->model);
        return NULL;
    }
    tok_vocab *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    v->model = sp->model;
    v->n = sp->n_tokens;
    tok_map_init(&v->text_to_id);
    tok_map_init(&v->merges);
    err[0] = '\0';
    if (build(v, sp, err, errlen) != 0) {
        if (!err[0])
            snprintf(err, errlen, "out of memory building the vocab");
        tok_vocab_free(v);
        return NULL;
    }
    return v;
}

size_t tok_vocab_bytes(const tok_vocab *v)
{
    size_t pool = v->n ? v->off[v->n - 1] + v->len[v->n - 1] + 1 : 0;
    return sizeof *v + pool +
           v->n * (sizeof *v->off + sizeof *v->len + sizeof *v->score + sizeof *v->type) +
           v->n_specials * sizeof *v->specials + tok_map_bytes(&v->text_to_id) +
           tok_map_bytes(&v->merges);
}

void tok_vocab_free(tok_vocab *v)
{
    if (!v)
        return;
    tok_map_free(&v->text_to_id);
    tok_map_free(&v->merges);
    tok_pretok_free(&v->pre);
    free(v->pre_name);
    free(v->pool);
    free(v->off);
    free(v->len);
    free(v->score);
    free(v->type);
    free(v->specials);
    free(v);
}

/* The merges sit in a hash map whose slot order depends on insertion
 * history, so they enter as an order-independent sum of per-merge hashes. */
static uint64_t merges_hash(const tok_map *m)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].used)
            sum += XXH3_64bits_withSeed(m->pool + m->slots[i].key_off, m->slots[i].key_len,
                                        (uint64_t)(uint32_t)m->slots[i].val);
    return sum;
}

uint64_t tok_vocab_hash(const tok_vocab *v)
{
    XXH3_state_t st;
    XXH3_64bits_reset(&st);
    int32_t ids[] = {(int32_t)v->model, v->bos, v->eos, v->unk, v->pad, v->eot,
                     v->add_bos, v->add_eos, v->add_space_prefix, v->ignore_merges};
    uint64_t counts[] = {v->n, v->merges.count, merges_hash(&v->merges)};
    size_t pool = v->n ? v->off[v->n - 1] + v->len[v->n - 1] : 0;
    XXH3_64bits_update(&st, ids, sizeof ids);
    XXH3_64bits_update(&st, counts, sizeof counts);
    if (v->pre_name)
        XXH3_64bits_update(&st, v->pre_name, strlen(v->pre_name) + 1);
    XXH3_64bits_update(&st, v->pool, pool);
    XXH3_64bits_update(&st, v->len, v->n * sizeof *v->len);
    XXH3_64bits_update(&st, v->score, v->n * sizeof *v->score);
    XXH3_64bits_update(&st, v->type, v->n * sizeof *v->type);
    return XXH3_64bits_digest(&st);
}

static const char *const eog_markers[] = {"<|eot_id|>", "<|im_end|>", "<|end|>",
                                          "<end_of_turn>", "<|endoftext|>", "<EOT>"};

bool tok_is_eog(const tok_vocab *v, int32_t id)
{
    if (id < 0 || (size_t)id >= v->n)
        return false;
    if (id == v->eos || id == v->eot)
        return true;
    for (size_t i = 0; i < sizeof eog_markers / sizeof eog_markers[0]; i++)
        if (v->len[id] == strlen(eog_markers[i]) &&
            !memcmp(v->pool + v->off[id], eog_markers[i], v->len[id]))
            return true;
    return false;
}

tok_model tok_vocab_model(const tok_vocab *v) { return v->model; }
const char *tok_vocab_pre(const tok_vocab *v) { return v->pre_name; }
size_t tok_vocab_size(const tok_vocab *v) { return v->n; }
int32_t tok_bos(const tok_vocab *v) { return v->bos; }
int32_t tok_eos(const tok_vocab *v) { return v->eos; }
int32_t tok_eot(const tok_vocab *v) { return v->eot; }
int32_t tok_unk(const tok_vocab *v) { return v->unk; }
int32_t tok_pad(const tok_vocab *v) { return v->pad; }
bool tok_add_bos(const tok_vocab *v) { return v->add_bos; }
bool tok_add_eos(const tok_vocab *v) { return v->add_eos; }
bool tok_add_space_prefix(const tok_vocab *v) { return v->add_space_prefix; }

const char *tok_text(const tok_vocab *v, int32_t id, size_t *len)
{
    if (id < 0 || (size_t)id >= v->n)
        return NULL;
    if (len)
        *len = v->len[id];
    return v->pool + v->off[id];
}

tok_type tok_token_type(const tok_vocab *v, int32_t id)
{
    return id >= 0 && (size_t)id < v->n ? (tok_type)v->type[id] : (tok_type)0;
}

float tok_score(const tok_vocab *v, int32_t id)
{
    return id >= 0 && (size_t)id < v->n ? v->score[id] : 0.0f;
}

int32_t tok_lookup(const tok_vocab *v, const char *s, size_t n)
{
    return tok_map_get(&v->text_to_id, s, n);
}
