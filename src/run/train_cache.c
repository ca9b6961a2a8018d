/* train_cache.c - the tokenized-dataset cache file: its key, writing and
 * checked loading (see train_cache.h). */
#include "config.h"

#include "train_cache.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "atomic_file.h"
#include "file_read.h"
#include "run_dir.h"

#define CACHE_MAGIC "LATHETKC"
#define CACHE_VERSION 2u
#define HEADER_BYTES 40 /* magic 8, version 4, reserved 4, key 8, length 8, XXH3 8 */
#define N_COUNTS 8

/* ------------------------------------------------------------ the key */

static void hash_str(XXH3_state_t *h, const char *s)
{
    /* the NUL keeps "ab"+"c" apart from "a"+"bc"; NULL differs from "" */
    if (s)
        XXH3_64bits_update(h, s, strlen(s) + 1);
    else
        XXH3_64bits_update(h, "\xff", 1);
}

static int hash_file(XXH3_state_t *h, const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char buf[65536];
    size_t got;
    uint64_t total = 0;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0) {
        XXH3_64bits_update(h, buf, got);
        total += got;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        snprintf(err, errlen, "%s: cannot read", path);
        return -1;
    }
    XXH3_64bits_update(h, &total, sizeof total);
    return 0;
}

static int hash_datasets(XXH3_state_t *h, const config_datasets *list, char *err, size_t errlen)
{
    uint64_t n = list->n;
    XXH3_64bits_update(h, &n, sizeof n);
    for (size_t i = 0; i < list->n; i++) {
        const config_dataset *e = &list->items[i];
        int32_t type = (int32_t)e->type;
        XXH3_64bits_update(h, &type, sizeof type);
        hash_str(h, e->field_instruction);
        hash_str(h, e->field_input);
        hash_str(h, e->field_output);
        hash_str(h, e->field_messages);
        if (hash_file(h, e->path, err, errlen))
            return -1;
    }
    return 0;
}

int train_cache_key(const train_config *cfg, const tok_vocab *vocab, chat_tmpl tmpl,
                    uint64_t *key, char *err, size_t errlen)
{
    XXH3_state_t h;
    XXH3_64bits_reset(&h);
    int64_t knobs[] = {CACHE_VERSION, (int64_t)tmpl, cfg->sequence_len, cfg->sample_packing,
                       cfg->train_on_inputs, cfg->dataset_exact_deduplication, cfg->shuffle,
                       cfg->seed};
    uint64_t vh = tok_vocab_hash(vocab);
    XXH3_64bits_update(&h, knobs, sizeof knobs);
    XXH3_64bits_update(&h, &cfg->val_set_size, sizeof cfg->val_set_size);
    XXH3_64bits_update(&h, &vh, sizeof vh);
    if (hash_datasets(&h, &cfg->datasets, err, errlen) ||
        hash_datasets(&h, &cfg->test_datasets, err, errlen))
        return -1;
    *key = XXH3_64bits_digest(&h);
    return 0;
}

char *train_cache_path(const char *run, uint64_t key)
{
    char *copy = strdup(run);
    if (!copy)
        return NULL;
    const char *parent = dirname(copy);
    size_t n = strlen(parent) + 64;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/.cache/tokenized-%016llx.bin", parent, (unsigned long long)key);
    free(copy);
    return p;
}

/* ------------------------------------------------------------ writing */

typedef struct {
    FILE *fp;
    XXH3_state_t h;
    uint64_t len;
    bool ok;
} payload_writer;

static void put(payload_writer *w, const void *data, size_t n)
{
    if (!w->ok || n == 0)
        return;
    w->ok = fwrite(data, 1, n, w->fp) == n;
    XXH3_64bits_update(&w->h, data, n);
    w->len += n;
}

static void put_u64(payload_writer *w, uint64_t v)
{
    put(w, &v, sizeof v);
}

static void put_set(payload_writer *w, const pipe_set *s)
{
    const pipe_counts *c = &s->counts;
    uint64_t counts[N_COUNTS] = {c->records,   c->bad,       c->duplicates, c->untrainable,
                                 c->truncated, c->sequences, c->tokens,     c->learned};
    put(w, counts, sizeof counts);
    put_u64(w, s->n);
    for (size_t i = 0; i < s->n; i++) {
        const pipe_seq *q = &s->seqs[i];
        put_u64(w, q->n);
        put(w, q->tokens, q->n * sizeof *q->tokens);
        put(w, q->labels, q->n * sizeof *q->labels);
        put(w, q->doc, q->n * sizeof *q->doc);
    }
}

