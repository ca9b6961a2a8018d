/* tok_learn.c - byte-level BPE training. Pair counts are kept incrementally:
 * each pair remembers the words it occurs in, a merge rewrites only those
 * words and adjusts the counts of the pairs they lose and gain, and a
 * max-heap with lazy invalidation picks the next pair. Words are the unique
 * pre-tokenized pieces of the corpus with their frequencies. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok_impl.h"
#include "utf8.h"
#include "tok_learn.h"

typedef struct {
    uint32_t off, n;      /* symbols at sym[off..off+n) */
    uint64_t count;
    uint32_t stamp;       /* number of the last merge that rewrote it */
} word;

typedef struct {
    int32_t left, right;
    uint64_t count;
    uint32_t *where;      /* words that contained it (may repeat or be stale) */
    uint32_t n_where, cap_where;
    uint32_t stamp;       /* number of the last merge that gained it */
    int done;
} pair;

typedef struct {
    uint64_t count;
    uint32_t p;
} heap_ent;

struct tok_learned {
    /* token texts (GPT-2 characters), NUL-terminated, back to back */
    char *pool;
    size_t pool_len, pool_cap;
    size_t *off;
    size_t n_tok, cap_tok;
    tok_map text_id;
    char **merges;        /* "left right" */
    size_t n_merges, cap_merges;
    const char **tok_ptr; /* filled by finish() */
    int32_t *types;
    size_t n_specials;
    uint64_t corpus_tokens;
    const char *pre;
    /* training state */
    word *words;
    size_t n_words, cap_words;
    int32_t *sym;
    size_t n_sym, cap_sym;
    pair *pairs;
    size_t n_pairs, cap_pairs;
    uint32_t *slots;      /* pair hash: index + 1, 0 = empty */
    size_t n_slots;
    heap_ent *heap;
    size_t n_heap, cap_heap;
    uint32_t *touched;
    size_t n_touched, cap_touched;
};

static int grow(void *p, size_t *cap, size_t n, size_t sz)
{
    return tok_reserve((void **)p, cap, n, sz);
}

/* ---- token texts */

static int32_t add_token(tok_learned *l, const char *s, size_t n)
{
    int32_t id = tok_map_get(&l->text_id, s, n);
    if (id >= 0)
        return id;
    if (grow(&l->off, &l->cap_tok, l->n_tok + 1, sizeof *l->off) != 0 ||
        grow(&l->pool, &l->pool_cap, l->pool_len + n + 1, 1) != 0)
        return -1;
    id = (int32_t)l->n_tok;
    if (tok_map_put(&l->text_id, s, n, id, 1) != 0)
        return -1;
    l->off[l->n_tok++] = l->pool_len;
    memcpy(l->pool + l->pool_len, s, n);
    l->pool[l->pool_len + n] = '\0';
    l->pool_len += n + 1;
    return id;
}

static const char *tok_str(const tok_learned *l, int32_t id)
{
    return l->pool + l->off[id];
}

/* ---- pair table */

