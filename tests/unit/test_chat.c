/* test_chat.c - the chat core (src/model/chat_*): a side streams whole UTF-8
 * characters when a character's bytes come in separate tokens, and stops
 * when asked; A/B on the sample model: A runs no adapter and reads the same
 * tensors as B, B with an all-zero adapter says exactly what A says, A's
 * words do not change with B's adapter while B's do; votes become
 * preferences.jsonl lines with the right chosen/rejected (blind mode
 * included); /save writes a messages dataset; conversations drop their
 * oldest turns when the context is full, keeping the system prompt;
 * slash commands refuse bad values; completion; the word diff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapter.h"
#include "chat_cmd.h"
#include "chat_complete.h"
#include "chat_conv.h"
#include "chat_diff.h"
#include "chat_session.h"
#include "gguf.h"
#include "model_load.h"
#include "testdir.h"

#define SAMPLE_MODEL LATHE_SRCDIR "/samples/model.gguf"
#define SAMPLE_VOCAB LATHE_SRCDIR "/samples/data/vocab.gguf"

static void nap(void)
{
    nanosleep(&(struct timespec){0, 1000000}, NULL);
}

/* ---------------------------------------------------------------- UTF-8 streaming */
/* The id whose text is the single byte B. */
static int32_t byte_token(const tok_vocab *v, unsigned char b)
{
    for (size_t id = 0; id < tok_vocab_size(v); id++) {
        char buf[8];
        if (tok_piece(v, (int32_t)id, false, 0, buf, sizeof buf) == 1 &&
            (unsigned char)buf[0] == b)
            return (int32_t)id;
    }
    fail_msg("no token for byte 0x%02x", b);
    return -1;
}

/* A model whose greedy continuation of anything is the bytes of "é€",
 * one byte per token, then the end of the turn: the blocks add nothing, each
 * token's embedding is one-hot on its place in the chain and the head maps
 * place k to the chain's next token (with CYCLE the chain never ends). */
static void write_chain_model(const char *path, bool cycle)
{
    char err[512];
    gguf_file *meta = gguf_open(SAMPLE_VOCAB, err, sizeof err);
    assert_non_null(meta);
    tok_vocab *v = tok_vocab_from_gguf(meta, NULL, err, sizeof err);
    assert_non_null(v);
    const unsigned char bytes[5] = {0xc3, 0xa9, 0xe2, 0x82, 0xac};
    int32_t chain[6];
    for (int i = 0; i < 5; i++)
        chain[i] = byte_token(v, bytes[i]);
    chain[5] = cycle ? chain[0] : tok_lookup(v, "<|im_end|>", 10);
    assert_true(chain[5] >= 0 && (cycle || tok_is_eog(v, chain[5])));
    int nv = (int)tok_vocab_size(v), D = 32;
    model_config c = {.arch = "llama", .n_vocab = nv, .dim = D, .n_layers = 1, .n_heads = 4,
                      .n_kv_heads = 4, .head_dim = 8, .ffn_dim = 32, .context_len = 512,
                      .rope_base = 10000.0f, .rope_dim = 8, .rope = ROPE_NORMAL,
                      .norm_eps = 1e-5f};
    model *m = model_create(&c, 3, err, sizeof err);
    assert_non_null(m);
    const char *lin[] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
                         "ffn_down"};
    for (int i = 0; i < 7; i++) {
        char name[64];
        size_t n;
        snprintf(name, sizeof name, "blk.0.%s.weight", lin[i]);
        float *w = model_weight(m, name, &n);
        memset(w, 0, n * sizeof *w);
    }
    size_t n;
    float *emb = model_weight(m, "token_embd.weight", &n);
    float *out = model_weight(m, "output.weight", &n);
    memset(emb, 0, (size_t)nv * D * sizeof *emb);
    memset(out, 0, (size_t)nv * D * sizeof *out);
    for (int t = 0; t < nv; t++)
        emb[(size_t)t * D] = 1.0f;          /* place 0: anything else */
    for (int k = 0; k < 5; k++) {
        emb[(size_t)chain[k] * D] = 0.0f;
        emb[(size_t)chain[k] * D + k + 1] = 1.0f;
    }
    for (int k = 0; k < 6; k++)
        out[(size_t)chain[k] * D + k] = 1.0f;
    assert_int_equal(model_save_gguf(m, meta, path, GGML_TYPE_F32, err, sizeof err), 0);
    model_free(m);
    tok_vocab_free(v);
    gguf_close(meta);
}

