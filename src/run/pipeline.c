/* pipeline.c - dataset files to training and validation sequences, in the
 * order documented in pipeline.h. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "ds_type_probe.h"
#include "grow.h"
#include "mem_budget.h"
#include "pipeline.h"
#include "pipe_batch.h"
#include "pipe_render.h"
#include "prng.h"
#include "plural.h"

/* Keys that make the validation pick and the shuffle independent draws. */
#define KEY_VAL 0x76616c5f73706c74ull
#define KEY_SHUFFLE 0x73687566666c6521ull

/* A record that goes into sequences: which one, and its rendered size. Its
 * tokens are in the build's arena at AT (when every sequence is made), or
 * rendered again when its sequence is made (when only the first few are). */
typedef struct {
    uint64_t where;      /* dataset number << WHERE_SHIFT | record index */
    uint64_t at;
    uint32_t n, learned; /* tokens after truncation, learned among them */
    bool truncated;
} plan_doc;

#define WHERE_SHIFT 40
/* What one token costs while every sequence is made: 8 bytes in the arena
 * and 12 in its sequence. */
#define TOKEN_BYTES 20

typedef struct {
    plan_doc *docs;
    size_t n, cap;
    pipe_counts counts;
} doc_list;

typedef struct {
    const train_config *cfg;
    const pipe_inputs *in;
    chat_tmpl tmpl;
    tok_session *session;
    pipe_report *report;
    bool out_of_memory;     /* a report line could not be kept */
    size_t untrainable;     /* records of the current dataset with nothing to learn */
    bool arena;             /* every sequence is made: keep the rendered tokens */
    int32_t *tokens, *labels;   /* the arena: every set's records in reading order */
    size_t arena_n, arena_cap;
    dataset **open;         /* the datasets read, by number, until the build ends */
    size_t n_open, cap_open;
} build_ctx;

/* Records rendered between two progress calls. */
#define PROGRESS_EVERY 256

static const char *const template_names[] = {
    [CONFIG_TEMPLATE_CHATML] = "chatml", [CONFIG_TEMPLATE_LLAMA2] = "llama2",
    [CONFIG_TEMPLATE_LLAMA3] = "llama3", [CONFIG_TEMPLATE_MISTRAL] = "mistral",
    [CONFIG_TEMPLATE_PHI3] = "phi3",     [CONFIG_TEMPLATE_GEMMA] = "gemma",
    [CONFIG_TEMPLATE_ZEPHYR] = "zephyr", [CONFIG_TEMPLATE_ALPACA] = "alpaca",
};

int pipeline_template(config_chat_template c, const char *model_template, chat_tmpl *out,
                      char *err, size_t errlen)
{
    if (c != CONFIG_TEMPLATE_AUTO)
        *out = chat_tmpl_from_name(template_names[c]);
    else if (!model_template || !model_template[0])
        *out = CHAT_TMPL_ALPACA;
    else if ((*out = chat_tmpl_detect(model_template)) == CHAT_TMPL_UNKNOWN) {
        snprintf(err, errlen, "chat_template auto: the model's chat template is not one lathe "
                              "renders; set chat_template to one of chatml, llama2, llama3, "
                              "mistral, phi3, gemma, zephyr, alpaca");
        return -1;
    }
    return 0;
}

int pipe_report_add(pipe_report *r, const char *line)
{
    char *copy = strdup(line);
    char **lines = copy ? realloc(r->lines, (r->n + 1) * sizeof *lines) : NULL;
    if (!lines) {
        free(copy);
        return -1;
    }
    r->lines = lines;
    r->lines[r->n++] = copy;
    return 0;
}

void pipeline_report_replay(const pipeline *p, pipe_note_fn note, void *ctx)
{
    for (size_t i = 0; note && i < p->report.n; i++)
        note(ctx, p->report.lines[i]);
}

/* One report line: kept in the pipeline and handed to the caller's note. */
static void note(build_ctx *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(build_ctx *b, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pipe_report_add(b->report, msg))
        b->out_of_memory = true;
    if (b->in->note)
        b->in->note(b->in->note_ctx, msg);
}