static uint64_t pair_hash(int32_t a, int32_t b)
{
    uint64_t x = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static int rehash(tok_learned *l)
{
    size_t n = l->n_slots ? l->n_slots * 2 : 4096;
    uint32_t *s = calloc(n, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < l->n_pairs; i++) {
        size_t h = pair_hash(l->pairs[i].left, l->pairs[i].right) & (n - 1);
        while (s[h])
            h = (h + 1) & (n - 1);
        s[h] = (uint32_t)i + 1;
    }
    free(l->slots);
    l->slots = s;
    l->n_slots = n;
    return 0;
}

static long pair_find(const tok_learned *l, int32_t a, int32_t b)
{
    size_t h = pair_hash(a, b) & (l->n_slots - 1);
    for (; l->slots[h]; h = (h + 1) & (l->n_slots - 1)) {
        const pair *p = &l->pairs[l->slots[h] - 1];
        if (p->left == a && p->right == b)
            return (long)l->slots[h] - 1;
    }
    return -1;
}

/* Index of pair (a, b), created with count 0 when new; -1 when out of memory. */
static long pair_get(tok_learned *l, int32_t a, int32_t b)
{
    if ((l->n_pairs + 1) * 2 > l->n_slots && rehash(l) != 0)
        return -1;
    long found = pair_find(l, a, b);
    if (found >= 0)
        return found;
    size_t h = pair_hash(a, b) & (l->n_slots - 1);
    while (l->slots[h])
        h = (h + 1) & (l->n_slots - 1);
    if (grow(&l->pairs, &l->cap_pairs, l->n_pairs + 1, sizeof *l->pairs) != 0)
        return -1;
    l->pairs[l->n_pairs] = (pair){.left = a, .right = b};
    l->slots[h] = (uint32_t)++l->n_pairs;
    return (long)l->n_pairs - 1;
}

static int pair_add_word(pair *p, uint32_t w)
{
    if (p->n_where && p->where[p->n_where - 1] == w)
        return 0;
    size_t cap = p->cap_where;
    if (grow(&p->where, &cap, (size_t)p->n_where + 1, sizeof *p->where) != 0)
        return -1;
    p->cap_where = (uint32_t)cap;
    p->where[p->n_where++] = w;
    return 0;
}

/* ---- max-heap: larger count first, then smaller (left, right) */

static int heap_before(const tok_learned *l, heap_ent a, heap_ent b)
{
    if (a.count != b.count)
        return a.count > b.count;
    const pair *x = &l->pairs[a.p], *y = &l->pairs[b.p];
    if (x->left != y->left)
        return x->left < y->left;
    return x->right < y->right;
}

static int heap_push(tok_learned *l, heap_ent e)
{
    if (grow(&l->heap, &l->cap_heap, l->n_heap + 1, sizeof *l->heap) != 0)
        return -1;
    size_t i = l->n_heap++;
    while (i > 0 && heap_before(l, e, l->heap[(i - 1) / 2])) {
        l->heap[i] = l->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    l->heap[i] = e;
    return 0;
}

static heap_ent heap_pop(tok_learned *l)
{
    heap_ent top = l->heap[0], e = l->heap[--l->n_heap];
    size_t i = 0, n = l->n_heap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && heap_before(l, l->heap[c + 1], l->heap[c]))
            c++;
        if (!heap_before(l, l->heap[c], e))
            break;
        l->heap[i] = l->heap[c];
        i = c;
    }
    if (n)
        l->heap[i] = e;
    return top;
}

/* ---- corpus to words */

static int add_word(tok_learned *l, tok_map *index, const char *s, size_t n)
{
    int32_t w = tok_map_get(index, s, n);
    if (w >= 0) {
        l->words[w].count++;
        return 0;
    }
    if (grow(&l->words, &l->cap_words, l->n_words + 1, sizeof *l->words) != 0 ||
        grow(&l->sym, &l->cap_sym, l->n_sym + n, sizeof *l->sym) != 0 ||
        tok_map_put(index, s, n, (int32_t)l->n_words, 1) != 0)
        return -1;
    l->words[l->n_words++] = (word){.off = (uint32_t)l->n_sym, .n = (uint32_t)n, .count = 1};
    for (size_t i = 0; i < n; i++)
        l->sym[l->n_sym++] = (unsigned char)s[i];
    return 0;
}

/* Where each special text next occurs at or after the scan position; an
 * entry is searched again only once the scan has passed it, so a corpus
 * with many documents is not rescanned for every one. */
typedef struct {
    const char *const *sp;
    size_t *at;           /* SIZE_MAX: not searched yet */
} special_scan;

/* The earliest special text at or after text[pos] (the longest on a tie),
 * its index in *which; len when there is none. */