static void put_report(payload_writer *w, const pipe_report *r)
{
    put_u64(w, r->n);
    for (size_t i = 0; i < r->n; i++) {
        size_t len = strlen(r->lines[i]);
        put_u64(w, len);
        put(w, r->lines[i], len);
    }
}

static void header(unsigned char out[HEADER_BYTES], uint64_t key, uint64_t len, uint64_t sum)
{
    uint32_t version = CACHE_VERSION, reserved = 0;
    memcpy(out, CACHE_MAGIC, 8);
    memcpy(out + 8, &version, 4);
    memcpy(out + 12, &reserved, 4);
    memcpy(out + 16, &key, 8);
    memcpy(out + 24, &len, 8);
    memcpy(out + 32, &sum, 8);
}

/* ------------------------------------------------------------ trust */

/* 0 when PATH (not followed) is a directory (DIR) or a regular file owned by
 * this user and writable by no one else; 1 when it does not exist; else -1
 * with err saying why it is not to be trusted. */
static int private_path(const char *path, bool dir, char *err, size_t errlen)
{
    struct stat sb;
    if (lstat(path, &sb)) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode))
        snprintf(err, errlen, "%s is not a plain %s", path, dir ? "directory" : "file");
    else if (sb.st_uid != geteuid())
        snprintf(err, errlen, "%s is owned by another user (uid %lu)", path,
                 (unsigned long)sb.st_uid);
    else if (sb.st_mode & (S_IWGRP | S_IWOTH))
        snprintf(err, errlen, "%s is writable by other users (chmod go-w it to use it)", path);
    else
        return 0;
    return -1;
}

/* The cache folder of PATH, malloc'd (NULL when out of memory). */
static char *folder_of(const char *path)
{
    char *copy = strdup(path), *dir = copy ? strdup(dirname(copy)) : NULL;
    free(copy);
    return dir;
}

/* Makes PATH's cache folder (0700) and its parents; -1 with err, also when
 * the folder is not this user's alone. */
static int make_folder(const char *path, char *err, size_t errlen)
{
    char *dir = folder_of(path), *parent = dir ? folder_of(dir) : NULL;
    int rc = -1;
    if (!parent)
        snprintf(err, errlen, "out of memory");
    else if (!run_dir_mkdirs(parent, err, errlen)) {
        if (mkdir(dir, 0700) && errno != EEXIST)
            snprintf(err, errlen, "%s: cannot create the directory: %s", dir, strerror(errno));
        else
            rc = private_path(dir, true, err, errlen) ? -1 : 0;
    }
    free(dir);
    free(parent);
    return rc;
}

int train_cache_save(const char *path, uint64_t key, const pipeline *p, char *err,
                     size_t errlen)
{
    atomic_file af;
    if (make_folder(path, err, errlen) || atomic_file_open(&af, path, err, errlen))
        return -1;
    unsigned char head[HEADER_BYTES];
    payload_writer w = {.fp = af.fp, .ok = true};
    XXH3_64bits_reset(&w.h);
    header(head, 0, 0, 0);
    w.ok = fwrite(head, 1, sizeof head, af.fp) == sizeof head;
    uint32_t tmpl = (uint32_t)p->tmpl;
    put(&w, &tmpl, sizeof tmpl);
    put_set(&w, &p->train);
    put_set(&w, &p->val);
    put_report(&w, &p->report);
    header(head, key, w.len, XXH3_64bits_digest(&w.h));
    if (!w.ok || fseek(af.fp, 0, SEEK_SET) || fwrite(head, 1, sizeof head, af.fp) != sizeof head) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af, err, errlen);
}

/* ------------------------------------------------------------ loading */

typedef struct {
    const unsigned char *p;
    size_t left;
} reader;

static bool get(reader *r, void *out, size_t n)
{
    if (n > r->left)
        return false;
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return true;
}

static bool get_array(reader *r, int32_t **out, size_t n)
{
    *out = malloc((n ? n : 1) * sizeof **out);
    return *out && get(r, *out, n * sizeof **out);
}

