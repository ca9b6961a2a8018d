/* test_ds_trainlen.c - a record's token total is its exact trained length
 * when a chat template is known: equal to the length of pipe_render_record's
 * output (what the trainer and the preview get) for alpaca, sharegpt,
 * messages, input_output and completion records, with the sample vocab and
 * its ChatML template and with the llama.cpp reference vocabularies under
 * several templates (skipped when LATHE_REFERENCE_DIR lacks them); per-field
 * counts stay the text alone. A record within sequence_len by its field sum
 * but over it templated is flagged too long and counted as truncated by the
 * stats pass, the edit session's filters and the Data pane's loader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "data_source.h"
#include "ds_edit.h"
#include "ds_fixture.h"
#include "ds_stats.h"
#include "pipeline.h"
#include "pipe_render.h"
#include "sample_vocab.h"
#include "testdir.h"

typedef struct {
    const char *json;
    ds_format fmt;
} sample;

static const sample records[] = {
    {"{\"instruction\":\"Say hello\",\"input\":\"\",\"output\":\"Hello there, friend!\"}",
     DS_FMT_ALPACA},
    {"{\"instruction\":\"  Translate:\\n\",\"input\":\"le chat  noir\",\"output\":\" the black "
     "cat\\n\\n\"}", DS_FMT_ALPACA},
    {"{\"instruction\":\"\",\"input\":\"x\",\"output\":\"y\"}", DS_FMT_ALPACA},
    {"{\"instruction\":\"翻訳して <s> </s> <|im_end|>\",\"output\":\"こんにちは 🙂 naïve\"}",
     DS_FMT_ALPACA},
    {"{\"conversations\":[{\"from\":\"system\",\"value\":\"Be brief.\"},{\"from\":\"human\","
     "\"value\":\"What is 2+2?\"},{\"from\":\"gpt\",\"value\":\"4\"},{\"from\":\"human\","
     "\"value\":\" And\\tthen 3+3?\"},{\"from\":\"gpt\",\"value\":\"6, of course.\\n\"}]}",
     DS_FMT_SHAREGPT},
    {"{\"conversations\":[{\"from\":\"human\",\"value\":\"hi\"},{\"from\":\"gpt\","
     "\"value\":\"\"}]}", DS_FMT_SHAREGPT},
    {"{\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour.\"},{\"role\":"
     "\"assistant\",\"content\":\"Blue.\"}]}", DS_FMT_MESSAGES},
    {"{\"input\":\"2+2=\",\"output\":\"4\"}", DS_FMT_INPUT_OUTPUT},
    {"{\"text\":\"Once upon a time, there was a lathe.\"}", DS_FMT_COMPLETION},
};

static void parse(const sample *s, ds_record *rec)
{
    char why[256];
    if (ds_record_parse(s->json, strlen(s->json), s->fmt, NULL, rec, why, sizeof why, NULL))
        fail_msg("%s: %s", s->json, why);
}

/* Every record: the templated total equals the rendered length; the fields
 * equal those counted without a template, whose total is their sum. */
static void expect_exact(const tok_vocab *v, chat_tmpl t, const char *what)
{
    char err[512];
    ds_feat_ctx *plain = ds_feat_ctx_new(v, err, sizeof err), *tc = ds_feat_ctx_new(v, err,
                                                                                     sizeof err);
    tok_session *s = tok_session_new(v, err, sizeof err);
    assert_non_null(plain);
    assert_non_null(tc);
    assert_non_null(s);
    ds_feat_ctx_set_template(tc, t);
    assert_true(ds_feat_ctx_templated(tc));
    assert_false(ds_feat_ctx_templated(plain));
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        ds_record rec;
        parse(&records[i], &rec);
        ds_features f, g;
        pipe_doc d;
        assert_int_equal(ds_features_compute(tc, &rec, &f, err, sizeof err), 0);
        assert_int_equal(ds_features_compute(plain, &rec, &g, err, sizeof err), 0);
        assert_int_equal(pipe_render_record(&rec, t, s, false, &d, err, sizeof err), 0);
        if (f.tokens_total != d.n)
            fail_msg("%s, %s, record %zu: total %u, rendered %zu", what, chat_tmpl_name(t), i,
                     f.tokens_total, d.n);
        assert_true(f.tokens_templated);
        assert_false(g.tokens_templated);
        uint32_t sum = 0;
        for (int k = 0; k < DS_FIELD_COUNT; k++) {
            assert_int_equal(f.tokens[k], g.tokens[k]);
            sum += g.tokens[k];
        }
        assert_int_equal(g.tokens_total, sum);
        pipe_doc_free(&d);
        ds_record_clear(&rec);
    }
    tok_session_free(s);
    ds_feat_ctx_free(plain);
    ds_feat_ctx_free(tc);
}

