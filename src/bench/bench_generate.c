/* bench_generate.c - `lathe bench generate [-m MODEL] [--case NAME] [--json]`:
 * prefill and decode speed of the inference session, and decode against its
 * memory-bandwidth bound measured in the same run: the read bandwidth of a
 * buffer far larger than any cache, over the bytes one decoded token reads
 * (weights in their stored type and the K/V cache, gen_decode_bytes). Built-in
 * cases are random models of known shapes; -m measures a model file. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "clock.h"
#include "cpu_count.h"
#include "generate.h"
#include "gguf.h"
#include "kernels.h"
#include "model_load.h"
#include "quant.h"

/* Prompt tokens prefilled, then tokens decoded: a context of 256; timed twice. */
enum { PREFILL = 192, DECODE = 64, REPEATS = 2 };
/* Bytes read per bandwidth pass; floats per task. */
#define BW_BYTES ((size_t)512 << 20)
enum { BW_SLICE = 1 << 20 };

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

static const gen_case cases[] = {
    {"decode-15m-c256", {SHAPE_15M, COMMON, .rope_dim = 48}, GGML_TYPE_F32},
    {"decode-15m-q8-c256", {SHAPE_15M, COMMON, .rope_dim = 48}, GGML_TYPE_Q8_0},
    {"decode-55m-gqa-c256", {SHAPE_55M, COMMON, .rope_dim = 64}, GGML_TYPE_F32},
    {"decode-55m-gqa-q8-c256", {SHAPE_55M, COMMON, .rope_dim = 64}, GGML_TYPE_Q8_0},
};

typedef struct {
    const float *buf;
    float *sums;
} bw_job;

static void bw_task(void *arg, int i)
{
    bw_job *j = arg;
    j->sums[i] = cblas_sasum(BW_SLICE, j->buf + (size_t)i * BW_SLICE, 1);
}

/* Best of three read passes over BW_BYTES, bytes/s; 0 when out of memory. */
static double read_bandwidth(pool *p)
{
    int tasks = (int)(BW_BYTES / sizeof(float) / BW_SLICE);
    float *buf = malloc(BW_BYTES), *sums = malloc((size_t)tasks * sizeof *sums);
    double best = 0;
    if (buf && sums) {
        /* non-zero: malloc + zero fill may become calloc, whose untouched
         * pages all read the one shared zero page from cache */
        memset(buf, 1, BW_BYTES);
        bw_job j = {buf, sums};
        for (int rep = 0; rep < 3; rep++) {
            double t0 = clock_s();
            k_pool_run_blas(p, tasks, bw_task, &j);
            double s = clock_s() - t0;
            best = s > 0 && (double)BW_BYTES / s > best ? (double)BW_BYTES / s : best;
        }
    }
    free(buf);
    free(sums);
    return best;
}

typedef struct {
    double prefill_tps, decode_tps, bound_tps, bandwidth;
    size_t bytes_per_token;
} gen_figures;

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
    int rc = gen_session_feed(s, ids, PREFILL, err, errlen) ? 0 : -1;
    for (int r = 0; !rc && r < REPEATS; r++) {
        gen_figures once = {0};
        rc = time_once(s, ids, &once, err, errlen);
        f->prefill_tps = once.prefill_tps > f->prefill_tps ? once.prefill_tps : f->prefill_tps;
        f->decode_tps = once.decode_tps > f->decode_tps ? once.decode_tps : f->decode_tps;
    }
    gen_session_free(s);
    if (rc)
        return -1;
    f->bandwidth = read_bandwidth(model_pool(m));
    f->bytes_per_token = gen_decode_bytes(m, PREFILL + DECODE / 2);
    f->bound_tps = f->bandwidth / (double)f->bytes_per_token;
    return 0;
}

static void print(const char *name, const gen_figures *f, bool json)
{
    double frac = f->bound_tps > 0 ? f->decode_tps / f->bound_tps : 0;
    if (json)
        printf("{\"bench\":\"generate\",\"case\":\"%s\",\"prefill_tokens_per_s\":%.1f,"
               "\"decode_tokens_per_s\":%.1f,\"bound_tokens_per_s\":%.1f,"
               "\"fraction_of_bound\":%.3f,\"bandwidth_gb_s\":%.2f,\"bytes_per_token\":%zu}\n",
               name, f->prefill_tps, f->decode_tps, f->bound_tps, frac, f->bandwidth / 1e9,
               f->bytes_per_token);
    else
        printf("generate %s: prefill %.1f tokens/s, decode %.1f tokens/s; bound %.1f tokens/s "
               "(%.2f GB/s read / %.1f MB per token) = %.1f%% of bound\n",
               name, f->prefill_tps, f->decode_tps, f->bound_tps, f->bandwidth / 1e9,
               (double)f->bytes_per_token / 1e6, 100 * frac);
    fflush(stdout);
}

/* Q8_0 copies of every linear matrix become the frozen base. */
static int quantize_base(model *m, void **store, char *err, size_t errlen)
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
        void *q = malloc(ggml_row_bytes(GGML_TYPE_Q8_0, info[i].ne[0]) * (size_t)info[i].ne[1]);
        store[i] = q;
        rc = !w || !q || quant_quantize_row(GGML_TYPE_Q8_0, w, q, (int64_t)n) ||
             model_set_quantized(m, info[i].name, GGML_TYPE_Q8_0, q, err, errlen);
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
    if (!rc && gc->qtype == GGML_TYPE_Q8_0)
        rc = quantize_base(m, store, err, errlen);
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

static int run_file(const char *path, bool json, char *err, size_t errlen)
{
    model_file mf;
    if (model_file_load(&mf, path, true, err, errlen))
        return -1;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *dot = strrchr(base, '.');
    int len = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    char name[256];
    snprintf(name, sizeof name, "decode-%.*s-c%d", len, base, PREFILL + DECODE);
    gen_figures f;
    int rc = model_set_threads(mf.m, cpu_count(), cpu_count(), err, errlen);
    if (!rc && !(rc = measure(mf.m, &f, err, errlen)))
        print(name, &f, json);
    model_file_close(&mf);
    return rc;
}

int bench_generate(const cli_command *cmd, int argc, char **argv)
{
    const char *model_path = NULL, *only = NULL;
    bool json = false;
    const cli_opt opts[] = {
        {"--json", NULL, CLI_FLAG, &json, 0, 0, NULL},
        {"-m", NULL, CLI_STRING, &model_path, 0, 0, NULL},
        {"--case", NULL, CLI_STRING, &only, 0, 0, NULL},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 2, NULL, 0}, argc, argv);
    if (rc != CLI_OK)
        return rc;
    char err[1024];
    if (model_path) {
        if (run_file(model_path, json, err, sizeof err)) {
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