/* "PATH: N WHAT skipped in all" after the examples, when some were not shown. */
static void note_count(build_ctx *b, const char *path, size_t n, const char *what)
{
    if (n > PIPE_NOTE_EXAMPLES)
        note(b, "%s: %zu %s skipped in all (the first %d shown)", path, n, what,
             PIPE_NOTE_EXAMPLES);
}

static int push_doc(doc_list *l, const plan_doc *d, char *err, size_t errlen)
{
    plan_doc *nd = grow_array(l->docs, &l->cap, l->n + 1, sizeof *nd, 256);
    if (!nd) {
        snprintf(err, errlen, "out of memory holding %zu records", l->n);
        return -1;
    }
    l->docs = nd;
    l->docs[l->n++] = *d;
    return 0;
}

/* Appends D's tokens and labels to the arena. */
static int push_tokens(build_ctx *b, const pipe_doc *d, char *err, size_t errlen)
{
    size_t cap = b->arena_cap, need = b->arena_n + d->n;
    int32_t *t = grow_array(b->tokens, &cap, need, sizeof *t, 1 << 16);
    if (t)
        b->tokens = t;
    int32_t *lb = t ? grow_array(b->labels, &b->arena_cap, need, sizeof *lb, 1 << 16) : NULL;
    if (!lb) {
        snprintf(err, errlen, "out of memory holding %zu tokens", need);
        return -1;
    }
    b->labels = lb;
    memcpy(b->tokens + b->arena_n, d->tokens, d->n * sizeof *t);
    memcpy(b->labels + b->arena_n, d->labels, d->n * sizeof *lb);
    b->arena_n = need;
    return 0;
}

static void doc_list_free(doc_list *l)
{
    free(l->docs);
    *l = (doc_list){0};
}

/* What the list will need: its records, and the tokens when they are kept. */
static int check_budget(const build_ctx *b, const doc_list *l, const char *path, char *err,
                        size_t errlen)
{
    char why[160];
    uint64_t need = (uint64_t)l->n * sizeof(plan_doc) + (uint64_t)b->arena_n * TOKEN_BYTES;
    if (!mem_budget_exceeded(need, why, sizeof why))
        return 0;
    snprintf(err, errlen, "%s: the training data of the first %zu records (%zu tokens) needs %s; "
             "train on a smaller file, or ask for fewer sequences", path, l->n, b->arena_n, why);
    return -1;
}

/* Reports the dataset's problems (with the type its bad records look like
 * when that is another one) and adds them to the counts. */
static void report_problems(build_ctx *b, dataset *ds, doc_list *out)
{
    char line[1024], hint[96];
    size_t shown = dataset_problem_count(ds) < PIPE_NOTE_EXAMPLES ? dataset_problem_count(ds)
                                                                : PIPE_NOTE_EXAMPLES;
    for (size_t i = 0; i < shown; i++) {
        dataset_problem_text(ds, dataset_problem_at(ds, i), line, sizeof line);
        note(b, "%s (skipped)", line);
    }
    size_t bad = dataset_bad_count(ds), problems = dataset_problem_total(ds);
    out->counts.bad += bad;
    ds_format looks = bad ? ds_type_probe_bad(ds) : DS_FMT_AUTO;
    if (problems > PIPE_NOTE_EXAMPLES || looks != DS_FMT_AUTO)
        note(b, "%s: %zu of %zu records skipped in all as not %s (%zu problem%s, the first %zu "
             "shown)%s", dataset_path(ds), bad, dataset_count(ds),
             ds_format_name(dataset_format(ds)), problems, plural_s(problems), shown,
             ds_type_probe_hint(looks, hint, sizeof hint));
}

