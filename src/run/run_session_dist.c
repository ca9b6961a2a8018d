/* run_session_dist.c - a run session as one process of a data-parallel job
 * (run_dist.h): N processes train one model as one process with N times the
 * gradient accumulation would.
 *
 * The data. The global order of micro-batches is the single process's; an
 * optimizer step takes N*a of them (a = gradient_accumulation_steps), and
 * process r trains on the r-th run of a, moving past the others' without
 * making them, so after each step every process's batch source stands at
 * the same global position (the one a checkpoint saves, so a run resumes
 * with any N) and counts the same tokens.
 *
 * The step. The trainer's collective hooks (trainer.h trainer_reduce): a
 * stop asked on any process stops all, at the same step; the scored-token
 * count is summed before the loss is scaled; the loss and the gradients are
 * summed after the backward pass, the gradients in buckets of contiguous
 * floats in the order of the parameter list. Process 0 evaluates, saves and
 * logs; the others wait for it at the next step's start.
 *
 * The start. Every process prepares on its own (config, data, model); then
 * they agree that all of them succeeded, that their configs and training data
 * are the same, and take process 0's trainable weights and, when it resumes
 * a checkpoint, its optimizer state and position. Only process 0 touches the
 * run directory. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "clock.h"
#include "run_dist.h"
#include "run_session_impl.h"

/* Floats packed into one reduction: big enough that the sample's LoRA
 * gradients take one call, small enough to stay in cache while packed. */
#define BUCKET_FLOATS ((size_t)1 << 20)

bool run_session_owns_dir(const run_session *s)
{
    return run_dist_rank(s->dist) == 0;
}

static bool distributed(const run_session *s)
{
    return run_dist_size(s->dist) > 1;
}

/* ------------------------------------------------------------ the data */

/* Moves past COUNT micro-batches, counting their tokens. */
static int skip(run_session *s, int64_t count, uint64_t *tokens, char *err, size_t errlen)
{
    for (int64_t i = 0; i < count; i++) {
        int rc = pipe_source_skip(&s->src, tokens, err, errlen);
        if (rc <= 0)
            return rc;
    }
    return 0;
}

int run_session_next(void *ctx, trainer_batch *out, char *err, size_t errlen)
{
    run_session *s = ctx;
    int64_t a = s->cfg.gradient_accumulation_steps, n = run_dist_size(s->dist);
    int64_t r = run_dist_rank(s->dist);
    uint64_t tokens = 0;
    if (s->taken == 0 && skip(s, r * a, &tokens, err, errlen))
        return -1;
    int got = pipe_source_next(&s->src, out, err, errlen);
    for (size_t i = 0; got == 1 && i < (size_t)out->B * (size_t)out->T; i++)
        tokens += !out->doc || out->doc[i] >= 0;
    if (got == 1 && ++s->taken == a) {
        s->taken = 0;
        if (skip(s, (n - 1 - r) * a, &tokens, err, errlen))
            return -1;
        out->epoch = (double)s->src.pos / (double)s->pipe.train.n;
    }
    atomic_fetch_add(&s->tokens, tokens);
    return got;
}

/* ------------------------------------------------------------ the step */

static int reduce_begin(void *ctx, bool *stop, double *lr_mult, char *err, size_t errlen)
{
    run_session *s = ctx;
    return run_dist_agree(s->dist, stop, lr_mult, err, errlen);
}

static int reduce_counts(void *ctx, double v[3], const char *failed, char *err, size_t errlen)
{
    run_session *s = ctx;
    return run_dist_sum(s->dist, v, 3, failed, err, errlen);
}

/* The loss first: its sum also tells whether every process succeeded, and
 * brings them together, so the gradients' time is the reduction's own. */
static int reduce_grads(void *ctx, const optim_param *params, size_t n_params, double *loss,
                        const char *failed, char *err, size_t errlen)
{
    run_session *s = ctx;
    if (run_dist_sum(s->dist, loss, 1, failed, err, errlen))
        return -1;
    double t0 = clock_s();
    int rc = run_dist_sum_buffers(s->dist, s->grad_bufs, s->grad_n, n_params, BUCKET_FLOATS,
                                  err, errlen);
    s->reduce_s += clock_s() - t0;
    s->reduced_steps++;
    return rc;
}

int run_session_dist_install(run_session *s, char *err, size_t errlen)
{
    if (!distributed(s))
        return 0;
    size_t n = s->tm.n_params;
    s->grad_bufs = calloc(n ? n : 1, sizeof *s->grad_bufs);
    s->grad_n = calloc(n ? n : 1, sizeof *s->grad_n);
    if (!s->grad_bufs || !s->grad_n) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        s->grad_bufs[i] = s->tm.params[i].g;
        s->grad_n[i] = s->tm.params[i].n;
        s->reduced_bytes += s->tm.params[i].n * sizeof(float);
    }
    trainer_reduce red = {s, reduce_begin, reduce_counts, reduce_grads};
    trainer_set_reduce(s->t, &red);
    return 0;
}

/* ------------------------------------------------------------ the start */

/* Whether every process got here without failing (RC, err); -1 with the
 * first failure's message on every process. */
static int agree(run_session *s, int rc, char *err, size_t errlen)
{
    char mine[1024];
    snprintf(mine, sizeof mine, "%s", err[0] ? err : "its config or preparation failed");
    char theirs[1200];
    if (!run_dist_sum(s->dist, NULL, 0, rc ? mine : NULL, theirs, sizeof theirs))
        return 0;
    if (!rc)  /* this process did fine: say which one did not */
        snprintf(err, errlen, "%s", theirs);
    return -1;
}