/* Runs a reply to "hi" on SIDE; every streamed piece must end on a whole
 * character, except the last of a reply stopped mid-character (STOP_NOW).
 * Returns the reply (caller frees text). */
static chat_reply side_reply(chat_side *side, chat_base *b, int max_new, bool stop_now,
                             bytebuf *all)
{
    chat_conv conv = {0};
    tok_ids ids = {0};
    char err[512];
    assert_int_equal(chat_conv_push(&conv, CHAT_USER, "hi", 2), 0);
    assert_int_equal(chat_conv_render(&conv, CHAT_TMPL_CHATML, b->g.tok, chat_side_ctx(side), 0,
                                      &ids, NULL, err, sizeof err), 0);
    tsample_params p = tsample_defaults();
    p.temp = 0.0f;
    assert_int_equal(chat_side_start(side, &ids, &p, max_new, err, sizeof err), 0);
    assert_int_equal(chat_side_start(side, &ids, &p, max_new, err, sizeof err), -1);
    if (stop_now)
        chat_side_stop(side);
    chat_reply r = {0};
    int rc;
    bytebuf piece = {0};
    size_t ends[4096], n_ends = 0, base = all->len;
    while ((rc = chat_side_poll(side, &piece, &r)) == 0 || piece.len) {
        bytebuf_put(all, piece.p, piece.len);
        if (piece.len && n_ends < 4096)
            ends[n_ends++] = all->len;
        piece.len = 0;
        if (rc == 1)
            break;
        nap();
    }
    for (size_t i = 0; i + (stop_now ? 1 : 0) < n_ends; i++) /* each piece ends whole */
        assert_int_equal(completion_utf8_prefix(all->p + base, ends[i] - base), ends[i] - base);
    assert_int_equal(rc, 1);
    assert_false(chat_side_busy(side));
    assert_int_equal(chat_side_poll(side, &piece, &r), -1);
    bytebuf_free(&piece);
    tok_ids_free(&ids);
    chat_conv_free(&conv);
    return r;
}

static void test_utf8_streaming(void **state)
{
    (void)state;
    const char *path = testdir_path("chain.gguf");
    write_chain_model(path, false);
    char err[512];
    chat_base *b = chat_base_open(path, false, err, sizeof err);
    assert_non_null(b);
    chat_side *side = chat_side_new(b, NULL, 1, 0, NULL, NULL, err, sizeof err);
    assert_null(side);  /* a context of 0 */
    side = chat_side_new(b, NULL, 1, 64, NULL, NULL, err, sizeof err);
    assert_non_null(side);
    bytebuf all = {0};
    chat_reply r = side_reply(side, b, 16, false, &all);
    assert_string_equal(r.err, "");
    assert_string_equal(r.text, "\xc3\xa9\xe2\x82\xac");
    assert_int_equal(all.len, 5);
    assert_memory_equal(all.p, "\xc3\xa9\xe2\x82\xac", 5);
    assert_int_equal(r.stats.tokens, 5);
    assert_int_equal(r.stats.stop, COMPLETION_EOG);
    free(r.text);
    bytebuf_free(&all);
    chat_side_free(side);
    chat_base_unref(b);
}

static void test_stop(void **state)
{
    (void)state;
    const char *path = testdir_path("cycle.gguf");
    write_chain_model(path, true);
    char err[512];
    chat_base *b = chat_base_open(path, false, err, sizeof err);
    assert_non_null(b);
    chat_side *side = chat_side_new(b, NULL, 1, 512, NULL, NULL, err, sizeof err);
    assert_non_null(side);
    bytebuf all = {0};
    chat_reply r = side_reply(side, b, 1 << 20, true, &all);
    assert_int_equal(r.stats.stop, COMPLETION_CANCELLED);
    free(r.text);
    r = side_reply(side, b, 7, false, &all); /* stopping does not stick */
    assert_int_equal(r.stats.stop, COMPLETION_LIMIT);
    assert_int_equal(r.stats.tokens, 7);
    assert_true(r.stats.reused > 0);          /* the same prompt again: its cache reused */
    free(r.text);
    bytebuf_free(&all);
    chat_side_free(side);   /* with nothing running */
    side = chat_side_new(b, NULL, 1, 512, NULL, NULL, err, sizeof err);
    tok_ids ids = {0};
    tok_ids_push(&ids, 5);
    tsample_params p = tsample_defaults();
    assert_int_equal(chat_side_start(side, &ids, &p, 1 << 20, err, sizeof err), 0);
    chat_side_free(side);   /* while a reply runs: stopped and joined */
    tok_ids_free(&ids);
    chat_base_unref(b);
}