/* Reports the duplicates dataset_exact_deduplication skips and counts them. */
static void report_duplicates(build_ctx *b, dataset *ds, doc_list *out)
{
    if (!b->cfg->dataset_exact_deduplication)
        return;
    out->counts.duplicates += dataset_dup_count(ds);
    for (size_t i = 0, first, shown = 0; i < dataset_count(ds) && shown < PIPE_NOTE_EXAMPLES; i++)
        if (dataset_dup_of(ds, i, &first)) {
            note(b, "%s: line %llu, byte %llu: duplicate of the record at line %llu (skipped)",
                 dataset_path(ds), (unsigned long long)dataset_line(ds, i),
                 (unsigned long long)dataset_offset(ds, i),
                 (unsigned long long)dataset_line(ds, first));
            shown++;
        }
    note_count(b, dataset_path(ds), dataset_dup_count(ds), "duplicates");
}

/* Record IDX of DS rendered and truncated into D as the trainer takes it. */
static int render(const build_ctx *b, dataset *ds, size_t idx, const ds_record *rec, pipe_doc *d,
                  char *err, size_t errlen)
{
    if (pipe_render_record(rec, b->tmpl, b->session, b->cfg->train_on_inputs, d, err, errlen)) {
        char why[512];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "%s: line %llu: %s", dataset_path(ds),
                 (unsigned long long)dataset_line(ds, idx), why);
        return -1;
    }
    pipe_doc_truncate(d, (size_t)b->cfg->sequence_len);
    return 0;
}

/* Renders one good record (dataset number NO) into OUT, or counts it as skipped. */
static int take_record(build_ctx *b, size_t no, size_t idx, const ds_record *rec,
                       doc_list *out, char *err, size_t errlen)
{
    dataset *ds = b->open[no];
    pipe_doc d;
    if (render(b, ds, idx, rec, &d, err, errlen))
        return -1;
    int rc = 0;
    if (d.learned == 0) {
        if (b->untrainable++ < PIPE_NOTE_EXAMPLES)
            note(b, "%s: line %llu, byte %llu: nothing to learn%s (skipped)", dataset_path(ds),
                 (unsigned long long)dataset_line(ds, idx),
                 (unsigned long long)dataset_offset(ds, idx),
                 d.truncated ? " within sequence_len" : ": no assistant reply");
        out->counts.untrainable++;
    } else {
        plan_doc pd = {(uint64_t)no << WHERE_SHIFT | idx, b->arena_n, (uint32_t)d.n,
                       (uint32_t)d.learned, d.truncated};
        rc = push_doc(out, &pd, err, errlen);
        if (rc == 0 && b->arena)
            rc = push_tokens(b, &d, err, errlen);
    }
    pipe_doc_free(&d);
    return rc;
}

static ds_format format_of(config_dataset_type t)
{
    static const ds_format map[] = {
        [CONFIG_DS_ALPACA] = DS_FMT_ALPACA, [CONFIG_DS_SHAREGPT] = DS_FMT_SHAREGPT,
        [CONFIG_DS_MESSAGES] = DS_FMT_MESSAGES, [CONFIG_DS_COMPLETION] = DS_FMT_COMPLETION,
        [CONFIG_DS_INPUT_OUTPUT] = DS_FMT_INPUT_OUTPUT,
    };
    return map[t];
}

/* Tells the progress callback; false (with err) when it cancels. */
static bool told(const build_ctx *b, const char *path, size_t done, size_t total, char *err,
                 size_t errlen)
{
    if (!b->in->progress || b->in->progress(b->in->progress_ctx, path, done, total))
        return true;
    snprintf(err, errlen, "cancelled");
    return false;
}

/* Opens PATH (typed by E, or detected when E is NULL) as the next dataset
 * number; the build keeps it open to render its records again. */
static dataset *open_dataset(build_ctx *b, const char *path, const config_dataset *e, char *err,
                             size_t errlen)
{
    dataset_options opt = {.format = DS_FMT_AUTO};
    if (e) {
        opt.format = format_of(e->type);
        opt.map = (ds_mapping){e->field_instruction, e->field_input, e->field_output,
                               e->field_messages};
    }
    dataset **o = grow_array(b->open, &b->cap_open, b->n_open + 1, sizeof *o, 4);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->open = o;
    dataset *ds = dataset_open(path, &opt, err, errlen);
    if (ds)
        b->open[b->n_open++] = ds;
    return ds;
}

