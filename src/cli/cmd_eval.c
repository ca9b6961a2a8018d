/* cmd_eval.c - `lathe eval`: generation eval of a model (and adapter) on a
 * dataset. Each record's conversation up to its last assistant turn is the
 * prompt (chat template plus assistant header), that turn the reference, a
 * greedy completion the prediction; exact match, sentence BLEU-4 and ROUGE-L
 * (engine/textmetrics.h) are averaged over the records. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli_opts.h"
#include "completion.h"
#include "dataset.h"
#include "gen_setup.h"
#include "textmetrics.h"

typedef struct {
    const char *model, *lora, *data, *output;
    long long max;
    int n_new, threads;
    bool json;
} eval_args;

typedef struct {
    gen_setup g;
    token_sampler *ts;
    tm_corpus corpus;
    size_t count, skipped, exact;
    double bleu_sum, rouge_sum;
    json_t *rows;           /* per-row objects, only with --output */
} eval_run;

static int parse(const cli_command *cmd, int argc, char **argv, eval_args *a)
{
    const cli_opt opts[] = {
        {"--json", NULL, CLI_FLAG, &a->json, 0, 0, NULL},
        {"-m", NULL, CLI_STRING, &a->model, 0, 0, NULL},
        {"--lora", NULL, CLI_STRING, &a->lora, 0, 0, NULL},
        {"--data", NULL, CLI_STRING, &a->data, 0, 0, NULL},
        {"--output", NULL, CLI_STRING, &a->output, 0, 0, NULL},
        {"--max", NULL, CLI_LLONG, &a->max, 1, 1LL << 40, "a positive record count"},
        {"-n", NULL, CLI_INT, &a->n_new, 1, 1 << 20, "1 to 1048576 tokens"},
        {"-t", "--threads", CLI_INT, &a->threads, 1, 1024, "1 to 1024 threads"},
        CLI_OPT_END,
    };
    int rc = cli_opts_parse(cmd, &(cli_spec){opts, 1, NULL, 0}, argc, argv);
    if (rc == CLI_OK && (!a->model || !a->data))
        return cli_usage_error(cmd, "give the model with -m and the dataset with --data");
    return rc;
}

/* The last assistant turn, when a user turn comes before it; else -1. */
static long last_answer(const ds_record *rec)
{
    for (size_t i = rec->n_turns; i-- > 0;)
        if (rec->turns[i].role == DS_ROLE_ASSISTANT) {
            for (size_t j = 0; j < i; j++)
                if (rec->turns[j].role == DS_ROLE_USER)
                    return (long)i;
            return -1;
        }
    return -1;
}

/* The greedy answer as text made valid UTF-8 (it may stop inside a character). */
static char *predict(eval_run *r, const tok_ids *prompt, int n_new, char *err, size_t errlen)
{
    gen_session *s = gen_session_new(r->g.mf.m, (int)(prompt->n + (size_t)n_new), err, errlen);
    if (!s)
        return NULL;
    tok_ids out = {0};
    completion_opts o = {.max_new = n_new};
    char *raw = NULL, *text = NULL;
    if (!completion_run(s, r->ts, r->g.vocab, prompt->ids, prompt->n, &o, &out, NULL, err,
                        errlen))
        raw = tok_decode(r->g.vocab, out.ids, out.n, false, false, NULL, err, errlen);
    if (raw && !(text = completion_utf8_valid(raw)))
        snprintf(err, errlen, "out of memory");
    free(raw);
    tok_ids_free(&out);
    gen_session_free(s);
    return text;
}

static int score(eval_run *r, const char *prompt, const char *ref, const char *pred, char *err,
                 size_t errlen)
{
    tm_bleu b;
    tm_rouge rl;
    if (tm_sentence_bleu(pred, ref, &b, err, errlen) || tm_rouge_l(pred, ref, &rl, err, errlen) ||
        tm_corpus_add(&r->corpus, pred, ref, err, errlen))
        return -1;
    bool exact = tm_exact_match(pred, ref);
    r->count++;
    r->exact += exact;
    r->bleu_sum += b.score;
    r->rouge_sum += rl.f1;
    if (r->rows && json_array_append_new(r->rows, json_pack(
            "{ss ss ss s{sf sf sf}}", "prompt", prompt, "reference", ref, "prediction", pred,
            "scores", "exact_match", exact ? 1.0 : 0.0, "bleu4", b.score, "rouge_l", rl.f1))) {
        snprintf(err, errlen, "out of memory keeping row %zu", r->count);
        return -1;
    }
    return 0;
}