static size_t next_special(special_scan *ss, const char *text, size_t len, size_t pos,
                           size_t *which)
{
    size_t best = len;
    for (size_t k = 0; ss->sp && ss->sp[k]; k++) {
        size_t n = strlen(ss->sp[k]);
        if (ss->at[k] == SIZE_MAX || ss->at[k] < pos) {
            const char *hit = memmem(text + pos, len - pos, ss->sp[k], n);
            ss->at[k] = hit ? (size_t)(hit - text) : len;
        }
        if (ss->at[k] < best || (ss->at[k] == best && best < len && n > strlen(ss->sp[*which]))) {
            best = ss->at[k];
            *which = k;
        }
    }
    return best;
}

static int split_words(tok_learned *l, tok_session *s, const char *text, size_t len,
                       const char *const *specials, char *err, size_t errlen)
{
    size_t n_sp = 0;
    while (specials && specials[n_sp])
        n_sp++;
    special_scan ss = {specials, malloc((n_sp + 1) * sizeof(size_t))};
    tok_map index;
    tok_map_init(&index);
    int rc = -1;
    if (!ss.at)
        goto oom;
    for (size_t k = 0; k < n_sp; k++)
        ss.at[k] = SIZE_MAX;
    for (size_t pos = 0; pos <= len;) {
        size_t which = 0, at = next_special(&ss, text, len, pos, &which);
        long n = tok_pretok_split(s, text + pos, at - pos, err, errlen);
        if (n < 0)
            goto out;
        for (long i = 0; i < n; i++)
            if (add_word(l, &index, text + pos + s->spans[i].start,
                         s->spans[i].end - s->spans[i].start) != 0)
                goto oom;
        if (at == len)
            break;
        l->corpus_tokens++;
        pos = at + strlen(specials[which]);
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "learning a vocabulary: out of memory");
out:
    free(ss.at);
    tok_map_free(&index);
    return rc;
}

static int check_utf8(const char *text, size_t len, char *err, size_t errlen)
{
    if (len >= UINT32_MAX) {
        snprintf(err, errlen, "corpus of %zu bytes: at most 4 GiB can be learned from", len);
        return -1;
    }
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int ok = 1;
        size_t n = tok_utf8_next(text + i, len - i, &cp, &ok);
        if (!ok) {
            snprintf(err, errlen, "corpus byte %zu: invalid UTF-8", i);
            return -1;
        }
        i += n;
    }
    return 0;
}

/* Pre-tokenizes with a vocab of the 256 byte tokens and no merges. */
static int count_words(tok_learned *l, const char *text, size_t len, const char *const *sp,
                       char *err, size_t errlen)
{
    const char *tokens[256];
    for (int b = 0; b < 256; b++)
        tokens[b] = tok_str(l, b);
    tok_spec spec;
    tok_spec_defaults(&spec, TOK_BPE, l->pre);
    spec.n_tokens = 256;
    spec.tokens = tokens;
    spec.bos = spec.eos = TOK_NONE;
    tok_vocab *v = tok_vocab_new(&spec, err, errlen);
    tok_session *s = v ? tok_session_new(v, err, errlen) : NULL;
    int rc = s ? split_words(l, s, text, len, sp, err, errlen) : -1;
    tok_session_free(s);
    tok_vocab_free(v);
    return rc;
}

/* ---- merging */

/* Counts word w's pairs. After merge t only pairs holding t are new to the
 * word, so only they record it and go back on the heap. */
static int add_pairs_of(tok_learned *l, uint32_t w, int32_t t)
{
    const word *wd = &l->words[w];
    for (uint32_t i = 0; i + 1 < wd->n; i++) {
        int32_t a = l->sym[wd->off + i], b = l->sym[wd->off + i + 1];
        int fresh = t < 0 || a == t || b == t;
        long p = pair_get(l, a, b);
        if (p < 0 || (fresh && pair_add_word(&l->pairs[p], w) != 0))
            return -1;
        l->pairs[p].count += wd->count;
        if (t >= 0 && fresh && l->pairs[p].stamp != (uint32_t)l->n_merges) {
            l->pairs[p].stamp = (uint32_t)l->n_merges;
            if (grow(&l->touched, &l->cap_touched, l->n_touched + 1, sizeof *l->touched) != 0)
                return -1;
            l->touched[l->n_touched++] = (uint32_t)p;
        }
    }
    return 0;
}

