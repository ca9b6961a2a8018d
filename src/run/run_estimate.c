/* run_estimate.c - the estimate of a training run (run_estimate.h): the
 * model's header, the tokenizer, the pipeline's sequences, then the run's
 * micro-batches and evaluations in order, as the trainer will see them. */
#include "config.h"

#include "run_estimate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cpu_count.h"
#include "gguf.h"
#include "hf_model.h"
#include "lora.h"
#include "model_load.h"
#include "optim.h"
#include "pipe_source.h"
#include "procstat.h"
#include "safetensors.h"
#include "train_setup.h"

/* The lathe program itself, its libraries and their first allocations:
 * the peak resident set of `lathe --version`, measured (about 5.7 MiB). */
#define PROGRAM_BYTES (6ull << 20)
/* Each thread that runs matmuls (the trainer's and the engine pool's other
 * threads): the packing buffers OpenBLAS gives a thread calling sgemm, of
 * which 0.6 to 3 MiB are written at the engine's matmul shapes (measured
 * with OpenBLAS 0.3.21, SkylakeX kernels), and its stack. */
#define THREAD_BYTES (2ull << 20)
/* Past this many micro-batches the run repeats what was seen: stop walking. */
#define MAX_WALK 200000

/* ------------------------------------------------------------ the model file */

typedef struct {
    bool gguf;
    uint64_t file_bytes;    /* tensor data read (and mapped) while loading */
    uint64_t all_fp32;      /* every tensor in fp32, as the model is first created */
    uint64_t fp32;          /* fp32 weights held while training */
    uint64_t quant_heap;    /* Q8_0/Q4_0 copies of a frozen base (load_in_8bit/4bit) */
    bool quantized, quantized_head;
    bool mapped_base;       /* quantized tensors read in place from the file every step */
} weights_plan;

/* Where tensor TI lives while training: fp32, a quantized copy, or read in
 * place from the file (TYPE: its type there, -1 for none). */
static void place_tensor(const train_config *cfg, const model_tensor_info *ti, int type,
                         weights_plan *w)
{
    uint64_t n = (uint64_t)ti->ne[0] * (uint64_t)ti->ne[1];
    bool linear = model_tensor_is_linear(ti->name);
    bool frozen_q = cfg->load_in_8bit || cfg->load_in_4bit;
    bool head = !strcmp(ti->name, "output.weight");
    w->all_fp32 += n * sizeof(float);
    if (frozen_q && linear && type >= 0 && type != GGML_TYPE_F32) {
        w->quantized = w->mapped_base = true;  /* kept in the file's type, read in place */
        w->quantized_head |= head;
        return;
    }
    size_t q = linear ? train_setup_quant_bytes(cfg, ti->ne[0], ti->ne[1]) : 0;
    if (q) {
        w->quant_heap += q;
        w->quantized = true;
        w->quantized_head |= head;
    } else {
        w->fp32 += n * sizeof(float);
    }
}

static int plan_tensors(const train_config *cfg, const model_config *arch, const gguf_file *g,
                        weights_plan *w, char *err, size_t errlen)
{
    int n = model_tensor_count(arch);
    model_tensor_info *tab = calloc((size_t)n, sizeof *tab);
    if (!tab) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    model_tensor_table(arch, tab);
    for (int i = 0; i < n; i++) {
        const gguf_tensor *t = g ? gguf_find_tensor(g, tab[i].name) : NULL;
        place_tensor(cfg, &tab[i], t ? t->type : -1, w);
    }
    free(tab);
    return 0;
}

static int read_gguf(const char *path, const train_config *cfg, model_config *arch,
                     weights_plan *w, char *err, size_t errlen)
{
    char why[512];
    gguf_file *g = gguf_open(path, err, errlen);
    if (!g)
        return -1;
    int rc = gguf_model_config(g, arch, why, sizeof why);
    if (rc)
        snprintf(err, errlen, "%s: %s", path, why);
    w->gguf = true;
    w->file_bytes = gguf_file_size(g);
    if (!rc)
        rc = plan_tensors(cfg, arch, g, w, err, errlen);
    gguf_close(g);
    return rc;
}

