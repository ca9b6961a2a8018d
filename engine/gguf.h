/* gguf.h - reading GGUF v3 model files (llama.cpp's format).
 *
 * gguf_open() maps the file read-only and validates the whole header up front:
 * every length, count, offset and size is checked against the mapping, so after
 * a successful open nothing this API hands out can point past the end of the
 * file. Tensor data is not copied: gguf_tensor.data points into the mapping and
 * lives as long as the gguf_file. Errors name the file, the byte offset and the
 * reason. The layout: magic "GGUF", version 3, tensor and key-value counts,
 * the key-value pairs, the tensor infos (name, dims in ggml's fastest-first
 * order, ggml type id, offset), then tensor data at general.alignment. */
#ifndef LATHE_GGUF_H
#define LATHE_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model_config.h"

#define GGUF_MAGIC "GGUF"
#define GGUF_VERSION 3
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS 4
#define GGUF_NAME_MAX 64          /* tensor names are shorter than this */

/* Metadata value types (the int32 stored before each value). */
typedef enum {
    GGUF_TYPE_UINT8 = 0, GGUF_TYPE_INT8 = 1, GGUF_TYPE_UINT16 = 2, GGUF_TYPE_INT16 = 3,
    GGUF_TYPE_UINT32 = 4, GGUF_TYPE_INT32 = 5, GGUF_TYPE_FLOAT32 = 6, GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8, GGUF_TYPE_ARRAY = 9, GGUF_TYPE_UINT64 = 10, GGUF_TYPE_INT64 = 11,
    GGUF_TYPE_FLOAT64 = 12,
    GGUF_TYPE_COUNT
} gguf_type;

/* Tensor element types (ggml ids). The reader knows the block geometry of all
 * of these, so a file holding any of them opens; quant.h says which ones the
 * engine can compute with (quant_can_dequantize). */
typedef enum {
    GGML_TYPE_F32 = 0, GGML_TYPE_F16 = 1, GGML_TYPE_Q4_0 = 2, GGML_TYPE_Q4_1 = 3,
    GGML_TYPE_Q5_0 = 6, GGML_TYPE_Q5_1 = 7, GGML_TYPE_Q8_0 = 8, GGML_TYPE_Q8_1 = 9,
    GGML_TYPE_Q2_K = 10, GGML_TYPE_Q3_K = 11, GGML_TYPE_Q4_K = 12, GGML_TYPE_Q5_K = 13,
    GGML_TYPE_Q6_K = 14, GGML_TYPE_Q8_K = 15, GGML_TYPE_IQ2_XXS = 16, GGML_TYPE_IQ2_XS = 17,
    GGML_TYPE_IQ3_XXS = 18, GGML_TYPE_IQ1_S = 19, GGML_TYPE_IQ4_NL = 20, GGML_TYPE_IQ3_S = 21,
    GGML_TYPE_IQ2_S = 22, GGML_TYPE_IQ4_XS = 23, GGML_TYPE_I8 = 24, GGML_TYPE_I16 = 25,
    GGML_TYPE_I32 = 26, GGML_TYPE_I64 = 27, GGML_TYPE_F64 = 28, GGML_TYPE_IQ1_M = 29,
    GGML_TYPE_BF16 = 30, GGML_TYPE_TQ1_0 = 34, GGML_TYPE_TQ2_0 = 35,
} ggml_type;

/* Block geometry of a ggml type; false for an unknown id. */
bool ggml_type_info(int type, int *block_elems, int *block_bytes);
/* "F32", "Q4_K", ...; "?" for an unknown id. */
const char *ggml_type_name(int type);
/* The id for a name as ggml_type_name() spells it (case-insensitive); -1 if unknown. */
int ggml_type_from_name(const char *name);
/* Bytes of one row of n elements (n a multiple of the block size); 0 if unknown. */
size_t ggml_row_bytes(int type, int64_t n);
const char *gguf_type_name(gguf_type t);

/* One metadata pair. Values stay in the mapping (little-endian, unaligned);
 * read them with the gguf_kv_* accessors. */