static void test_sample_vocab_chatml(void **state)
{
    (void)state;
    chat_tmpl t;
    char err[512];
    assert_int_equal(pipeline_template(CONFIG_TEMPLATE_AUTO, sample_vocab_template, &t, err,
                                       sizeof err), 0);
    assert_int_equal(t, CHAT_TMPL_CHATML);
    expect_exact(sample_vocab, t, "samples/data/vocab.gguf");
    expect_exact(sample_vocab, CHAT_TMPL_ALPACA, "samples/data/vocab.gguf");
}

/* The llama.cpp vocabularies in LATHE_REFERENCE_DIR/vocab, when present. */
static void test_reference_vocabs(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        chat_tmpl t[3];
    } cases[] = {
        {"ggml-vocab-llama-spm.gguf", {CHAT_TMPL_ALPACA, CHAT_TMPL_LLAMA2, CHAT_TMPL_MISTRAL_V3}},
        {"ggml-vocab-deepseek-llm.gguf", {CHAT_TMPL_CHATML, CHAT_TMPL_LLAMA3, CHAT_TMPL_ALPACA}},
        {"ggml-vocab-gpt-2.gguf", {CHAT_TMPL_ZEPHYR, CHAT_TMPL_GEMMA, CHAT_TMPL_ALPACA}},
    };
    const char *ref = getenv("LATHE_REFERENCE_DIR");
    int found = 0;
    for (size_t c = 0; ref && c < sizeof cases / sizeof cases[0]; c++) {
        char path[4096], err[512], *jinja = NULL;
        struct stat st;
        snprintf(path, sizeof path, "%s/vocab/%s", ref, cases[c].file);
        if (stat(path, &st) != 0)
            continue;
        tok_vocab *v = tok_vocab_load(path, &jinja, err, sizeof err);
        if (!v)
            fail_msg("%s", err);
        for (int k = 0; k < 3; k++)
            expect_exact(v, cases[c].t[k], cases[c].file);
        tok_vocab_free(v);
        free(jinja);
        found++;
    }
    if (!found)
        skip();
}

/* A one-record alpaca file and its field sum and trained length (ChatML). */
typedef struct {
    ds_fixture fx;
    uint32_t sum, trained;
} long_row;

static void long_row_make(long_row *r)
{
    static const char text[] = "{\"instruction\":\"Write one line about lathes.\",\"input\":\"\","
                               "\"output\":\"A lathe turns wood.\"}\n";
    assert_int_equal(ds_fixture_text(&r->fx, text), 0);
    sample s = {text, DS_FMT_ALPACA};
    ds_record rec;
    parse(&s, &rec);
    char err[256];
    ds_feat_ctx *c = ds_feat_ctx_new(sample_vocab, err, sizeof err);
    ds_features f;
    assert_int_equal(ds_features_compute(c, &rec, &f, err, sizeof err), 0);
    r->sum = f.tokens_total;
    ds_feat_ctx_set_template(c, CHAT_TMPL_CHATML);
    assert_int_equal(ds_features_compute(c, &rec, &f, err, sizeof err), 0);
    r->trained = f.tokens_total;
    ds_feat_ctx_free(c);
    ds_record_clear(&rec);
    assert_true(r->sum < r->trained);
}

static void stats_too_long(const char *path, chat_tmpl t, uint32_t seq_len, size_t want,
                           uint32_t want_max)
{
    char err[512];
    dataset *ds = dataset_open(path, NULL, err, sizeof err);
    assert_non_null(ds);
    ds_stats_options o = {sample_vocab, seq_len, 0, 1, t};
    ds_stats *st = ds_stats_new(ds, &o, err, sizeof err);
    assert_non_null(st);
    if (ds_stats_run(st, err, sizeof err) != 0)
        fail_msg("%s", err);
    const ds_summary *s = ds_stats_summary(st);
    assert_int_equal(s->too_long_rows, want);
    assert_int_equal(s->tokens_total.max, want_max);
    assert_int_equal(s->tokens_templated, t != CHAT_TMPL_UNKNOWN);
    assert_int_equal(ds_stats_row(st, 0)->tokens, want_max);
    assert_int_equal(!!(ds_stats_row(st, 0)->flags & DS_ROW_TOO_LONG), want);
    ds_stats_free(st);
    dataset_free(ds);
}