static int read_hf(const char *dir, const train_config *cfg, model_config *arch,
                   weights_plan *w, char *err, size_t errlen)
{
    if (hf_config_load(dir, arch, err, errlen))
        return -1;
    st_model *st = st_model_open(dir, err, errlen);
    if (!st)
        return -1;
    if (!arch->tied_embeddings && !st_model_find(st, "lm_head.weight"))
        arch->tied_embeddings = true;   /* as model_file_load decides */
    for (size_t i = 0; i < st_model_n_tensors(st); i++) {
        const st_tensor *t = st_model_tensor_at(st, i);
        w->file_bytes += t->end - t->begin;
    }
    st_model_close(st);
    return plan_tensors(cfg, arch, NULL, w, err, errlen);
}

/* ------------------------------------------------------------ the data */

/* What malloc takes for N bytes: a header, rounded to 16, at least 32. */
static uint64_t chunk_bytes(uint64_t n)
{
    uint64_t c = (n + 8 + 15) & ~(uint64_t)15;
    return c < 32 ? 32 : c;
}

/* The sequences the pipeline keeps: tokens, labels and doc ids each. */
static uint64_t set_bytes(const pipe_set *s)
{
    uint64_t b = chunk_bytes(s->n * sizeof *s->seqs);
    for (size_t i = 0; i < s->n; i++)
        b += 3 * chunk_bytes(s->seqs[i].n * sizeof(int32_t));
    return b;
}

/* ------------------------------------------------------------ the batches */

/* The activation arena as the model keeps it: reallocated when a batch is
 * wider or differently shaped, reused (more of it written) otherwise. */
typedef struct {
    const model_config *arch;
    const model_train_spec *spec;
    model_act_shape shape;      /* the current arena; B == 0 before the first */
    model_act_size worst;       /* the most written at any time */
    uint64_t tokens;            /* positions of the batches seen */
    uint64_t batches;
    int widest;
    size_t max_cells;           /* the largest B*T, for the batch copies */
} arena_walk;

static int scored(const trainer_batch *b)
{
    int n = 0;
    for (size_t i = 0; i < (size_t)b->B * (size_t)b->T; i++)
        n += b->targets[i] >= 0 && (!b->weights || b->weights[i] != 0.0f);
    return n;
}

static void see_batch(arena_walk *w, const trainer_batch *b)
{
    int N = b->B * b->T, s = scored(b);
    model_act_shape *a = &w->shape;
    if (a->B && N <= a->B * a->T && b->T == a->T) {
        a->scored = s > a->scored ? s : a->scored;
    } else {
        a->B = b->B;
        a->T = b->T;
        a->scored = s;
    }
    model_act_size z = model_activation_size(w->arch, w->spec, a);
    if (z.written > w->worst.written)
        w->worst = z;
    w->tokens += (uint64_t)N;
    w->batches++;
    w->widest = b->T > w->widest ? b->T : w->widest;
    w->max_cells = (size_t)N > w->max_cells ? (size_t)N : w->max_cells;
}

/* Feeds N micro-batches of SRC (or all it has, N < 0) to the walk. */
static int walk(arena_walk *w, pipe_source *src, int64_t n, char *err, size_t errlen)
{
    trainer_batch b;
    int got = 1;
    for (int64_t i = 0; (n < 0 || i < n) && (got = pipe_source_next(src, &b, err, errlen)) == 1;
         i++)
        see_batch(w, &b);
    return got < 0 ? -1 : 0;
}

static int walk_eval(arena_walk *w, run_estimate *e, char *err, size_t errlen)
{
    pipe_source src;
    uint64_t before = w->tokens;
    if (pipe_source_init(&src, &e->pipe.val, (size_t)e->cfg->micro_batch_size, 1, e->pad, err,
                         errlen))
        return -1;
    int rc = walk(w, &src, -1, err, errlen);
    pipe_source_free(&src);
    e->eval_tokens = w->tokens - before;
    w->tokens = before;  /* evaluations are counted apart from the training tokens */
    e->evals++;
    return rc;
}

