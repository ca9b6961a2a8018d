/* pipeline_source.c - micro-batches of pipeline sequences for the trainer
 * (see pipeline_source.h). */
#include "config.h"

#include <stdio.h>

#include "pipeline_source.h"

int pipe_source_init(pipe_source *s, const pipe_set *set, size_t micro_batch, int64_t epochs,
                     int32_t pad, char *err, size_t errlen)
{
    *s = (pipe_source){.set = set, .micro_batch = micro_batch, .epochs = epochs, .pad = pad};
    if (set->n == 0 || micro_batch < 1 || epochs < 1) {
        snprintf(err, errlen, "a batch source needs sequences (%zu), a micro-batch size (%zu) "
                              "and epochs (%lld) of at least 1", set->n, micro_batch,
                 (long long)epochs);
        return -1;
    }
    return 0;
}

int pipe_source_next(void *ctx, trainer_batch *out, char *err, size_t errlen)
{
    pipe_source *s = ctx;
    uint64_t n = s->set->n;
    if (s->pos >= n * (uint64_t)s->epochs)
        return 0;
    size_t first = (size_t)(s->pos % n), rows = s->micro_batch;
    if (rows > n - first)
        rows = (size_t)(n - first);
    size_t T = 1;
    for (size_t i = 0; i < rows; i++)
        if (s->set->seqs[first + i].n > T)
            T = s->set->seqs[first + i].n;
    pipe_batch_free(&s->batch);
    if (pipe_batch_make(&s->batch, s->set->seqs + first, rows, (int)T, s->pad, err, errlen))
        return -1;
    s->pos += rows;
    pipe_batch_view(&s->batch, (double)s->pos / (double)n, out);
    return 1;
}

void pipe_source_free(pipe_source *s)
{
    pipe_batch_free(&s->batch);
}
