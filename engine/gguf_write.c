/* gguf_write.c - the GGUF v3 writer. Values are serialized when set, so the
 * write itself is a straight copy; tensors are converted row by row while
 * writing so that a model never needs a second full copy in memory. */
#include "config.h"

#include "gguf_write.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "bytebuf.h"
#include "quant.h"

typedef struct {
    char *key;
    bytebuf val;            /* int32 type, then the value as stored */
} wkv;

typedef struct {
    char name[GGUF_NAME_MAX];
    int type, src_type;
    uint32_t n_dims;
    int64_t ne[GGUF_MAX_DIMS];
    const void *data;
    uint64_t nbytes, offset;
} wtensor;

struct gguf_writer {
    uint32_t align;
    wkv *kv;
    size_t n_kv, cap_kv;
    wtensor *t;
    size_t n_t, cap_t;
    char err[256];
};

__attribute__((format(printf, 2, 3)))
static int wfail(gguf_writer *w, const char *fmt, ...)
{
    if (!w->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->err, sizeof w->err, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool put_u64(bytebuf *b, uint64_t v) { return bytebuf_put(b, &v, 8); }
static bool put_i32(bytebuf *b, int32_t v) { return bytebuf_put(b, &v, 4); }

static bool put_str(bytebuf *b, const char *s, size_t len)
{
    return put_u64(b, len) && bytebuf_put(b, s, len);
}

gguf_writer *gguf_writer_new(uint32_t alignment)
{
    if (alignment & (alignment - 1))
        return NULL;
    gguf_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->align = alignment ? alignment : GGUF_DEFAULT_ALIGNMENT;
    if (alignment && alignment != GGUF_DEFAULT_ALIGNMENT &&
        gguf_writer_set_u32(w, "general.alignment", alignment) != 0) {
        gguf_writer_free(w);
        return NULL;
    }
    return w;
}

void gguf_writer_free(gguf_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_kv; i++) {
        free(w->kv[i].key);
        free(w->kv[i].val.p);
    }
    free(w->kv);
    free(w->t);
    free(w);
}

/* ------------------------------------------------------------ metadata */

/* Installs VAL (ownership passes) under KEY, replacing an earlier value. */
static int install(gguf_writer *w, const char *key, bytebuf val)
{
    for (size_t i = 0; i < w->n_kv; i++) {
        if (!strcmp(w->kv[i].key, key)) {
            free(w->kv[i].val.p);
            w->kv[i].val = val;
            return 0;
        }
    }
    if (w->n_kv == w->cap_kv) {
        size_t cap = w->cap_kv ? 2 * w->cap_kv : 32;
        wkv *kv = realloc(w->kv, cap * sizeof *kv);
        if (!kv) {
            free(val.p);
            return wfail(w, "out of memory");
        }
        w->kv = kv;
        w->cap_kv = cap;
    }
    char *k = strdup(key);
    if (!k) {
        free(val.p);
        return wfail(w, "out of memory");
    }
    w->kv[w->n_kv++] = (wkv){k, val};
    return 0;
}

static size_t scalar_bytes(gguf_type t)
{
    static const unsigned char sizes[GGUF_TYPE_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    return (unsigned)t < GGUF_TYPE_COUNT ? sizes[t] : 0;
}

int gguf_writer_set_scalar(gguf_writer *w, const char *key, gguf_type type, const void *val)
{
    if (type == GGUF_TYPE_STRING)
        return gguf_writer_set_str(w, key, val, strlen(val));
    size_t n = scalar_bytes(type);
    if (!n)
        return wfail(w, "key '%s': %s is not a scalar type", key, gguf_type_name(type));
    bytebuf b = {0};
    if (!put_i32(&b, type) || !bytebuf_put(&b, val, n)) {
        free(b.p);
        return wfail(w, "out of memory");
    }
    return install(w, key, b);
}

int gguf_writer_set_u32(gguf_writer *w, const char *key, uint32_t v)
{
    return gguf_writer_set_scalar(w, key, GGUF_TYPE_UINT32, &v);
}

int gguf_writer_set_i32(gguf_writer *w, const char *key, int32_t v)
{
    return gguf_writer_set_scalar(w, key, GGUF_TYPE_INT32, &v);
}

int gguf_writer_set_f32(gguf_writer *w, const char *key, float v)
{
    return gguf_writer_set_scalar(w, key, GGUF_TYPE_FLOAT32, &v);
}

int gguf_writer_set_bool(gguf_writer *w, const char *key, bool v)
{
    uint8_t b = v;
    return gguf_writer_set_scalar(w, key, GGUF_TYPE_BOOL, &b);
}

int gguf_writer_set_str(gguf_writer *w, const char *key, const char *s, size_t len)
{
    bytebuf b = {0};
    if (!put_i32(&b, GGUF_TYPE_STRING) || !put_str(&b, s, len)) {
        free(b.p);
        return wfail(w, "out of memory");
    }
    return install(w, key, b);
}

int gguf_writer_set_arr(gguf_writer *w, const char *key, gguf_type type, const void *elems,
                        size_t n)
{
    if (type == GGUF_TYPE_ARRAY || (type != GGUF_TYPE_STRING && !scalar_bytes(type)))
        return wfail(w, "key '%s': arrays of %s are not allowed", key, gguf_type_name(type));
    if (type == GGUF_TYPE_STRING)
        return gguf_writer_set_strs(w, key, elems, NULL, n);
    bytebuf b = {0};
    if (!put_i32(&b, GGUF_TYPE_ARRAY) || !put_i32(&b, type) || !put_u64(&b, n) ||
        !bytebuf_put(&b, elems, n * scalar_bytes(type))) {
        free(b.p);
        return wfail(w, "out of memory");
    }
    return install(w, key, b);
}

int gguf_writer_set_strs(gguf_writer *w, const char *key, const char *const *strs,
                         const size_t *lens, size_t n)
{
    bytebuf b = {0};
    bool ok = put_i32(&b, GGUF_TYPE_ARRAY) && put_i32(&b, GGUF_TYPE_STRING) && put_u64(&b, n);
    for (size_t i = 0; ok && i < n; i++)
        ok = put_str(&b, strs[i], lens ? lens[i] : strlen(strs[i]));
    if (!ok) {
        free(b.p);
        return wfail(w, "out of memory");
    }
    return install(w, key, b);
}

/* Bytes of a validated array value as stored in a file. */
static size_t stored_array_bytes(const gguf_kv *kv)
{
    if (kv->arr_type != GGUF_TYPE_STRING)
        return (size_t)kv->n * scalar_bytes(kv->arr_type);
    if (!kv->n)
        return 0;
    uint64_t len;
    memcpy(&len, kv->data + kv->str_at[kv->n - 1], 8);
    return (size_t)(kv->str_at[kv->n - 1] + 8 + len);
}

int gguf_writer_copy_kv(gguf_writer *w, const gguf_kv *kv)
{
    const char *s;
    size_t len;
    if (kv->type == GGUF_TYPE_STRING && gguf_kv_str(kv, &s, &len))
        return gguf_writer_set_str(w, kv->key, s, len);
    if (kv->type != GGUF_TYPE_ARRAY)
        return gguf_writer_set_scalar(w, kv->key, kv->type, kv->data);
    bytebuf b = {0};
    if (!put_i32(&b, GGUF_TYPE_ARRAY) || !put_i32(&b, kv->arr_type) || !put_u64(&b, kv->n) ||
        !bytebuf_put(&b, kv->data, stored_array_bytes(kv))) {
        free(b.p);
        return wfail(w, "out of memory");
    }
    return install(w, kv->key, b);
}

/* ------------------------------------------------------------ tensors */

static int check_tensor(gguf_writer *w, const char *name, int type, uint32_t n_dims,
                        const int64_t *ne, int src_type)
{
    int blck, bsz;
    if (strlen(name) >= GGUF_NAME_MAX)
        return wfail(w, "tensor '%s': name longer than %d bytes", name, GGUF_NAME_MAX - 1);
    for (size_t i = 0; i < w->n_t; i++)
        if (!strcmp(w->t[i].name, name))
            return wfail(w, "tensor '%s' added twice", name);
    if (n_dims < 1 || n_dims > GGUF_MAX_DIMS)
        return wfail(w, "tensor '%s': n_dims %u not in 1..%d", name, n_dims, GGUF_MAX_DIMS);
    if (!ggml_type_info(type, &blck, &bsz))
        return wfail(w, "tensor '%s': unknown type %d", name, type);
    if (src_type != type && !(src_type == GGML_TYPE_F32 && quant_can_quantize(type)))
        return wfail(w, "tensor '%s': cannot convert %s to %s", name,
                     ggml_type_name(src_type), ggml_type_name(type));
    int64_t n = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
        if (ne[d] < 0 || (ne[d] && n > INT64_MAX / 8 / ne[d]))
            return wfail(w, "tensor '%s': bad dimension ne[%u]=%lld", name, d, (long long)ne[d]);
        n *= ne[d];
    }
    if (ne[0] % blck)
        return wfail(w, "tensor '%s': ne[0]=%lld is not a multiple of the %s block size %d",
                     name, (long long)ne[0], ggml_type_name(type), blck);
    return 0;
}

int gguf_writer_add_tensor(gguf_writer *w, const char *name, int type, uint32_t n_dims,
                           const int64_t *ne, const void *data, int src_type)
{
    if (check_tensor(w, name, type, n_dims, ne, src_type) != 0)
        return -1;
    if (w->n_t == w->cap_t) {
        size_t cap = w->cap_t ? 2 * w->cap_t : 64;
        wtensor *t = realloc(w->t, cap * sizeof *t);
        if (!t)
            return wfail(w, "out of memory");
        w->t = t;
        w->cap_t = cap;
    }
    wtensor *t = &w->t[w->n_t++];
    memset(t, 0, sizeof *t);
    strcpy(t->name, name);
    t->type = type;
    t->src_type = src_type;
    t->n_dims = n_dims;
    t->data = data;
    int64_t rows = 1;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) {
        t->ne[d] = d < n_dims ? ne[d] : 1;
        if (d)
            rows *= t->ne[d];
    }
    t->nbytes = (uint64_t)ggml_row_bytes(type, t->ne[0]) * (uint64_t)rows;
    return 0;
}