/* The run's micro-batches and evaluations in the order the run takes them. */
static int walk_run(run_estimate *e, arena_walk *w, char *err, size_t errlen)
{
    const train_config *c = e->cfg;
    pipe_source src;
    size_t n_seq = e->pipe.train.n;
    if (pipe_source_init(&src, &e->pipe.train, (size_t)c->micro_batch_size,
                         train_setup_epochs(c, n_seq), e->pad, err, errlen))
        return -1;
    if (c->shuffle)
        pipe_source_reshuffle(&src, (uint64_t)c->seed);
    bool evals = c->eval_steps != CONFIG_UNSET && e->pipe.val.n > 0;
    int rc = 0;
    int64_t step = 0;
    for (; step < e->total_steps && rc == 0 && w->batches < MAX_WALK; step++) {
        rc = walk(w, &src, c->gradient_accumulation_steps, err, errlen);
        if (rc == 0 && evals && (step + 1) % c->eval_steps == 0)
            rc = walk_eval(w, e, err, errlen);
    }
    pipe_source_free(&src);
    if (rc == 0 && e->pipe.val.n > 0 && !(evals && e->total_steps % c->eval_steps == 0))
        rc = walk_eval(w, e, err, errlen);  /* the final evaluation */
    if (rc == 0 && step < e->total_steps && step > 0) {
        /* the rest repeats what was seen: scale the counts */
        e->run_tokens = w->tokens * (uint64_t)e->total_steps / (uint64_t)step;
        if (evals)
            e->evals = (uint64_t)(e->total_steps / c->eval_steps) +
                       (e->total_steps % c->eval_steps != 0);
    } else {
        e->run_tokens = w->tokens;
    }
    return rc;
}

/* ------------------------------------------------------------ assembling */

static void part(run_estimate *e, const char *key, const char *label, uint64_t bytes)
{
    if (e->n_parts < RUN_EST_MAX_PARTS)
        e->parts[e->n_parts++] = (run_est_part){key, label, bytes};
    e->train_peak += bytes;
}

const run_est_part *run_estimate_part(const run_estimate *e, const char *key)
{
    for (size_t i = 0; i < e->n_parts; i++)
        if (!strcmp(e->parts[i].key, key))
            return &e->parts[i];
    return NULL;
}

static void warn(run_estimate *e, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(run_estimate *e, const char *key, const char *fmt, ...)
{
    if (e->n_warnings == RUN_EST_MAX_WARNINGS)
        return;
    run_est_warning *w = &e->warnings[e->n_warnings++];
    w->key = key;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof w->msg, fmt, ap);
    va_end(ap);
}

static void memory(run_estimate *e, const weights_plan *wp, const arena_walk *w)
{
    const train_config *c = e->cfg;
    trainer_config tc = train_setup_trainer(c, e->total_steps);
    uint64_t shared = PROGRAM_BYTES + tok_vocab_bytes(e->vocab) + set_bytes(&e->pipe.train) +
                      set_bytes(&e->pipe.val);
    uint64_t lora = e->lora_params * sizeof(float);
    part(e, "program", "program and libraries", PROGRAM_BYTES);
    part(e, "tokenizer", "tokenizer", tok_vocab_bytes(e->vocab));
    part(e, "data", "tokenized data", set_bytes(&e->pipe.train) + set_bytes(&e->pipe.val));
    part(e, "weights", "weights (fp32)", wp->fp32);
    part(e, "weights_quantized", c->load_in_8bit ? "frozen base (Q8_0)" : "frozen base (Q4_0)",
         wp->quant_heap);
    part(e, "model_file", "model file (mapped)", wp->gguf ? wp->file_bytes : 0);
    part(e, "lora", "LoRA weights", lora);
    part(e, "gradients", "gradients", e->trainable * sizeof(float));
    part(e, "optimizer", "optimizer state", optim_state_floats(&tc.optim, e->trainable) * 4);
    part(e, "activations", "activations", w->worst.written - w->worst.loss_written);
    part(e, "logits", "logits and loss", w->worst.loss_written);
    part(e, "batches", "batch buffers",
         (uint64_t)w->max_cells * 16 * (uint64_t)(c->gradient_accumulation_steps + 1));
    part(e, "threads", "threads", (uint64_t)e->threads * THREAD_BYTES);
    /* Loading: every weight in fp32 beside the file it is read from, and
     * the LoRA weights allocated before a base is quantized. */
    e->load_peak = shared + wp->all_fp32 + wp->file_bytes + lora;
    e->peak = e->load_peak > e->train_peak ? e->load_peak : e->train_peak;
    e->reclaimable = wp->gguf && !wp->mapped_base ? wp->file_bytes : 0;
    char buf[8192], err[256];
    procstat_mem m;
    if (procstat_read_file("/proc/meminfo", buf, sizeof buf, err, sizeof err) > 0 &&
        procstat_parse_meminfo(buf, &m, err, sizeof err) == 0) {
        e->mem_total = m.total;
        e->mem_available = m.available;
    }
}

