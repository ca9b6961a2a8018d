/* test_pipeline.c - the training data pipeline token by token on the sample
 * vocabulary (samples/data/vocab.gguf: byte-level BPE with a ChatML
 * template): template rendering and masks, train_on_inputs, multi-turn,
 * truncation counts, packing boundaries, shuffling by seed, the validation
 * split, deduplication, the engine batch layout and its inverse, and that
 * `lathe data render` prints exactly the trainer's batches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "pipe_batch.h"
#include "pipe_source.h"
#include "sample_vocab.h"
#include "testdir.h"

/* L (empty, as the defaults leave it) becomes one dataset of TYPE at PATH. */
static void one_dataset(config_datasets *l, const char *path, config_dataset_type type)
{
    assert_int_equal(l->n, 0);
    free(l->items);
    l->items = calloc(1, sizeof *l->items);
    assert_non_null(l->items);
    l->n = 1;
    l->items[0].path = strdup(path);
    l->items[0].type = type;
}

static void config_for(train_config *cfg, const char *path, config_dataset_type type)
{
    assert_int_equal(train_config_defaults(cfg), 0);
    one_dataset(&cfg->datasets, path, type);
}

static size_t notes;
static void count_note(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
    notes++;
}

/* P built from CFG, making the first MAX sequences (0: all). */
static void build_max(pipeline *p, const train_config *cfg, size_t max)
{
    char err[512] = "";
    pipe_inputs in = {.vocab = sample_vocab, .model_template = sample_vocab_template,
                      .note = count_note, .max_sequences = max};
    notes = 0;
    if (pipeline_build(p, cfg, &in, err, sizeof err))
        fail_msg("pipeline_build: %s", err);
}

static void build(pipeline *p, const train_config *cfg)
{
    build_max(p, cfg, 0);
}

static void assert_ids(const int32_t *got, const int32_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i])
            fail_msg("position %zu: got %d, want %d", i, (int)got[i], (int)want[i]);
}

/* The learned tokens of S decoded (special tokens as text). */
static char *learned_text(const pipe_seq *s)
{
    int32_t *ids = malloc((s->n + 1) * sizeof *ids);
    size_t n = 0, len;
    for (size_t i = 0; i < s->n; i++)
        if (s->labels[i] != PIPE_IGNORE)
            ids[n++] = s->labels[i];
    char err[128];
    char *text = tok_decode(sample_vocab, ids, n, false, true, &len, err, sizeof err);
    free(ids);
    assert_non_null(text);
    return text;
}

/* <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n Yo<|im_end|> \n */
static const int32_t chatml_prompt[] = {2934, 270, 259, 10, 72, 105, 2935, 10,
                                        2934, 514, 1273, 571, 330, 116, 10};
static const int32_t chatml_reply[] = {89, 111, 2935};

static void check_chatml(bool train_on_inputs)
{
    const char *path = testdir_write("hi.jsonl", "{\"messages\":[{\"role\":\"user\",\"content\":"
                                     "\"Hi\"},{\"role\":\"assistant\",\"content\":\"Yo\"}]}\n");
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_MESSAGES);
    cfg.train_on_inputs = train_on_inputs;
    pipeline p;
    build(&p, &cfg);
    assert_int_equal(p.tmpl, CHAT_TMPL_CHATML);
    assert_int_equal(p.train.n, 1);
    const pipe_seq *s = &p.train.seqs[0];
    size_t np = sizeof chatml_prompt / 4, nr = sizeof chatml_reply / 4;
    assert_int_equal(s->n, np + nr + 1);
    assert_ids(s->tokens, chatml_prompt, np);
    assert_ids(s->tokens + np, chatml_reply, nr);
    assert_int_equal(s->tokens[np + nr], 10);
    for (size_t i = 0; i < s->n; i++) {
        bool learned = i > 0 && (train_on_inputs || (i >= np && i < np + nr));
        assert_int_equal(s->labels[i], learned ? s->tokens[i] : PIPE_IGNORE);
        assert_int_equal(s->doc[i], 0);
    }
    assert_int_equal(p.train.counts.learned, train_on_inputs ? s->n - 1 : nr);
    pipeline_free(&p);
    train_config_free(&cfg);
}

static void test_chatml_masks(void **state)
{
    (void)state;
    check_chatml(false);
}