/* Replaces every (a, b) in word w by t, moving w's pair counts along. */
static int rewrite_word(tok_learned *l, uint32_t w, int32_t a, int32_t b, int32_t t)
{
    word *wd = &l->words[w];
    int32_t *s = l->sym + wd->off;
    uint32_t i, j;
    for (i = 0; i + 1 < wd->n && !(s[i] == a && s[i + 1] == b); i++)
        ;
    if (i + 1 >= wd->n)
        return 0;
    for (i = 0; i + 1 < wd->n; i++)
        l->pairs[pair_find(l, s[i], s[i + 1])].count -= wd->count;
    for (i = j = 0; i < wd->n; j++) {
        if (i + 1 < wd->n && s[i] == a && s[i + 1] == b) {
            s[j] = t;
            i += 2;
        } else {
            s[j] = s[i++];
        }
    }
    wd->n = j;
    return add_pairs_of(l, w, t);
}

/* Records merge (a b) and returns the id of the merged text, which may
 * already exist when another pair spelled it first. */
static int32_t record_merge(tok_learned *l, int32_t a, int32_t b)
{
    size_t la = strlen(tok_str(l, a)), lb = strlen(tok_str(l, b));
    char *m = malloc(la + lb + 2), *cat = malloc(la + lb);
    int32_t t = -1;
    if (m && cat && grow(&l->merges, &l->cap_merges, l->n_merges + 1, sizeof *l->merges) == 0) {
        snprintf(m, la + lb + 2, "%s %s", tok_str(l, a), tok_str(l, b));
        memcpy(cat, m, la);
        memcpy(cat + la, m + la + 1, lb);
        t = add_token(l, cat, la + lb);
    }
    free(cat);
    if (t < 0) {
        free(m);
        return -1;
    }
    l->merges[l->n_merges] = m;
    return t;
}

static int merge_pair(tok_learned *l, uint32_t p)
{
    int32_t a = l->pairs[p].left, b = l->pairs[p].right;
    int32_t t = record_merge(l, a, b);
    if (t < 0)
        return -1;
    uint32_t stamp = (uint32_t)++l->n_merges;
    l->pairs[p].done = 1;
    l->n_touched = 0;
    for (uint32_t k = 0; k < l->pairs[p].n_where; k++) {
        uint32_t w = l->pairs[p].where[k];
        if (l->words[w].stamp == stamp)
            continue;
        l->words[w].stamp = stamp;
        if (rewrite_word(l, w, a, b, t) != 0)
            return -1;
    }
    for (size_t k = 0; k < l->n_touched; k++) {
        uint32_t q = l->touched[k];
        if (l->pairs[q].count && heap_push(l, (heap_ent){l->pairs[q].count, q}) != 0)
            return -1;
    }
    return 0;
}

static int learn_merges(tok_learned *l, size_t want, uint64_t min_count)
{
    for (size_t w = 0; w < l->n_words; w++)
        if (add_pairs_of(l, (uint32_t)w, -1) != 0)
            return -1;
    for (size_t p = 0; p < l->n_pairs; p++)
        if (heap_push(l, (heap_ent){l->pairs[p].count, (uint32_t)p}) != 0)
            return -1;
    while (l->n_merges < want && l->n_heap) {
        heap_ent e = heap_pop(l);
        const pair *p = &l->pairs[e.p];
        if (p->done)
            continue;
        if (p->count != e.count) {
            if (p->count && heap_push(l, (heap_ent){p->count, e.p}) != 0)
                return -1;
            continue;
        }
        if (e.count < min_count)
            break;
        if (merge_pair(l, e.p) != 0)
            return -1;
    }
    return 0;
}

