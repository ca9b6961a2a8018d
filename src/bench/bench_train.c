/* bench_train.c - `lathe bench gemm` and `lathe bench train`.
 *
 * gemm times OpenBLAS sgemm (y = x W^T, the engine's linear layers) at the
 * matmul shapes of the built-in training cases. train runs real optimizer
 * steps (trainer thread, AdamW) on a randomly initialised model and relates
 * the achieved model FLOP/s to sgemm measured at that case's shapes in the
 * same run.
 *
 * FLOPs per step are counted from the shapes, not timed kernels: forward 2 per
 * multiply-add of every matmul weight (base and LoRA); backward 4 per weight
 * that is trained (input and weight gradient) and 2 per frozen one (input
 * gradient only); causal attention 2*T*(T+1)*n_heads*head_dim per sequence
 * and layer forward, twice that backward. The embedding lookup is free and
 * recomputation under checkpointing is not model work, so it is not counted:
 * a checkpointed case shows its cost as a lower fraction_of_peak. */
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "cli.h"
#include "clock.h"
#include "cpu_count.h"
#include "model.h"
#include "ring.h"
#include "train_bind.h"
#include "trainer.h"

typedef struct {
    const char *name;
    const char *size;       /* model size tag used in gemm case names */
    int dim, layers, heads, kv_heads, ffn, vocab;
    bool tied;
    int lora_r;             /* 0 = full fine-tune */
    int seq, batch;
    bool ckpt;
} train_case;

static const train_case cases[] = {
    {"full-15m-s256-b8", "15m", 288, 6, 6, 6, 768, 32000, false, 0, 256, 8, false},
    {"lora8-135m-s256-b4", "135m", 576, 30, 9, 3, 1536, 49152, true, 8, 256, 4, false},
    {"lora8-135m-s512-b4-ckpt", "135m", 576, 30, 9, 3, 1536, 49152, true, 8, 512, 4, true},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* The distinct matmuls of one token through the model: out x in weights. */
typedef struct {
    const char *name;
    int out, in, per_layer;  /* per_layer: repeated in every block */
} matmul_shape;

#define N_SHAPES 8

static void case_shapes(const train_case *c, matmul_shape s[N_SHAPES])
{
    int hd = c->dim / c->heads, q = c->heads * hd, kv = c->kv_heads * hd;
    matmul_shape all[N_SHAPES] = {
        {"attn_q", q, c->dim, 1}, {"attn_k", kv, c->dim, 1}, {"attn_v", kv, c->dim, 1},
        {"attn_output", c->dim, q, 1}, {"ffn_gate", c->ffn, c->dim, 1},
        {"ffn_up", c->ffn, c->dim, 1}, {"ffn_down", c->dim, c->ffn, 1},
        {"output", c->vocab, c->dim, 0},
    };
    memcpy(s, all, sizeof all);
}

/* Seconds per call of sgemm at M x N x K, timed over at least 0.25 s. */
static double time_sgemm(int M, int N, int K, float *x, float *w, float *y)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, x, K, w, K, 0.0f, y, N);
    int reps = 0;
    double t0 = clock_s(), t;
    do {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, x, K, w, K, 0.0f, y, N);
        reps++;
        t = clock_s() - t0;
    } while (t < 0.25);
    return t / reps;
}

typedef struct {
    double flops, seconds;
} gemm_total;

/* Times every shape of a case at M = batch x seq; adds to *tot weighted by how
 * often the model runs that shape, so tot->flops / tot->seconds is what sgemm
 * alone achieves on this model's forward matmuls. Prints gemm rows if asked. */
static int measure_case_gemm(const train_case *c, gemm_total *tot, const bench_options *o,
                             bool print)
{
    matmul_shape s[N_SHAPES];
    case_shapes(c, s);
    int M = c->batch * c->seq;
    size_t maxn = 0, maxk = 0;
    for (int i = 0; i < N_SHAPES; i++) {
        maxn = (size_t)s[i].out > maxn ? (size_t)s[i].out : maxn;
        maxk = (size_t)s[i].in > maxk ? (size_t)s[i].in : maxk;
    }
    float *x = calloc((size_t)M * maxk, sizeof *x), *w = calloc(maxn * maxk, sizeof *w);
    float *y = calloc((size_t)M * maxn, sizeof *y);
    if (!x || !w || !y) {
        free(x), free(w), free(y);
        fprintf(stderr, "lathe bench: out of memory for sgemm buffers\n");
        return -1;
    }
    for (size_t i = 0; i < (size_t)M * maxk; i++)
        x[i] = (float)((i * 2654435761u) % 1000) * 1e-3f - 0.5f;
    for (size_t i = 0; i < maxn * maxk; i++)
        w[i] = (float)((i * 40503u) % 1000) * 1e-3f - 0.5f;
    for (int i = 0; i < N_SHAPES; i++) {
        double secs = time_sgemm(M, s[i].out, s[i].in, x, w, y);
        double flops = 2.0 * M * s[i].out * s[i].in;
        double mult = s[i].per_layer ? c->layers : 1;
        tot->flops += flops * mult;
        tot->seconds += secs * mult;
        if (!print)
            continue;
        if (o->json)
            printf("{\"bench\":\"gemm\",\"case\":\"%s-%s-m%dn%dk%d\",\"m\":%d,\"n\":%d,\"k\":%d,"
                   "\"seconds\":%.6f,\"gflops\":%.2f,\"blas_core\":\"%s\"}\n", c->size, s[i].name,
                   M, s[i].out, s[i].in, M, s[i].out, s[i].in, secs, flops / secs * 1e-9,
                   openblas_get_corename());
        else
            printf("gemm %s %-11s M=%-5d N=%-6d K=%-5d %8.2f GFLOP/s\n", c->size, s[i].name, M,
                   s[i].out, s[i].in, flops / secs * 1e-9);
        fflush(stdout);
    }
    free(x), free(w), free(y);
    return 0;
}

