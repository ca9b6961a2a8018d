/* train_ckpt.c - writing, listing, pruning and loading a run's
 * checkpoints (see train_ckpt.h). */
#include "config.h"

#include "train_ckpt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <xxhash.h>

#define WEIGHTS_MAGIC 0x5354574cu /* "LWTS" */

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s", a, b);
    return s;
}

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Removes DIR's plain files and DIR itself (a checkpoint has no subdirectories). */
static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            char *f = join(path, e->d_name);
            if (f)
                unlink(f);
            free(f);
        }
    closedir(d);
    rmdir(path);
}

typedef int (*write_fn)(FILE *fp, const void *ctx);

static int write_file(const char *dir, const char *name, write_fn fn, const void *ctx,
                      char *err, size_t errlen)
{
    char *p = join(dir, name);
    FILE *fp = p ? fopen(p, "wb") : NULL;
    int rc = fp ? fn(fp, ctx) : -1;
    if (fp) {
        rc = rc || fflush(fp) || fsync(fileno(fp)) ? -1 : 0;
        rc = fclose(fp) ? -1 : rc;
    }
    if (rc)
        snprintf(err, errlen, "%s/%s: cannot write: %s", dir, name,
                 p ? strerror(errno ? errno : EIO) : "out of memory");
    free(p);
    return rc;
}

typedef struct {
    const optim_param *params;
    size_t n;
} param_list;

static int write_weights(FILE *fp, const void *ctx)
{
    const param_list *pl = ctx;
    uint32_t magic = WEIGHTS_MAGIC;
    uint64_t n = pl->n;
    bool ok = fwrite(&magic, 4, 1, fp) == 1 && fwrite(&n, 8, 1, fp) == 1;
    for (size_t i = 0; ok && i < pl->n; i++) {
        uint64_t len = pl->params[i].n;
        ok = fwrite(&len, 8, 1, fp) == 1 && fwrite(pl->params[i].w, 4, len, fp) == len;
    }
    return ok ? 0 : -1;
}

static int write_optim(FILE *fp, const void *ctx)
{
    return optim_state_save(ctx, fp);
}

