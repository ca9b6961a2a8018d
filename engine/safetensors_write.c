/* safetensors_write.c - the safetensors writer: a compact JSON header padded
 * with spaces to a multiple of 8 (as the reference serializer does), tensors
 * packed back to back in the order they were added, written atomically. */
#include "config.h"

#include "safetensors.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "gguf.h"
#include "quant.h"

typedef struct {
    char *name;
    st_dtype dtype, src;
    int n_dims;
    int64_t shape[ST_MAX_DIMS];
    int64_t n_elems;
    const void *data;
} wtensor;

struct st_writer {
    wtensor *t;
    size_t n, cap;
    json_t *meta;
    char err[256];
};

__attribute__((format(printf, 2, 3)))
static int wfail(st_writer *w, const char *fmt, ...)
{
    if (!w->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->err, sizeof w->err, fmt, ap);
        va_end(ap);
    }
    return -1;
}

st_writer *st_writer_new(void)
{
    st_writer *w = calloc(1, sizeof *w);
    if (w && !(w->meta = json_object())) {
        free(w);
        return NULL;
    }
    return w;
}

void st_writer_free(st_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        free(w->t[i].name);
    free(w->t);
    json_decref(w->meta);
    free(w);
}

int st_writer_set_metadata(st_writer *w, const char *key, const char *value)
{
    json_t *v = json_string(value);
    if (!v || json_object_set_new(w->meta, key, v) != 0)
        return wfail(w, "metadata '%s': not valid UTF-8 or out of memory", key);
    return 0;
}

static int check(st_writer *w, const char *name, st_dtype dtype, int n_dims,
                 const int64_t *shape, st_dtype src, int64_t *n_elems)
{
    if (!strcmp(name, "__metadata__") || !*name)
        return wfail(w, "'%s' is not a tensor name", name);
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->t[i].name, name))
            return wfail(w, "tensor '%s' added twice", name);
    if ((unsigned)dtype >= ST_DTYPE_COUNT || n_dims < 0 || n_dims > ST_MAX_DIMS)
        return wfail(w, "tensor '%s': bad dtype or rank", name);
    if (src != dtype && !(src == ST_F32 && (dtype == ST_F16 || dtype == ST_BF16)))
        return wfail(w, "tensor '%s': cannot convert %s to %s", name, st_dtype_name(src),
                     st_dtype_name(dtype));
    *n_elems = 1;
    for (int d = 0; d < n_dims; d++) {
        if (shape[d] < 0 || (shape[d] && *n_elems > INT64_MAX / 8 / shape[d]))
            return wfail(w, "tensor '%s': bad shape[%d]=%lld", name, d, (long long)shape[d]);
        *n_elems *= shape[d];
    }
    return 0;
}

int st_writer_add(st_writer *w, const char *name, st_dtype dtype, int n_dims,
                  const int64_t *shape, const void *data, st_dtype src)
{
    int64_t n_elems = 0;
    if (check(w, name, dtype, n_dims, shape, src, &n_elems) != 0)
        return -1;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        wtensor *t = realloc(w->t, cap * sizeof *t);
        if (!t)
            return wfail(w, "out of memory");
        w->t = t;
        w->cap = cap;
    }
    wtensor *t = &w->t[w->n];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(name)))
        return wfail(w, "out of memory");
    w->n++;
    t->dtype = dtype;
    t->src = src;
    t->n_dims = n_dims;
    memcpy(t->shape, shape, (size_t)n_dims * sizeof *shape);
    t->n_elems = n_elems;
    t->data = data;
    return 0;
}

static json_t *tensor_entry(const wtensor *t, uint64_t begin, uint64_t end)
{
    json_t *shape = json_array();
    for (int d = 0; shape && d < t->n_dims; d++)
        json_array_append_new(shape, json_integer(t->shape[d]));
    return json_pack("{s:s, s:o, s:[I,I]}", "dtype", st_dtype_name(t->dtype), "shape", shape,
                     "data_offsets", (json_int_t)begin, (json_int_t)end);
}

/* The header text, space-padded so the buffer starts 8-byte aligned. */
static char *header_text(st_writer *w, size_t *len)
{
    json_t *h = json_object();
    if (h && json_object_size(w->meta))
        json_object_set(h, "__metadata__", w->meta);
    uint64_t off = 0;
    for (size_t i = 0; h && i < w->n; i++) {
        uint64_t bytes = (uint64_t)w->t[i].n_elems * st_dtype_size(w->t[i].dtype);
        json_t *e = tensor_entry(&w->t[i], off, off + bytes);
        if (!e || json_object_set_new(h, w->t[i].name, e) != 0) {
            json_decref(h);
            return NULL;
        }
        off += bytes;
    }
    char *s = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    if (!s)
        return NULL;
    size_t n = strlen(s), padded = (n + 7) / 8 * 8;
    char *p = realloc(s, padded + 1);
    if (!p) {
        free(s);
        return NULL;
    }
    memset(p + n, ' ', padded - n);
    p[padded] = '\0';
    *len = padded;
    return p;
}

static bool write_data(const wtensor *t, FILE *fp)
{
    size_t esz = st_dtype_size(t->dtype);
    if (t->src == t->dtype)
        return fwrite(t->data, esz, (size_t)t->n_elems, fp) == (size_t)t->n_elems;
    enum { CHUNK = 4096 };
    uint16_t out[CHUNK];
    int type = t->dtype == ST_F16 ? GGML_TYPE_F16 : GGML_TYPE_BF16;
    const float *src = t->data;
    for (int64_t i = 0; i < t->n_elems; i += CHUNK) {
        int64_t n = t->n_elems - i < CHUNK ? t->n_elems - i : CHUNK;
        if (quant_quantize_row(type, src + i, out, n) != 0 ||
            fwrite(out, 2, (size_t)n, fp) != (size_t)n)
            return false;
    }
    return true;
}

int st_writer_write(st_writer *w, const char *path, char *err, size_t errlen)
{
    if (w->err[0]) {
        snprintf(err, errlen, "%s: %s", path, w->err);
        return -1;
    }
    size_t hlen;
    char *h = header_text(w, &hlen);
    if (!h) {
        snprintf(err, errlen, "%s: cannot build the header (out of memory?)", path);
        return -1;
    }
    atomic_file af;
    if (atomic_file_open(&af, path, err, errlen) != 0) {
        free(h);
        return -1;
    }
    uint64_t n = hlen;
    bool ok = fwrite(&n, 8, 1, af.fp) == 1 && fwrite(h, 1, hlen, af.fp) == hlen;
    free(h);
    for (size_t i = 0; ok && i < w->n; i++)
        ok = write_data(&w->t[i], af.fp);
    if (!ok) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af, err, errlen);
}
