/* gguf.c - the GGUF v3 reader: a bounds-checked cursor over the mapping that
 * validates the header, the metadata and the tensor table before anything is
 * handed out, then typed accessors on the validated values. */
#include "config.h"

#include "gguf.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapped_file.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "GGUF is little-endian; this reader assumes a little-endian host"
#endif

struct gguf_file {
    const uint8_t *base;
    size_t size;
    bool mapped;
    uint32_t version;
    uint32_t alignment;
    uint64_t data_off;
    size_t n_kv, n_tensors;
    gguf_kv *kv;
    gguf_tensor *t;
    size_t *kv_sorted;          /* indices ordered by key, for bsearch */
    size_t *t_sorted;           /* indices ordered by name */
};

/* ------------------------------------------------------------ type tables */

typedef struct { int id; const char *name; int blck, bytes; } type_row;

static const type_row type_rows[] = {
    {GGML_TYPE_F32, "F32", 1, 4},      {GGML_TYPE_F16, "F16", 1, 2},
    {GGML_TYPE_Q4_0, "Q4_0", 32, 18},  {GGML_TYPE_Q4_1, "Q4_1", 32, 20},
    {GGML_TYPE_Q5_0, "Q5_0", 32, 22},  {GGML_TYPE_Q5_1, "Q5_1", 32, 24},
    {GGML_TYPE_Q8_0, "Q8_0", 32, 34},  {GGML_TYPE_Q8_1, "Q8_1", 32, 36},
    {GGML_TYPE_Q2_K, "Q2_K", 256, 84}, {GGML_TYPE_Q3_K, "Q3_K", 256, 110},
    {GGML_TYPE_Q4_K, "Q4_K", 256, 144}, {GGML_TYPE_Q5_K, "Q5_K", 256, 176},
    {GGML_TYPE_Q6_K, "Q6_K", 256, 210}, {GGML_TYPE_Q8_K, "Q8_K", 256, 292},
    {GGML_TYPE_IQ2_XXS, "IQ2_XXS", 256, 66}, {GGML_TYPE_IQ2_XS, "IQ2_XS", 256, 74},
    {GGML_TYPE_IQ3_XXS, "IQ3_XXS", 256, 98}, {GGML_TYPE_IQ1_S, "IQ1_S", 256, 50},
    {GGML_TYPE_IQ4_NL, "IQ4_NL", 32, 18}, {GGML_TYPE_IQ3_S, "IQ3_S", 256, 110},
    {GGML_TYPE_IQ2_S, "IQ2_S", 256, 82}, {GGML_TYPE_IQ4_XS, "IQ4_XS", 256, 136},
    {GGML_TYPE_I8, "I8", 1, 1}, {GGML_TYPE_I16, "I16", 1, 2}, {GGML_TYPE_I32, "I32", 1, 4},
    {GGML_TYPE_I64, "I64", 1, 8}, {GGML_TYPE_F64, "F64", 1, 8},
    {GGML_TYPE_IQ1_M, "IQ1_M", 256, 56}, {GGML_TYPE_BF16, "BF16", 1, 2},
    {GGML_TYPE_TQ1_0, "TQ1_0", 256, 54}, {GGML_TYPE_TQ2_0, "TQ2_0", 256, 66},
};

static const type_row *type_row_of(int type)
{
    for (size_t i = 0; i < sizeof type_rows / sizeof type_rows[0]; i++)
        if (type_rows[i].id == type)
            return &type_rows[i];
    return NULL;
}

bool ggml_type_info(int type, int *block_elems, int *block_bytes)
{
    const type_row *r = type_row_of(type);
    if (!r)
        return false;
    if (block_elems)
        *block_elems = r->blck;
    if (block_bytes)
        *block_bytes = r->bytes;
    return true;
}

const char *ggml_type_name(int type)
{
    const type_row *r = type_row_of(type);
    return r ? r->name : "?";
}

int ggml_type_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof type_rows / sizeof type_rows[0]; i++)
        if (!strcasecmp(type_rows[i].name, name))
            return type_rows[i].id;
    return -1;
}

size_t ggml_row_bytes(int type, int64_t n)
{
    const type_row *r = type_row_of(type);
    if (!r || n < 0 || n % r->blck)
        return 0;
    return (size_t)(n / r->blck) * (size_t)r->bytes;
}

static const char *const value_type_names[GGUF_TYPE_COUNT] = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
};

const char *gguf_type_name(gguf_type t)
{
    return (unsigned)t < GGUF_TYPE_COUNT ? value_type_names[t] : "?";
}