/* ---------------------------------------------------------------- sessions */
static chat_options options(const char *lora, bool ab)
{
    chat_options o = {.model = SAMPLE_MODEL, .b = {.adapter = lora}, .ab = ab,
                      .workspace = testdir()};
    o.set.sp = tsample_defaults();
    o.set.sp.temp = 0.0f;
    o.set.sp.seed = 5;
    o.set.max_tokens = 12;
    o.lineup.threads = 1;
    return o;
}

/* Sends PROMPT and waits for every column; the replies in column order. */
static void exchange(chat_session *s, const char *prompt, char *out[2])
{
    char err[512];
    if (chat_session_send(s, prompt, err, sizeof err))
        fail_msg("send: %s", err);
    assert_true(chat_session_busy(s));
    for (;;) {
        chat_event ev;
        while (chat_session_poll(s, &ev)) {
            if (ev.kind == CHAT_EV_DONE && ev.text)
                fail_msg("column %d: %s", ev.col, ev.text);
            chat_event_clear(&ev);
        }
        if (!chat_session_busy(s))
            break;
        nap();
    }
    for (int c = 0; c < 2; c++) {
        const char *r = chat_session_reply(s, c);
        out[c] = r ? strdup(r) : NULL;
    }
}

static void free2(char *r[2])
{
    free(r[0]);
    free(r[1]);
}

/* An adapter on q and v of the sample model: B all zero, or random. */
static const char *write_adapter(const char *name, bool zero)
{
    char err[512];
    const char *path = testdir_path(name);
    model_file mf;
    assert_int_equal(model_file_load(&mf, SAMPLE_MODEL, true, err, sizeof err), 0);
    model *v = model_view_new(mf.m, err, sizeof err);
    assert_non_null(v);
    model_train_spec s = {.mode = MODEL_TRAIN_LORA, .modules = MODEL_MOD_Q | MODEL_MOD_V,
                          .lora_r = 4, .lora_alpha = 8.0f, .lora_seed = 9};
    assert_int_equal(model_set_training(v, &s, err, sizeof err), 0);
    int np;
    const model_param *p = model_params(v, &np);
    uint64_t seed = 77;
    for (int i = 0; i < np && !zero; i++)
        for (size_t k = 0; k < p[i].n; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            p[i].data[k] = 0.2f * (float)((double)(seed >> 40) / (double)(1ull << 24) - 0.5);
        }
    adapter ad = {0};
    assert_int_equal(adapter_from_model(&ad, v, 8.0f, false, 0.0f, err, sizeof err), 0);
    assert_int_equal(adapter_gguf_write(&ad, path, GGML_TYPE_F32, err, sizeof err), 0);
    adapter_free(&ad);
    model_free(v);
    model_file_close(&mf);
    return path;
}

static void test_ab_independence(void **state)
{
    (void)state;
    char err[512];
    const char *zero = write_adapter("zero.gguf", true);
    const char *tuned = write_adapter("tuned.gguf", false);
    chat_options o = options(zero, true);
    chat_session *s = chat_session_new(&o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    const chat_lineup *lu = chat_session_lineup(s);
    const model *ma = chat_side_model(lu->side[0]), *mb = chat_side_model(lu->side[1]);
    assert_true(model_lora_scale(ma) == 0.0f);          /* A: no adapter at all */
    assert_true(model_lora_scale(mb) > 0.0f);
    assert_ptr_not_equal(ma, mb);
    assert_ptr_equal(model_weight((model *)ma, "token_embd.weight", NULL),
                     model_weight(lu->base->g.mf.m, "token_embd.weight", NULL));
    assert_ptr_equal(model_weight((model *)mb, "token_embd.weight", NULL),
                     model_weight(lu->base->g.mf.m, "token_embd.weight", NULL));
    assert_string_equal(chat_session_label(s, 0), "A: model.gguf, no adapter");
    char want[4200];
    snprintf(want, sizeof want, "B: model.gguf + %s, scale 1.0", zero);
    assert_string_equal(chat_session_label(s, 1), want);
    char *z[2], *t[2];
    exchange(s, "Name a fruit.", z);
    assert_string_equal(z[0], z[1]);                    /* a zero adapter changes nothing */
    assert_true(strlen(z[0]) > 0);
    assert_int_equal(chat_session_set_lora(s, tuned, 1.0f, err, sizeof err), 0);
    assert_int_equal(chat_session_reset(s, err, sizeof err), 0);
    exchange(s, "Name a fruit.", t);
    assert_string_equal(t[0], z[0]);                    /* A is the same with B's adapter changed */
    assert_string_not_equal(t[1], t[0]);                /* and B is not A */
    free2(z);
    free2(t);
    chat_session_free(s);
}

static json_t *last_line(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[1 << 16], last[1 << 16] = "";
    while (fgets(line, sizeof line, fp))
        strcpy(last, line);
    fclose(fp);
    json_error_t je;
    json_t *o = json_loads(last, 0, &je);
    if (!o)
        fail_msg("%s: %s", path, je.text);
    return o;
}

static const char *content(json_t *o, const char *key)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(o, key), 0),
                                             "content"));
}