static int eval_record(eval_run *r, const eval_args *a, const ds_record *rec, char *err,
                       size_t errlen)
{
    long la = last_answer(rec);
    if (la < 0) {
        r->skipped++;
        return 0;
    }
    chat_msg *msgs = malloc((size_t)la * sizeof *msgs);
    if (!msgs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    static const chat_role role_of[] = {[DS_ROLE_SYSTEM] = CHAT_SYSTEM,
                                        [DS_ROLE_USER] = CHAT_USER,
                                        [DS_ROLE_ASSISTANT] = CHAT_ASSISTANT};
    for (long i = 0; i < la; i++)
        msgs[i] = (chat_msg){role_of[rec->turns[i].role], rec->turns[i].text.text};
    tok_ids ids = {0};
    char *prompt = NULL, *pred = NULL;
    int rc = gen_setup_chat(&r->g, msgs, (size_t)la, &ids, &prompt, err, errlen);
    if (!rc && !(pred = predict(r, &ids, a->n_new, err, errlen)))
        rc = -1;
    if (!rc)
        rc = score(r, prompt, rec->turns[la].text.text, pred, err, errlen);
    free(pred);
    free(prompt);
    free(msgs);
    tok_ids_free(&ids);
    return rc;
}

static void progress(const eval_run *r, const eval_args *a, bool done)
{
    bool tty = isatty(fileno(stderr));
    /* Without a terminal, a line every 10 records and one at the end unless
     * the last line already said the same. */
    if (!tty && (done ? r->count % 10 == 0 : r->count % 10 != 0))
        return;
    if (a->max > 0)
        fprintf(stderr, "%slathe eval: %zu/%lld records evaluated", tty ? "\r" : "", r->count,
                a->max);
    else
        fprintf(stderr, "%slathe eval: %zu records evaluated", tty ? "\r" : "", r->count);
    fputs(tty && !done ? "" : "\n", stderr);
}

static int eval_all(eval_run *r, const eval_args *a, dataset *ds, char *err, size_t errlen)
{
    dataset_iter it;
    dataset_iter_init(&it, ds, false);
    ds_record rec = {0};
    size_t index;
    while ((a->max <= 0 || r->count < (size_t)a->max) && dataset_iter_next(&it, &rec, &index)) {
        int rc = eval_record(r, a, &rec, err, errlen);
        ds_record_clear(&rec);
        if (rc) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", err);
            snprintf(err, errlen, "%s: record %zu: %s", dataset_path(ds), index + 1, msg);
            return -1;
        }
        progress(r, a, false);
    }
    progress(r, a, true);
    if (r->count == 0) {
        snprintf(err, errlen, "%s: no record has an assistant turn after a user turn to "
                 "evaluate", dataset_path(ds));
        return -1;
    }
    return 0;
}

static json_t *summary(const eval_run *r)
{
    tm_report rep;
    tm_corpus_finish(&r->corpus, &rep);
    double n = (double)r->count;
    return json_pack("{sI sf sf sf sf sI}", "count", (json_int_t)r->count, "exact_match",
                     (double)r->exact / n, "bleu4", r->bleu_sum / n, "rouge_l", r->rouge_sum / n,
                     "corpus_bleu4", rep.bleu.score, "skipped", (json_int_t)r->skipped);
}

static int report(eval_run *r, const eval_args *a, char *err, size_t errlen)
{
    json_t *sum = summary(r);
    int rc = sum ? 0 : -1;
    if (!rc && a->output) {
        json_t *doc = json_pack("{sO sO}", "summary", sum, "rows", r->rows);
        char *text = doc ? json_dumps(doc, JSON_INDENT(1)) : NULL;
        rc = text ? atomic_file_write_text(a->output, text, err, errlen) : -1;
        free(text);
        json_decref(doc);
    }
    if (!rc && a->json) {
        char *text = json_dumps(sum, JSON_COMPACT);
        rc = text ? 0 : -1;
        if (text)
            puts(text);
        free(text);
    } else if (!rc) {
        double n = (double)r->count;
        printf("%zu records: exact match %.4f, BLEU-4 %.2f, ROUGE-L %.4f (corpus BLEU-4 %.2f)\n",
               r->count, (double)r->exact / n, r->bleu_sum / n, r->rouge_sum / n,
               json_real_value(json_object_get(sum, "corpus_bleu4")));
    }
    if (rc && !err[0])
        snprintf(err, errlen, "out of memory writing the report");
    json_decref(sum);
    return rc;
}

int cmd_eval(const cli_command *cmd, int argc, char **argv)
{
    eval_args a = {.n_new = 256};
    int rc = parse(cmd, argc, argv, &a);
    if (rc != CLI_OK)
        return rc;
    char err[2048] = "";
    eval_run r = {0};
    tm_corpus_init(&r.corpus);
    tsample_params greedy = tsample_defaults();
    greedy.temp = 0.0f;
    dataset *ds = dataset_open(a.data, NULL, err, sizeof err);
    rc = ds ? 0 : -1;
    if (!rc && a.output && !(r.rows = json_array())) {
        snprintf(err, sizeof err, "out of memory");
        rc = -1;
    }
    if (!rc)
        rc = gen_setup_open(&r.g, a.model, a.lora, a.threads, err, sizeof err);
    if (!rc && !(r.ts = tsample_new(&greedy, model_get_config(r.g.mf.m)->n_vocab, err,
                                    sizeof err)))
        rc = -1;
    if (!rc)
        rc = eval_all(&r, &a, ds, err, sizeof err);
    if (!rc) {
        err[0] = '\0';
        rc = report(&r, &a, err, sizeof err);
    }
    if (rc)
        fprintf(stderr, "lathe eval: %s\n", err);
    tsample_free(r.ts);
    if (r.g.vocab)
        gen_setup_close(&r.g);
    json_decref(r.rows);
    dataset_free(ds);
    return rc ? CLI_FAIL : CLI_OK;
}