int bench_gemm(const bench_options *o)
{
    openblas_set_num_threads(cpu_count());
    /* The two 135m cases share shapes at M = 1024 vs 2048; time each once. */
    bool any = false;
    for (size_t i = 0; i < N_CASES; i++) {
        if (o->only ? strcmp(o->only, cases[i].name) != 0 : cases[i].ckpt)
            continue;
        gemm_total tot = {0, 0};
        if (measure_case_gemm(&cases[i], &tot, o, true))
            return CLI_FAIL;
        any = true;
    }
    if (!any) {
        fprintf(stderr, "lathe bench gemm: no case named '%s'\n", o->only);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Model FLOPs of one optimizer step (see the header comment). */
static double step_flops(const train_case *c)
{
    matmul_shape s[N_SHAPES];
    case_shapes(c, s);
    double tokens = (double)c->batch * c->seq, per_token = 0.0;
    for (int i = 0; i < N_SHAPES; i++) {
        double n = (double)s[i].out * s[i].in * (s[i].per_layer ? c->layers : 1);
        bool trained = c->lora_r == 0;
        per_token += 2.0 * n + (trained ? 4.0 : 2.0) * n;
        if (c->lora_r && s[i].per_layer) {
            double lora = (double)c->lora_r * (s[i].in + s[i].out) * c->layers;
            per_token += 6.0 * lora;
        }
    }
    int hd = c->dim / c->heads;
    double attn_fwd = 2.0 * c->seq * (c->seq + 1.0) * c->heads * hd;
    return tokens * per_token + (double)c->batch * c->layers * 3.0 * attn_fwd;
}

typedef struct {
    int32_t *tokens, *targets;
    int B, T;
    uint64_t rng;
} random_source;

static int random_next(void *ctx, trainer_batch *out, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    random_source *s = ctx;
    int n = s->B * s->T;
    for (int i = 0; i < n; i++) {
        s->rng ^= s->rng << 13, s->rng ^= s->rng >> 7, s->rng ^= s->rng << 17;
        s->tokens[i] = (int32_t)(s->rng % 1000u);
    }
    for (int i = 0; i < n; i++)
        s->targets[i] = (i + 1) % s->T ? s->tokens[i + 1] : -100;
    *out = (trainer_batch){s->B, s->T, s->tokens, s->targets, NULL, NULL, 0.0};
    return 1;
}

static model *build_model(const train_case *c, char *err, size_t errlen)
{
    model_config cfg = (model_config){.n_vocab = c->vocab, .dim = c->dim, .n_layers = c->layers,
                         .n_heads = c->heads, .n_kv_heads = c->kv_heads,
                         .head_dim = c->dim / c->heads, .ffn_dim = c->ffn, .context_len = c->seq,
                         .rope_base = 10000.0f, .rope_dim = c->dim / c->heads, .rope = ROPE_NEOX,
                         .norm_eps = 1e-5f, .tied_embeddings = c->tied};
    snprintf(cfg.arch, sizeof cfg.arch, "llama");
    model *m = model_create(&cfg, 42, err, errlen);
    if (!m)
        return NULL;
    model_set_checkpointing(m, c->ckpt);
    if (model_set_threads(m, cpu_count(), cpu_count(), err, errlen))
        goto fail;
    if (c->lora_r) {
        model_train_spec spec = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_LINEAR,
                                 .lora_r = c->lora_r, .lora_alpha = 2.0f * c->lora_r,
                                 .lora_seed = 1};
        if (model_set_training(m, &spec, err, errlen))
            goto fail;
    }
    return m;
fail:
    model_free(m);
    return NULL;
}

/* Runs 1 + steps optimizer steps; returns seconds of the timed ones and the
 * optimizer's state in *optim_bytes. */
static double run_steps(model *m, const train_case *c, int steps, size_t *optim_bytes,
                        char *err, size_t errlen)
{
    double secs = -1.0;
    random_source src = {malloc(sizeof(int32_t) * (size_t)c->batch * c->seq),
                         malloc(sizeof(int32_t) * (size_t)c->batch * c->seq), c->batch, c->seq,
                         0x9e3779b97f4a7c15ull};
    ring *r = ring_new(64, err, errlen);
    train_bind bind = {0};
    trainer_model tm;
    trainer *t = NULL;
    trainer_config cfg = trainer_defaults();
    cfg.learning_rate = 1e-4;
    cfg.max_steps = 1 + steps;
    trainer_source ts = {&src, random_next};
    if (!src.tokens || !src.targets || !r || train_bind_model(&bind, m, &tm, err, errlen)
        || !(t = trainer_new(&cfg, &tm, &ts, r, err, errlen)) || trainer_start(t, err, errlen))
        goto out;
    trainer_join(t);
    *optim_bytes = trainer_optim_bytes(t);
    trainer_status st;
    trainer_get_status(t, &st);
    ring_record rec;
    double first = -1.0, last = -1.0;
    while (ring_pop(r, &rec)) {
        if (rec.kind == RING_STEP) {
            if (rec.step == 1)
                first = rec.elapsed_s;
            last = rec.elapsed_s;
        }
        ring_record_clear(&rec);
    }
    if (st.state != TRAINER_FINISHED || st.step != 1 + steps || first < 0.0)
        snprintf(err, errlen, "training did not complete: %.200s", st.message);
    else
        secs = last - first;
out:
    trainer_free(t);
    train_bind_free(&bind);
    ring_free(r);
    free(src.tokens);
    free(src.targets);
    return secs;
}

/* Linux resets a process's peak RSS (VmHWM) when "5" is written to
 * clear_refs, so each case reports its own peak. */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* Peak RSS in MB since the last reset; the process-wide maximum where
 * /proc/self/status cannot be read. */
static double peak_rss_mb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    if (kb)
        return (double)kb / 1024.0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static int train_one(const train_case *c, const bench_options *o)
{
    char err[256];
    model *m = build_model(c, err, sizeof err);
    if (!m) {
        fprintf(stderr, "lathe bench train %s: %s\n", c->name, err);
        return CLI_FAIL;
    }
    /* Measured from here: model_create's transient full-mode gradients are
     * setup, not training. */
    reset_peak_rss();
    gemm_total g = {0, 0};
    size_t optim_bytes = 0;
    double secs = measure_case_gemm(c, &g, o, false)
                      ? -1.0 : run_steps(m, c, o->steps, &optim_bytes, err, sizeof err);
    model_free(m);
    if (secs <= 0.0) {
        fprintf(stderr, "lathe bench train %s: %s\n", c->name, err);
        return CLI_FAIL;
    }
    double tokens = (double)o->steps * c->batch * c->seq;
    double gflops = step_flops(c) * o->steps / secs * 1e-9, peak = g.flops / g.seconds * 1e-9;
    double rss_mb = peak_rss_mb();
    if (o->json)
        printf("{\"bench\":\"train\",\"case\":\"%s\",\"steps\":%d,\"seconds\":%.3f,"
               "\"tokens_per_s\":%.1f,\"gflops\":%.2f,\"sgemm_gflops\":%.2f,"
               "\"fraction_of_peak\":%.3f,\"peak_rss_mb\":%.1f,\"optim_state_mb\":%.2f,"
               "\"threads\":%d,\"blas_core\":\"%s\"}\n", c->name, o->steps, secs, tokens / secs,
               gflops, peak, gflops / peak, rss_mb, (double)optim_bytes / 1048576.0, cpu_count(),
               openblas_get_corename());
    else
        printf("train %s: %.1f tokens/s, %.2f GFLOP/s model, sgemm %.2f GFLOP/s at its shapes "
               "-> %.1f%% of peak; peak RSS %.0f MB, optimizer state %.1f MB (%d steps, %.2f s, "
               "%d threads, OpenBLAS %s kernels)\n", c->name, tokens / secs, gflops, peak,
               100.0 * gflops / peak, rss_mb, (double)optim_bytes / 1048576.0, o->steps, secs,
               cpu_count(), openblas_get_corename());
    fflush(stdout);
    return CLI_OK;
}

int bench_train(const bench_options *o)
{
    bool any = false;
    for (size_t i = 0; i < N_CASES; i++) {
        if (o->only && strcmp(o->only, cases[i].name))
            continue;
        any = true;
        int rc = train_one(&cases[i], o);
        if (rc != CLI_OK)
            return rc;
    }
    if (!any) {
        fprintf(stderr, "lathe bench train: no case named '%s'\n", o->only);
        return CLI_USAGE;
    }
    return CLI_OK;
}