static void free_state(tok_learned *l)
{
    for (size_t p = 0; p < l->n_pairs; p++)
        free(l->pairs[p].where);
    free(l->pairs);
    free(l->words);
    free(l->sym);
    free(l->slots);
    free(l->heap);
    free(l->touched);
    l->pairs = NULL;
    l->n_pairs = 0;
    l->words = NULL;
    l->sym = NULL;
    l->slots = NULL;
    l->heap = NULL;
    l->touched = NULL;
}

/* Drops the training state and builds the arrays tok_learned_spec lends. */
static int finish(tok_learned *l, const char *const *specials)
{
    for (size_t w = 0; w < l->n_words; w++)
        l->corpus_tokens += (uint64_t)l->words[w].n * l->words[w].count;
    free_state(l);
    size_t n_normal = l->n_tok;
    for (size_t k = 0; specials && specials[k]; k++) {
        size_t before = l->n_tok;
        if (add_token(l, specials[k], strlen(specials[k])) < 0)
            return -1;
        l->n_specials += l->n_tok - before;
    }
    l->tok_ptr = malloc(l->n_tok * sizeof *l->tok_ptr);
    l->types = malloc(l->n_tok * sizeof *l->types);
    if (!l->tok_ptr || !l->types)
        return -1;
    for (size_t i = 0; i < l->n_tok; i++) {
        l->tok_ptr[i] = tok_str(l, (int32_t)i);
        l->types[i] = i < n_normal ? TOK_T_NORMAL : TOK_T_CONTROL;
    }
    return 0;
}

tok_learned *tok_learn(const char *text, size_t len, const tok_learn_opts *opts, char *err,
                       size_t errlen)
{
    if (check_utf8(text, len, err, errlen) != 0)
        return NULL;
    for (size_t k = 0; opts->specials && opts->specials[k]; k++)
        if (!opts->specials[k][0]) {
            snprintf(err, errlen, "special token %zu is empty", k);
            return NULL;
        }
    tok_learned *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "learning a vocabulary: out of memory");
        return NULL;
    }
    tok_map_init(&l->text_id);
    l->pre = opts->pre ? opts->pre : "gpt-2";
    for (int b = 0; b < 256; b++) {
        char u[4];
        if (add_token(l, u, utf8_put(tok_byte_to_cpt((uint8_t)b), u)) != b)
            goto oom;
    }
    if (count_words(l, text, len, opts->specials, err, errlen) != 0)
        goto fail;
    if (learn_merges(l, opts->n_merges, opts->min_count ? opts->min_count : 2) != 0 ||
        finish(l, opts->specials) != 0)
        goto oom;
    return l;
oom:
    snprintf(err, errlen, "learning a vocabulary: out of memory");
fail:
    tok_learned_free(l);
    return NULL;
}

void tok_learned_free(tok_learned *l)
{
    if (!l)
        return;
    free_state(l);
    for (size_t i = 0; i < l->n_merges; i++)
        free(l->merges[i]);
    free(l->merges);
    free(l->tok_ptr);
    free(l->types);
    free(l->off);
    free(l->pool);
    tok_map_free(&l->text_id);
    free(l);
}

size_t tok_learned_n_merges(const tok_learned *l)
{
    return l->n_merges;
}

uint64_t tok_learned_corpus_tokens(const tok_learned *l)
{
    return l->corpus_tokens;
}

void tok_learned_spec(const tok_learned *l, tok_spec *spec)
{
    tok_spec_defaults(spec, TOK_BPE, l->pre);
    spec->n_tokens = l->n_tok;
    spec->tokens = l->tok_ptr;
    spec->types = l->types;
    spec->n_merges = l->n_merges;
    spec->merges = (const char *const *)l->merges;
    spec->bos = spec->eos = l->n_specials ? (int32_t)(l->n_tok - l->n_specials) : TOK_NONE;
}
