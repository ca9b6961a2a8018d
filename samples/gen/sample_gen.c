/* sample_gen.c - regenerates the bundled sample's data (`make sample-data`):
 *   sample_gen pretrain SEED BYTES INSTRUCT_SEED HELDOUT_COUNT OUT.txt
 *   sample_gen instruct SEED HELDOUT_COUNT TRAIN.jsonl HELDOUT.jsonl
 *   sample_gen vocab MERGES CORPUS.txt OUT.gguf
 *   sample_gen jsonl CORPUS.txt OUT.jsonl    (documents as completion records)
 *   sample_gen model SEED DIM LAYERS HEADS FFN CTX VOCAB.gguf OUT.gguf
 *   sample_gen f16 TRAINED.gguf OUT.gguf       (matrices stored as F16)
 * The world's facts come from a fixed seed shared by every subcommand, so
 * the text and the questions agree; pretrain takes instruct's SEED and
 * HELDOUT_COUNT so that its question sheets leave the held-out ones out. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "instruct.h"
#include "paragraphs.h"
#include "pretrain.h"
#include "sample_model.h"
#include "tok_learn.h"
#include "gguf_write.h"

#define WORLD_SEED WORLD_SAMPLE_SEED

/* ChatML, the format the sample fine-tunes into. */
static const char chatml[] =
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + "
    "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\\n' }}{% endif %}";

static int fail(const char *msg)
{
    fprintf(stderr, "sample_gen: %s\n", msg);
    return 1;
}

static int cmd_pretrain(const world *w, char **argv)
{
    char err[256];
    atomic_file af;
    pretrain_opts o = {strtoull(argv[0], NULL, 10), strtoull(argv[1], NULL, 10),
                       strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10)};
    if (atomic_file_open(&af, argv[4], err, sizeof err) != 0)
        return fail(err);
    if (pretrain_write(af.fp, w, &o)) {
        atomic_file_abort(&af);
        return fail("writing the pretraining text failed");
    }
    return atomic_file_commit(&af, err, sizeof err) ? fail(err) : 0;
}

static int write_part(const char *path, const instruct_rec *r, size_t n)
{
    char err[256];
    atomic_file af;
    if (atomic_file_open(&af, path, err, sizeof err) != 0)
        return fail(err);
    if (instruct_write_jsonl(af.fp, r, n) != 0) {
        atomic_file_abort(&af);
        return fail("writing the instruction dataset failed");
    }
    return atomic_file_commit(&af, err, sizeof err) ? fail(err) : 0;
}

static int cmd_instruct(const world *w, char **argv)
{
    size_t n, held = strtoull(argv[1], NULL, 10);
    instruct_rec *r = instruct_make(w, strtoull(argv[0], NULL, 10), &n);
    if (!r)
        return fail("out of memory");
    if (held >= n) {
        free(r);
        return fail("held-out count must be below the number of records");
    }
    int rc = write_part(argv[2], r + held, n - held) || write_part(argv[3], r, held);
    free(r);
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    if (f)
        fclose(f);
    return buf;
}

/* Writes the learned vocabulary as a GGUF holding only tokenizer metadata. */
static int write_vocab(const tok_learned *l, const char *path, char *err, size_t errlen)
{
    tok_spec spec;
    tok_learned_spec(l, &spec);
    tok_vocab *v = tok_vocab_new(&spec, err, errlen);
    gguf_writer *w = v ? gguf_writer_new(0) : NULL;
    int rc = -1;
    if (v && !w)
        snprintf(err, errlen, "%s: out of memory", path);
    else if (w && tok_vocab_to_gguf(v, chatml, 0, w, err, errlen) == 0)
        rc = gguf_writer_write(w, path, err, errlen);
    gguf_writer_free(w);
    tok_vocab_free(v);
    return rc;
}

static int cmd_vocab(char **argv)
{
    static const char *const specials[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", NULL};
    char err[256];
    size_t len;
    char *text = slurp(argv[1], &len);
    if (!text)
        return fail("cannot read the corpus");
    tok_learn_opts o = {.n_merges = strtoull(argv[0], NULL, 10), .specials = specials};
    tok_learned *l = tok_learn(text, len, &o, err, sizeof err);
    free(text);
    if (!l)
        return fail(err);
    int rc = write_vocab(l, argv[2], err, sizeof err) ? fail(err) : 0;
    if (!rc)
        printf("%zu merges; the corpus is %llu tokens for %zu bytes\n", tok_learned_n_merges(l),
               (unsigned long long)tok_learned_corpus_tokens(l), len);
    tok_learned_free(l);
    return rc;
}

static int cmd_jsonl(char **argv)
{
    char err[256];
    size_t len;
    char *text = slurp(argv[0], &len);
    if (!text)
        return fail("cannot read the corpus");
    atomic_file af;
    long n = -1;
    if (atomic_file_open(&af, argv[1], err, sizeof err) != 0) {
        free(text);
        return fail(err);
    }
    if ((n = paragraphs_write_jsonl(af.fp, text, len)) < 0)
        atomic_file_abort(&af);
    free(text);
    if (n < 0)
        return fail("writing the completion dataset failed");
    if (atomic_file_commit(&af, err, sizeof err) != 0)
        return fail(err);
    printf("%ld records\n", n);
    return 0;
}

static int cmd_model(char **argv)
{
    char err[512];
    sample_model_shape s = {atoi(argv[1]), atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
                            atoi(argv[5])};
    if (sample_model_write(&s, strtoull(argv[0], NULL, 10), argv[6], argv[7], err, sizeof err))
        return fail(err);
    return 0;
}

static int cmd_f16(char **argv)
{
    char err[512];
    return sample_model_store_f16(argv[0], argv[1], err, sizeof err) ? fail(err) : 0;
}

int main(int argc, char **argv)
{
    world w;
    world_make(&w, WORLD_SEED);
    if (argc == 7 && !strcmp(argv[1], "pretrain"))
        return cmd_pretrain(&w, argv + 2);
    if (argc == 6 && !strcmp(argv[1], "instruct"))
        return cmd_instruct(&w, argv + 2);
    if (argc == 5 && !strcmp(argv[1], "vocab"))
        return cmd_vocab(argv + 2);
    if (argc == 4 && !strcmp(argv[1], "jsonl"))
        return cmd_jsonl(argv + 2);
    if (argc == 10 && !strcmp(argv[1], "model"))
        return cmd_model(argv + 2);
    if (argc == 4 && !strcmp(argv[1], "f16"))
        return cmd_f16(argv + 2);
    fprintf(stderr, "usage: sample_gen pretrain SEED BYTES INSTRUCT_SEED HELDOUT_COUNT OUT.txt\n"
                    "       sample_gen instruct SEED HELDOUT_COUNT TRAIN.jsonl HELDOUT.jsonl\n"
                    "       sample_gen vocab MERGES CORPUS.txt OUT.gguf\n"
                    "       sample_gen jsonl CORPUS.txt OUT.jsonl\n"
                    "       sample_gen model SEED DIM LAYERS HEADS FFN CTX VOCAB.gguf OUT.gguf\n"
                    "       sample_gen f16 TRAINED.gguf OUT.gguf\n");
    return 2;
}
