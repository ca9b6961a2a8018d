/* gguf_copy.c - test support: reader -> writer copy must reproduce a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "gguf.h"
#include "gguf_copy.h"
#include "gguf_write.h"

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    uint8_t *b = malloc(*n ? *n : 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

void gguf_copy_matches(const char *src, const char *dst)
{
    char err[512];
    gguf_file *g = gguf_open(src, err, sizeof err);
    if (!g)
        fail_msg("%s", err);
    gguf_writer *w = gguf_writer_new(gguf_alignment(g));
    assert_non_null(w);
    for (size_t i = 0; i < gguf_n_kv(g); i++)
        assert_int_equal(gguf_writer_copy_kv(w, gguf_kv_at(g, i)), 0);
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        assert_int_equal(gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data,
                                                t->type), 0);
    }
    if (gguf_writer_write(w, dst, err, sizeof err) != 0)
        fail_msg("%s", err);
    gguf_writer_free(w);
    gguf_close(g);
    size_t na, nb;
    uint8_t *a = slurp(src, &na), *b = slurp(dst, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a);
    free(b);
}
