/* safetensors_dir.c - a Hugging Face model directory as one tensor set:
 * model.safetensors.index.json's weight_map names the shards; without an
 * index, model.safetensors alone. Every tensor the index names must be in the
 * shard it names, and no name may appear in two shards. */
#include "config.h"

#include "json_file.h"
#include "safetensors.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct st_model {
    st_file **shards;
    size_t n_shards;
    const st_tensor **t;        /* all tensors, ordered by name */
    size_t n;
};

void st_model_close(st_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_shards; i++)
        st_close(m->shards[i]);
    free(m->shards);
    free(m->t);
    free(m);
}

static bool add_shard(st_model *m, const char *path, char *err, size_t errlen)
{
    st_file **s = realloc(m->shards, (m->n_shards + 1) * sizeof *s);
    if (!s) {
        snprintf(err, errlen, "%s: out of memory", path);
        return false;
    }
    m->shards = s;
    st_file *f = st_open(path, err, errlen);
    if (!f)
        return false;
    m->shards[m->n_shards++] = f;
    return true;
}

static int cmp_tensor_name(const void *a, const void *b)
{
    return strcmp((*(const st_tensor *const *)a)->name, (*(const st_tensor *const *)b)->name);
}

static bool collect(st_model *m, const char *where, char *err, size_t errlen)
{
    size_t n = 0;
    for (size_t i = 0; i < m->n_shards; i++)
        n += st_n_tensors(m->shards[i]);
    m->t = malloc((n ? n : 1) * sizeof *m->t);
    if (!m->t) {
        snprintf(err, errlen, "%s: out of memory", where);
        return false;
    }
    for (size_t i = 0; i < m->n_shards; i++)
        for (size_t j = 0; j < st_n_tensors(m->shards[i]); j++)
            m->t[m->n++] = st_tensor_at(m->shards[i], j);
    qsort(m->t, m->n, sizeof *m->t, cmp_tensor_name);
    for (size_t i = 1; i < m->n; i++) {
        if (!strcmp(m->t[i]->name, m->t[i - 1]->name)) {
            snprintf(err, errlen, "%s: tensor '%s' appears in two shards", where, m->t[i]->name);
            return false;
        }
    }
    return true;
}

/* Shard names are plain file names in the directory: nothing that climbs out. */
static bool safe_shard_name(const char *s)
{
    return *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static bool open_index(st_model *m, const char *dir, const char *index, char *err, size_t errlen)
{
    json_t *root = json_file_load(index, JSON_REJECT_DUPLICATES, err, errlen);
    json_t *map = root ? json_object_get(root, "weight_map") : NULL;
    if (!json_is_object(map)) {
        if (root)
            snprintf(err, errlen, "%s: no weight_map object", index);
        json_decref(root);
        return false;
    }
    json_t *seen = json_object();
    const char *name;
    json_t *v;
    bool ok = seen != NULL;
    json_object_foreach(map, name, v) {
        const char *shard = json_string_value(v);
        char path[4096];
        if (!ok)
            break;
        if (!shard || !safe_shard_name(shard)) {
            snprintf(err, errlen, "%s: weight_map entry '%s' is not a shard file name", index, name);
            ok = false;
        } else if (!json_object_get(seen, shard)) {
            snprintf(path, sizeof path, "%s/%s", dir, shard);
            ok = add_shard(m, path, err, errlen) &&
                 json_object_set_new(seen, shard, json_integer((json_int_t)m->n_shards - 1)) == 0;
        }
        if (ok) {
            st_file *f = m->shards[json_integer_value(json_object_get(seen, shard))];
            if (!st_find(f, name)) {
                snprintf(err, errlen, "%s: weight_map puts '%s' in %s, which does not hold it",
                         index, name, shard);
                ok = false;
            }
        }
    }
    json_decref(seen);
    json_decref(root);
    return ok;
}

st_model *st_model_open(const char *dir, char *err, size_t errlen)
{
    st_model *m = calloc(1, sizeof *m);
    struct stat st;
    char path[4096];
    bool ok = m != NULL;
    if (!ok) {
        snprintf(err, errlen, "%s: out of memory", dir);
    } else if (stat(dir, &st) == 0 && S_ISREG(st.st_mode)) {
        ok = add_shard(m, dir, err, errlen);
    } else {
        snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
        if (stat(path, &st) == 0) {
            ok = open_index(m, dir, path, err, errlen);
        } else {
            snprintf(path, sizeof path, "%s/model.safetensors", dir);
            if (stat(path, &st) != 0) {
                snprintf(err, errlen, "%s: no model.safetensors or model.safetensors.index.json",
                         dir);
                ok = false;
            } else {
                ok = add_shard(m, path, err, errlen);
            }
        }
    }
    if (ok)
        ok = collect(m, dir, err, errlen);
    if (!ok) {
        st_model_close(m);
        return NULL;
    }
    return m;
}

size_t st_model_n_tensors(const st_model *m) { return m->n; }
size_t st_model_n_shards(const st_model *m) { return m->n_shards; }

const st_tensor *st_model_tensor_at(const st_model *m, size_t i)
{
    return i < m->n ? m->t[i] : NULL;
}

const st_tensor *st_model_find(const st_model *m, const char *name)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(name, m->t[mid]->name);
        if (!r)
            return m->t[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