/* Rows a filter drop removes from a one-record session. */
static size_t dropped(const char *path, chat_tmpl t, uint32_t seq_len, const char *filter)
{
    char err[512];
    dataset *ds = dataset_open(path, NULL, err, sizeof err);
    assert_non_null(ds);
    ds_edit *e = ds_edit_new(ds, err, sizeof err);
    assert_non_null(e);
    ds_edit_set_tokens(e, &(ds_edit_tokens){sample_vocab, NULL, t, seq_len});
    char f[64];
    snprintf(f, sizeof f, "%s", filter);
    if (ds_edit_apply(e, &(ds_action){.kind = DS_ACT_DROP, .filter = f}, NULL, err, sizeof err))
        fail_msg("%s", err);
    size_t n = 1 - ds_edit_visible_count(e);
    ds_edit_free(e);
    dataset_free(ds);
    return n;
}

static void test_too_long_only_templated(void **state)
{
    (void)state;
    long_row r;
    long_row_make(&r);
    /* sequence_len = the field sum: within it by fields, over it as trained */
    stats_too_long(r.fx.path, CHAT_TMPL_UNKNOWN, r.sum, 0, r.sum);
    stats_too_long(r.fx.path, CHAT_TMPL_CHATML, r.sum, 1, r.trained);
    stats_too_long(r.fx.path, CHAT_TMPL_CHATML, r.trained, 0, r.trained);
    assert_int_equal(dropped(r.fx.path, CHAT_TMPL_UNKNOWN, r.sum, "too_long"), 0);
    assert_int_equal(dropped(r.fx.path, CHAT_TMPL_CHATML, r.sum, "too_long"), 1);
    char f[64];
    snprintf(f, sizeof f, "tokens > %u", r.sum);
    assert_int_equal(dropped(r.fx.path, CHAT_TMPL_UNKNOWN, 0, f), 0);
    assert_int_equal(dropped(r.fx.path, CHAT_TMPL_CHATML, 0, f), 1);
    /* a field's count is its text alone, template or not */
    snprintf(f, sizeof f, "tokens(output) > %u", r.sum);
    assert_int_equal(dropped(r.fx.path, CHAT_TMPL_CHATML, 0, f), 0);
    ds_fixture_drop(&r.fx);
}

/* The Data pane's loader with a config naming the sample vocab (ChatML by
 * auto) and sequence_len = the field sum: the row's tokens and L flag. */
static void test_pane_flags_templated(void **state)
{
    (void)state;
    long_row r;
    long_row_make(&r);
    char yaml[16384], err[512];
    snprintf(yaml, sizeof yaml, "base_model: %s\ndatasets:\n  - path: %s\nsequence_len: %u\n"
             "learning_rate: 0.0002\n", sample_vocab_path, r.fx.path, r.sum);
    const char *cfg = testdir_write("c.yaml", yaml);
    data_source_options o = {NULL, cfg};
    data_source *s = data_source_open(r.fx.path, &o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    data_source_state st;
    for (;;) {
        data_source_state_get(s, &st);
        if (st.stage == DATA_STAGE_DONE || st.stage == DATA_STAGE_FAILED)
            break;
        nanosleep(&(struct timespec){0, 2000000}, NULL);
    }
    assert_int_equal(st.stage, DATA_STAGE_DONE);
    assert_int_equal(data_source_template(s), CHAT_TMPL_CHATML);
    data_metrics m;
    assert_true(data_source_metrics(s, 0, &m));
    assert_int_equal(m.tokens, r.trained);
    assert_true(m.flags & DS_ROW_TOO_LONG);
    assert_int_equal(ds_stats_summary(data_source_stats(s))->too_long_rows, 1);
    /* measured on the UI thread the way the pane does */
    ds_feat_ctx *fc = ds_feat_ctx_new(data_source_vocab(s), err, sizeof err);
    ds_feat_ctx_set_template(fc, data_source_template(s));
    ds_record rec;
    char why[256];
    assert_int_equal(dataset_get(data_source_dataset(s), 0, &rec, why, sizeof why), DATASET_OK);
    data_metrics here;
    data_measure(s, fc, &rec, 0, &here);
    assert_int_equal(here.tokens, r.trained);
    assert_true(here.flags & DS_ROW_TOO_LONG);
    ds_record_clear(&rec);
    ds_feat_ctx_free(fc);
    data_source_close(s);
    ds_fixture_drop(&r.fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_vocab_chatml),
        cmocka_unit_test(test_reference_vocabs),
        cmocka_unit_test(test_too_long_only_templated),
        cmocka_unit_test(test_pane_flags_templated),
    };
    return cmocka_run_group_tests_name("ds_trainlen", tests, sample_vocab_setup,
                                       sample_vocab_teardown);
}