typedef struct {
    const char *key;            /* NUL-terminated copy */
    gguf_type type;
    gguf_type arr_type;         /* element type when type == GGUF_TYPE_ARRAY */
    uint64_t n;                 /* element count for arrays, else 1 */
    const uint8_t *data;        /* the value (for arrays: the first element) */
    uint64_t offset;            /* file offset of data, for messages */
    const uint64_t *str_at;     /* arrays of strings: offset of element i from data */
} gguf_kv;

typedef struct {
    char name[GGUF_NAME_MAX];
    uint32_t n_dims;
    int64_t ne[GGUF_MAX_DIMS];  /* ne[0] innermost; unused dims are 1 */
    int type;                   /* ggml_type */
    uint64_t offset;            /* relative to the data section */
    uint64_t nbytes;
    int64_t n_elems;
    const void *data;           /* in the mapping, aligned to the file's alignment */
} gguf_tensor;

typedef struct gguf_file gguf_file;

/* Maps and validates PATH. NULL with err filled on any failure. */
gguf_file *gguf_open(const char *path, char *err, size_t errlen);
/* Parses a buffer the caller keeps alive (tests, fuzzing). NAME is used in messages. */
gguf_file *gguf_open_mem(const void *buf, size_t size, const char *name, char *err, size_t errlen);
void gguf_close(gguf_file *g);

uint32_t gguf_version(const gguf_file *g);
uint32_t gguf_alignment(const gguf_file *g);
uint64_t gguf_data_offset(const gguf_file *g);
uint64_t gguf_file_size(const gguf_file *g);

size_t gguf_n_kv(const gguf_file *g);
const gguf_kv *gguf_kv_at(const gguf_file *g, size_t i);
const gguf_kv *gguf_find_kv(const gguf_file *g, const char *key);

size_t gguf_n_tensors(const gguf_file *g);
const gguf_tensor *gguf_tensor_at(const gguf_file *g, size_t i);
const gguf_tensor *gguf_find_tensor(const gguf_file *g, const char *name);

/* Scalar accessors on one pair. Each returns false when the pair holds another
 * kind of value; the integer ones accept any integer type whose value fits. */
bool gguf_kv_int(const gguf_kv *kv, int64_t *out);
bool gguf_kv_float(const gguf_kv *kv, double *out);   /* FLOAT32 or FLOAT64 */
bool gguf_kv_bool(const gguf_kv *kv, bool *out);
/* A STRING value: pointer into the mapping (not NUL-terminated) and length. */
bool gguf_kv_str(const gguf_kv *kv, const char **s, size_t *len);

/* Array accessors; false when kv is not an array of a matching kind or i >= n. */
bool gguf_kv_arr_str(const gguf_kv *kv, uint64_t i, const char **s, size_t *len);
bool gguf_kv_arr_int(const gguf_kv *kv, uint64_t i, int64_t *out);
bool gguf_kv_arr_float(const gguf_kv *kv, uint64_t i, double *out);
/* Copies a numeric array into OUT (kv->n floats), converting from any numeric type. */
bool gguf_kv_arr_f32(const gguf_kv *kv, float *out);

/* Typed lookups by key: false if the key is absent or of another kind. */
bool gguf_get_int(const gguf_file *g, const char *key, int64_t *out);
bool gguf_get_float(const gguf_file *g, const char *key, double *out);
bool gguf_get_bool(const gguf_file *g, const char *key, bool *out);
bool gguf_get_str(const gguf_file *g, const char *key, const char **s, size_t *len);
/* Copies a string value into BUF, NUL-terminated; false if absent or too long. */
bool gguf_get_strz(const gguf_file *g, const char *key, char *buf, size_t buflen);

/* Fills CFG from {arch}.* metadata (llama and qwen2) and the tensor list.
 * -1 with err naming the missing or bad key. */
int gguf_model_config(const gguf_file *g, model_config *cfg, char *err, size_t errlen);

#endif
