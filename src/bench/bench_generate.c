/* bench_generate.c - `lathe bench generate [-m MODEL [--type T]] [--case NAME]
 * [--json]`: prefill and decode speed of the inference session, and decode
 * against its memory-bandwidth bound measured in the same run: the bytes one
 * decoded token reads (weights in their stored type and the K/V cache,
 * gen_decode_bytes) over the rate at which all threads read those very
 * bytes, where they lie, streaming with wide loads and nothing else to do
 * (gen_decode_spans, membw_read_spans), or a buffer several times the
 * last-level cache where that reads faster: no decode can read its bytes
 * faster, so the fraction is at most 1. Prefill is
 * reported as floating-point work per second against the sgemm rate measured
 * in the same run on the prefill's own product shape. Built-in
 * cases are random models of known shapes in each weight type; -m measures a
 * model file as stored, or requantized to --type. */
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "clock.h"
#include "cpu_count.h"
#include "generate.h"
#include "gguf.h"
#include "kernels.h"
#include "membw.h"
#include "model_load.h"
#include "quant.h"
#include "quant_dot.h"

/* Prompt tokens prefilled, then tokens decoded: a context of 256; timed twice. */
enum { PREFILL = 192, DECODE = 64, REPEATS = 3 };
/* The DRAM buffer: this many times the last-level cache, at least 1 GiB.
 * A token's bytes are read until about HOT_READ bytes have passed (at most
 * HOT_PASSES times): the first passes of a freshly written buffer still
 * wrote back the lines its filling dirtied (three of them measured 64 MB
 * at half the rate the thirtieth reached), and more passes only ever find
 * a faster one. */
enum { BW_LLC_TIMES = 4, BW_PASSES = 3, HOT_PASSES = 64 };
#define HOT_READ (2.0 * (1 << 30))

typedef struct {
    const char *name;
    model_config cfg;
    int qtype;              /* GGML_TYPE_F32: fp32 base */
} gen_case;

#define SHAPE_15M .n_vocab = 32000, .dim = 288, .n_layers = 6, .n_heads = 6, .n_kv_heads = 6, \
    .head_dim = 48, .ffn_dim = 768
#define SHAPE_55M .n_vocab = 32000, .dim = 512, .n_layers = 8, .n_heads = 8, .n_kv_heads = 2, \
    .head_dim = 64, .ffn_dim = 1408
#define COMMON .arch = "llama", .context_len = 256, .rope_base = 10000.0f, .norm_eps = 1e-5f

#define S15 {SHAPE_15M, COMMON, .rope_dim = 48}
#define S55 {SHAPE_55M, COMMON, .rope_dim = 64}
static const gen_case cases[] = {
    {"decode-15m-c256", S15, GGML_TYPE_F32},
    {"decode-15m-f16-c256", S15, GGML_TYPE_F16},
    {"decode-15m-q8-c256", S15, GGML_TYPE_Q8_0},
    {"decode-15m-q4k-c256", S15, GGML_TYPE_Q4_K},
    {"decode-15m-q5k-c256", S15, GGML_TYPE_Q5_K},
    {"decode-55m-gqa-c256", S55, GGML_TYPE_F32},
    {"decode-55m-gqa-f16-c256", S55, GGML_TYPE_F16},
    {"decode-55m-gqa-q8-c256", S55, GGML_TYPE_Q8_0},
    {"decode-55m-gqa-q4k-c256", S55, GGML_TYPE_Q4_K},
    {"decode-55m-gqa-q5k-c256", S55, GGML_TYPE_Q5_K},
};

/* Read bandwidth of a buffer several times the last-level cache (at most a
 * quarter of memory), measured once per run. */
static double dram_bandwidth(pool *p)
{
    static double bw;
    if (bw > 0)
        return bw;
    size_t bytes = (size_t)BW_LLC_TIMES * membw_llc_bytes();
    size_t floor = (size_t)1 << 30;
    size_t cap = (size_t)sysconf(_SC_PHYS_PAGES) * (size_t)sysconf(_SC_PAGESIZE) / 4;
    bytes = bytes < floor ? floor : bytes;
    bw = membw_read(p, bytes < cap ? bytes : cap, BW_PASSES);
    return bw;
}

typedef struct {
    double prefill_tps, decode_tps, bound_tps, bandwidth, dram;
    double prefill_flops, sgemm_flops;  /* per second */
    size_t bytes_per_token;
} gen_figures;

