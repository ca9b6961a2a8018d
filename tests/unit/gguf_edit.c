/* gguf_edit.c - test support: copies a GGUF file with some integer metadata
 * replaced, to make files whose header declares a shape the tensors do not
 * have (a huge block_count or embedding_length in a small file):
 *   gguf_edit IN OUT KEY=VALUE...    (VALUE written as uint32, or uint64
 *                                     when it does not fit) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "gguf_write.h"

/* The VALUE given for KEY among the arguments, or NULL. */
static const char *override(int argc, char **argv, const char *key)
{
    size_t n = strlen(key);
    for (int i = 3; i < argc; i++)
        if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
            return argv[i] + n + 1;
    return NULL;
}

static int set_value(gguf_writer *w, const char *arg)
{
    char key[256];
    const char *eq = strchr(arg, '=');
    if (!eq || (size_t)(eq - arg) >= sizeof key)
        return -1;
    snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
    uint64_t v = strtoull(eq + 1, NULL, 0);
    if (v <= UINT32_MAX)
        return gguf_writer_set_u32(w, key, (uint32_t)v);
    return gguf_writer_set_scalar(w, key, GGUF_TYPE_UINT64, &v);
}

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 3) {
        fprintf(stderr, "usage: gguf_edit IN OUT KEY=VALUE...\n");
        return 2;
    }
    gguf_file *g = gguf_open(argv[1], err, sizeof err);
    gguf_writer *w = g ? gguf_writer_new(gguf_alignment(g)) : NULL;
    int rc = g && w ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < gguf_n_kv(g); i++)
        if (!override(argc, argv, gguf_kv_at(g, i)->key))
            rc = gguf_writer_copy_kv(w, gguf_kv_at(g, i));
    for (int i = 3; rc == 0 && i < argc; i++)
        rc = set_value(w, argv[i]);
    for (size_t i = 0; rc == 0 && i < gguf_n_tensors(g); i++) {
        const gguf_tensor *t = gguf_tensor_at(g, i);
        rc = gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data, t->type);
    }
    if (rc == 0)
        rc = gguf_writer_write(w, argv[2], err, sizeof err);
    else
        snprintf(err, sizeof err, "%s: cannot copy", argv[1]);
    if (rc != 0)
        fprintf(stderr, "gguf_edit: %s\n", err);
    gguf_writer_free(w);
    gguf_close(g);
    return rc ? 1 : 0;
}