/* Reads PATH into OUT. */
static int read_dataset(build_ctx *b, const char *path, const config_dataset *e, doc_list *out,
                        char *err, size_t errlen)
{
    dataset *ds = open_dataset(b, path, e, err, errlen);
    if (!ds)
        return -1;
    size_t no = b->n_open - 1;
    report_problems(b, ds, out);
    report_duplicates(b, ds, out);
    dataset_iter it;
    ds_record rec;
    size_t idx;
    int rc = 0;
    b->untrainable = 0;
    dataset_iter_init(&it, ds, b->cfg->dataset_exact_deduplication);
    for (size_t done = 0; rc == 0 && dataset_iter_next(&it, &rec, &idx); done++) {
        if (done % PROGRESS_EVERY == 0 && !told(b, path, done, dataset_count(ds), err, errlen))
            rc = -1;
        else
            rc = take_record(b, no, idx, &rec, out, err, errlen);
        ds_record_clear(&rec);
        if (rc == 0 && (out->n & 1023) == 0)
            rc = check_budget(b, out, path, err, errlen);
    }
    if (rc == 0)
        note_count(b, path, b->untrainable, "records with nothing to learn");
    if (rc == 0 && dataset_changed(ds, err, errlen))
        rc = -1;
    if (b->arena) {          /* its records are rendered for good */
        dataset_free(ds);
        b->open[no] = NULL;
    }
    return rc;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int read_list(build_ctx *b, const config_datasets *list, doc_list *out, char *err,
                     size_t errlen)
{
    for (size_t i = 0; i < list->n; i++)
        if (read_dataset(b, list->items[i].path, &list->items[i], out, err, errlen))
            return -1;
    return 0;
}

static int read_train(build_ctx *b, doc_list *out, char *err, size_t errlen)
{
    const config_datasets *list = &b->cfg->datasets;
    if (!b->in->dataset)
        return read_list(b, list, out, err, errlen);
    const config_dataset *e = NULL;
    for (size_t i = 0; i < list->n && !e; i++)
        if (same_file(list->items[i].path, b->in->dataset))
            e = &list->items[i];
    return read_dataset(b, b->in->dataset, e, out, err, errlen);
}

size_t *pipeline_permutation(size_t n, uint64_t key)
{
    size_t *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++)
        p[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(prng_mix(key + i) % i), t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
    return p;
}

static size_t val_count(double size, size_t n)
{
    if (!(size > 0))
        return 0;
    return size < 1 ? (size_t)ceil(size * (double)n) : (size_t)size;
}

/* Moves the records picked for validation from ALL to VAL, both in file order. */
static int split_val(const build_ctx *b, doc_list *all, doc_list *val, char *err, size_t errlen)
{
    size_t n = all->n, k = val_count(b->cfg->val_set_size, n);
    if (k == 0)
        return 0;
    if (k >= n) {
        snprintf(err, errlen, "val_set_size %g leaves no training records out of %zu",
                 b->cfg->val_set_size, n);
        return -1;
    }
    size_t *perm = pipeline_permutation(n, prng_mix((uint64_t)b->cfg->seed ^ KEY_VAL));
    bool *pick = calloc(n, sizeof *pick);
    int rc = perm && pick ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < k; i++)
        pick[perm[i]] = true;
    size_t kept = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (pick[i])
            rc = push_doc(val, &all->docs[i], err, errlen);
        else
            all->docs[kept++] = all->docs[i];
    }
    if (rc == 0)
        all->n = kept;
    else if (!perm || !pick)
        snprintf(err, errlen, "out of memory splitting %zu records", n);
    free(perm);
    free(pick);
    return rc;
}