/* Fixed byte size of a scalar value type; 0 for STRING, ARRAY and unknown ids. */
static size_t scalar_size(gguf_type t)
{
    static const unsigned char sizes[GGUF_TYPE_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return (unsigned)t < GGUF_TYPE_COUNT ? sizes[t] : 0;
}

/* ------------------------------------------------------------ the cursor */

typedef struct {
    const uint8_t *base;
    size_t size, pos;
    const char *name;
    char *err;
    size_t errlen;
} cursor;

__attribute__((format(printf, 3, 4)))
static bool fail_at(cursor *c, uint64_t off, const char *fmt, ...)
{
    if (!c->err || !c->errlen)
        return false;
    int n = snprintf(c->err, c->errlen, "%s: offset %" PRIu64 ": ", c->name, off);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

static size_t left(const cursor *c) { return c->size - c->pos; }

static bool need(cursor *c, uint64_t n, const char *what)
{
    if (n > left(c))
        return fail_at(c, c->pos, "truncated header: %s needs %" PRIu64 " bytes, %zu left",
                       what, n, left(c));
    return true;
}

static bool take(cursor *c, void *out, size_t n, const char *what)
{
    if (!need(c, n, what))
        return false;
    memcpy(out, c->base + c->pos, n);
    c->pos += n;
    return true;
}

/* A string: u64 length then bytes. *at is the offset of the length field. */
static bool take_str(cursor *c, const char *what, const char **s, uint64_t *len, uint64_t *at)
{
    *at = c->pos;
    if (!take(c, len, 8, what))
        return false;
    if (*len > left(c))
        return fail_at(c, *at, "%s: string length %" PRIu64 " past the end of the file "
                       "(%zu bytes left)", what, *len, left(c));
    *s = (const char *)c->base + c->pos;
    c->pos += *len;
    return true;
}

static char *dup_name(cursor *c, const char *s, uint64_t len, uint64_t at, const char *what)
{
    if (memchr(s, 0, len)) {
        fail_at(c, at, "%s contains a NUL byte", what);
        return NULL;
    }
    char *d = malloc(len + 1);
    if (!d) {
        fail_at(c, at, "out of memory copying %s", what);
        return NULL;
    }
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

/* ------------------------------------------------------------ metadata */

static bool parse_array(cursor *c, gguf_kv *kv)
{
    int32_t et;
    uint64_t at = c->pos;
    if (!take(c, &et, 4, "array element type") || !take(c, &kv->n, 8, "array length"))
        return false;
    if (et == GGUF_TYPE_ARRAY)
        return fail_at(c, at, "key '%s': nested arrays are not supported", kv->key);
    if (et < 0 || et >= GGUF_TYPE_COUNT)
        return fail_at(c, at, "key '%s': unknown array element type %" PRId32, kv->key, et);
    kv->arr_type = (gguf_type)et;
    kv->data = c->base + c->pos;
    kv->offset = c->pos;
    if (et != GGUF_TYPE_STRING) {
        size_t esz = scalar_size(kv->arr_type);
        if (kv->n > left(c) / esz)
            return fail_at(c, at + 4, "key '%s': array of %" PRIu64 " x %zu bytes past the end "
                           "of the file (%zu bytes left)", kv->key, kv->n, esz, left(c));
        c->pos += (size_t)kv->n * esz;
        return true;
    }
    if (kv->n > left(c) / 8)
        return fail_at(c, at + 4, "key '%s': array of %" PRIu64 " strings past the end of the "
                       "file (%zu bytes left)", kv->key, kv->n, left(c));
    uint64_t *offs = malloc((kv->n ? kv->n : 1) * sizeof *offs);
    if (!offs)
        return fail_at(c, at, "key '%s': out of memory for %" PRIu64 " strings", kv->key, kv->n);
    kv->str_at = offs;
    for (uint64_t i = 0; i < kv->n; i++) {
        const char *s;
        uint64_t len, sat;
        offs[i] = c->pos - kv->offset;
        if (!take_str(c, "array string", &s, &len, &sat))
            return false;
    }
    return true;
}

static bool parse_kv(cursor *c, gguf_kv *kv)
{
    const char *s;
    uint64_t len, at;
    if (!take_str(c, "key", &s, &len, &at))
        return false;
    if (!(kv->key = dup_name(c, s, len, at, "key")))
        return false;
    int32_t t;
    at = c->pos;
    if (!take(c, &t, 4, "value type"))
        return false;
    if (t < 0 || t >= GGUF_TYPE_COUNT)
        return fail_at(c, at, "key '%s': unknown value type %" PRId32, kv->key, t);
    kv->type = (gguf_type)t;
    kv->n = 1;
    if (t == GGUF_TYPE_ARRAY)
        return parse_array(c, kv);
    kv->data = c->base + c->pos;
    kv->offset = c->pos;
    if (t == GGUF_TYPE_STRING)
        return take_str(c, kv->key, &s, &len, &at);
    if (!need(c, scalar_size(kv->type), kv->key))
        return false;
    c->pos += scalar_size(kv->type);
    return true;
}

/* ------------------------------------------------------------ tensor infos */

static bool check_dims(cursor *c, gguf_tensor *t, uint64_t at)
{
    int blck = 1, bsz = 0;
    int64_t n = 1;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        if (t->ne[d] < 0)
            return fail_at(c, at, "tensor '%s': negative dimension ne[%u]=%" PRId64,
                           t->name, d, t->ne[d]);
        if (t->ne[d] && n > INT64_MAX / t->ne[d])
            return fail_at(c, at, "tensor '%s': dimension overflow (element count exceeds "
                           "2^63)", t->name);
        n *= t->ne[d];
    }
    t->n_elems = n;
    ggml_type_info(t->type, &blck, &bsz);   /* the caller has checked the type */
    if (t->ne[0] % blck)
        return fail_at(c, at, "tensor '%s': ne[0]=%" PRId64 " is not a multiple of the %s "
                       "block size %d", t->name, t->ne[0], ggml_type_name(t->type), blck);
    uint64_t bytes = (uint64_t)(n / blck);
    if (__builtin_mul_overflow(bytes, (uint64_t)bsz, &t->nbytes))
        return fail_at(c, at, "tensor '%s': dimension overflow (byte size exceeds 2^64)",
                       t->name);
    return true;
}

static bool parse_tensor_info(cursor *c, gguf_tensor *t, uint64_t *offset_at)
{
    const char *s;
    uint64_t len, at;
    if (!take_str(c, "tensor name", &s, &len, &at))
        return false;
    if (len >= GGUF_NAME_MAX)
        return fail_at(c, at, "tensor name of %" PRIu64 " bytes is too long (max %d)",
                       len, GGUF_NAME_MAX - 1);
    if (memchr(s, 0, len))
        return fail_at(c, at, "tensor name contains a NUL byte");
    memcpy(t->name, s, len);
    t->name[len] = '\0';
    at = c->pos;
    if (!take(c, &t->n_dims, 4, "n_dims"))
        return false;
    if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS)
        return fail_at(c, at, "tensor '%s': n_dims %u not in 1..%d", t->name, t->n_dims,
                       GGUF_MAX_DIMS);
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++)
        t->ne[d] = 1;
    at = c->pos;
    if (!take(c, t->ne, 8 * (size_t)t->n_dims, "tensor dimensions"))
        return false;
    int32_t type;
    uint64_t type_at = c->pos;
    if (!take(c, &type, 4, "tensor type"))
        return false;
    t->type = type;
    if (!type_row_of(type))
        return fail_at(c, type_at, "tensor '%s': unknown type %" PRId32, t->name, type);
    if (!check_dims(c, t, at))
        return false;
    *offset_at = c->pos;
    return take(c, &t->offset, 8, "tensor offset");
}

