/* safetensors.h - Hugging Face safetensors files and sharded model directories.
 *
 * A file is a u64 header length, a JSON header mapping tensor names to
 * {dtype, shape, data_offsets} (plus an optional "__metadata__" string map),
 * then the byte buffer. st_open() maps the file and validates every entry
 * (dtype known, offsets inside the buffer, size = elements x dtype size, no
 * two tensors overlapping) before handing out zero-copy pointers. Errors name
 * the file, the byte offset and the reason. */
#ifndef LATHE_SAFETENSORS_H
#define LATHE_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER (100u << 20)   /* the reference reader's limit */

typedef enum {
    ST_BOOL, ST_U8, ST_I8, ST_I16, ST_U16, ST_F16, ST_BF16, ST_I32, ST_U32, ST_F32,
    ST_F64, ST_I64, ST_U64, ST_F8_E4M3, ST_F8_E5M2,
    ST_DTYPE_COUNT
} st_dtype;

const char *st_dtype_name(st_dtype d);
size_t st_dtype_size(st_dtype d);
/* -1 for a name safetensors does not define. */
int st_dtype_from_name(const char *name);

typedef struct {
    const char *name;
    st_dtype dtype;
    int n_dims;
    int64_t shape[ST_MAX_DIMS];   /* row-major, outermost first */
    int64_t n_elems;
    uint64_t begin, end;          /* data_offsets, relative to the buffer */
    const void *data;             /* in the mapping; no alignment promised */
} st_tensor;

typedef struct st_file st_file;

st_file *st_open(const char *path, char *err, size_t errlen);
st_file *st_open_mem(const void *buf, size_t size, const char *name, char *err, size_t errlen);
void st_close(st_file *f);

size_t st_n_tensors(const st_file *f);
const st_tensor *st_tensor_at(const st_file *f, size_t i);   /* ordered by begin offset */
const st_tensor *st_find(const st_file *f, const char *name);
/* A "__metadata__" value, or NULL. */
const char *st_metadata(const st_file *f, const char *key);
size_t st_n_metadata(const st_file *f);
bool st_metadata_at(const st_file *f, size_t i, const char **key, const char **value);

/* Converts an F32, F16 or BF16 tensor to n_elems floats. -1 for another dtype. */
int st_to_f32(const st_tensor *t, float *out);

/* ------------------------------------------------------------ writing */

typedef struct st_writer st_writer;

st_writer *st_writer_new(void);
void st_writer_free(st_writer *w);
/* Each call returns 0, or -1 and records the first error for st_writer_write(). */
int st_writer_set_metadata(st_writer *w, const char *key, const char *value);
/* DATA holds n_elems elements of SRC: DTYPE itself (copied as is) or ST_F32,
 * converted to ST_F16 or ST_BF16 while writing. Not copied; keep it alive. */
int st_writer_add(st_writer *w, const char *name, st_dtype dtype, int n_dims,
                  const int64_t *shape, const void *data, st_dtype src);
/* Writes atomically; the header is padded with spaces to a multiple of 8. */
int st_writer_write(st_writer *w, const char *path, char *err, size_t errlen);

/* ------------------------------------------------------------ directories */

/* The tensors of a Hugging Face model directory: model.safetensors, or the
 * shards that model.safetensors.index.json's weight_map names. */
typedef struct st_model st_model;

st_model *st_model_open(const char *dir, char *err, size_t errlen);
void st_model_close(st_model *m);
size_t st_model_n_tensors(const st_model *m);
const st_tensor *st_model_tensor_at(const st_model *m, size_t i);
const st_tensor *st_model_find(const st_model *m, const char *name);
size_t st_model_n_shards(const st_model *m);

#endif
