/* safetensors.c - the safetensors reader: header length, JSON header through
 * jansson (duplicate keys rejected), and per-tensor validation against the
 * mapped buffer. */
#include "config.h"

#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf.h"
#include "quant.h"

struct st_file {
    const uint8_t *base;
    size_t size;
    bool mapped;
    json_t *header;             /* owns the names the tensors point at */
    st_tensor *t;               /* ordered by begin offset */
    size_t n;
    size_t *by_name;            /* indices ordered by name, for bsearch */
    const char **meta_key, **meta_val;
    size_t n_meta;
};

static const struct { const char *name; unsigned size; } dtypes[ST_DTYPE_COUNT] = {
    [ST_BOOL] = {"BOOL", 1}, [ST_U8] = {"U8", 1},   [ST_I8] = {"I8", 1},
    [ST_I16] = {"I16", 2},   [ST_U16] = {"U16", 2}, [ST_F16] = {"F16", 2},
    [ST_BF16] = {"BF16", 2}, [ST_I32] = {"I32", 4}, [ST_U32] = {"U32", 4},
    [ST_F32] = {"F32", 4},   [ST_F64] = {"F64", 8}, [ST_I64] = {"I64", 8},
    [ST_U64] = {"U64", 8},   [ST_F8_E4M3] = {"F8_E4M3", 1}, [ST_F8_E5M2] = {"F8_E5M2", 1},
};

const char *st_dtype_name(st_dtype d)
{
    return (unsigned)d < ST_DTYPE_COUNT ? dtypes[d].name : "?";
}

size_t st_dtype_size(st_dtype d)
{
    return (unsigned)d < ST_DTYPE_COUNT ? dtypes[d].size : 0;
}

int st_dtype_from_name(const char *name)
{
    for (int i = 0; i < ST_DTYPE_COUNT; i++)
        if (!strcmp(dtypes[i].name, name))
            return i;
    return -1;
}

/* ------------------------------------------------------------ validation */

typedef struct {
    const char *name;
    char *err;
    size_t errlen;
} ctx;

