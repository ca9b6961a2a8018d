/* gguf_write.h - writing GGUF v3 files: metadata of every value type and
 * tensors laid out in declaration order, each padded to the alignment, as
 * llama.cpp's reader requires. The file is written atomically. Tensor data is
 * not copied: it must stay valid until gguf_writer_write() returns. */
#ifndef LATHE_GGUF_WRITE_H
#define LATHE_GGUF_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

typedef struct gguf_writer gguf_writer;

/* ALIGNMENT 0 means the default (32); another power of two is recorded as
 * general.alignment. NULL when out of memory or the alignment is bad. */
gguf_writer *gguf_writer_new(uint32_t alignment);
void gguf_writer_free(gguf_writer *w);

/* Each setter replaces an earlier value of the same key and returns 0, or -1
 * and records the first error, which gguf_writer_write() then reports. */
int gguf_writer_set_scalar(gguf_writer *w, const char *key, gguf_type type, const void *val);
int gguf_writer_set_u32(gguf_writer *w, const char *key, uint32_t v);
int gguf_writer_set_i32(gguf_writer *w, const char *key, int32_t v);
int gguf_writer_set_f32(gguf_writer *w, const char *key, float v);
int gguf_writer_set_bool(gguf_writer *w, const char *key, bool v);
int gguf_writer_set_str(gguf_writer *w, const char *key, const char *s, size_t len);
/* An array of N elements of TYPE packed at ELEMS; for GGUF_TYPE_STRING, ELEMS
 * is a const char *const[N] of NUL-terminated strings. */
int gguf_writer_set_arr(gguf_writer *w, const char *key, gguf_type type, const void *elems,
                        size_t n);
/* An array of N strings STRS[i] of LENS[i] bytes each (LENS NULL: strlen),
 * for strings that may hold NUL bytes. */
int gguf_writer_set_strs(gguf_writer *w, const char *key, const char *const *strs,
                         const size_t *lens, size_t n);
/* Copies a pair read by gguf.h, value and type unchanged. */
int gguf_writer_copy_kv(gguf_writer *w, const gguf_kv *kv);

/* Declares a tensor of TYPE with N_DIMS dims NE. DATA holds its elements as
 * SRC_TYPE: the same type (written as is) or GGML_TYPE_F32, converted while
 * writing to any type quant_can_quantize() accepts. */
int gguf_writer_add_tensor(gguf_writer *w, const char *name, int type, uint32_t n_dims,
                           const int64_t *ne, const void *data, int src_type);

/* Writes everything to PATH atomically. -1 with err naming the problem. */
int gguf_writer_write(gguf_writer *w, const char *path, char *err, size_t errlen);

#endif