static void test_train_on_inputs(void **state)
{
    (void)state;
    check_chatml(true);
}

/* Alpaca: the template's EOS follows the reply and is learned. */
static void test_alpaca_eos(void **state)
{
    (void)state;
    const char *path = testdir_write("a.jsonl", "{\"instruction\":\"Add\",\"input\":\"2 2\","
                                     "\"output\":\"4\"}\n");
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    cfg.chat_template = CONFIG_TEMPLATE_ALPACA;
    pipeline p;
    build(&p, &cfg);
    const pipe_seq *s = &p.train.seqs[0];
    int32_t eos = tok_eos(sample_vocab);
    assert_int_not_equal(eos, TOK_NONE);
    assert_int_equal(s->tokens[s->n - 1], eos);
    assert_int_equal(s->labels[s->n - 1], eos);
    char *learned = learned_text(s);
    size_t eos_len;
    const char *eos_text = tok_text(sample_vocab, eos, &eos_len);
    char want[64];
    snprintf(want, sizeof want, "4%.*s", (int)eos_len, eos_text);
    assert_string_equal(learned, want);
    free(learned);
    pipeline_free(&p);
    train_config_free(&cfg);
}

/* Multi-turn sharegpt: every assistant turn is learned, user turns are not. */
static void test_multi_turn(void **state)
{
    (void)state;
    const char *path = testdir_write("mt.jsonl",
        "{\"conversations\":[{\"from\":\"system\",\"value\":\"Be brief\"},"
        "{\"from\":\"human\",\"value\":\"Hi\"},{\"from\":\"gpt\",\"value\":\"Yo\"},"
        "{\"from\":\"human\",\"value\":\"Bye\"},{\"from\":\"gpt\",\"value\":\"Ciao\"}]}\n");
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_SHAREGPT);
    pipeline p;
    build(&p, &cfg);
    char *learned = learned_text(&p.train.seqs[0]);
    assert_string_equal(learned, "Yo<|im_end|>Ciao<|im_end|>");
    free(learned);
    pipeline_free(&p);
    train_config_free(&cfg);
}

/* N alpaca records "Question i?" -> "Answer number i". */
static const char *numbered(const char *name, int n, int dup_every)
{
    size_t cap = (size_t)n * 96 + 1, len = 0;
    char *text = malloc(cap);
    for (int i = 0; i < n; i++) {
        int k = dup_every && i % dup_every == dup_every - 1 ? i - 1 : i;
        len += (size_t)snprintf(text + len, cap - len,
                                "{\"instruction\":\"Question %d?\",\"output\":\"Answer number "
                                "%d\"}\n", k, k);
    }
    const char *path = testdir_write(name, text);
    free(text);
    return path;
}

static void test_truncation(void **state)
{
    (void)state;
    const char *path = testdir_write("t.jsonl",
        "{\"instruction\":\"Hi\",\"output\":\"A long answer that goes on and on\"}\n"
        "{\"instruction\":\"A very long question with many many words in it\",\"output\":\"x\"}\n"
        "{\"instruction\":\"Hi\",\"output\":\"ok\"}\n");
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    cfg.sequence_len = 20;
    cfg.shuffle = false;
    pipeline p;
    build(&p, &cfg);
    assert_int_equal(p.train.counts.records, 2);
    assert_int_equal(p.train.counts.truncated, 1);
    assert_int_equal(p.train.counts.untrainable, 1);
    assert_int_equal(notes, 1);
    assert_int_equal(p.train.seqs[0].n, 20);
    assert_true(p.train.seqs[1].n < 20);
    size_t learned = 0;
    for (size_t i = 0; i < p.train.n; i++)
        for (size_t t = 0; t < p.train.seqs[i].n; t++)
            learned += p.train.seqs[i].labels[t] != PIPE_IGNORE;
    assert_int_equal(learned, p.train.counts.learned);
    pipeline_free(&p);
    train_config_free(&cfg);
}