/* Floating-point operations of one prefilled token, averaged over the
 * PREFILL positions: 2 per weight of every block's matrices, 2 * 2 per
 * element of a head's query against each earlier key and value, and the
 * head's share: a prefill computes the logits of its last row only. */
static double prefill_flops_per_token(const model_config *c)
{
    double qd = (double)c->n_heads * c->head_dim, kvd = (double)c->n_kv_heads * c->head_dim;
    double per_layer = c->dim * qd * 2 + c->dim * kvd * 2 + 3.0 * c->dim * c->ffn_dim;
    double attention = 2.0 * qd * (PREFILL + 1) / 2;
    return 2 * (c->n_layers * (per_layer + attention) + (double)c->dim * c->n_vocab / PREFILL);
}

/* The sgemm rate on the model's pool for the prefill's largest product
 * shape (PREFILL rows of dim through the feed-forward matrix), best of
 * BW_PASSES; 0 when the buffers cannot be had. */
static double sgemm_rate(model *m)
{
    const model_config *c = model_get_config(m);
    int M = PREFILL, N = c->ffn_dim, K = c->dim;
    float *a = malloc(sizeof(float) * (size_t)M * K), *b = malloc(sizeof(float) * (size_t)N * K);
    float *y = malloc(sizeof(float) * (size_t)M * N);
    double best = 0;
    for (size_t i = 0; a && b && y && i < (size_t)N * K; i++) {
        b[i] = (float)(i % 7) * 0.01f;
        if (i < (size_t)M * K)
            a[i] = (float)(i % 5) * 0.01f;
    }
    for (int r = 0; a && b && y && r < BW_PASSES; r++) {
        double t0 = clock_s();
        k_sgemm(model_pool(m), false, true, M, N, K, 1.0f, a, K, b, K, 0.0f, y, N);
        double s = clock_s() - t0;
        best = s > 0 && 2.0 * M * N * K / s > best ? 2.0 * M * N * K / s : best;
    }
    free(a);
    free(b);
    free(y);
    return best;
}

/* One timed prefill and decode of the session (after a reset); rates in f. */
static int time_once(gen_session *s, const int32_t *ids, gen_figures *f, char *err,
                     size_t errlen)
{
    gen_session_reset(s);
    double t0 = clock_s();
    if (!gen_session_feed(s, ids, PREFILL, err, errlen))
        return -1;
    double t1 = clock_s();
    for (int i = PREFILL; i < PREFILL + DECODE; i++)
        if (!gen_session_feed(s, ids + i, 1, err, errlen))
            return -1;
    double t2 = clock_s();
    f->prefill_tps = PREFILL / (t1 - t0);
    f->decode_tps = DECODE / (t2 - t1);
    return 0;
}

static int hot_passes(size_t bytes)
{
    double n = 1 + HOT_READ / (double)bytes;
    return n < HOT_PASSES ? (int)n : HOT_PASSES;
}

/* The rate at which the pool reads the very bytes a token decoded in the
 * middle of the timed run reads (gen_decode_spans: its weights, where they
 * lie, and its K/V rows), as decode reads them but with nothing else to
 * do, until about HOT_READ bytes have passed: no decode reads them faster,
 * whichever of them the caches hold. 0 when out of memory. */
static double read_token_bytes(pool *p, gen_session *s, size_t bytes)
{
    int n;
    gen_session_rewind(s, PREFILL + DECODE / 2);
    membw_span *spans = gen_decode_spans(s, &n);
    double rate = spans ? membw_read_spans(p, spans, n, hot_passes(bytes)) : 0;
    free(spans);
    return rate;
}

/* Best of REPEATS runs after a warm-up, as the bandwidth is the best of its
 * passes: a busy machine only ever slows a run down. */