static int shuffle_docs(doc_list *l, uint64_t seed, char *err, size_t errlen)
{
    size_t *perm = pipeline_permutation(l->n, prng_mix(seed ^ KEY_SHUFFLE));
    plan_doc *nd = malloc((l->n ? l->n : 1) * sizeof *nd);
    if (!perm || !nd) {
        free(perm);
        free(nd);
        snprintf(err, errlen, "out of memory shuffling %zu records", l->n);
        return -1;
    }
    for (size_t i = 0; i < l->n; i++)
        nd[i] = l->docs[perm[i]];
    free(l->docs);
    free(perm);
    l->docs = nd;
    l->cap = l->n;
    return 0;
}

/* The end of the sequence that starts at record I: one record, or as many
 * as fit in SEQ_LEN with packing. */
static size_t sequence_end(const doc_list *l, size_t i, size_t seq_len, bool packing)
{
    size_t j = i + 1, len = l->docs[i].n;
    while (packing && j < l->n && len + l->docs[j].n <= seq_len)
        len += l->docs[j++].n;
    return j;
}

/* The tokens and labels of D: in the arena, or rendered again into SCRATCH
 * (the caller frees it). */
static int doc_tokens(const build_ctx *b, const plan_doc *d, pipe_doc *scratch,
                      const int32_t **tokens, const int32_t **labels, char *err, size_t errlen)
{
    if (b->arena) {
        *tokens = b->tokens + d->at;
        *labels = b->labels + d->at;
        return 0;
    }
    dataset *ds = b->open[d->where >> WHERE_SHIFT];
    size_t idx = (size_t)(d->where & (((uint64_t)1 << WHERE_SHIFT) - 1));
    ds_record rec;
    char why[512];
    int rc = dataset_get(ds, idx, &rec, why, sizeof why) == DATASET_OK ? 0 : -1;
    if (rc)
        snprintf(err, errlen, "%s: line %llu: %s", dataset_path(ds),
                 (unsigned long long)dataset_line(ds, idx), why);
    else
        rc = render(b, ds, idx, &rec, scratch, err, errlen);
    ds_record_clear(&rec);
    if (rc == 0 && scratch->n != d->n) {
        snprintf(err, errlen, "%s: line %llu: %zu tokens, %u when it was first read",
                 dataset_path(ds), (unsigned long long)dataset_line(ds, idx), scratch->n, d->n);
        rc = -1;
    }
    *tokens = scratch->tokens;
    *labels = scratch->labels;
    return rc;
}

/* The sequence of records [I, J) into S. */
static int make_sequence(const build_ctx *b, const doc_list *l, size_t i, size_t j, pipe_seq *s,
                         char *err, size_t errlen)
{
    size_t len = 0;
    for (size_t d = i; d < j; d++)
        len += l->docs[d].n;
    s->tokens = malloc(len * sizeof *s->tokens);
    s->labels = malloc(len * sizeof *s->labels);
    s->doc = malloc(len * sizeof *s->doc);
    if (!s->tokens || !s->labels || !s->doc) {
        snprintf(err, errlen, "out of memory for a sequence of %zu tokens", len);
        return -1;
    }
    for (size_t d = i; d < j; d++) {
        pipe_doc scratch = {0};
        const int32_t *tokens, *labels;
        size_t n = l->docs[d].n;
        int rc = doc_tokens(b, &l->docs[d], &scratch, &tokens, &labels, err, errlen);
        if (rc == 0) {
            memcpy(s->tokens + s->n, tokens, n * sizeof *s->tokens);
            memcpy(s->labels + s->n, labels, n * sizeof *s->labels);
            for (size_t t = 0; t < n; t++)
                s->doc[s->n + t] = (int32_t)(d - i);
            s->n += n;
        }
        pipe_doc_free(&scratch);
        if (rc)
            return -1;
    }
    return 0;
}

/* Sequences from the records of L: one per record, or packed as pipeline.h
 * says; all of them are counted, the first max_sequences (or all) made. */