/* Packed sequences hold the unpacked ones back to back, greedily, none split. */
static void test_packing(void **state)
{
    (void)state;
    const char *path = numbered("pack.jsonl", 40, 0);
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    cfg.sequence_len = 100;
    pipeline one, packed;
    build(&one, &cfg);
    cfg.sample_packing = true;
    build(&packed, &cfg);
    assert_int_equal(one.train.n, 40);
    assert_true(packed.train.n < 40);
    assert_int_equal(packed.train.counts.sequences, packed.train.n);
    size_t u = 0;
    for (size_t i = 0; i < packed.train.n; i++) {
        const pipe_seq *s = &packed.train.seqs[i];
        assert_true(s->n <= 100);
        size_t at = 0;
        for (int32_t d = 0; at < s->n; d++, u++) {
            const pipe_seq *r = &one.train.seqs[u];
            assert_true(at + r->n <= s->n);
            assert_ids(s->tokens + at, r->tokens, r->n);
            assert_ids(s->labels + at, r->labels, r->n);
            assert_int_equal(s->labels[at], PIPE_IGNORE);
            for (size_t t = 0; t < r->n; t++)
                assert_int_equal(s->doc[at + t], d);
            at += r->n;
        }
        if (u < one.train.n)
            assert_true(s->n + one.train.seqs[u].n > 100);
    }
    assert_int_equal(u, one.train.n);
    pipeline_free(&one);
    pipeline_free(&packed);
    train_config_free(&cfg);
}

static bool same_order(const pipe_set *a, const pipe_set *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->seqs[i].n != b->seqs[i].n ||
            memcmp(a->seqs[i].tokens, b->seqs[i].tokens, a->seqs[i].n * 4))
            return false;
    return true;
}

static void test_shuffle_seed(void **state)
{
    (void)state;
    const char *path = numbered("shuf.jsonl", 30, 0);
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    pipeline a, b, c, plain;
    build(&a, &cfg);
    build(&b, &cfg);
    cfg.seed = 7;
    build(&c, &cfg);
    cfg.shuffle = false;
    build(&plain, &cfg);
    assert_true(same_order(&a.train, &b.train));
    assert_false(same_order(&a.train, &c.train));
    assert_false(same_order(&a.train, &plain.train));
    /* unshuffled: file order, so record 0's question comes first */
    pipe_seq *first = &plain.train.seqs[0];
    char err[128];
    size_t len;
    char *text = tok_decode(sample_vocab, first->tokens, first->n, false, true, &len, err,
                            sizeof err);
    assert_non_null(strstr(text, "Question 0?"));
    free(text);
    pipeline_free(&a);
    pipeline_free(&b);
    pipeline_free(&c);
    pipeline_free(&plain);
    train_config_free(&cfg);
}

/* The first N sequences of A and B are the same tokens. */
static bool same_first(const pipe_set *a, const pipe_set *b, size_t n)
{
    pipe_set fa = *a, fb = *b;
    fa.n = fb.n = n;
    return a->n >= n && b->n >= n && same_order(&fa, &fb);
}

/* max_sequences on a file longer than the records it reads first (65536):
 * unshuffled, the trainer's first sequences; shuffled, the file's first ones,
 * said by file_order; more sequences than those records make read on (here
 * to the end, the file whole again); a short file is read whole, shuffle
 * and all. */
static void test_max_sequences(void **state)
{
    (void)state;
    const char *path = numbered("many.jsonl", 70000, 0);
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    cfg.val_set_size = 0;
    cfg.sample_packing = false;
    cfg.shuffle = false;
    pipeline whole, few, most;
    build(&whole, &cfg);
    build_max(&few, &cfg, 3);
    assert_int_equal(few.train.n, 3);
    assert_true(few.train.partial);
    assert_false(few.file_order);
    assert_true(few.train.counts.records < 70000);
    assert_true(same_first(&whole.train, &few.train, 3));
    build_max(&most, &cfg, 66000);
    assert_false(most.train.partial);
    assert_int_equal(most.train.counts.records, 70000);
    assert_true(same_first(&whole.train, &most.train, 66000));
    pipeline_free(&few);
    cfg.shuffle = true;
    build_max(&few, &cfg, 3);
    assert_true(few.file_order);
    assert_true(same_first(&whole.train, &few.train, 3));
    pipeline_free(&whole);
    pipeline_free(&few);
    pipeline_free(&most);
    train_config_free(&cfg);
    config_for(&cfg, numbered("short.jsonl", 30, 0), CONFIG_DS_ALPACA);
    build(&whole, &cfg);
    build_max(&few, &cfg, 3);
    assert_false(few.train.partial);
    assert_false(few.file_order);
    assert_true(same_first(&whole.train, &few.train, 3));
    pipeline_free(&whole);
    pipeline_free(&few);
    train_config_free(&cfg);
}