static void test_votes(void **state)
{
    (void)state;
    char err[512], msg[4096];
    const char *tuned = write_adapter("vote.gguf", false);
    chat_options o = options(tuned, true);
    o.system = "Be brief.";
    chat_session *s = chat_session_new(&o, err, sizeof err);
    assert_non_null(s);
    assert_int_equal(chat_session_vote(s, CHAT_PICK_FIRST, msg, sizeof msg, err, sizeof err), -1);
    assert_non_null(strstr(err, "nothing to vote on"));
    char *r[2];
    exchange(s, "What is 2 plus 2?", r);
    assert_int_equal(chat_session_vote(s, CHAT_PICK_SECOND, msg, sizeof msg, err, sizeof err), 0);
    assert_int_equal(chat_session_vote(s, CHAT_PICK_SECOND, msg, sizeof msg, err, sizeof err), -1);
    json_t *v = last_line(chat_session_prefs_path(s));
    assert_string_equal(json_string_value(json_object_get(v, "label")), "b");
    assert_string_equal(content(v, "chosen"), r[1]);
    assert_string_equal(content(v, "rejected"), r[0]);
    json_t *prompt = json_object_get(v, "prompt");
    assert_int_equal(json_array_size(prompt), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(prompt, 0), "role")),
                        "system");
    assert_int_equal(json_integer_value(json_object_get(v, "seed")), 5);
    assert_true(json_is_null(json_object_get(json_object_get(json_object_get(v, "models"), "a"),
                                             "adapter")));
    json_decref(v);
    free2(r);

    /* blind: the first column is whichever side the shuffle put there */
    assert_int_equal(chat_session_set_blind(s, true, err, sizeof err), 0);
    int seen[2] = {0};
    for (int i = 0; i < 6; i++) {
        exchange(s, "Name a color.", r);
        assert_string_equal(chat_session_tag(s, 0), "1");
        assert_string_equal(chat_session_label(s, 0), "1: hidden until you vote");
        assert_int_equal(chat_session_vote(s, CHAT_PICK_FIRST, msg, sizeof msg, err, sizeof err),
                         0);
        const char *tag = chat_session_tag(s, 0); /* revealed */
        int first_is_b = !strcmp(tag, "B");
        seen[first_is_b]++;
        assert_non_null(strstr(msg, first_is_b ? "1 was B: " : "1 was A: "));
        v = last_line(chat_session_prefs_path(s));
        assert_string_equal(json_string_value(json_object_get(v, "label")), first_is_b ? "b" : "a");
        assert_string_equal(content(v, "chosen"), r[0]);
        assert_string_equal(json_string_value(json_object_get(v, "shown_first")),
                            first_is_b ? "b" : "a");
        json_decref(v);
        free2(r);
    }
    assert_true(seen[0] > 0 && seen[1] > 0);            /* shuffled per prompt */
    exchange(s, "Name a tree.", r);
    assert_int_equal(chat_session_vote(s, CHAT_PICK_BAD, msg, sizeof msg, err, sizeof err), 0);
    v = last_line(chat_session_prefs_path(s));
    assert_string_equal(json_string_value(json_object_get(v, "label")), "both_bad");
    assert_null(json_object_get(v, "chosen"));
    assert_non_null(json_object_get(json_object_get(v, "responses"), "a"));
    json_decref(v);
    free2(r);
    chat_session_free(s);
}

