/* test_sample_model.c - the committed sample base model (samples/model.gguf)
 * is what `make sample-model` documents: a llama of the recipe's shape with
 * llama.cpp's tensor names, F16 matrices and F32 norms, at most 20 MB, whose
 * tokenizer and chat template are those of samples/data/vocab.gguf; it is
 * trained (low loss on fresh pretraining text); sample_gen's init writes
 * a model of the same shape and metadata; and the pretraining text becomes
 * one completion record per paragraph. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "model_load.h"
#include "paragraphs.h"
#include "pretrain.h"
#include "sample_model.h"
#include "testdir.h"
#include "tok.h"

/* SAMPLE_MODEL_SHAPE of the sample-model rule in Makefile.am. */
static const sample_model_shape shape = {256, 6, 8, 704, 256};
#define N_VOCAB 2936
#define MAX_BYTES (20u << 20)

static const char *sample_path(const char *name)
{
    static char path[4][1024];
    static int next;
    const char *src = getenv("LATHE_SRCDIR");
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/samples/%s", src ? src : ".", name);
    return p;
}

static void check_config(const model_config *c)
{
    assert_string_equal(c->arch, "llama");
    assert_int_equal(c->dim, shape.dim);
    assert_int_equal(c->n_layers, shape.n_layers);
    assert_int_equal(c->n_heads, shape.n_heads);
    assert_int_equal(c->n_kv_heads, shape.n_heads);
    assert_int_equal(c->head_dim, shape.dim / shape.n_heads);
    assert_int_equal(c->ffn_dim, shape.ffn_dim);
    assert_int_equal(c->context_len, shape.context_len);
    assert_int_equal(c->n_vocab, N_VOCAB);
    assert_true(c->tied_embeddings);
    assert_false(c->qkv_bias);
    assert_int_equal(c->rope, ROPE_NORMAL);
}

static void test_shape_and_tensors(void **state)
{
    (void)state;
    char err[512];
    model_file mf;
    assert_int_equal(model_file_load(&mf, sample_path("model.gguf"), false, err, sizeof err), 0);
    check_config(model_get_config(mf.m));
    assert_true(gguf_file_size(mf.gguf) <= MAX_BYTES);
    model_tensor_info tab[64];
    int n = model_tensor_table(model_get_config(mf.m), tab);
    assert_int_equal((int)gguf_n_tensors(mf.gguf), n);
    for (int i = 0; i < n; i++) {
        const gguf_tensor *t = gguf_find_tensor(mf.gguf, tab[i].name);
        assert_non_null(t);
        assert_int_equal(t->type, tab[i].n_dims == 1 ? GGML_TYPE_F32 : GGML_TYPE_F16);
    }
    assert_null(gguf_find_tensor(mf.gguf, "output.weight"));
    model_file_close(&mf);
}