static bool get_set(reader *r, pipe_set *s)
{
    uint64_t c[N_COUNTS], n;
    if (!get(r, c, sizeof c) || !get(r, &n, sizeof n) || n > r->left / sizeof n)
        return false;
    s->counts = (pipe_counts){c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]};
    if (!(s->seqs = calloc(n ? n : 1, sizeof *s->seqs)))
        return false;
    while (s->n < n) {
        pipe_seq *q = &s->seqs[s->n];
        uint64_t len;
        /* each token takes 12 bytes: a length beyond what is left is damage */
        if (!get(r, &len, sizeof len) || len > r->left / 12)
            return false;
        q->n = (size_t)len;
        s->n++; /* counted before its arrays, so pipeline_free releases them */
        if (!get_array(r, &q->tokens, q->n) || !get_array(r, &q->labels, q->n) ||
            !get_array(r, &q->doc, q->n))
            return false;
    }
    return s->counts.sequences == s->n;
}

static bool get_report(reader *r, pipe_report *out)
{
    uint64_t n, len;
    if (!get(r, &n, sizeof n) || n > r->left / sizeof len)
        return false;
    for (uint64_t i = 0; i < n; i++) {
        char line[1024];
        if (!get(r, &len, sizeof len) || len >= sizeof line || !get(r, line, (size_t)len))
            return false;
        line[len] = '\0';
        if (pipe_report_add(out, line))
            return false;
    }
    return true;
}

/* Checks the header of BUF[0..len) against KEY; names the problem in err. */
static bool header_ok(const unsigned char *buf, size_t len, uint64_t key, const char *path,
                      char *err, size_t errlen)
{
    uint32_t version[2];
    uint64_t k, plen, sum;
    const char *why = NULL;
    if (len < HEADER_BYTES || memcmp(buf, CACHE_MAGIC, 8))
        why = "not a lathe tokenized-data cache (bad magic)";
    else if (memcpy(version, buf + 8, 8), version[0] != CACHE_VERSION || version[1] != 0)
        why = "written by another cache format version";
    else if (memcpy(&k, buf + 16, 8), k != key)
        why = "made for other data, tokenizer or settings (key mismatch)";
    else if (memcpy(&plen, buf + 24, 8), plen != len - HEADER_BYTES)
        why = "truncated or extended (length mismatch)";
    else if (memcpy(&sum, buf + 32, 8), sum != XXH3_64bits(buf + HEADER_BYTES, (size_t)plen))
        why = "damaged (checksum mismatch)";
    if (why)
        snprintf(err, errlen, "%s: %s", path, why);
    return why == NULL;
}

train_cache_status train_cache_load(const char *path, uint64_t key, pipeline *p, char *err,
                                    size_t errlen)
{
    *p = (pipeline){0};
    char *dir = folder_of(path);
    int folder = dir ? private_path(dir, true, err, errlen) : -1;
    int file = folder == 0 ? private_path(path, false, err, errlen) : folder;
    if (!dir)
        snprintf(err, errlen, "out of memory");
    free(dir);
    if (file == 1)
        return TRAIN_CACHE_ABSENT;
    if (file < 0)
        return TRAIN_CACHE_UNSAFE;
    size_t len;
    unsigned char *buf = (unsigned char *)file_read_path(path, &len, err, errlen);
    if (!buf)
        return TRAIN_CACHE_BAD;
    train_cache_status st = TRAIN_CACHE_BAD;
    if (header_ok(buf, len, key, path, err, errlen)) {
        reader r = {buf + HEADER_BYTES, len - HEADER_BYTES};
        uint32_t tmpl = CHAT_TMPL_UNKNOWN;
        bool ok = get(&r, &tmpl, sizeof tmpl) && tmpl > CHAT_TMPL_UNKNOWN &&
                  tmpl < CHAT_TMPL_COUNT && get_set(&r, &p->train) && get_set(&r, &p->val) &&
                  get_report(&r, &p->report) && r.left == 0 && p->train.n > 0;
        p->tmpl = (chat_tmpl)tmpl;
        if (ok)
            st = TRAIN_CACHE_HIT;
        else
            snprintf(err, errlen, "%s: damaged (inconsistent contents)", path);
    }
    free(buf);
    if (st != TRAIN_CACHE_HIT)
        pipeline_free(p);
    return st;
}
