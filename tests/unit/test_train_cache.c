/* test_train_cache.c - the tokenized-dataset cache file (src/train_cache.h)
 * on the sample vocabulary: a saved pipeline loads back token by token (and
 * its counts and template); every byte of a damaged file, a truncated one, a
 * foreign one and another key's are refused with the reason; the key moves
 * with the dataset's bytes and each pipeline key, not with training keys;
 * the path is beside the run directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_cache.h"
#include "sample_vocab.h"
#include "testdir.h"

/* A config over a dataset of N alpaca records, 2 of them for validation. */
static void config_for(train_config *cfg, int n)
{
    char *text = malloc((size_t)n * 96 + 1);
    assert_non_null(text);
    text[0] = '\0';
    for (int i = 0; i < n; i++)
        sprintf(text + strlen(text), "{\"instruction\":\"Count to %d\",\"output\":\"%d %d\"}\n",
                i, i, i + 1);
    const char *path = testdir_write("data.jsonl", text);
    free(text);
    assert_int_equal(train_config_defaults(cfg), 0);
    cfg->datasets.items = calloc(1, sizeof *cfg->datasets.items);
    assert_non_null(cfg->datasets.items);
    cfg->datasets.n = 1;
    cfg->datasets.items[0].path = strdup(path);
    cfg->datasets.items[0].type = CONFIG_DS_ALPACA;
    cfg->val_set_size = 2;
    cfg->sample_packing = true;
    cfg->sequence_len = 64;
}

static uint64_t key_of(const train_config *cfg)
{
    char err[256];
    uint64_t k;
    assert_int_equal(train_cache_key(cfg, sample_vocab, CHAT_TMPL_CHATML, &k, err, sizeof err), 0);
    return k;
}

static void build(pipeline *p, const train_config *cfg)
{
    char err[256];
    pipe_inputs in = {.vocab = sample_vocab, .model_template = sample_vocab_template};
    assert_int_equal(pipeline_build(p, cfg, &in, err, sizeof err), 0);
}

static void assert_same_set(const pipe_set *a, const pipe_set *b)
{
    assert_memory_equal(&a->counts, &b->counts, sizeof a->counts);
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->seqs[i].n, b->seqs[i].n);
        size_t bytes = a->seqs[i].n * sizeof(int32_t);
        assert_memory_equal(a->seqs[i].tokens, b->seqs[i].tokens, bytes);
        assert_memory_equal(a->seqs[i].labels, b->seqs[i].labels, bytes);
        assert_memory_equal(a->seqs[i].doc, b->seqs[i].doc, bytes);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    train_config cfg;
    config_for(&cfg, 12);
    pipeline p, q;
    build(&p, &cfg);
    assert_true(p.train.n > 1 && p.val.n > 0);
    char err[512];
    uint64_t k = key_of(&cfg);
    const char *path = testdir_path("runs/.cache/tokenized-x.bin");
    assert_int_equal(train_cache_load(path, k, &q, err, sizeof err), TRAIN_CACHE_ABSENT);
    pipeline_free(&q);
    assert_int_equal(train_cache_save(path, k, &p, err, sizeof err), 0);
    assert_int_equal(train_cache_load(path, k, &q, err, sizeof err), TRAIN_CACHE_HIT);
    assert_int_equal(q.tmpl, p.tmpl);
    assert_same_set(&p.train, &q.train);
    assert_same_set(&p.val, &q.val);
    pipeline_free(&q);
    assert_int_equal(train_cache_load(path, k + 1, &q, err, sizeof err), TRAIN_CACHE_BAD);
    assert_non_null(strstr(err, "key mismatch"));
    pipeline_free(&p);
    train_config_free(&cfg);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, *n, f), *n);
    fclose(f);
    return b;
}

static void spill(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Every single flipped byte and every truncation is refused, never loaded. */
static void test_damage(void **state)
{
    (void)state;
    train_config cfg;
    config_for(&cfg, 6);
    pipeline p, q;
    build(&p, &cfg);
    char err[512];
    uint64_t k = key_of(&cfg);
    const char *path = testdir_path("damage.bin");
    assert_int_equal(train_cache_save(path, k, &p, err, sizeof err), 0);
    size_t n;
    unsigned char *good = slurp(path, &n);
    for (size_t i = 0; i < n; i++) {
        good[i] ^= 0x5a;
        spill(path, good, n);
        good[i] ^= 0x5a;
        assert_int_equal(train_cache_load(path, k, &q, err, sizeof err), TRAIN_CACHE_BAD);
        assert_null(q.train.seqs);
    }
    for (size_t len = 0; len < n; len += 1 + len / 4) {
        spill(path, good, len);
        assert_int_equal(train_cache_load(path, k, &q, err, sizeof err), TRAIN_CACHE_BAD);
    }
    spill(path, good, n);
    assert_int_equal(train_cache_load(path, k, &q, err, sizeof err), TRAIN_CACHE_HIT);
    pipeline_free(&q);
    spill(path, (const unsigned char *)"not a cache", 11);
    assert_int_equal(train_cache_load(path, k, &q, err, sizeof err), TRAIN_CACHE_BAD);
    assert_non_null(strstr(err, "bad magic"));
    free(good);
    pipeline_free(&p);
    train_config_free(&cfg);
}

/* The key moves with the data's bytes and each pipeline key only. */
static void test_key(void **state)
{
    (void)state;
    train_config cfg;
    config_for(&cfg, 6);
    uint64_t k0 = key_of(&cfg);
    assert_int_equal(key_of(&cfg), k0);
    cfg.learning_rate = 1.0;
    cfg.max_steps = 7;
    cfg.lora_r = 64;
    assert_int_equal(key_of(&cfg), k0);
#define MOVES(field, value)                                                                        \
    do {                                                                                           \
        train_config c2 = cfg;                                                                     \
        c2.field = value;                                                                          \
        assert_int_not_equal(key_of(&c2), k0);                                                     \
    } while (0)
    MOVES(sequence_len, 65);
    MOVES(sample_packing, false);
    MOVES(train_on_inputs, true);
    MOVES(dataset_exact_deduplication, !cfg.dataset_exact_deduplication);
    MOVES(shuffle, !cfg.shuffle);
    MOVES(seed, cfg.seed + 1);
    MOVES(val_set_size, 3);
#undef MOVES
    char err[256];
    uint64_t k;
    assert_int_equal(train_cache_key(&cfg, sample_vocab, CHAT_TMPL_ALPACA, &k, err, sizeof err), 0);
    assert_int_not_equal(k, k0);
    train_config_free(&cfg);
    config_for(&cfg, 7); /* same path, other bytes */
    assert_int_not_equal(key_of(&cfg), k0);
    free(cfg.datasets.items[0].path);
    cfg.datasets.items[0].path = strdup(testdir_path("missing.jsonl"));
    assert_int_equal(train_cache_key(&cfg, sample_vocab, CHAT_TMPL_CHATML, &k, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "missing.jsonl: cannot open"));
    train_config_free(&cfg);
}

static void test_path(void **state)
{
    (void)state;
    char *p = train_cache_path("out/runs/20260101-000000", 0xabcull);
    assert_string_equal(p, "out/runs/.cache/tokenized-0000000000000abc.bin");
    free(p);
    p = train_cache_path("run1", 1);
    assert_string_equal(p, "./.cache/tokenized-0000000000000001.bin");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_path),
    };
    return cmocka_run_group_tests(tests, sample_vocab_setup, sample_vocab_teardown);
}