static size_t total_tokens(const pipe_set *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->seqs[i].n;
    return n;
}

static void test_val_split(void **state)
{
    (void)state;
    const char *path = numbered("val.jsonl", 20, 0);
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    pipeline all, share, count, again;
    build(&all, &cfg);
    cfg.val_set_size = 0.1;
    build(&share, &cfg);
    assert_int_equal(share.val.n, 2);
    assert_int_equal(share.train.n, 18);
    assert_int_equal(share.val.counts.records, 2);
    assert_int_equal(total_tokens(&share.train) + total_tokens(&share.val),
                     total_tokens(&all.train));
    build(&again, &cfg);
    assert_true(same_order(&share.val, &again.val));
    assert_true(same_order(&share.train, &again.train));
    cfg.val_set_size = 5;
    build(&count, &cfg);
    assert_int_equal(count.val.n, 5);
    assert_int_equal(count.train.n, 15);
    cfg.val_set_size = 20;
    pipeline bad;
    char err[256];
    pipe_inputs in = {.vocab = sample_vocab, .model_template = sample_vocab_template};
    assert_int_equal(pipeline_build(&bad, &cfg, &in, err, sizeof err), -1);
    assert_non_null(strstr(err, "val_set_size"));
    pipeline_free(&bad);
    pipeline_free(&all);
    pipeline_free(&share);
    pipeline_free(&again);
    pipeline_free(&count);
    train_config_free(&cfg);
}

static void test_test_datasets(void **state)
{
    (void)state;
    const char *train = numbered("tr.jsonl", 10, 0);
    const char *test = numbered("te.jsonl", 3, 0);
    train_config cfg;
    config_for(&cfg, train, CONFIG_DS_ALPACA);
    cfg.val_set_size = 0.5;   /* test_datasets take precedence */
    one_dataset(&cfg.test_datasets, test, CONFIG_DS_ALPACA);
    pipeline p;
    build(&p, &cfg);
    assert_int_equal(p.train.n, 10);
    assert_int_equal(p.val.n, 3);
    pipeline_free(&p);
    train_config_free(&cfg);
}

static void test_dedup_and_bad(void **state)
{
    (void)state;
    const char *path = numbered("dup.jsonl", 12, 4);   /* records 3, 7, 11 repeat */
    FILE *f = fopen(path, "a");
    fputs("{\"instruction\": 5}\n", f);
    fclose(f);
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    pipeline keep, dedup;
    build(&keep, &cfg);
    assert_int_equal(keep.train.counts.records, 12);
    assert_int_equal(keep.train.counts.bad, 1);
    assert_int_equal(keep.train.counts.duplicates, 0);
    assert_int_equal(notes, 1);
    cfg.dataset_exact_deduplication = true;
    build(&dedup, &cfg);
    assert_int_equal(dedup.train.counts.records, 9);
    assert_int_equal(dedup.train.counts.duplicates, 3);
    assert_int_equal(notes, 4);
    pipeline_free(&keep);
    pipeline_free(&dedup);
    train_config_free(&cfg);
}

static void test_template_choice(void **state)
{
    (void)state;
    chat_tmpl t;
    char err[256];
    assert_int_equal(pipeline_template(CONFIG_TEMPLATE_AUTO, NULL, &t, err, sizeof err), 0);
    assert_int_equal(t, CHAT_TMPL_ALPACA);
    const char *tmpl = sample_vocab_template;
    assert_int_equal(pipeline_template(CONFIG_TEMPLATE_AUTO, tmpl, &t, err, 256), 0);
    assert_int_equal(t, CHAT_TMPL_CHATML);
    assert_int_equal(pipeline_template(CONFIG_TEMPLATE_LLAMA3, tmpl, &t, err, 256), 0);
    assert_int_equal(t, CHAT_TMPL_LLAMA3);
    assert_int_equal(pipeline_template(CONFIG_TEMPLATE_AUTO, "{{ nonsense }}", &t, err, 256), -1);
    assert_non_null(strstr(err, "chat_template"));
}