static void test_save(void **state)
{
    (void)state;
    char err[512], msg[4096];
    chat_options o = options(NULL, false);
    chat_session *s = chat_session_new(&o, err, sizeof err);
    assert_non_null(s);
    const char *path = testdir_path("transcript.jsonl");
    assert_int_equal(chat_session_save(s, path, msg, sizeof msg, err, sizeof err), -1);
    char *r[2];
    exchange(s, "Hello.", r);
    assert_null(r[1]);
    assert_string_equal(chat_session_tag(s, 0), "A");
    assert_int_equal(chat_session_save(s, path, msg, sizeof msg, err, sizeof err), 0);
    json_t *v = last_line(path);
    json_t *m = json_object_get(v, "messages");
    assert_int_equal(json_array_size(m), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(m, 1), "content")), r[0]);
    json_decref(v);
    free2(r);
    chat_session_free(s);
}

/* ---------------------------------------------------------------- conversations */
static void test_context_drop(void **state)
{
    (void)state;
    char err[512];
    chat_base *b = chat_base_open(SAMPLE_MODEL, false, err, sizeof err);
    assert_non_null(b);
    chat_conv c = {0};
    assert_int_equal(chat_conv_set_system(&c, "You are terse."), 0);
    for (int i = 0; i < 6; i++) {
        char u[64];
        snprintf(u, sizeof u, "question number %d about something", i);
        assert_int_equal(chat_conv_push(&c, CHAT_USER, u, strlen(u)), 0);
        assert_int_equal(chat_conv_push(&c, CHAT_ASSISTANT, "an answer of a few words", 24), 0);
    }
    assert_int_equal(chat_conv_push(&c, CHAT_USER, "last", 4), 0);
    tok_ids ids = {0};
    size_t dropped;
    assert_int_equal(chat_conv_render(&c, CHAT_TMPL_CHATML, b->g.tok, 4096, 0, &ids, &dropped,
                                      err, sizeof err), 0);
    assert_int_equal(dropped, 0);
    size_t full = ids.n;
    assert_int_equal(chat_conv_render(&c, CHAT_TMPL_CHATML, b->g.tok, (int)full - 1, 0, &ids,
                                      &dropped, err, sizeof err), 0);
    assert_int_equal(dropped, 2);                       /* one exchange */
    assert_int_equal(c.n, 11);
    assert_string_equal(c.system, "You are terse.");
    assert_int_equal(chat_conv_render(&c, CHAT_TMPL_CHATML, b->g.tok, 40, 0, &ids, &dropped,
                                      err, sizeof err), 0);
    assert_int_equal(c.n, 1);                           /* only the newest user turn */
    assert_string_equal(c.turns[0].content, "last");
    assert_true(ids.n < 40);
    assert_int_equal(chat_conv_render(&c, CHAT_TMPL_CHATML, b->g.tok, 5, 0, &ids, &dropped, err,
                                      sizeof err), -1);
    assert_non_null(strstr(err, "context holds 5"));
    tok_ids_free(&ids);
    chat_conv_free(&c);
    chat_base_unref(b);
}

/* ---------------------------------------------------------------- commands */
static void expect_error(chat_session *s, const char *line, const char *part)
{
    char err[1024] = "";
    bytebuf out = {0};
    assert_int_equal(chat_cmd_run(s, line, &out, err, sizeof err), -1);
    if (!strstr(err, part))
        fail_msg("%s: error '%s' lacks '%s'", line, err, part);
    bytebuf_free(&out);
}