__attribute__((format(printf, 3, 4)))
static bool fail_at(const ctx *c, uint64_t off, const char *fmt, ...)
{
    int n = snprintf(c->err, c->errlen, "%s: offset %" PRIu64 ": ", c->name, off);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* A JSON integer in [0, 2^63). */
static bool get_u63(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static bool parse_shape(const ctx *c, const char *name, json_t *shape, st_tensor *t)
{
    if (!json_is_array(shape) || json_array_size(shape) > ST_MAX_DIMS)
        return fail_at(c, 8, "tensor '%s': shape must be an array of at most %d sizes",
                       name, ST_MAX_DIMS);
    t->n_dims = (int)json_array_size(shape);
    t->n_elems = 1;
    for (int d = 0; d < t->n_dims; d++) {
        uint64_t v;
        if (!get_u63(json_array_get(shape, (size_t)d), &v))
            return fail_at(c, 8, "tensor '%s': shape[%d] is not a non-negative integer",
                           name, d);
        t->shape[d] = (int64_t)v;
        if (v && (uint64_t)t->n_elems > (uint64_t)INT64_MAX / v)
            return fail_at(c, 8, "tensor '%s': shape overflows 2^63 elements", name);
        t->n_elems *= (int64_t)v;
    }
    return true;
}

static bool parse_tensor(const ctx *c, const char *name, json_t *v, uint64_t buf_size,
                         st_tensor *t)
{
    json_t *dt = json_object_get(v, "dtype"), *offs = json_object_get(v, "data_offsets");
    if (!json_is_object(v) || !json_is_string(dt))
        return fail_at(c, 8, "tensor '%s': expected an object with a dtype string", name);
    int d = st_dtype_from_name(json_string_value(dt));
    if (d < 0)
        return fail_at(c, 8, "tensor '%s': unknown dtype '%s'", name, json_string_value(dt));
    t->name = name;
    t->dtype = (st_dtype)d;
    if (!parse_shape(c, name, json_object_get(v, "shape"), t))
        return false;
    if (!json_is_array(offs) || json_array_size(offs) != 2 ||
        !get_u63(json_array_get(offs, 0), &t->begin) ||
        !get_u63(json_array_get(offs, 1), &t->end) || t->begin > t->end)
        return fail_at(c, 8, "tensor '%s': data_offsets must be [begin, end] with "
                       "0 <= begin <= end", name);
    if (t->end > buf_size)
        return fail_at(c, 8, "tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 ") outside "
                       "the %" PRIu64 "-byte buffer", name, t->begin, t->end, buf_size);
    uint64_t want;
    if (__builtin_mul_overflow((uint64_t)t->n_elems, (uint64_t)dtypes[d].size, &want) ||
        want != t->end - t->begin)
        return fail_at(c, 8, "tensor '%s': %" PRId64 " %s elements need %" PRIu64 " bytes, "
                       "data_offsets span %" PRIu64, name, t->n_elems, dtypes[d].name,
                       (uint64_t)t->n_elems * dtypes[d].size, t->end - t->begin);
    return true;
}

static bool parse_metadata(const ctx *c, st_file *f, json_t *meta)
{
    if (!json_is_object(meta))
        return fail_at(c, 8, "__metadata__ must be an object of strings");
    size_t n = json_object_size(meta);
    f->meta_key = calloc(n ? n : 1, sizeof *f->meta_key);
    f->meta_val = calloc(n ? n : 1, sizeof *f->meta_val);
    if (!f->meta_key || !f->meta_val)
        return fail_at(c, 0, "out of memory");
    const char *k;
    json_t *v;
    json_object_foreach(meta, k, v) {
        if (!json_is_string(v))
            return fail_at(c, 8, "__metadata__ value for '%s' is not a string", k);
        f->meta_key[f->n_meta] = k;
        f->meta_val[f->n_meta++] = json_string_value(v);
    }
    return true;
}

static int cmp_begin(const void *a, const void *b)
{
    const st_tensor *x = a, *y = b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static int cmp_name(const void *a, const void *b, void *arg)
{
    const st_tensor *t = arg;
    return strcmp(t[*(const size_t *)a].name, t[*(const size_t *)b].name);
}

static bool index_tensors(const ctx *c, st_file *f, const uint8_t *buf)
{
    qsort(f->t, f->n, sizeof *f->t, cmp_begin);
    for (size_t i = 0; i < f->n; i++) {
        f->t[i].data = buf + f->t[i].begin;
        if (i && f->t[i].begin < f->t[i - 1].end)
            return fail_at(c, 8, "tensor '%s' overlaps tensor '%s'", f->t[i].name,
                           f->t[i - 1].name);
    }
    f->by_name = malloc((f->n ? f->n : 1) * sizeof *f->by_name);
    if (!f->by_name)
        return fail_at(c, 0, "out of memory");
    for (size_t i = 0; i < f->n; i++)
        f->by_name[i] = i;
    qsort_r(f->by_name, f->n, sizeof *f->by_name, cmp_name, f->t);
    return true;
}

static bool parse_header(const ctx *c, st_file *f)
{
    uint64_t hlen;
    if (f->size < 8)
        return fail_at(c, 0, "truncated: %zu bytes, the header length needs 8", f->size);
    memcpy(&hlen, f->base, 8);
    if (hlen > ST_MAX_HEADER || hlen > f->size - 8)
        return fail_at(c, 0, "header length %" PRIu64 " exceeds the file (%zu bytes) or the "
                       "%u-byte limit", hlen, f->size, ST_MAX_HEADER);
    if (hlen < 2 || f->base[8] != '{')
        return fail_at(c, 8, "header is not a JSON object");
    json_error_t jerr;
    f->header = json_loadb((const char *)f->base + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
    /* jansson's position is just past the offending byte. */
    if (!f->header)
        return fail_at(c, 8 + (uint64_t)(jerr.position ? jerr.position - 1 : 0),
                       "bad JSON header: %s", jerr.text);
    if (!json_is_object(f->header))
        return fail_at(c, 8, "header is not a JSON object");
    size_t n = json_object_size(f->header);
    f->t = calloc(n ? n : 1, sizeof *f->t);
    if (!f->t)
        return fail_at(c, 0, "out of memory");
    uint64_t buf_size = f->size - 8 - hlen;
    const char *k;
    json_t *v;
    json_object_foreach(f->header, k, v) {
        bool ok = !strcmp(k, "__metadata__") ? parse_metadata(c, f, v)
                                               : parse_tensor(c, k, v, buf_size, &f->t[f->n++]);
        if (!ok)
            return false;
    }
    return index_tensors(c, f, f->base + 8 + hlen);
}

/* ------------------------------------------------------------ open/close */

st_file *st_open_mem(const void *buf, size_t size, const char *name, char *err, size_t errlen)
{
    ctx c = {name ? name : "<memory>", err, errlen};
    st_file *f = calloc(1, sizeof *f);
    if (!f) {
        fail_at(&c, 0, "out of memory");
        return NULL;
    }
    f->base = buf;
    f->size = size;
    if (!parse_header(&c, f)) {
        st_close(f);
        return NULL;
    }
    return f;
}

st_file *st_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    void *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: cannot map %zu bytes: %s", path, size, strerror(errno));
        return NULL;
    }
    st_file *f = st_open_mem(map, size, path, err, errlen);
    if (!f) {
        if (map)
            munmap(map, size);
        return NULL;
    }
    f->mapped = true;
    return f;
}

void st_close(st_file *f)
{
    if (!f)
        return;
    if (f->mapped && f->size)
        munmap((void *)f->base, f->size);
    json_decref(f->header);
    free(f->t);
    free(f->by_name);
    free(f->meta_key);
    free(f->meta_val);
    free(f);
}

/* ------------------------------------------------------------ lookups */

size_t st_n_tensors(const st_file *f) { return f->n; }

const st_tensor *st_tensor_at(const st_file *f, size_t i)
{
    return i < f->n ? &f->t[i] : NULL;
}

const st_tensor *st_find(const st_file *f, const char *name)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const st_tensor *t = &f->t[f->by_name[mid]];
        int r = strcmp(name, t->name);
        if (!r)
            return t;
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *st_metadata(const st_file *f, const char *key)
{
    for (size_t i = 0; i < f->n_meta; i++)
        if (!strcmp(f->meta_key[i], key))
            return f->meta_val[i];
    return NULL;
}

size_t st_n_metadata(const st_file *f) { return f->n_meta; }

bool st_metadata_at(const st_file *f, size_t i, const char **key, const char **value)
{
    if (i >= f->n_meta)
        return false;
    *key = f->meta_key[i];
    *value = f->meta_val[i];
    return true;
}

int st_to_f32(const st_tensor *t, float *out)
{
    switch (t->dtype) {
    case ST_F32: return quant_dequantize_row(GGML_TYPE_F32, t->data, out, t->n_elems);
    case ST_F16: return quant_dequantize_row(GGML_TYPE_F16, t->data, out, t->n_elems);
    case ST_BF16: return quant_dequantize_row(GGML_TYPE_BF16, t->data, out, t->n_elems);
    default: return -1;
    }
}