/* The batch layout: targets are labels shifted left, masked at -1 with weight 0. */
static void test_batch_layout(void **state)
{
    (void)state;
    const char *path = numbered("b.jsonl", 10, 0);
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    cfg.sample_packing = true;
    cfg.sequence_len = 80;
    pipeline p;
    build(&p, &cfg);
    pipe_batch b;
    char err[128];
    assert_int_equal(pipe_batch_make(&b, p.train.seqs, p.train.n, 80, 0, err, sizeof err), 0);
    for (size_t r = 0; r < p.train.n; r++) {
        const pipe_seq *s = &p.train.seqs[r];
        for (size_t t = 0; t < 80; t++) {
            size_t i = r * 80 + t;
            int32_t want = t + 1 < s->n ? s->labels[t + 1] : PIPE_IGNORE;
            assert_int_equal(b.targets[i], want == PIPE_IGNORE ? -1 : want);
            assert_true(b.weights[i] == (want == PIPE_IGNORE ? 0.0f : 1.0f));
            assert_int_equal(b.doc[i], t < s->n ? s->doc[t] : -1);
        }
        pipe_seq back;
        assert_int_equal(pipe_batch_row(&b, (int)r, &back, err, sizeof err), 0);
        assert_int_equal(back.n, s->n);
        assert_ids(back.tokens, s->tokens, s->n);
        assert_ids(back.labels, s->labels, s->n);
        assert_ids(back.doc, s->doc, s->n);
        pipe_seq_free(&back);
    }
    trainer_batch tb;
    pipe_batch_view(&b, 0.5, &tb);
    assert_int_equal(tb.B, (int)p.train.n);
    assert_true(trainer_batch_weight(&tb) == (double)p.train.counts.learned);
    pipe_batch_free(&b);
    assert_int_equal(pipe_batch_make(&b, p.train.seqs, p.train.n, 4, 0, err, sizeof err), -1);
    pipeline_free(&p);
    train_config_free(&cfg);
}

/* A completion record: its text as is, all learned but the first token, EOS after. */
static void test_completion(void **state)
{
    (void)state;
    const char *path = testdir_write("c.jsonl", "{\"text\":\"Hello world\"}\n");
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_COMPLETION);
    pipeline p;
    build(&p, &cfg);
    char err[128];
    tok_session *ts = tok_session_new(sample_vocab, err, sizeof err);
    assert_non_null(ts);
    tok_ids want = {0};
    assert_int_equal(tok_encode(ts, "Hello world", 11, true, false, &want, err, sizeof err), 0);
    assert_int_equal(tok_ids_push(&want, tok_eos(sample_vocab)), 0);
    const pipe_seq *s = &p.train.seqs[0];
    assert_int_equal(s->n, want.n);
    assert_ids(s->tokens, want.ids, want.n);
    for (size_t i = 0; i < s->n; i++)
        assert_int_equal(s->labels[i], i ? s->tokens[i] : PIPE_IGNORE);
    tok_ids_free(&want);
    tok_session_free(ts);
    pipeline_free(&p);
    train_config_free(&cfg);
}

/* A DATASET given instead of the config's takes the config entry's type and
 * field mapping when it names the same file, else its format is detected. */
static void test_dataset_override(void **state)
{
    (void)state;
    const char *mapped = testdir_write("m.jsonl", "{\"q\":\"Hi\",\"a\":\"Yo\"}\n");
    train_config cfg;
    config_for(&cfg, mapped, CONFIG_DS_INPUT_OUTPUT);
    cfg.datasets.items[0].field_input = strdup("q");
    cfg.datasets.items[0].field_output = strdup("a");
    char same[4200], err[512];
    snprintf(same, sizeof same, "%s/./m.jsonl", testdir());
    pipe_inputs in = {.vocab = sample_vocab, .model_template = sample_vocab_template,
                      .dataset = same};
    pipeline p;
    assert_int_equal(pipeline_build(&p, &cfg, &in, err, sizeof err), 0);
    char *learned = learned_text(&p.train.seqs[0]);
    assert_string_equal(learned, "Yo<|im_end|>");
    free(learned);
    pipeline_free(&p);
    in.dataset = testdir_write("other.jsonl", "{\"text\":\"Hello\"}\n");
    assert_int_equal(pipeline_build(&p, &cfg, &in, err, sizeof err), 0);
    assert_int_equal(p.train.counts.records, 1);
    assert_int_equal(p.train.seqs[0].labels[1], p.train.seqs[0].tokens[1]);
    pipeline_free(&p);
    train_config_free(&cfg);
}