static int measure(model *m, gen_figures *f, char *err, size_t errlen)
{
    int V = model_get_config(m)->n_vocab;
    int32_t ids[PREFILL + DECODE];
    for (int i = 0; i < PREFILL + DECODE; i++)
        ids[i] = (int32_t)((i * 7919 + 13) % V);
    gen_session *s = gen_session_new(m, PREFILL + DECODE, err, errlen);
    if (!s)
        return -1;
    *f = (gen_figures){0};
    f->bytes_per_token = gen_decode_bytes(m, PREFILL + DECODE / 2);
    f->dram = dram_bandwidth(model_pool(m));
    f->bandwidth = f->dram;
    int rc = gen_session_feed(s, ids, PREFILL, err, errlen) ? 0 : -1;
    for (int r = 0; !rc && r < REPEATS; r++) {
        gen_figures once = {0};
        rc = time_once(s, ids, &once, err, errlen);
        f->prefill_tps = once.prefill_tps > f->prefill_tps ? once.prefill_tps : f->prefill_tps;
        f->decode_tps = once.decode_tps > f->decode_tps ? once.decode_tps : f->decode_tps;
        /* measured beside each run, so a busy spell cannot lower only the bound */
        double hot = rc ? 0 : read_token_bytes(model_pool(m), s, f->bytes_per_token);
        f->bandwidth = hot > f->bandwidth ? hot : f->bandwidth;
    }
    gen_session_free(s);
    if (rc)
        return -1;
    f->bound_tps = f->bandwidth / (double)f->bytes_per_token;
    f->prefill_flops = f->prefill_tps * prefill_flops_per_token(model_get_config(m));
    f->sgemm_flops = sgemm_rate(m);
    return 0;
}

static void print(const char *name, const gen_figures *f, bool json)
{
    double frac = f->bound_tps > 0 ? f->decode_tps / f->bound_tps : 0;
    double of_sgemm = f->sgemm_flops > 0 ? f->prefill_flops / f->sgemm_flops : 0;
    if (json)
        printf("{\"bench\":\"generate\",\"case\":\"%s\",\"kernels\":\"%s\","
               "\"prefill_tokens_per_s\":%.1f,"
               "\"decode_tokens_per_s\":%.1f,\"bound_tokens_per_s\":%.1f,"
               "\"fraction_of_bound\":%.3f,\"bandwidth_gb_s\":%.2f,\"dram_gb_s\":%.2f,"
               "\"bytes_per_token\":%zu,\"prefill_gflop_s\":%.1f,\"sgemm_gflop_s\":%.1f,"
               "\"prefill_fraction_of_sgemm\":%.3f}\n",
               name, quant_dot_path(), f->prefill_tps, f->decode_tps, f->bound_tps, frac,
               f->bandwidth / 1e9, f->dram / 1e9, f->bytes_per_token, f->prefill_flops / 1e9,
               f->sgemm_flops / 1e9, of_sgemm);
    else
        printf("generate %s (%s kernels): prefill %.1f tokens/s (%.1f GFLOP/s = %.1f%% of "
               "sgemm's %.1f), decode %.1f tokens/s; bound %.1f tokens/s (%.2f GB/s read, DRAM "
               "%.2f GB/s / %.1f MB per token) = %.1f%% of bound\n",
               name, quant_dot_path(), f->prefill_tps, f->prefill_flops / 1e9, 100 * of_sgemm,
               f->sgemm_flops / 1e9, f->decode_tps, f->bound_tps, f->bandwidth / 1e9,
               f->dram / 1e9, (double)f->bytes_per_token / 1e6, 100 * frac);
    fflush(stdout);
}

/* TYPE, or llama.cpp's fallback for a row of COLS it cannot block. */
static int fitting_type(int type, int64_t cols)
{
    int elems = 1;
    ggml_type_info(type, &elems, NULL);
    if (cols % elems == 0)
        return type;
    return type == GGML_TYPE_Q4_K ? GGML_TYPE_Q5_0 : type == GGML_TYPE_Q5_K ? GGML_TYPE_Q5_1
                                                                            : GGML_TYPE_Q8_0;
}

/* TYPE copies of every linear matrix become the frozen base. */
static int quantize_base(model *m, int type, void **store, char *err, size_t errlen)
{
    const model_config *c = model_get_config(m);
    int count = model_tensor_count(c);
    model_tensor_info *info = calloc((size_t)count, sizeof *info);
    if (!info)
        return -1;
    model_tensor_table(c, info);
    int rc = 0;
    for (int i = 0; !rc && i < count; i++) {
        if (!model_tensor_is_linear(info[i].name))
            continue;
        size_t n;
        float *w = model_weight(m, info[i].name, &n);
        int t = fitting_type(type, info[i].ne[0]);
        void *q = malloc(ggml_row_bytes(t, info[i].ne[0]) * (size_t)info[i].ne[1]);
        store[i] = q;
        rc = !w || !q || quant_quantize_row(t, w, q, (int64_t)n) ||
             model_set_quantized(m, info[i].name, t, q, err, errlen);
    }
    free(info);
    return rc ? -1 : 0;
}