static void test_commands(void **state)
{
    (void)state;
    char err[1024];
    chat_options o = options(NULL, false);
    chat_session *s = chat_session_new(&o, err, sizeof err);
    assert_non_null(s);
    expect_error(s, "/set temp x", "a number >= 0");
    expect_error(s, "/set top_p 2", "from 0 to 1");
    expect_error(s, "/set top_k 1.5", "whole number");
    expect_error(s, "/set max_tokens 0", "from 1 to");
    expect_error(s, "/set seed -1", "whole number");
    expect_error(s, "/set warmth 1", "not 'warmth'");
    expect_error(s, "/ab maybe", "on or off");
    expect_error(s, "/ab on", "B runs nothing");
    expect_error(s, "/vote c", "/vote takes");
    expect_error(s, "/template jinja", "unknown template 'jinja'");
    expect_error(s, "/lora /nonexistent", "/nonexistent");
    expect_error(s, "/checkpoint", "which run?");
    expect_error(s, "/checkpoint /tmp 3", "not a run directory");
    expect_error(s, "/modle x", "did you mean /model?");
    expect_error(s, "/save", "usage: /save FILE");
    bytebuf out = {0};
    assert_int_equal(chat_cmd_run(s, "/set top-k 7", &out, err, sizeof err), 0);
    assert_int_equal(chat_session_settings(s)->sp.top_k, 7);
    assert_int_equal(chat_cmd_run(s, "/system  Be kind.", &out, err, sizeof err), 0);
    assert_int_equal(chat_cmd_run(s, "/template llama3", &out, err, sizeof err), 0);
    assert_int_equal(chat_cmd_run(s, "/help", &out, err, sizeof err), 0);
    assert_non_null(strstr(out.p, "/checkpoint [RUN] [STEP|latest]"));
    assert_int_equal(chat_cmd_run(s, "/quit", &out, err, sizeof err), CHAT_CMD_QUIT);
    assert_true(chat_cmd_is("/help"));
    assert_false(chat_cmd_is("//etc/passwd?"));
    assert_string_equal(chat_cmd_prompt("//etc"), "/etc");
    bytebuf_free(&out);
    chat_session_free(s);
}

static void expect_cands(const char *line, const char *const *want, size_t start)
{
    chat_cands c;
    assert_int_equal(chat_complete(line, strlen(line), &c), 0);
    size_t n = 0;
    while (want[n])
        n++;
    if (c.n != n)
        fail_msg("'%s': %zu candidates, want %zu", line, c.n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(c.items[i], want[i]);
    assert_int_equal(c.start, start);
    chat_cands_free(&c);
}

static void test_completion(void **state)
{
    (void)state;
    expect_cands("/s", (const char *const[]){"/save", "/set", "/system", NULL}, 0);
    expect_cands("/set t", (const char *const[]){"temp", "top_k", "top_p", NULL}, 5);
    expect_cands("/ab o", (const char *const[]){"off", "on", NULL}, 4);
    expect_cands("/template chat", (const char *const[]){"chatml", NULL}, 10);
    expect_cands("/vote t", (const char *const[]){"tie", NULL}, 6);
    expect_cands("hello /s", (const char *const[]){NULL}, 6);
    testdir_write("runs-a.txt", "x");
    testdir_write("runs-b.txt", "x");
    char line[4200], a[4200], b[4200];
    snprintf(line, sizeof line, "/save %s/runs-", testdir());
    snprintf(a, sizeof a, "%s/runs-a.txt", testdir());
    snprintf(b, sizeof b, "%s/runs-b.txt", testdir());
    expect_cands(line, (const char *const[]){a, b, NULL}, 6);
    snprintf(line, sizeof line, "/lora %s", testdir());
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/", testdir());
    expect_cands(line, (const char *const[]){dir, NULL}, 6);
}

static void test_diff(void **state)
{
    (void)state;
    chat_diff d;
    assert_int_equal(chat_diff_words("the cat sat on the mat", "the dog sat on a mat", &d), 0);
    assert_int_equal(d.na, 6);
    assert_int_equal(d.nb, 6);
    const bool want[6] = {false, true, false, false, true, false};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(d.a[i].changed, want[i]);
        assert_int_equal(d.b[i].changed, want[i]);
    }
    assert_int_equal(d.a[1].start, 4);
    assert_int_equal(d.a[1].len, 3);
    chat_diff_free(&d);
    assert_int_equal(chat_diff_words("  same\nwords ", "same words", &d), 0);
    assert_false(d.a[0].changed || d.a[1].changed);
    chat_diff_free(&d);
    assert_int_equal(chat_diff_words("", "new words", &d), 0);
    assert_int_equal(d.na, 0);
    assert_true(d.b[0].changed && d.b[1].changed);
    chat_diff_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_streaming), cmocka_unit_test(test_stop),
        cmocka_unit_test(test_ab_independence), cmocka_unit_test(test_votes),
        cmocka_unit_test(test_save), cmocka_unit_test(test_context_drop),
        cmocka_unit_test(test_commands), cmocka_unit_test(test_completion),
        cmocka_unit_test(test_diff),
    };
    return cmocka_run_group_tests(tests, testdir_setup, testdir_teardown);
}