/* ------------------------------------------------------------ validation */

static int cmp_kv(const void *a, const void *b, void *ctx)
{
    const gguf_file *g = ctx;
    return strcmp(g->kv[*(const size_t *)a].key, g->kv[*(const size_t *)b].key);
}

static int cmp_tensor(const void *a, const void *b, void *ctx)
{
    const gguf_file *g = ctx;
    return strcmp(g->t[*(const size_t *)a].name, g->t[*(const size_t *)b].name);
}

static int cmp_data(const void *a, const void *b, void *ctx)
{
    const gguf_file *g = ctx;
    const gguf_tensor *x = &g->t[*(const size_t *)a], *y = &g->t[*(const size_t *)b];
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Index permutation of N items ordered by CMP (qsort_r keeps opens reentrant). */
static size_t *sorted_index(gguf_file *g, size_t n, int (*cmp)(const void *, const void *, void *))
{
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return NULL;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    qsort_r(idx, n, sizeof *idx, cmp, g);
    return idx;
}

/* Sorting by name finds duplicates; the message names the later occurrence. */
static bool check_unique(cursor *c, gguf_file *g, const uint64_t *kv_at, const uint64_t *t_at)
{
    if (!(g->kv_sorted = sorted_index(g, g->n_kv, cmp_kv)) ||
        !(g->t_sorted = sorted_index(g, g->n_tensors, cmp_tensor)))
        return fail_at(c, 0, "out of memory");
    for (size_t i = 1; i < g->n_kv; i++) {
        size_t a = g->kv_sorted[i - 1], b = g->kv_sorted[i];
        if (!strcmp(g->kv[a].key, g->kv[b].key))
            return fail_at(c, kv_at[a > b ? a : b], "duplicate key '%s'", g->kv[a].key);
    }
    for (size_t i = 1; i < g->n_tensors; i++) {
        size_t a = g->t_sorted[i - 1], b = g->t_sorted[i];
        if (!strcmp(g->t[a].name, g->t[b].name))
            return fail_at(c, t_at[a > b ? a : b], "duplicate tensor name '%s'", g->t[a].name);
    }
    return true;
}

static bool read_alignment(cursor *c, gguf_file *g)
{
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    const gguf_kv *kv = gguf_find_kv(g, "general.alignment");
    if (!kv)
        return true;
    if (kv->type != GGUF_TYPE_UINT32)
        return fail_at(c, kv->offset, "general.alignment must be u32, not %s",
                       gguf_type_name(kv->type));
    memcpy(&g->alignment, kv->data, 4);
    if (!g->alignment || (g->alignment & (g->alignment - 1)))
        return fail_at(c, kv->offset, "general.alignment %u is not a power of two",
                       g->alignment);
    return true;
}

static bool place_tensors(cursor *c, gguf_file *g, const uint64_t *off_at)
{
    uint64_t a = g->alignment;
    g->data_off = (c->pos + a - 1) / a * a;
    uint64_t avail = g->data_off < c->size ? c->size - g->data_off : 0;
    for (size_t i = 0; i < g->n_tensors; i++) {
        gguf_tensor *t = &g->t[i];
        if (t->offset % a)
            return fail_at(c, off_at[i], "tensor '%s': data offset %" PRIu64 " is misaligned "
                           "(alignment %" PRIu64 ")", t->name, t->offset, a);
        if (t->offset > avail || t->nbytes > avail - t->offset)
            return fail_at(c, off_at[i], "tensor '%s': data [%" PRIu64 ", +%" PRIu64 ") "
                           "outside the file (data section holds %" PRIu64 " bytes)",
                           t->name, t->offset, t->nbytes, avail);
        t->data = c->base + g->data_off + t->offset;
    }
    size_t *order = sorted_index(g, g->n_tensors, cmp_data);
    if (!order)
        return fail_at(c, 0, "out of memory");
    bool ok = true;
    for (size_t i = 1; i < g->n_tensors && ok; i++) {
        const gguf_tensor *p = &g->t[order[i - 1]], *q = &g->t[order[i]];
        if (p->offset + p->nbytes > q->offset)
            ok = fail_at(c, off_at[order[i]], "tensor '%s': data overlaps tensor '%s'",
                         q->name, p->name);
    }
    free(order);
    return ok;
}

/* ------------------------------------------------------------ parse */

static bool parse_counts(cursor *c, gguf_file *g)
{
    char magic[4];
    uint64_t nt, nkv;   /* unsigned in the file: 2^64-1 is not -1 */
    if (!take(c, magic, 4, "magic"))
        return false;
    if (memcmp(magic, GGUF_MAGIC, 4))
        return fail_at(c, 0, "bad magic (not a GGUF file)");
    if (!take(c, &g->version, 4, "version"))
        return false;
    if (g->version != GGUF_VERSION)
        return fail_at(c, 4, "unsupported GGUF version %u (only %d is read)", g->version,
                       GGUF_VERSION);
    if (!take(c, &nt, 8, "tensor count") || !take(c, &nkv, 8, "metadata count"))
        return false;
    /* Each pair takes at least 13 bytes and each tensor info at least 32. */
    if (nt > left(c) / 32)
        return fail_at(c, 8, "tensor count %" PRIu64 " impossible for %zu bytes left",
                       nt, left(c));
    if (nkv > left(c) / 13)
        return fail_at(c, 16, "metadata count %" PRIu64 " impossible for %zu bytes left",
                       nkv, left(c));
    g->n_tensors = (size_t)nt;
    g->n_kv = (size_t)nkv;
    return true;
}

static bool parse(cursor *c, gguf_file *g)
{
    if (!parse_counts(c, g))
        return false;
    g->kv = calloc(g->n_kv ? g->n_kv : 1, sizeof *g->kv);
    g->t = calloc(g->n_tensors ? g->n_tensors : 1, sizeof *g->t);
    uint64_t *kv_at = malloc((g->n_kv + 1) * sizeof *kv_at);
    uint64_t *t_at = malloc((2 * g->n_tensors + 1) * sizeof *t_at);
    bool ok = g->kv && g->t && kv_at && t_at;
    if (!ok)
        fail_at(c, 0, "out of memory");
    for (size_t i = 0; ok && i < g->n_kv; i++) {
        kv_at[i] = c->pos;
        ok = parse_kv(c, &g->kv[i]);
    }
    uint64_t *off_at = t_at ? t_at + g->n_tensors : NULL;
    for (size_t i = 0; ok && i < g->n_tensors; i++) {
        t_at[i] = c->pos;
        ok = parse_tensor_info(c, &g->t[i], &off_at[i]);
    }
    ok = ok && check_unique(c, g, kv_at, t_at) && read_alignment(c, g) &&
         place_tensors(c, g, off_at);
    free(kv_at);
    free(t_at);
    return ok;
}

gguf_file *gguf_open_mem(const void *buf, size_t size, const char *name, char *err, size_t errlen)
{
    cursor c = {buf, size, 0, name ? name : "<memory>", err, errlen};
    gguf_file *g = calloc(1, sizeof *g);
    if (!g) {
        fail_at(&c, 0, "out of memory");
        return NULL;
    }
    g->base = buf;
    g->size = size;
    if (!parse(&c, g)) {
        gguf_close(g);
        return NULL;
    }
    return g;
}

gguf_file *gguf_open(const char *path, char *err, size_t errlen)
{
    const void *map;
    size_t size;
    if (mapped_file_open(path, &map, &size, err, errlen) != 0)
        return NULL;
    gguf_file *g = gguf_open_mem(map, size, path, err, errlen);
    if (!g) {
        mapped_file_close(map, size);
        return NULL;
    }
    g->mapped = true;
    return g;
}

void gguf_close(gguf_file *g)
{
    if (!g)
        return;
    for (size_t i = 0; g->kv && i < g->n_kv; i++) {
        free((void *)g->kv[i].key);
        free((void *)g->kv[i].str_at);
    }
    free(g->kv);
    free(g->t);
    free(g->kv_sorted);
    free(g->t_sorted);
    if (g->mapped)
        mapped_file_close(g->base, g->size);
    free(g);
}

/* ------------------------------------------------------------ lookups */

uint32_t gguf_version(const gguf_file *g) { return g->version; }
uint32_t gguf_alignment(const gguf_file *g) { return g->alignment; }
uint64_t gguf_data_offset(const gguf_file *g) { return g->data_off; }
uint64_t gguf_file_size(const gguf_file *g) { return g->size; }
size_t gguf_n_kv(const gguf_file *g) { return g->n_kv; }
size_t gguf_n_tensors(const gguf_file *g) { return g->n_tensors; }

const gguf_kv *gguf_kv_at(const gguf_file *g, size_t i)
{
    return i < g->n_kv ? &g->kv[i] : NULL;
}

const gguf_tensor *gguf_tensor_at(const gguf_file *g, size_t i)
{
    return i < g->n_tensors ? &g->t[i] : NULL;
}

const gguf_kv *gguf_find_kv(const gguf_file *g, const char *key)
{
    size_t lo = 0, hi = g->n_kv;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(key, g->kv[g->kv_sorted[mid]].key);
        if (!r)
            return &g->kv[g->kv_sorted[mid]];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const gguf_tensor *gguf_find_tensor(const gguf_file *g, const char *name)
{
    size_t lo = 0, hi = g->n_tensors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(name, g->t[g->t_sorted[mid]].name);
        if (!r)
            return &g->t[g->t_sorted[mid]];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* ------------------------------------------------------------ values */

/* Reads one numeric element of type T at P as an integer or a double. */
static bool num_int(gguf_type t, const uint8_t *p, int64_t *out)
{
    union { uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32;
            uint64_t u64; int64_t i64; } v;
    size_t n = scalar_size(t);
    if (!n || t == GGUF_TYPE_FLOAT32 || t == GGUF_TYPE_FLOAT64 || t == GGUF_TYPE_BOOL)
        return false;
    memcpy(&v, p, n);
    switch (t) {
    case GGUF_TYPE_UINT8: *out = v.u8; break;
    case GGUF_TYPE_INT8: *out = v.i8; break;
    case GGUF_TYPE_UINT16: *out = v.u16; break;
    case GGUF_TYPE_INT16: *out = v.i16; break;
    case GGUF_TYPE_UINT32: *out = v.u32; break;
    case GGUF_TYPE_INT32: *out = v.i32; break;
    case GGUF_TYPE_INT64: *out = v.i64; break;
    default:
        if (v.u64 > INT64_MAX)
            return false;
        *out = (int64_t)v.u64;
    }
    return true;
}

static bool num_float(gguf_type t, const uint8_t *p, double *out)
{
    if (t == GGUF_TYPE_FLOAT32) {
        float f;
        memcpy(&f, p, 4);
        *out = f;
        return true;
    }
    if (t == GGUF_TYPE_FLOAT64) {
        memcpy(out, p, 8);
        return true;
    }
    int64_t i;
    if (!num_int(t, p, &i))
        return false;
    *out = (double)i;
    return true;
}

bool gguf_kv_int(const gguf_kv *kv, int64_t *out)
{
    return kv && num_int(kv->type, kv->data, out);
}

bool gguf_kv_float(const gguf_kv *kv, double *out)
{
    return kv && (kv->type == GGUF_TYPE_FLOAT32 || kv->type == GGUF_TYPE_FLOAT64) &&
           num_float(kv->type, kv->data, out);
}

bool gguf_kv_bool(const gguf_kv *kv, bool *out)
{
    if (!kv || kv->type != GGUF_TYPE_BOOL)
        return false;
    *out = kv->data[0] != 0;
    return true;
}

static void str_at(const uint8_t *p, const char **s, size_t *len)
{
    uint64_t n;
    memcpy(&n, p, 8);
    *s = (const char *)p + 8;
    *len = (size_t)n;
}

bool gguf_kv_str(const gguf_kv *kv, const char **s, size_t *len)
{
    if (!kv || kv->type != GGUF_TYPE_STRING)
        return false;
    str_at(kv->data, s, len);
    return true;
}

static bool is_arr_of(const gguf_kv *kv, uint64_t i)
{
    return kv && kv->type == GGUF_TYPE_ARRAY && i < kv->n;
}

bool gguf_kv_arr_str(const gguf_kv *kv, uint64_t i, const char **s, size_t *len)
{
    if (!is_arr_of(kv, i) || kv->arr_type != GGUF_TYPE_STRING)
        return false;
    str_at(kv->data + kv->str_at[i], s, len);
    return true;
}

bool gguf_kv_arr_int(const gguf_kv *kv, uint64_t i, int64_t *out)
{
    return is_arr_of(kv, i) && num_int(kv->arr_type, kv->data + i * scalar_size(kv->arr_type), out);
}

bool gguf_kv_arr_float(const gguf_kv *kv, uint64_t i, double *out)
{
    return is_arr_of(kv, i) &&
           num_float(kv->arr_type, kv->data + i * scalar_size(kv->arr_type), out);
}

bool gguf_kv_arr_f32(const gguf_kv *kv, float *out)
{
    if (!kv || kv->type != GGUF_TYPE_ARRAY)
        return false;
    if (kv->arr_type == GGUF_TYPE_FLOAT32) {
        memcpy(out, kv->data, (size_t)kv->n * 4);
        return true;
    }
    for (uint64_t i = 0; i < kv->n; i++) {
        double d;
        if (!gguf_kv_arr_float(kv, i, &d))
            return false;
        out[i] = (float)d;
    }
    return true;
}

bool gguf_get_int(const gguf_file *g, const char *key, int64_t *out)
{
    return gguf_kv_int(gguf_find_kv(g, key), out);
}

bool gguf_get_float(const gguf_file *g, const char *key, double *out)
{
    return gguf_kv_float(gguf_find_kv(g, key), out);
}

bool gguf_get_bool(const gguf_file *g, const char *key, bool *out)
{
    return gguf_kv_bool(gguf_find_kv(g, key), out);
}

bool gguf_get_str(const gguf_file *g, const char *key, const char **s, size_t *len)
{
    return gguf_kv_str(gguf_find_kv(g, key), s, len);
}

bool gguf_get_strz(const gguf_file *g, const char *key, char *buf, size_t buflen)
{
    const char *s;
    size_t len;
    if (!gguf_get_str(g, key, &s, &len) || len >= buflen)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}