/* What every process must have alike: the resolved config (but for its
 * thread count and run directory), the training sequences and the
 * trainable tensors. */
static void fingerprint(const run_session *s, uint64_t out[4])
{
    XXH3_state_t h;
    XXH3_64bits_reset(&h);
    for (size_t i = 0; i < s->pipe.train.n; i++) {
        const pipe_seq *q = &s->pipe.train.seqs[i];
        XXH3_64bits_update(&h, &q->n, sizeof q->n);
        XXH3_64bits_update(&h, q->tokens, q->n * sizeof *q->tokens);
        XXH3_64bits_update(&h, q->labels, q->n * sizeof *q->labels);
        XXH3_64bits_update(&h, q->doc, q->n * sizeof *q->doc);
    }
    size_t floats = 0;
    for (size_t i = 0; i < s->tm.n_params; i++)
        floats += s->tm.params[i].n;
    out[0] = s->config_print;
    out[1] = XXH3_64bits_digest(&h);
    out[2] = s->tm.n_params;
    out[3] = floats;
}

static int check_alike(run_session *s, char *err, size_t errlen)
{
    uint64_t mine[4], first[4];
    fingerprint(s, mine);
    memcpy(first, mine, sizeof first);
    if (run_dist_share(s->dist, first, sizeof first, err, errlen))
        return -1;
    const char *what = mine[0] != first[0] ? "its config (after --set)"
                       : mine[1] != first[1] ? "its training data"
                                             : "its set of trainable tensors";
    int rc = memcmp(mine, first, sizeof mine) ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "%s differs from rank 0's: every process must read the same "
                 "config, data and model", what);
    return agree(s, rc, err, errlen);
}

/* Process 0's optimizer state into BUF (malloc'd, *LEN bytes) on process
 * 0, and a buffer as long on the others. */
static int optim_buffer(run_session *s, char **buf, uint64_t *len, char *err, size_t errlen)
{
    size_t n = 0;
    int rc = 0;
    if (run_session_owns_dir(s)) {
        FILE *fp = open_memstream(buf, &n);
        rc = !fp || optim_state_save(trainer_optim(s->t), fp) ? -1 : 0;
        rc = (fp && fclose(fp)) || rc ? -1 : 0;
        *len = n;
    }
    if (run_dist_share(s->dist, len, sizeof *len, err, errlen))
        return -1;
    if (!rc && !run_session_owns_dir(s))
        rc = (*buf = malloc(*len ? *len : 1)) ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "out of memory for the optimizer state");
    return agree(s, rc, err, errlen);
}

/* Process 0's optimizer state, on every process. */
static int share_optim(run_session *s, char *err, size_t errlen)
{
    char *buf = NULL;
    uint64_t len = 0;
    int rc = optim_buffer(s, &buf, &len, err, errlen) ||
             run_dist_share(s->dist, buf, len, err, errlen) ? -1 : 0;
    if (!rc && !run_session_owns_dir(s)) {
        FILE *fp = fmemopen(buf, len, "r");
        rc = fp ? optim_state_load(trainer_optim(s->t), fp, err, errlen) : -1;
        if (fp)
            fclose(fp);
        else
            snprintf(err, errlen, "out of memory for the optimizer state");
        rc = agree(s, rc, err, errlen);
    } else if (!rc) {
        rc = agree(s, 0, err, errlen);
    }
    free(buf);
    return rc;
}

/* Process 0's trainable weights, and where it resumes: step, skipped steps,
 * the trailing run of them, data position and tokens. */
static int share_state(run_session *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->tm.n_params; i++)
        if (run_dist_share(s->dist, s->tm.params[i].w, s->tm.params[i].n * sizeof(float), err,
                           errlen))
            return -1;
    trainer_status st;
    trainer_get_status(s->t, &st);
    int64_t at[5] = {st.step, st.skipped, st.consecutive_skipped, (int64_t)s->src.pos,
                     (int64_t)atomic_load(&s->tokens)};
    if (run_dist_share(s->dist, at, sizeof at, err, errlen))
        return -1;
    if (at[0] > 0 && share_optim(s, err, errlen))
        return -1;
    trainer_restore_step(s->t, at[0], at[1], at[2]);
    s->src.pos = (uint64_t)at[3];
    atomic_store(&s->tokens, (uint64_t)at[4]);
    if (!run_session_owns_dir(s))
        s->resume_step = s->hooked_step = at[0];
    return 0;
}

int run_session_dist_setup(run_session *s, int rc, char *err, size_t errlen)
{
    if (!distributed(s))
        return rc;
    if (agree(s, rc, err, errlen) || check_alike(s, err, errlen))
        return -1;
    return share_state(s, err, errlen);
}

uint64_t run_session_config_print(const train_config *cfg)
{
    train_config c = *cfg;
    c.threads = CONFIG_UNSET;
    c.output_dir = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    if (!fp)
        return 0;
    train_config_emit(&c, fp);
    fclose(fp);
    uint64_t h = XXH3_64bits(text, len);
    free(text);
    return h;
}

/* ------------------------------------------------------------ the end */

void run_session_dist_summary(const run_session *s, json_t *o)
{
    if (!distributed(s))
        return;
    double steps = s->reduced_steps > 0 ? (double)s->reduced_steps : 1.0;
    json_object_set_new(o, "ranks", json_pack("{si sI sf}", "processes",
                                              run_dist_size(s->dist), "reduced_bytes_per_step",
                                              (json_int_t)s->reduced_bytes,
                                              "reduce_s_per_step", s->reduce_s / steps));
}