/* The trainer's source: micro-batches in render order, epochs repeating it
 * (no reshuffle). */
static void test_source(void **state)
{
    (void)state;
    const char *path = numbered("src.jsonl", 7, 0);
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    pipeline p;
    build(&p, &cfg);
    pipe_source src;
    char err[256];
    assert_int_equal(pipe_source_init(&src, &p.train, 3, 2, 0, err, sizeof err), 0);
    const size_t rows[] = {3, 3, 1, 3, 3, 1};
    const double epoch[] = {3 / 7.0, 6 / 7.0, 1, 10 / 7.0, 13 / 7.0, 2};
    trainer_batch tb;
    size_t at = 0;
    for (size_t k = 0; k < 6; k++) {
        assert_int_equal(pipe_source_next(&src, &tb, err, sizeof err), 1);
        assert_int_equal(tb.B, (int)rows[k]);
        assert_true(tb.epoch > epoch[k] - 1e-9 && tb.epoch < epoch[k] + 1e-9);
        size_t widest = 0;
        for (int r = 0; r < tb.B; r++) {
            pipe_seq back;
            const pipe_seq *want = &p.train.seqs[at++ % 7];
            assert_int_equal(pipe_batch_row(&src.batch, r, &back, err, sizeof err), 0);
            assert_int_equal(back.n, want->n);
            assert_ids(back.tokens, want->tokens, want->n);
            assert_ids(back.labels, want->labels, want->n);
            widest = want->n > widest ? want->n : widest;
            pipe_seq_free(&back);
        }
        assert_int_equal(tb.T, (int)widest);
    }
    assert_int_equal(pipe_source_next(&src, &tb, err, sizeof err), 0);
    pipe_source_free(&src);
    assert_int_equal(pipe_source_init(&src, &p.train, 0, 1, 0, err, sizeof err), -1);
    pipeline_free(&p);
    train_config_free(&cfg);
}

/* Pulls every batch of SRC from its position on; ORDER[k] is the index in
 * SET of the k-th sequence handed out. Returns how many. */
static size_t drain_order(pipe_source *src, const pipe_set *set, size_t *order, size_t cap)
{
    char err[256];
    trainer_batch tb;
    size_t k = 0;
    while (pipe_source_next(src, &tb, err, sizeof err) == 1)
        for (int r = 0; r < tb.B && k < cap; r++) {
            size_t j = 0;
            while (j < set->n && set->seqs[j].tokens != src->rows[r].tokens)
                j++;
            assert_true(j < set->n);
            order[k++] = j;
        }
    return k;
}

/* With reshuffle, epoch 0 is render order and each later epoch a
 * permutation of its own, a function of the seed and the epoch alone: a
 * source started mid-epoch (a resume) continues exactly. */
static void test_source_reshuffle(void **state)
{
    (void)state;
    const char *path = numbered("reshuffle.jsonl", 7, 0);
    train_config cfg;
    config_for(&cfg, path, CONFIG_DS_ALPACA);
    pipeline p;
    build(&p, &cfg);
    char err[256];
    size_t a[21], b[21], c[21];
    pipe_source src;
    assert_int_equal(pipe_source_init(&src, &p.train, 3, 3, 0, err, sizeof err), 0);
    pipe_source_reshuffle(&src, 42);
    assert_int_equal(drain_order(&src, &p.train, a, 21), 21);
    pipe_source_free(&src);
    bool moved1 = false, differ12 = false;
    for (size_t e = 0; e < 3; e++) {
        bool seen[7] = {false};
        for (size_t i = 0; i < 7; i++) {
            size_t j = a[e * 7 + i];
            assert_false(seen[j]);
            seen[j] = true;
            if (e == 0)
                assert_int_equal(j, i);
        }
    }
    for (size_t i = 0; i < 7; i++) {
        moved1 |= a[7 + i] != i;
        differ12 |= a[7 + i] != a[14 + i];
    }
    assert_true(moved1);
    assert_true(differ12);
    /* resumed at 10 sequences (inside epoch 1): the same sequences follow */
    assert_int_equal(pipe_source_init(&src, &p.train, 3, 3, 0, err, sizeof err), 0);
    pipe_source_reshuffle(&src, 42);
    src.pos = 10;
    assert_int_equal(drain_order(&src, &p.train, b, 21), 11);
    assert_memory_equal(b, a + 10, 11 * sizeof *b);
    pipe_source_free(&src);
    /* another seed, another order */
    assert_int_equal(pipe_source_init(&src, &p.train, 3, 2, 0, err, sizeof err), 0);
    pipe_source_reshuffle(&src, 43);
    assert_int_equal(drain_order(&src, &p.train, c, 21), 14);
    assert_memory_equal(c, a, 7 * sizeof *c);
    assert_memory_not_equal(c + 7, a + 7, 7 * sizeof *c);
    pipe_source_free(&src);
    pipeline_free(&p);
    train_config_free(&cfg);
}