static const char *method_name(const model_train_spec *s)
{
    return s->mode == MODEL_TRAIN_LORA ? "lora" : s->mode == MODEL_TRAIN_TOP ? "top layers"
                                                                              : "full";
}

static void gib(char *buf, size_t len, uint64_t bytes)
{
    snprintf(buf, len, "%.1f GiB", (double)bytes / (1u << 30));
}

static void warnings(run_estimate *e)
{
    const train_config *c = e->cfg;
    bool lora = c->adapter == CONFIG_ADAPTER_LORA;
    double lo = lora ? 1e-5 : 1e-6, hi = lora ? 1e-3 : 1e-4;
    if (c->learning_rate < lo || c->learning_rate > hi)
        warn(e, "learning_rate", "learning_rate %g is %s the usual range for %s (%g to %g)",
             c->learning_rate, c->learning_rate < lo ? "below" : "above",
             lora ? "LoRA" : "full fine-tuning", lo, hi);
    double ratio = (double)c->lora_alpha / (c->peft_use_rslora ? sqrt((double)c->lora_r)
                                                                 : (double)c->lora_r);
    if (lora && (ratio < 0.5 || ratio > 4))
        warn(e, "lora_alpha", "lora_alpha %lld over %s %lld gives a scale of %.3g; 1 to 2 is "
             "usual (alpha 16 for r 8)", (long long)c->lora_alpha,
             c->peft_use_rslora ? "sqrt of lora_r" : "lora_r", (long long)c->lora_r, ratio);
    double warm = c->warmup_steps != CONFIG_UNSET ? (double)c->warmup_steps
                  : isnan(c->warmup_ratio)       ? 0.0
                                                 : ceil(c->warmup_ratio * (double)e->total_steps);
    if (e->total_steps > 0 && warm > 0.1 * (double)e->total_steps)
        warn(e, "warmup", "warmup takes %.0f of the %lld steps (%.0f %%); over 10 %% spends much "
             "of the run below the peak learning rate", warm, (long long)e->total_steps,
             100.0 * warm / (double)e->total_steps);
    if (e->pipe.val.n == 0)
        warn(e, "evaluation", "no evaluation split (val_set_size or test_datasets): "
             "overfitting will not show");
    if (e->truncated_share > 0.05)
        warn(e, "sequence_len", "%.0f %% of the records are cut to sequence_len %lld: their "
             "ends are never learned", 100.0 * e->truncated_share, (long long)c->sequence_len);
    uint64_t needed = e->peak - e->reclaimable;
    if (e->mem_available && needed > e->mem_available) {
        char a[32], b[32];
        gib(a, sizeof a, needed);
        gib(b, sizeof b, e->mem_available);
        warn(e, "memory", "the estimated peak (%s) is above the memory available now (%s)", a,
             b);
    }
}

/* ------------------------------------------------------------ the whole */