static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int write_state(FILE *fp, const void *ctx)
{
    const train_ckpt_state *st = ctx;
    json_t *o = json_pack("{sI sI sI so so sI sI so sI sI ss}", "step", (json_int_t)st->step,
                          "skipped", (json_int_t)st->skipped, "consecutive_skipped",
                          (json_int_t)st->consecutive_skipped, "epoch", real_or_null(st->epoch),
                          "loss", real_or_null(st->loss), "data_pos", (json_int_t)st->data_pos,
                          "tokens", (json_int_t)st->tokens, "best_eval_loss",
                          real_or_null(st->best_eval), "best_eval_step",
                          (json_int_t)st->best_step, "since_best", (json_int_t)st->since_best,
                          "config_hash", st->config_hash);
    int rc = o ? json_dumpf(o, fp, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : -1;
    json_decref(o);
    return rc || fputc('\n', fp) == EOF ? -1 : 0;
}

static int make_dir(const char *path, char *err, size_t errlen)
{
    if (mkdir(path, 0777) && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create the directory: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int train_ckpt_save(const char *run, const train_ckpt_state *st, const optim_param *params,
                    size_t n_params, const optim *o, char *err, size_t errlen)
{
    char tmp_name[64], name[64];
    snprintf(tmp_name, sizeof tmp_name, ".step-%" PRId64 ".tmp", st->step);
    snprintf(name, sizeof name, "step-%" PRId64, st->step);
    char *dir = join(run, "checkpoints");
    char *tmp = dir ? join(dir, tmp_name) : NULL, *final = dir ? join(dir, name) : NULL;
    int rc = -1;
    param_list pl = {params, n_params};
    if (!tmp || !final)
        snprintf(err, errlen, "out of memory");
    else if (!make_dir(dir, err, errlen)) {
        remove_dir(tmp);
        rc = make_dir(tmp, err, errlen) || write_file(tmp, "weights.bin", write_weights, &pl, err, errlen) ||
                     write_file(tmp, "optimizer.bin", write_optim, o, err, errlen) ||
                     write_file(tmp, "state.json", write_state, st, err, errlen)
                 ? -1 : 0;
        remove_dir(final); /* a checkpoint of the same step from an earlier attempt */
        if (!rc && (fsync_dir(tmp) || rename(tmp, final) || fsync_dir(dir))) {
            snprintf(err, errlen, "%s: cannot rename into place: %s", final, strerror(errno));
            rc = -1;
        }
        if (rc)
            remove_dir(tmp);
    }
    free(dir);
    free(tmp);
    free(final);
    return rc;
}

int64_t *train_ckpt_steps(const char *run, size_t *n)
{
    *n = 0;
    char *dir = join(run, "checkpoints");
    DIR *d = dir ? opendir(dir) : NULL;
    free(dir);
    if (!d)
        return NULL;
    int64_t *v = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        if (strncmp(e->d_name, "step-", 5) || !e->d_name[5])
            continue;
        long long s = strtoll(e->d_name + 5, &end, 10);
        if (*end || s < 0)
            continue;
        if (*n == cap) {
            int64_t *nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        size_t i = (*n)++;
        while (i > 0 && v[i - 1] > s) {
            v[i] = v[i - 1];
            i--;
        }
        v[i] = s;
    }
    closedir(d);
    return v;
}

int64_t train_ckpt_latest(const char *run)
{
    size_t n;
    int64_t *v = train_ckpt_steps(run, &n);
    int64_t last = n ? v[n - 1] : -1;
    free(v);
    return last;
}

int train_ckpt_prune(const char *run, int64_t limit, int64_t keep_step, char *err,
                     size_t errlen)
{
    size_t n;
    int64_t *v = train_ckpt_steps(run, &n);
    size_t excess = limit > 0 && n > (size_t)limit ? n - (size_t)limit : 0;
    int rc = 0;
    for (size_t i = 0; i + 1 < n && excess > 0; i++) {
        if (v[i] == keep_step)
            continue;
        char name[64];
        snprintf(name, sizeof name, "checkpoints/step-%" PRId64, v[i]);
        char *p = join(run, name);
        if (!p) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        remove_dir(p);
        free(p);
        excess--;
    }
    free(v);
    return rc;
}

static int read_weights(FILE *fp, const optim_param *params, size_t n_params)
{
    uint32_t magic;
    uint64_t n;
    if (fread(&magic, 4, 1, fp) != 1 || fread(&n, 8, 1, fp) != 1 || magic != WEIGHTS_MAGIC ||
        n != n_params)
        return -1;
    for (size_t i = 0; i < n_params; i++) {
        uint64_t len;
        if (fread(&len, 8, 1, fp) != 1 || len != params[i].n ||
            fread(params[i].w, 4, len, fp) != len)
            return -1;
    }
    return 0;
}

static double get_real(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int64_t get_int(const json_t *o, const char *key, bool *ok)
{
    const json_t *v = json_object_get(o, key);
    *ok = *ok && json_is_integer(v);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static int read_state(const char *path, train_ckpt_state *st, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    if (!o) {
        snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
        return -1;
    }
    bool ok = true;
    st->step = get_int(o, "step", &ok);
    st->skipped = get_int(o, "skipped", &ok);
    /* absent from checkpoints written before it was saved: none pending */
    st->consecutive_skipped = json_object_get(o, "consecutive_skipped")
                                  ? get_int(o, "consecutive_skipped", &ok) : 0;
    st->data_pos = (uint64_t)get_int(o, "data_pos", &ok);
    st->tokens = (uint64_t)get_int(o, "tokens", &ok);
    st->best_step = get_int(o, "best_eval_step", &ok);
    st->since_best = get_int(o, "since_best", &ok);
    st->epoch = get_real(o, "epoch");
    st->loss = get_real(o, "loss");
    st->best_eval = get_real(o, "best_eval_loss");
    const char *h = json_string_value(json_object_get(o, "config_hash"));
    snprintf(st->config_hash, sizeof st->config_hash, "%s", h ? h : "");
    json_decref(o);
    if (!ok)
        snprintf(err, errlen, "%s: a key is missing or not an integer", path);
    return ok ? 0 : -1;
}

int train_ckpt_load(const char *run, int64_t step, train_ckpt_state *st,
                    const optim_param *params, size_t n_params, optim *o, char *err,
                    size_t errlen)
{
    char name[64];
    snprintf(name, sizeof name, "checkpoints/step-%" PRId64, step);
    char *dir = join(run, name);
    char *op = dir ? join(dir, "optimizer.bin") : NULL, *sp = dir ? join(dir, "state.json") : NULL;
    int rc = -1;
    if (!op || !sp) {
        snprintf(err, errlen, "out of memory");
    } else if (!read_state(sp, st, err, errlen) &&
               !train_ckpt_load_weights(run, step, params, n_params, err, errlen)) {
        FILE *fo = fopen(op, "rb");
        if (!fo)
            snprintf(err, errlen, "%s: cannot open: %s", op, strerror(errno));
        else if (!optim_state_load(o, fo, err, errlen))
            rc = 0;
        if (fo)
            fclose(fo);
    }
    free(dir);
    free(op);
    free(sp);
    return rc;
}

int train_ckpt_load_weights(const char *run, int64_t step, const optim_param *params,
                            size_t n_params, char *err, size_t errlen)
{
    char name[64];
    snprintf(name, sizeof name, "checkpoints/step-%" PRId64 "/weights.bin", step);
    char *w = join(run, name);
    FILE *fw = w ? fopen(w, "rb") : NULL;
    int rc = fw ? read_weights(fw, params, n_params) : -1;
    if (rc)
        snprintf(err, errlen, "%s/%s: missing, or not the weights of this model's trainable "
                 "tensors", run, name);
    if (fw)
        fclose(fw);
    free(w);
    return rc;
}

static double newest_mtime(const char *run)
{
    int64_t s = train_ckpt_latest(run);
    if (s < 0)
        return -1.0;
    char name[64];
    snprintf(name, sizeof name, "checkpoints/step-%" PRId64, s);
    char *p = join(run, name);
    struct stat sb;
    double t = p && !stat(p, &sb) ? (double)sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec * 1e-9 : -1.0;
    free(p);
    return t;
}

char *train_ckpt_auto(const char *output_dir, char *err, size_t errlen)
{
    char *copy = strdup(output_dir ? output_dir : "runs/x");
    char *parent = copy ? strdup(dirname(copy)) : NULL;
    free(copy);
    DIR *d = parent ? opendir(parent) : NULL;
    char *best = NULL;
    double best_t = -1.0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *run = join(parent, e->d_name);
        double t = run ? newest_mtime(run) : -1.0;
        if (t > best_t) {
            free(best);
            best = run;
            best_t = t;
        } else {
            free(run);
        }
    }
    if (d)
        closedir(d);
    if (!best)
        snprintf(err, errlen, "--resume auto: no run directory with a checkpoint in %s",
                 parent ? parent : "(out of memory)");
    free(parent);
    return best;
}

int train_ckpt_hash_file(const char *path, char out[17], char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    XXH3_state_t *h = XXH3_createState();
    if (!h) {
        fclose(fp);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char buf[8192];
    size_t got;
    XXH3_64bits_reset(h);
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0)
        XXH3_64bits_update(h, buf, got);
    snprintf(out, 17, "%016llx", (unsigned long long)XXH3_64bits_digest(h));
    XXH3_freeState(h);
    fclose(fp);
    return 0;
}