static int pack(const build_ctx *b, const doc_list *l, pipe_set *out, char *err, size_t errlen)
{
    size_t seq_len = (size_t)b->cfg->sequence_len, total = 0;
    bool packing = b->cfg->sample_packing;
    out->counts = l->counts;
    out->counts.records = l->n;
    for (size_t i = 0; i < l->n; i++) {
        out->counts.truncated += l->docs[i].truncated;
        out->counts.tokens += l->docs[i].n;
        out->counts.learned += l->docs[i].learned;
    }
    for (size_t i = 0; i < l->n; total++)
        i = sequence_end(l, i, seq_len, packing);
    out->counts.sequences = total;
    size_t make = b->in->max_sequences && b->in->max_sequences < total ? b->in->max_sequences
                                                                      : total;
    if (!(out->seqs = calloc(make ? make : 1, sizeof *out->seqs))) {
        snprintf(err, errlen, "out of memory packing %zu records", l->n);
        return -1;
    }
    for (size_t i = 0; out->n < make; out->n++) {
        size_t j = sequence_end(l, i, seq_len, packing);
        if (make_sequence(b, l, i, j, &out->seqs[out->n], err, errlen)) {
            pipe_seq_free(&out->seqs[out->n]);
            return -1;
        }
        i = j;
    }
    return 0;
}

static int build_sets(build_ctx *b, pipeline *p, char *err, size_t errlen)
{
    doc_list train = {0}, val = {0};
    const train_config *cfg = b->cfg;
    int rc = read_train(b, &train, err, errlen);
    if (rc == 0 && cfg->test_datasets.n)
        rc = read_list(b, &cfg->test_datasets, &val, err, errlen);
    else if (rc == 0)
        rc = split_val(b, &train, &val, err, errlen);
    if (rc == 0 && train.n == 0) {
        snprintf(err, errlen, "no training records left (%zu bad, %zu duplicates, %zu with "
                              "nothing to learn)", train.counts.bad, train.counts.duplicates,
                 train.counts.untrainable);
        rc = -1;
    }
    if (rc == 0 && cfg->shuffle)
        rc = shuffle_docs(&train, (uint64_t)cfg->seed, err, errlen);
    if (rc == 0)
        rc = pack(b, &train, &p->train, err, errlen);
    if (rc == 0)
        rc = pack(b, &val, &p->val, err, errlen);
    for (size_t i = 0; rc == 0 && i < b->n_open; i++)
        if (b->open[i] && dataset_changed(b->open[i], err, errlen))
            rc = -1;
    doc_list_free(&train);
    doc_list_free(&val);
    return rc;
}

int pipeline_build(pipeline *p, const train_config *cfg, const pipe_inputs *in, char *err,
                   size_t errlen)
{
    *p = (pipeline){0};
    build_ctx b = {.cfg = cfg, .in = in, .report = &p->report, .arena = in->max_sequences == 0};
    if (cfg->sequence_len < 2 || cfg->sequence_len > INT_MAX) {
        snprintf(err, errlen, "sequence_len %lld is out of range", (long long)cfg->sequence_len);
        return -1;
    }
    if (pipeline_template(cfg->chat_template, in->model_template, &b.tmpl, err, errlen))
        return -1;
    p->tmpl = b.tmpl;
    if (!(b.session = tok_session_new(in->vocab, err, errlen)))
        return -1;
    int rc = build_sets(&b, p, err, errlen);
    tok_session_free(b.session);
    free(b.tokens);
    free(b.labels);
    for (size_t i = 0; i < b.n_open; i++)
        dataset_free(b.open[i]);
    free(b.open);
    if (rc == 0 && b.out_of_memory) {
        snprintf(err, errlen, "out of memory keeping the skipped-record report");
        rc = -1;
    }
    return rc;
}

static void set_free(pipe_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        pipe_seq_free(&s->seqs[i]);
    free(s->seqs);
    *s = (pipe_set){0};
}

void pipeline_free(pipeline *p)
{
    set_free(&p->train);
    set_free(&p->val);
    for (size_t i = 0; i < p->report.n; i++)
        free(p->report.lines[i]);
    free(p->report.lines);
    p->report = (pipe_report){0};
}