static int load_model_header(run_estimate *e, weights_plan *wp, model_train_spec *spec,
                             char *err, size_t errlen)
{
    const train_config *c = e->cfg;
    const char *path = c->base_model;
    struct stat sb;
    bool dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    int rc = dir ? read_hf(path, c, &e->arch, wp, err, errlen)
                 : read_gguf(path, c, &e->arch, wp, err, errlen);
    model_sizes z;
    if (rc || train_setup_spec(c, spec, err, errlen) ||
        model_plan_sizes(&e->arch, spec, &z, err, errlen))
        return -1;
    e->method = method_name(spec);
    e->params = z.params;
    e->trainable = z.trainable;
    e->lora_params = z.lora;
    return 0;
}

static int load_data(run_estimate *e, run_note_fn note, void *ctx, char *err, size_t errlen)
{
    const train_config *c = e->cfg;
    if (!(e->vocab = tok_vocab_load(c->base_model, &e->tmpl, err, errlen)))
        return -1;
    if (tok_vocab_size(e->vocab) > (size_t)e->arch.n_vocab) {
        snprintf(err, errlen, "%s: the tokenizer has %zu tokens but the model only %d embedding "
                 "rows", c->base_model, tok_vocab_size(e->vocab), e->arch.n_vocab);
        return -1;
    }
    pipe_inputs in = {.vocab = e->vocab, .model_template = e->tmpl, .note = note,
                      .note_ctx = ctx};
    if (pipeline_build(&e->pipe, c, &in, err, errlen))
        return -1;
    int32_t pad = tok_pad(e->vocab), eos = tok_eos(e->vocab);
    e->pad = pad != TOK_NONE ? pad : eos != TOK_NONE ? eos : 0;
    e->train = e->pipe.train.counts;
    e->val = e->pipe.val.counts;
    size_t read = e->train.records + e->train.untrainable + e->val.records + e->val.untrainable;
    e->truncated_share = read ? (double)(e->train.truncated + e->val.truncated) / (double)read
                              : 0.0;
    for (size_t i = 0; i < e->pipe.train.n; i++)
        e->longest = e->pipe.train.seqs[i].n > e->longest ? e->pipe.train.seqs[i].n : e->longest;
    size_t n_seq = e->pipe.train.n;
    int64_t per = train_setup_batches_per_epoch(c, n_seq);
    e->steps_per_epoch = (per + c->gradient_accumulation_steps - 1) /
                         c->gradient_accumulation_steps;
    e->total_steps = train_setup_total_steps(c, n_seq);
    e->epochs = train_setup_epochs(c, n_seq);
    return 0;
}

int run_estimate_build(run_estimate *e, const train_config *cfg, run_note_fn note, void *ctx,
                       char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->cfg = cfg;
    e->threads = cfg->threads != CONFIG_UNSET ? (int)cfg->threads : cpu_count();
    weights_plan wp = {0};
    model_train_spec spec;
    if (load_model_header(e, &wp, &spec, err, errlen) || load_data(e, note, ctx, err, errlen))
        return -1;
    if (e->pipe.train.n == 0) {
        snprintf(err, errlen, "no training sequences: every record was skipped");
        return -1;
    }
    arena_walk w = {.arch = &e->arch, .spec = &spec,
                    .shape = {.ckpt = cfg->gradient_checkpointing, .quantized = wp.quantized,
                              .quantized_head = wp.quantized_head}};
    if (walk_run(e, &w, err, errlen))
        return -1;
    e->widest_batch = w.widest;
    memory(e, &wp, &w);
    warnings(e);
    return 0;
}

void run_estimate_bytes(char *buf, size_t len, uint64_t bytes)
{
    double b = (double)bytes;
    if (b >= 1024.0 * 1024 * 1024)
        snprintf(buf, len, "%.2f GiB", b / (1024.0 * 1024 * 1024));
    else
        snprintf(buf, len, "%.1f MiB", b / (1024.0 * 1024));
}

void run_estimate_free(run_estimate *e)
{
    pipeline_free(&e->pipe);
    tok_vocab_free(e->vocab);
    free(e->tmpl);
    memset(e, 0, sizeof *e);
}
