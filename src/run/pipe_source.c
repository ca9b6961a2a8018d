/* pipe_source.c - micro-batches of pipeline sequences for the trainer
 * (see pipe_source.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "pipe_source.h"
#include "prng.h"

/* Keeps each epoch's order a draw independent of the pipeline's own. */
#define KEY_EPOCH 0x65706f63685f6f72ull

int pipe_source_init(pipe_source *s, const pipe_set *set, size_t micro_batch, int64_t epochs,
                     int32_t pad, char *err, size_t errlen)
{
    *s = (pipe_source){.set = set, .micro_batch = micro_batch, .epochs = epochs, .pad = pad,
                       .order_epoch = -1};
    if (set->n == 0 || micro_batch < 1 || epochs < 1) {
        snprintf(err, errlen, "a batch source needs sequences (%zu), a micro-batch size (%zu) "
                              "and epochs (%lld) of at least 1", set->n, micro_batch,
                 (long long)epochs);
        return -1;
    }
    if (!(s->rows = malloc(micro_batch * sizeof *s->rows))) {
        snprintf(err, errlen, "out of memory for a batch of %zu sequences", micro_batch);
        return -1;
    }
    return 0;
}

void pipe_source_reshuffle(pipe_source *s, uint64_t seed)
{
    s->reshuffle = true;
    s->seed = seed;
}

/* Points S->order at EPOCH's permutation (NULL: the pipeline's order). */
static int epoch_order(pipe_source *s, int64_t epoch, char *err, size_t errlen)
{
    if (!s->reshuffle || epoch == 0 || epoch == s->order_epoch)
        return 0;
    free(s->order);
    s->order_epoch = -1;
    uint64_t key = prng_mix(prng_mix(s->seed ^ KEY_EPOCH) + (uint64_t)epoch);
    if (!(s->order = pipeline_permutation(s->set->n, key))) {
        snprintf(err, errlen, "out of memory ordering %zu sequences", s->set->n);
        return -1;
    }
    s->order_epoch = epoch;
    return 0;
}

/* Points S->rows at the next batch's sequences, *ROWS of them (0 once
 * the epochs are done), and moves past them. */
static int take_rows(pipe_source *s, size_t *rows, char *err, size_t errlen)
{
    uint64_t n = s->set->n;
    *rows = 0;
    if (s->pos >= n * (uint64_t)s->epochs)
        return 0;
    int64_t epoch = (int64_t)(s->pos / n);
    if (epoch_order(s, epoch, err, errlen))
        return -1;
    bool permuted = s->reshuffle && epoch > 0;
    size_t first = (size_t)(s->pos % n);
    *rows = s->micro_batch < n - first ? s->micro_batch : (size_t)(n - first);
    for (size_t i = 0; i < *rows; i++)
        s->rows[i] = s->set->seqs[permuted ? s->order[first + i] : first + i];
    s->pos += *rows;
    return 0;
}

int pipe_source_next(void *ctx, trainer_batch *out, char *err, size_t errlen)
{
    pipe_source *s = ctx;
    size_t rows, T = 1;
    if (take_rows(s, &rows, err, errlen))
        return -1;
    if (!rows)
        return 0;
    for (size_t i = 0; i < rows; i++)
        if (s->rows[i].n > T)
            T = s->rows[i].n;
    pipe_batch_free(&s->batch);
    if (pipe_batch_make(&s->batch, s->rows, rows, (int)T, s->pad, err, errlen))
        return -1;
    pipe_batch_view(&s->batch, (double)s->pos / (double)s->set->n, out);
    return 1;
}

int pipe_source_skip(pipe_source *s, uint64_t *tokens, char *err, size_t errlen)
{
    size_t rows;
    if (take_rows(s, &rows, err, errlen))
        return -1;
    for (size_t i = 0; i < rows; i++)
        *tokens += s->rows[i].n;
    return rows ? 1 : 0;
}

void pipe_source_free(pipe_source *s)
{
    pipe_batch_free(&s->batch);
    free(s->order);
    free(s->rows);
    s->order = NULL;
    s->rows = NULL;
}
