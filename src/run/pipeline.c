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
#include "pipeline.h"
#include "pipe_batch.h"
#include "pipe_render.h"
#include "prng.h"
#include "plural.h"

/* Keys that make the validation pick and the shuffle independent draws. */
#define KEY_VAL 0x76616c5f73706c74ull
#define KEY_SHUFFLE 0x73687566666c6521ull

typedef struct {
    pipe_doc *docs;
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
} build_ctx;


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

static int push_doc(doc_list *l, pipe_doc *d, char *err, size_t errlen)
{
    pipe_doc *nd = grow_array(l->docs, &l->cap, l->n + 1, sizeof *nd, 256);
    if (!nd) {
        snprintf(err, errlen, "out of memory holding %zu records", l->n);
        return -1;
    }
    l->docs = nd;
    l->docs[l->n++] = *d;
    *d = (pipe_doc){0};
    return 0;
}

static void doc_list_free(doc_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        pipe_doc_free(&l->docs[i]);
    free(l->docs);
    *l = (doc_list){0};
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

/* Renders one good record into OUT, or counts it as skipped. */
static int take_record(build_ctx *b, dataset *ds, size_t idx, const ds_record *rec,
                       doc_list *out, char *err, size_t errlen)
{
    pipe_doc d;
    size_t max = (size_t)b->cfg->sequence_len;
    if (pipe_render_record(rec, b->tmpl, b->session, b->cfg->train_on_inputs, &d, err, errlen)) {
        char why[512];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "%s: line %llu: %s", dataset_path(ds),
                 (unsigned long long)dataset_line(ds, idx), why);
        return -1;
    }
    bool cut = pipe_doc_truncate(&d, max);
    if (d.learned == 0) {
        if (b->untrainable++ < PIPE_NOTE_EXAMPLES)
            note(b, "%s: line %llu, byte %llu: nothing to learn%s (skipped)", dataset_path(ds),
                 (unsigned long long)dataset_line(ds, idx),
                 (unsigned long long)dataset_offset(ds, idx),
                 cut ? " within sequence_len" : ": no assistant reply");
        out->counts.untrainable++;
        pipe_doc_free(&d);
        return 0;
    }
    return push_doc(out, &d, err, errlen);
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

/* Reads PATH (typed by E, or detected when E is NULL) into OUT. */
static int read_dataset(build_ctx *b, const char *path, const config_dataset *e,
                        doc_list *out, char *err, size_t errlen)
{
    dataset_options opt = {.format = DS_FMT_AUTO};
    if (e) {
        opt.format = format_of(e->type);
        opt.map = (ds_mapping){e->field_instruction, e->field_input, e->field_output,
                               e->field_messages};
    }
    dataset *ds = dataset_open(path, &opt, err, errlen);
    if (!ds)
        return -1;
    report_problems(b, ds, out);
    report_duplicates(b, ds, out);
    dataset_iter it;
    ds_record rec;
    size_t idx;
    int rc = 0;
    b->untrainable = 0;
    dataset_iter_init(&it, ds, b->cfg->dataset_exact_deduplication);
    while (rc == 0 && dataset_iter_next(&it, &rec, &idx)) {
        rc = take_record(b, ds, idx, &rec, out, err, errlen);
        ds_record_clear(&rec);
    }
    if (rc == 0)
        note_count(b, path, b->untrainable, "records with nothing to learn");
    dataset_free(ds);
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
    pipe_doc *nd = malloc((l->n ? l->n : 1) * sizeof *nd);
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

/* Sequences from D[0..n): one per record, or packed as pipeline.h says. */
static int pack(const doc_list *l, size_t seq_len, bool packing, pipe_set *out, char *err,
                size_t errlen)
{
    out->counts = l->counts;
    out->counts.records = l->n;
    for (size_t i = 0; i < l->n; i++) {
        out->counts.truncated += l->docs[i].truncated;
        out->counts.tokens += l->docs[i].n;
        out->counts.learned += l->docs[i].learned;
    }
    out->seqs = calloc(l->n ? l->n : 1, sizeof *out->seqs);
    if (!out->seqs)
        goto oom;
    for (size_t i = 0; i < l->n;) {
        size_t j = i + 1, len = l->docs[i].n;
        while (packing && j < l->n && len + l->docs[j].n <= seq_len)
            len += l->docs[j++].n;
        pipe_seq *s = &out->seqs[out->n++];
        s->tokens = malloc(len * sizeof *s->tokens);
        s->labels = malloc(len * sizeof *s->labels);
        s->doc = malloc(len * sizeof *s->doc);
        if (!s->tokens || !s->labels || !s->doc)
            goto oom;
        for (size_t d = i; d < j; d++) {
            const pipe_doc *pd = &l->docs[d];
            memcpy(s->tokens + s->n, pd->tokens, pd->n * sizeof *s->tokens);
            memcpy(s->labels + s->n, pd->labels, pd->n * sizeof *s->labels);
            for (size_t t = 0; t < pd->n; t++)
                s->doc[s->n + t] = (int32_t)(d - i);
            s->n += pd->n;
        }
        i = j;
    }
    out->counts.sequences = out->n;
    return 0;
oom:
    snprintf(err, errlen, "out of memory packing %zu records", l->n);
    return -1;
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
    size_t seq_len = (size_t)cfg->sequence_len;
    if (rc == 0)
        rc = pack(&train, seq_len, cfg->sample_packing, &p->train, err, errlen);
    if (rc == 0)
        rc = pack(&val, seq_len, cfg->sample_packing, &p->val, err, errlen);
    doc_list_free(&train);
    doc_list_free(&val);
    return rc;
}

int pipeline_build(pipeline *p, const train_config *cfg, const pipe_inputs *in, char *err,
                   size_t errlen)
{
    *p = (pipeline){0};
    build_ctx b = {.cfg = cfg, .in = in, .report = &p->report};
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