/* ------------------------------------------------------------ writing */

static uint64_t pad_to(uint64_t n, uint64_t a) { return (n + a - 1) / a * a; }

static bool write_zeros(FILE *fp, uint64_t n)
{
    static const uint8_t zeros[256];
    while (n) {
        size_t k = n < sizeof zeros ? (size_t)n : sizeof zeros;
        if (fwrite(zeros, 1, k, fp) != k)
            return false;
        n -= k;
    }
    return true;
}

static bool write_header(gguf_writer *w, FILE *fp)
{
    uint32_t version = GGUF_VERSION;
    int64_t counts[2] = {(int64_t)w->n_t, (int64_t)w->n_kv};
    uint64_t pos = 4 + 4 + 16;
    bool ok = fwrite(GGUF_MAGIC, 1, 4, fp) == 4 && fwrite(&version, 4, 1, fp) == 1 &&
              fwrite(counts, 8, 2, fp) == 2;
    for (size_t i = 0; ok && i < w->n_kv; i++) {
        uint64_t len = strlen(w->kv[i].key);
        ok = fwrite(&len, 8, 1, fp) == 1 && fwrite(w->kv[i].key, 1, len, fp) == len &&
             fwrite(w->kv[i].val.p, 1, w->kv[i].val.len, fp) == w->kv[i].val.len;
        pos += 8 + len + w->kv[i].val.len;
    }
    uint64_t off = 0;
    for (size_t i = 0; ok && i < w->n_t; i++) {
        wtensor *t = &w->t[i];
        uint64_t len = strlen(t->name);
        int32_t type = t->type;
        t->offset = off;
        off += pad_to(t->nbytes, w->align);
        ok = fwrite(&len, 8, 1, fp) == 1 && fwrite(t->name, 1, len, fp) == len &&
             fwrite(&t->n_dims, 4, 1, fp) == 1 && fwrite(t->ne, 8, t->n_dims, fp) == t->n_dims &&
             fwrite(&type, 4, 1, fp) == 1 && fwrite(&t->offset, 8, 1, fp) == 1;
        pos += 8 + len + 4 + 8 * (uint64_t)t->n_dims + 4 + 8;
    }
    /* llama.cpp pads to the data section only when there is one. */
    return ok && (!w->n_t || write_zeros(fp, pad_to(pos, w->align) - pos));
}