static void read_ints(json_t *o, const char *key, int32_t **out, size_t *n)
{
    json_t *a = json_object_get(o, key);
    assert_true(json_is_array(a));
    *n = json_array_size(a);
    *out = malloc((*n + 1) * sizeof **out);
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = (int32_t)json_integer_value(json_array_get(a, i));
}

/* `lathe data render` prints the trainer's own batches, converted back. */
static void test_render_command(void **state)
{
    (void)state;
    const char *data = numbered("cli.jsonl", 25, 5);
    char yaml[8192];
    snprintf(yaml, sizeof yaml,
             "base_model: %s\ndatasets:\n  - path: %s\nlearning_rate: 0.001\nsequence_len: 90\n"
             "sample_packing: true\nseed: 3\nval_set_size: 0.2\ndataset_exact_deduplication: "
             "true\n", sample_vocab_path, data);
    const char *cfg_path = testdir_write("c.yaml", yaml);
    train_config cfg;
    config_diags diags;
    int loaded = train_config_load(&cfg, cfg_path, NULL, 0, &diags);
    config_diags_print(&diags, stderr);
    assert_int_equal(loaded, 0);
    pipeline p;
    build(&p, &cfg);
    pipe_batch b;
    char err[128], cmd[8192];
    assert_int_equal(pipe_batch_make(&b, p.train.seqs, p.train.n, 90, 0, err, sizeof err), 0);
    const char *bd = getenv("LATHE_BUILDDIR");
    snprintf(cmd, sizeof cmd, "'%s/lathe' data render '%s' --config '%s' 2>/dev/null",
             bd ? bd : ".", data, cfg_path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[65536];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        assert_true(rows < b.B);
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        assert_non_null(o);
        pipe_seq want, got;
        assert_int_equal(pipe_batch_row(&b, rows, &want, err, sizeof err), 0);
        read_ints(o, "tokens", &got.tokens, &got.n);
        assert_int_equal(got.n, want.n);
        assert_ids(got.tokens, want.tokens, want.n);
        read_ints(o, "labels", &got.labels, &got.n);
        assert_ids(got.labels, want.labels, want.n);
        read_ints(o, "doc", &got.doc, &got.n);
        assert_ids(got.doc, want.doc, want.n);
        pipe_seq_free(&got);
        pipe_seq_free(&want);
        json_decref(o);
        rows++;
    }
    assert_int_equal(pclose(f), 0);
    assert_int_equal(rows, b.B);
    assert_int_equal(p.train.counts.records + p.val.counts.records, 20);
    pipe_batch_free(&b);
    pipeline_free(&p);
    train_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chatml_masks),   cmocka_unit_test(test_train_on_inputs),
        cmocka_unit_test(test_alpaca_eos),     cmocka_unit_test(test_multi_turn),
        cmocka_unit_test(test_truncation),     cmocka_unit_test(test_packing),
        cmocka_unit_test(test_shuffle_seed),   cmocka_unit_test(test_val_split),
        cmocka_unit_test(test_test_datasets),  cmocka_unit_test(test_dedup_and_bad),
        cmocka_unit_test(test_template_choice), cmocka_unit_test(test_batch_layout),
        cmocka_unit_test(test_completion),     cmocka_unit_test(test_dataset_override),
        cmocka_unit_test(test_source),         cmocka_unit_test(test_source_reshuffle),
        cmocka_unit_test(test_render_command), cmocka_unit_test(test_max_sequences),
    };
    return cmocka_run_group_tests(tests, sample_vocab_setup, sample_vocab_teardown);
}
