/* attention.c - causal GQA attention with document masking. One task per
 * (row, kv head) owns that kv head's dK/dV and its query heads' dQ, so tasks
 * never write the same memory; each keeps one query's scores (T floats). */
#include <math.h>
#include <string.h>

#include "attention.h"
#include "vec.h"

typedef struct {
    const attn_shape *s;
    const float *q, *k, *v, *o, *lse, *dout;
    float *out, *lse_out, *dq, *dk, *dv, *scratch;
} attn_job;

size_t attn_scratch_floats(const attn_shape *s)
{
    return (size_t)s->B * s->n_kv_heads * s->T;
}

static int same_doc(const attn_shape *s, size_t a, size_t b)
{
    return !s->doc || s->doc[a] == s->doc[b];
}

/* Scores of query row i (absolute token index) against keys base..i of its
 * row; masked keys get -INFINITY. Returns the max score. */
static float scores(const attn_job *j, size_t base, int i, const float *qi, int kvh, float *sc)
{
    const attn_shape *s = j->s;
    int hd = s->head_dim, kvw = s->n_kv_heads * hd;
    float scale = 1.0f / sqrtf((float)hd), mx = -INFINITY;
    for (int t = 0; t <= i; t++) {
        if (!same_doc(s, base + t, base + i)) {
            sc[t] = -INFINITY;
            continue;
        }
        sc[t] = scale * vec_dot(qi, j->k + (base + t) * kvw + (size_t)kvh * hd, hd);
        if (sc[t] > mx)
            mx = sc[t];
    }
    return mx;
}

static void fwd_task(void *arg, int task)
{
    attn_job *j = arg;
    const attn_shape *s = j->s;
    int kvh = task % s->n_kv_heads, b = task / s->n_kv_heads;
    int group = s->n_heads / s->n_kv_heads, hd = s->head_dim;
    int qw = s->n_heads * hd, kvw = s->n_kv_heads * hd;
    size_t base = (size_t)b * s->T;
    float *sc = j->scratch + (size_t)task * s->T;
    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
        for (int i = 0; i < s->T; i++) {
            const float *qi = j->q + (base + i) * qw + (size_t)h * hd;
            float *oi = j->out + (base + i) * qw + (size_t)h * hd;
            float mx = scores(j, base, i, qi, kvh, sc);
            double sum = 0;
            memset(oi, 0, (size_t)hd * sizeof *oi);
            for (int t = 0; t <= i; t++) {
                if (sc[t] == -INFINITY)
                    continue;
                float e = expf(sc[t] - mx);
                sum += e;
                vec_axpy(oi, j->v + (base + t) * kvw + (size_t)kvh * hd, e, hd);
            }
            float inv = (float)(1.0 / sum);
            for (int d = 0; d < hd; d++)
                oi[d] *= inv;
            j->lse_out[(base + i) * s->n_heads + h] = mx + (float)log(sum);
        }
    }
}

void attn_fwd(pool *p, const attn_shape *s, const float *q, const float *k, const float *v,
              float *o, float *lse, float *scratch)
{
    attn_job j = {.s = s, .q = q, .k = k, .v = v, .out = o, .lse_out = lse, .scratch = scratch};
    pool_run(p, s->B * s->n_kv_heads, fwd_task, &j);
}

static void zero_slices(float *x, size_t base, int T, int width, int off, int len)
{
    for (int t = 0; t < T; t++)
        memset(x + (base + t) * width + off, 0, (size_t)len * sizeof *x);
}

static void bwd_task(void *arg, int task)
{
    attn_job *j = arg;
    const attn_shape *s = j->s;
    int kvh = task % s->n_kv_heads, b = task / s->n_kv_heads;
    int group = s->n_heads / s->n_kv_heads, hd = s->head_dim;
    int qw = s->n_heads * hd, kvw = s->n_kv_heads * hd;
    size_t base = (size_t)b * s->T;
    float scale = 1.0f / sqrtf((float)hd);
    float *sc = j->scratch + (size_t)task * s->T;
    zero_slices(j->dk, base, s->T, kvw, kvh * hd, hd);
    zero_slices(j->dv, base, s->T, kvw, kvh * hd, hd);
    zero_slices(j->dq, base, s->T, qw, kvh * group * hd, group * hd);
    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
        for (int i = 0; i < s->T; i++) {
            size_t qoff = (base + i) * qw + (size_t)h * hd;
            const float *qi = j->q + qoff, *doi = j->dout + qoff;
            float *dqi = j->dq + qoff;
            float lse = j->lse[(base + i) * s->n_heads + h];
            float Di = vec_dot(doi, j->o + qoff, hd);
            scores(j, base, i, qi, kvh, sc);
            for (int t = 0; t <= i; t++) {
                if (sc[t] == -INFINITY)
                    continue;
                size_t koff = (base + t) * kvw + (size_t)kvh * hd;
                const float *kt = j->k + koff, *vt = j->v + koff;
                float pt = expf(sc[t] - lse);
                float ds = pt * (vec_dot(doi, vt, hd) - Di) * scale;
                vec_axpy(dqi, kt, ds, hd);
                vec_axpy(j->dk + koff, qi, ds, hd);
                vec_axpy(j->dv + koff, doi, pt, hd);
            }
        }
    }
}

void attn_bwd(pool *p, const attn_shape *s, const float *q, const float *k, const float *v,
              const float *o, const float *lse, const float *dout, float *dq, float *dk,
              float *dv, float *scratch)
{
    attn_job j = {.s = s, .q = q, .k = k, .v = v, .o = o, .lse = lse, .dout = dout,
                  .dq = dq, .dk = dk, .dv = dv, .scratch = scratch};
    pool_run(p, s->B * s->n_kv_heads, bwd_task, &j);
}