static int run_case(const gen_case *gc, bool json, char *err, size_t errlen)
{
    model *m = model_create(&gc->cfg, 1, err, errlen);
    if (!m)
        return -1;
    int count = model_tensor_count(&gc->cfg);
    void **store = calloc((size_t)count, sizeof *store);
    model_train_spec frozen = {.mode = MODEL_TRAIN_LORA};
    int rc = store ? model_set_training(m, &frozen, err, errlen) : -1;
    if (!rc && gc->qtype != GGML_TYPE_F32)
        rc = quantize_base(m, gc->qtype, store, err, errlen);
    if (!rc)
        rc = model_set_threads(m, cpu_count(), cpu_count(), err, errlen);
    gen_figures f;
    if (!rc && !(rc = measure(m, &f, err, errlen)))
        print(gc->name, &f, json);
    model_free(m);
    for (int i = 0; store && i < count; i++)
        free(store[i]);
    free(store);
    return rc;
}

/* PATH as stored (TYPE < 0) or with its matrices requantized to TYPE. */
static int run_file(const char *path, int type, bool json, char *err, size_t errlen)
{
    model_file mf;
    if (model_file_load(&mf, path, type < 0, err, errlen))
        return -1;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    char name[256];
    snprintf(name, sizeof name, "decode-%.*s%s%s-c%d", len, base, type < 0 ? "" : "-",
             type < 0 ? "" : ggml_type_name(type), PREFILL + DECODE);
    int count = model_tensor_count(model_get_config(mf.m));
    void **store = calloc((size_t)count, sizeof *store);
    int rc = store ? 0 : -1;
    if (!rc && type >= 0 && type != GGML_TYPE_F32)
        rc = quantize_base(mf.m, type, store, err, errlen);
    if (!rc)
        rc = model_set_threads(mf.m, cpu_count(), cpu_count(), err, errlen);
    gen_figures f;
    if (!rc && !(rc = measure(mf.m, &f, err, errlen)))
        print(name, &f, json);
    model_file_close(&mf);
    for (int i = 0; store && i < count; i++)
        free(store[i]);
    free(store);
    return rc;
}

int bench_generate(const cli_command *cmd, int argc, char **argv)
{
    const char *model_path = NULL, *only = NULL, *type_name = NULL, *kernels = NULL;
    bool json = false;
    const cli_opt opts[] = {
        {"--json", NULL, CLI_FLAG, &json, 0, 0, NULL},
        {"-m", NULL, CLI_STRING, &model_path, 0, 0, NULL},
        {"--case", NULL, CLI_STRING, &only, 0, 0, NULL},
        {"--type", NULL, CLI_STRING, &type_name, 0, 0, NULL},
        {"--kernels", NULL, CLI_STRING, &kernels, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, NULL, 0}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    if (kernels && !quant_dot_use(kernels)) {
        const char *names[8];
        int n = quant_dot_paths(names, 8);
        char list[128] = "";
        for (int i = 0; i < n; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     names[i]);
        return cli_usage_error(cmd, "bench generate: --kernels '%s' does not run here; this "
                               "CPU runs %s", kernels, list);
    }
    int type = type_name ? ggml_type_from_name(type_name) : -1;
    if (type_name && (!model_path || type < 0 || !quant_can_quantize(type)))
        return cli_usage_error(cmd, "bench generate: --type takes a type lathe writes (f32, f16, "
                               "q8_0, q4_0, q4_1, q5_0, q5_1, q4_k, q5_k, q6_k) and needs -m");
    char err[1024];
    if (model_path) {
        if (run_file(model_path, type, json, err, sizeof err)) {
            fprintf(stderr, "lathe bench generate: %s\n", err);
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    bool any = false;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (only && strcmp(only, cases[i].name))
            continue;
        any = true;
        if (run_case(&cases[i], json, err, sizeof err)) {
            fprintf(stderr, "lathe bench generate %s: %s\n", cases[i].name, err);
            return CLI_FAIL;
        }
    }
    if (!any)
        return cli_usage_error(cmd, "bench generate: no case named '%s'", only);
    return CLI_OK;
}