/* Converts and writes one tensor a row at a time. */
static bool write_tensor(gguf_writer *w, const wtensor *t, FILE *fp)
{
    bool ok = true;
    if (t->src_type == t->type) {
        ok = fwrite(t->data, 1, (size_t)t->nbytes, fp) == t->nbytes;
    } else if (t->ne[0] > 0) {
        size_t row_bytes = ggml_row_bytes(t->type, t->ne[0]);
        uint8_t *row = malloc(row_bytes);
        if (!row) {
            wfail(w, "out of memory converting '%s'", t->name);
            return false;
        }
        int64_t rows = (int64_t)(t->nbytes / row_bytes);
        const float *src = t->data;
        for (int64_t r = 0; ok && r < rows; r++)
            ok = quant_quantize_row(t->type, src + r * t->ne[0], row, t->ne[0]) == 0 &&
                 fwrite(row, 1, row_bytes, fp) == row_bytes;
        free(row);
    }
    return ok && write_zeros(fp, pad_to(t->nbytes, w->align) - t->nbytes);
}

int gguf_writer_write(gguf_writer *w, const char *path, char *err, size_t errlen)
{
    if (w->err[0]) {
        snprintf(err, errlen, "%s: %s", path, w->err);
        return -1;
    }
    atomic_file af;
    if (atomic_file_open(&af, path, err, errlen) != 0)
        return -1;
    bool ok = write_header(w, af.fp);
    for (size_t i = 0; ok && i < w->n_t; i++)
        ok = write_tensor(w, &w->t[i], af.fp);
    if (!ok) {
        if (w->err[0])
            snprintf(err, errlen, "%s: %s", path, w->err);
        else
            snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af, err, errlen);
}
