/* pipe_batch.c - pipeline sequences to and from the engine's shifted
 * batch layout (see pipe_batch.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "pipe_batch.h"

static void fill_row(pipe_batch *b, int r, const pipe_seq *s, int32_t pad)
{
    size_t T = (size_t)b->T, base = (size_t)r * T;
    for (size_t t = 0; t < T; t++) {
        size_t i = base + t;
        bool in = t < s->n;
        int32_t next = t + 1 < s->n && s->doc[t + 1] == s->doc[t] ? s->labels[t + 1] : -1;
        b->tokens[i] = in ? s->tokens[t] : pad;
        b->doc[i] = in ? s->doc[t] : -1;
        b->targets[i] = next >= 0 ? next : -1;
        b->weights[i] = next >= 0 ? 1.0f : 0.0f;
    }
}

int pipe_batch_make(pipe_batch *b, const pipe_seq *seqs, size_t n, int T, int32_t pad,
                    char *err, size_t errlen)
{
    *b = (pipe_batch){.B = (int)n, .T = T};
    size_t cells = n * (size_t)(T > 0 ? T : 0);
    for (size_t r = 0; r < n; r++)
        if (T <= 0 || seqs[r].n > (size_t)T) {
            snprintf(err, errlen, "sequence %zu has %zu tokens, more than the batch's %d", r,
                     seqs[r].n, T);
            return -1;
        }
    b->tokens = malloc((cells ? cells : 1) * sizeof *b->tokens);
    b->targets = malloc((cells ? cells : 1) * sizeof *b->targets);
    b->doc = malloc((cells ? cells : 1) * sizeof *b->doc);
    b->weights = malloc((cells ? cells : 1) * sizeof *b->weights);
    if (!b->tokens || !b->targets || !b->doc || !b->weights) {
        pipe_batch_free(b);
        snprintf(err, errlen, "out of memory for a %zu x %d batch", n, T);
        return -1;
    }
    for (size_t r = 0; r < n; r++)
        fill_row(b, (int)r, &seqs[r], pad);
    return 0;
}

void pipe_batch_view(const pipe_batch *b, double epoch, trainer_batch *out)
{
    *out = (trainer_batch){.B = b->B, .T = b->T, .tokens = b->tokens, .targets = b->targets,
                           .weights = b->weights, .doc = b->doc, .epoch = epoch};
}

int pipe_batch_row(const pipe_batch *b, int r, pipe_seq *out, char *err, size_t errlen)
{
    size_t T = (size_t)b->T, base = (size_t)r * T, n = 0;
    while (n < T && b->doc[base + n] >= 0)
        n++;
    *out = (pipe_seq){.n = n};
    out->tokens = malloc((n ? n : 1) * sizeof *out->tokens);
    out->labels = malloc((n ? n : 1) * sizeof *out->labels);
    out->doc = malloc((n ? n : 1) * sizeof *out->doc);
    if (!out->tokens || !out->labels || !out->doc) {
        pipe_seq_free(out);
        snprintf(err, errlen, "out of memory for a row of %zu tokens", n);
        return -1;
    }
    for (size_t t = 0; t < n; t++) {
        size_t i = base + t;
        bool learned = t > 0 && b->targets[i - 1] >= 0 && b->weights[i - 1] > 0;
        out->tokens[t] = b->tokens[i];
        out->doc[t] = b->doc[i];
        out->labels[t] = learned ? b->targets[i - 1] : PIPE_IGNORE;
    }
    return 0;
}

void pipe_batch_free(pipe_batch *b)
{
    free(b->tokens);
    free(b->targets);
    free(b->doc);
    free(b->weights);
    *b = (pipe_batch){0};
}

void pipe_seq_free(pipe_seq *s)
{
    free(s->tokens);
    free(s->labels);
    free(s->doc);
    *s = (pipe_seq){0};
}