static void same_vocab(const tok_vocab *a, const tok_vocab *b)
{
    assert_int_equal(tok_vocab_size(a), tok_vocab_size(b));
    assert_int_equal(tok_vocab_model(a), TOK_BPE);
    assert_int_equal(tok_vocab_model(b), TOK_BPE);
    assert_string_equal(tok_vocab_pre(a), tok_vocab_pre(b));
    for (int32_t id = 0; id < (int32_t)tok_vocab_size(a); id++) {
        size_t la, lb;
        const char *ta = tok_text(a, id, &la), *tb = tok_text(b, id, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(ta, tb, la);
        assert_int_equal(tok_token_type(a, id), tok_token_type(b, id));
    }
    assert_int_equal(tok_bos(a), tok_bos(b));
    assert_int_equal(tok_eos(a), tok_eos(b));
    assert_int_equal(tok_add_bos(a), tok_add_bos(b));
    assert_int_equal(tok_add_eos(a), tok_add_eos(b));
}

/* Every tokenizer key of the vocabulary file is in the model, same type and length. */
static void same_tokenizer_keys(const gguf_file *vocab, const gguf_file *mg)
{
    for (size_t i = 0; i < gguf_n_kv(vocab); i++) {
        const gguf_kv *kv = gguf_kv_at(vocab, i);
        if (strncmp(kv->key, "tokenizer.", 10))
            continue;
        const gguf_kv *mk = gguf_find_kv(mg, kv->key);
        assert_non_null(mk);
        assert_int_equal(mk->type, kv->type);
        assert_int_equal(mk->n, kv->n);
    }
}

static void test_vocab_is_the_sample_vocab(void **state)
{
    (void)state;
    char err[512], *ta = NULL, *tb = NULL;
    tok_vocab *a = tok_vocab_load_gguf(sample_path("data/vocab.gguf"), &ta, err, sizeof err);
    tok_vocab *b = tok_vocab_load_gguf(sample_path("model.gguf"), &tb, err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    same_vocab(a, b);
    assert_non_null(ta);
    assert_non_null(tb);
    assert_string_equal(ta, tb);
    assert_non_null(strstr(tb, "<|im_start|>"));
    gguf_file *ga = gguf_open(sample_path("data/vocab.gguf"), err, sizeof err);
    gguf_file *gb = gguf_open(sample_path("model.gguf"), err, sizeof err);
    assert_non_null(ga);
    assert_non_null(gb);
    same_tokenizer_keys(ga, gb);
    gguf_close(ga);
    gguf_close(gb);
    tok_vocab_free(a);
    tok_vocab_free(b);
    free(ta);
    free(tb);
}

/* Loss of the model on one paragraph, encoded as training saw it (BOS, text);
 * *n receives the number of tokens scored. */
static double paragraph_loss(model *m, tok_session *s, const char *p, size_t len, double *n)
{
    char err[512];
    tok_ids ids = {0};
    assert_int_equal(tok_encode(s, p, len, true, false, &ids, err, sizeof err), 0);
    assert_true(ids.n > 2);
    int T = (int)ids.n - 1;
    int32_t *targets = malloc((size_t)T * sizeof *targets);
    assert_non_null(targets);
    memcpy(targets, ids.ids + 1, (size_t)T * sizeof *targets);
    model_batch b = {.B = 1, .T = T, .tokens = ids.ids, .targets = targets};
    double loss = 0;
    assert_int_equal(model_forward_loss(m, &b, &loss, n, err, sizeof err), 0);
    free(targets);
    tok_ids_free(&ids);
    return loss;
}

/* Mean per-token loss over the documents of fresh pretraining text (a seed
 * the recipe did not use; the same world's facts). */
static double text_loss(model *m, const tok_vocab *v)
{
    char err[512], *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    world w;
    world_make(&w, WORLD_SAMPLE_SEED);
    pretrain_opts o = {12345, 3000, 11, 200};
    assert_int_equal(pretrain_write(f, &w, &o), 0);
    fclose(f);
    tok_session *s = tok_session_new(v, err, sizeof err);
    assert_non_null(s);
    double sum = 0, tokens = 0;
    const size_t sep = strlen(PRETRAIN_SEPARATOR);
    for (char *p = text, *end; *p; p = *end ? end + sep : end) {
        end = strstr(p, PRETRAIN_SEPARATOR);
        if (!end)
            end = p + strlen(p);
        double n = 0, loss = paragraph_loss(m, s, p, (size_t)(end - p), &n);
        sum += loss * n;
        tokens += n;
    }
    tok_session_free(s);
    free(text);
    return sum / tokens;
}

static void test_model_is_trained(void **state)
{
    (void)state;
    char err[512], *tmpl = NULL;
    model_file mf;
    assert_int_equal(model_file_load(&mf, sample_path("model.gguf"), false, err, sizeof err), 0);
    tok_vocab *v = tok_vocab_from_gguf(mf.gguf, &tmpl, err, sizeof err);
    assert_non_null(v);
    double loss = text_loss(mf.m, v);
    print_message("# loss on fresh pretraining text: %.3f\n", loss);
    assert_true(loss < 2.0);   /* a random init scores about ln(2936) = 8.0 */
    tok_vocab_free(v);
    free(tmpl);
    model_file_close(&mf);
}

static void test_init_writes_the_same_shape(void **state)
{
    (void)state;
    char err[512];
    const char *out = testdir_path("init.gguf");
    assert_int_equal(sample_model_write(&shape, 1, sample_path("data/vocab.gguf"), out, err,
                                        sizeof err), 0);
    model_file mf;
    assert_int_equal(model_file_load(&mf, out, false, err, sizeof err), 0);
    check_config(model_get_config(mf.m));
    gguf_file *vocab = gguf_open(sample_path("data/vocab.gguf"), err, sizeof err);
    assert_non_null(vocab);
    same_tokenizer_keys(vocab, mf.gguf);
    gguf_close(vocab);
    model_file_close(&mf);
    sample_model_shape bad = shape;
    bad.n_heads = 7;
    assert_int_equal(sample_model_write(&bad, 1, sample_path("data/vocab.gguf"), out, err,
                                        sizeof err), -1);
    assert_non_null(strstr(err, "not a multiple of the head count"));
}

static void test_paragraphs_become_records(void **state)
{
    (void)state;
    static const char text[] =
        "\n\nOne. Two \"quoted\".\n\n\n\nThree\nstill three \xc3\xa9.\n\nstill\n\n\nLast";
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_int_equal(paragraphs_write_jsonl(f, text, sizeof text - 1), 3);
    fclose(f);
    assert_string_equal(out, "{\"text\":\"One. Two \\\"quoted\\\".\"}\n"
                             "{\"text\":\"Three\\nstill three \\u00E9.\\n\\nstill\"}\n"
                             "{\"text\":\"Last\"}\n");
    free(out);
    f = open_memstream(&out, &len);
    assert_int_equal(paragraphs_write_jsonl(f, "\n\n\n\n", 4), 0);
    fclose(f);
    assert_int_equal(len, 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_and_tensors),
        cmocka_unit_test(test_vocab_is_the_sample_vocab),
        cmocka_unit_test(test_model_is_trained),
        cmocka_unit_test(test_init_writes_the_same_shape),
        cmocka_unit_test(test_paragraphs_become_records),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
