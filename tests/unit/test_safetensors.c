/* test_safetensors.c - safetensors writer -> reader round trip, hand-made bad
 * headers (each rejected with its reason), sharded model directories, HF
 * config.json, HF <-> GGUF tensor names, and the llama q/k permutation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testdir.h"
#include "hf_model.h"
#include "quant.h"
#include "safetensors.h"


static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* ------------------------------------------------------------ round trip */

static void test_roundtrip(void **state)
{
    (void)state;
    float x[6] = {1.0f, -2.5f, 3.14159f, 1e-8f, 65504.0f, -0.0f};
    uint16_t h[4] = {0x3c00, 0xc000, 0x7c00, 0x0001};
    int64_t scalar = -42;
    const int64_t s23[2] = {2, 3}, s4[1] = {4}, s0[1] = {0};
    st_writer *w = st_writer_new();
    assert_non_null(w);
    assert_int_equal(st_writer_set_metadata(w, "format", "pt"), 0);
    assert_int_equal(st_writer_add(w, "a.f32", ST_F32, 2, s23, x, ST_F32), 0);
    assert_int_equal(st_writer_add(w, "b.f16", ST_F16, 2, s23, x, ST_F32), 0);
    assert_int_equal(st_writer_add(w, "c.bf16", ST_BF16, 2, s23, x, ST_F32), 0);
    assert_int_equal(st_writer_add(w, "d.raw", ST_F16, 1, s4, h, ST_F16), 0);
    assert_int_equal(st_writer_add(w, "e.scalar", ST_I64, 0, NULL, &scalar, ST_I64), 0);
    assert_int_equal(st_writer_add(w, "f.empty", ST_F32, 1, s0, x, ST_F32), 0);
    char err[256];
    if (st_writer_write(w, testdir_path("rt.safetensors"), err, sizeof err) != 0)
        fail_msg("%s", err);
    st_writer_free(w);

    st_file *f = st_open(testdir_path("rt.safetensors"), err, sizeof err);
    if (!f)
        fail_msg("%s", err);
    assert_int_equal(st_n_tensors(f), 6);
    assert_string_equal(st_metadata(f, "format"), "pt");
    assert_null(st_metadata(f, "nope"));
    const st_tensor *t = st_find(f, "a.f32");
    assert_int_equal(t->n_dims, 2);
    assert_int_equal(t->shape[0], 2);
    assert_int_equal(t->shape[1], 3);
    assert_memory_equal(t->data, x, sizeof x);
    float y[6];
    t = st_find(f, "b.f16");
    assert_int_equal(t->end - t->begin, 12);
    assert_int_equal(st_to_f32(t, y), 0);
    for (int i = 0; i < 6; i++)
        assert_true(y[i] == quant_f16_to_f32(quant_f32_to_f16(x[i])));
    assert_int_equal(st_to_f32(st_find(f, "c.bf16"), y), 0);
    for (int i = 0; i < 6; i++)
        assert_true(y[i] == quant_bf16_to_f32(quant_f32_to_bf16(x[i])));
    assert_memory_equal(st_find(f, "d.raw")->data, h, sizeof h);
    t = st_find(f, "e.scalar");
    assert_int_equal(t->n_dims, 0);
    assert_int_equal(t->n_elems, 1);
    assert_memory_equal(t->data, &scalar, 8);
    assert_int_equal(st_to_f32(t, y), -1);
    assert_int_equal(st_find(f, "f.empty")->n_elems, 0);
    st_close(f);

    /* The header is padded to a multiple of 8 and the tensors tile the buffer. */
    FILE *fp = fopen(testdir_path("rt.safetensors"), "rb");
    uint64_t hlen;
    assert_int_equal(fread(&hlen, 8, 1, fp), 1);
    fseek(fp, 0, SEEK_END);
    assert_int_equal(hlen % 8, 0);
    assert_int_equal((uint64_t)ftell(fp), 8 + hlen + 24 + 12 + 12 + 8 + 8);
    fclose(fp);
}

static void test_writer_errors(void **state)
{
    (void)state;
    float x[2] = {0};
    const int64_t s2[1] = {2}, bad[1] = {-1};
    char err[256];
    st_writer *w = st_writer_new();
    assert_int_equal(st_writer_add(w, "x", ST_F32, 1, s2, x, ST_F32), 0);
    assert_int_equal(st_writer_add(w, "x", ST_F32, 1, s2, x, ST_F32), -1);
    assert_int_equal(st_writer_add(w, "y", ST_F32, 1, bad, x, ST_F32), -1);
    assert_int_equal(st_writer_add(w, "z", ST_I32, 1, s2, x, ST_F32), -1);
    assert_int_equal(st_writer_add(w, "__metadata__", ST_F32, 1, s2, x, ST_F32), -1);
    assert_int_equal(st_writer_write(w, testdir_path("bad.safetensors"), err, sizeof err), -1);
    assert_non_null(strstr(err, "tensor 'x' added twice"));
    assert_int_equal(access(testdir_path("bad.safetensors"), F_OK), -1);
    st_writer_free(w);
}

/* ------------------------------------------------------------ bad headers */

static size_t make_file(uint8_t *buf, const char *header, size_t data_bytes)
{
    uint64_t n = strlen(header);
    memcpy(buf, &n, 8);
    memcpy(buf + 8, header, n);
    memset(buf + 8 + n, 0, data_bytes);
    return 8 + n + data_bytes;
}

/* Expects HEADER to be rejected with REASON at the offset of KEY's entry
 * (its first quoted occurrence), or at the header start when KEY is NULL. */
static void expect_bad(const char *header, size_t data_bytes, const char *key,
                       const char *reason)
{
    uint8_t buf[1024];
    char err[256] = "", quoted[64], where[64];
    size_t off = 8;
    if (key) {
        snprintf(quoted, sizeof quoted, "\"%s\"", key);
        assert_non_null(strstr(header, quoted));
        off += (size_t)(strstr(header, quoted) - header);
    }
    snprintf(where, sizeof where, "bad.st: offset %zu: ", off);
    size_t n = make_file(buf, header, data_bytes);
    st_file *f = st_open_mem(buf, n, "bad.st", err, sizeof err);
    if (f) {
        st_close(f);
        fail_msg("accepted %s", header);
    }
    if (strncmp(err, where, strlen(where)) || !strstr(err, reason))
        fail_msg("got '%s', want '%s...%s'", err, where, reason);
}

#define T(name, dtype, shape, b, e) \
    "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

static void test_bad_headers(void **state)
{
    (void)state;
    uint8_t buf[64] = {0};
    char err[256];
    assert_null(st_open_mem(buf, 5, "bad.st", err, sizeof err));
    assert_non_null(strstr(err, "bad.st: offset 0: truncated"));
    uint64_t huge = 1000;
    memcpy(buf, &huge, 8);
    assert_null(st_open_mem(buf, 64, "bad.st", err, sizeof err));
    assert_non_null(strstr(err, "offset 0: header length 1000 exceeds the file"));
    expect_bad("[1,2]", 0, NULL, "not a JSON object");
    uint8_t jb[256];
    size_t jn = make_file(jb, "{\"a\": }", 0);
    assert_null(st_open_mem(jb, jn, "bad.st", err, sizeof err));
    assert_non_null(strstr(err, "bad.st: offset 14: bad JSON header"));
    jn = make_file(jb, "{" T("a", "F32", "[1]", 0, 4) "," T("a", "F32", "[1]", 4, 8) "}", 8);
    assert_null(st_open_mem(jb, jn, "bad.st", err, sizeof err));
    assert_non_null(strstr(err, "duplicate"));
    expect_bad("{" T("a", "F48", "[1]", 0, 4) "}", 4, "a", "unknown dtype 'F48'");
    expect_bad("{" T("a", "F32", "3", 0, 4) "}", 4, "a", "shape must be an array");
    expect_bad("{" T("a", "F32", "[-1]", 0, 4) "}", 4, "a", "not a non-negative");
    expect_bad("{" T("a", "F32", "[1,1,1,1,1,1,1,1,1]", 0, 4) "}", 4, "a", "at most 8");
    expect_bad("{" T("a", "F32", "[2]", 0, 8) "}", 4, "a",
               "data_offsets [0, 8) outside the 4-byte buffer");
    expect_bad("{" T("a", "F32", "[2]", 0, 4) "}", 4, "a",
               "2 F32 elements need 8 bytes, data_offsets span 4");
    expect_bad("{" T("a", "F32", "[1]", 4, 0) "}", 4, "a", "begin <= end");
    expect_bad("{" T("a", "F32", "[2]", 0, 8) "," T("b", "F32", "[1]", 4, 8) "}", 8, "b",
               "tensor 'b' overlaps tensor 'a'");
    expect_bad("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
               "\"zz\" :{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 8, "zz",
               "tensor 'zz' overlaps");
    expect_bad("{" T("a", "F32", "[4611686018427387904]", 0, 4) "}", 4, "a", "need");
    expect_bad("{" T("a", "F32", "[4294967296,4294967296]", 0, 4) "}", 4, "a",
               "shape overflows");
    expect_bad("{\"__metadata__\":{\"format\":1}}", 0, "__metadata__", "is not a string");
    expect_bad("{\"a\":[]}", 0, "a", "expected an object");
}

static void test_good_edge_headers(void **state)
{
    (void)state;
    uint8_t buf[256];
    char err[256];
    /* Space padding after the JSON, an empty header, zero-size tensors sharing an offset. */
    size_t n = make_file(buf, "{" T("a", "F32", "[0]", 0, 0) "," T("b", "F32", "[0]", 0, 0)
                         "," T("c", "U8", "[3]", 0, 3) "}    ", 3);
    st_file *f = st_open_mem(buf, n, "ok.st", err, sizeof err);
    if (!f)
        fail_msg("%s", err);
    assert_int_equal(st_n_tensors(f), 3);
    assert_int_equal(st_find(f, "c")->n_elems, 3);
    st_close(f);
    n = make_file(buf, "{}", 0);
    f = st_open_mem(buf, n, "empty.st", err, sizeof err);
    assert_non_null(f);
    assert_int_equal(st_n_tensors(f), 0);
    st_close(f);
}

/* ------------------------------------------------------------ directories */

static void write_shard(const char *path, const char *const *names, int n)
{
    static float data[4] = {1, 2, 3, 4};
    const int64_t shape[1] = {4};
    char err[256];
    st_writer *w = st_writer_new();
    for (int i = 0; i < n; i++)
        assert_int_equal(st_writer_add(w, names[i], ST_F32, 1, shape, data, ST_F32), 0);
    if (st_writer_write(w, path, err, sizeof err) != 0)
        fail_msg("%s", err);
    st_writer_free(w);
}

static void test_sharded_dir(void **state)
{
    (void)state;
    char dir[300], p[400], err[512];
    snprintf(dir, sizeof dir, "%s/sharded", testdir());
    assert_int_equal(mkdir(dir, 0700), 0);
    const char *s1[] = {"model.embed_tokens.weight", "model.norm.weight"};
    const char *s2[] = {"lm_head.weight"};
    snprintf(p, sizeof p, "%s/model-00001-of-00002.safetensors", dir);
    write_shard(p, s1, 2);
    snprintf(p, sizeof p, "%s/model-00002-of-00002.safetensors", dir);
    write_shard(p, s2, 1);
    snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
    write_text(p, "{\"metadata\":{\"total_size\":48},\"weight_map\":{"
                  "\"lm_head.weight\":\"model-00002-of-00002.safetensors\","
                  "\"model.embed_tokens.weight\":\"model-00001-of-00002.safetensors\","
                  "\"model.norm.weight\":\"model-00001-of-00002.safetensors\"}}");
    st_model *m = st_model_open(dir, err, sizeof err);
    if (!m)
        fail_msg("%s", err);
    assert_int_equal(st_model_n_shards(m), 2);
    assert_int_equal(st_model_n_tensors(m), 3);
    assert_non_null(st_model_find(m, "lm_head.weight"));
    assert_null(st_model_find(m, "model.layers.0.mlp.up_proj.weight"));
    assert_string_equal(st_model_tensor_at(m, 0)->name, "lm_head.weight");
    st_model_close(m);

    write_text(p, "{\"weight_map\":{\"lm_head.weight\":\"model-00001-of-00002.safetensors\"}}");
    assert_null(st_model_open(dir, err, sizeof err));
    assert_non_null(strstr(err, "puts 'lm_head.weight' in model-00001-of-00002.safetensors"));
    write_text(p, "{\"weight_map\":{\"x\":\"../model.safetensors\"}}");
    assert_null(st_model_open(dir, err, sizeof err));
    assert_non_null(strstr(err, "is not a shard file name"));
    write_text(p, "{\"weight_map\":{\"x\":\"missing.safetensors\"}}");
    assert_null(st_model_open(dir, err, sizeof err));
    assert_non_null(strstr(err, "missing.safetensors: cannot open"));
    write_text(p, "{\"weight_map\": [}");
    assert_null(st_model_open(dir, err, sizeof err));
    assert_non_null(strstr(err, "model.safetensors.index.json:1:"));
    /* The same tensor in two shards. */
    snprintf(p, sizeof p, "%s/model-00002-of-00002.safetensors", dir);
    write_shard(p, s1, 1);
    snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
    write_text(p, "{\"weight_map\":{\"model.norm.weight\":\"model-00001-of-00002.safetensors\","
                  "\"model.embed_tokens.weight\":\"model-00002-of-00002.safetensors\"}}");
    assert_null(st_model_open(dir, err, sizeof err));
    assert_non_null(strstr(err, "'model.embed_tokens.weight' appears in two shards"));
    unlink(p);
    assert_null(st_model_open(dir, err, sizeof err));
    assert_non_null(strstr(err, "no model.safetensors or model.safetensors.index.json"));
    snprintf(p, sizeof p, "%s/model.safetensors", dir);
    write_shard(p, s2, 1);
    m = st_model_open(dir, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(st_model_n_tensors(m), 1);
    st_model_close(m);
    m = st_model_open(p, err, sizeof err);
    assert_non_null(m);
    st_model_close(m);
}

/* ------------------------------------------------------------ HF config */

static void test_hf_config(void **state)
{
    (void)state;
    char dir[300], p[400], err[512];
    model_config cfg;
    snprintf(dir, sizeof dir, "%s/hf", testdir());
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(p, sizeof p, "%s/config.json", dir);
    write_text(p, "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\","
                  "\"hidden_size\":576,\"intermediate_size\":1536,\"num_hidden_layers\":30,"
                  "\"num_attention_heads\":9,\"num_key_value_heads\":3,"
                  "\"max_position_embeddings\":8192,\"rms_norm_eps\":1e-05,"
                  "\"rope_theta\":100000.0,\"vocab_size\":49152,\"tie_word_embeddings\":true}");
    if (hf_config_load(dir, &cfg, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(cfg.arch, "llama");
    assert_int_equal(cfg.dim, 576);
    assert_int_equal(cfg.head_dim, 64);
    assert_int_equal(cfg.rope_dim, 64);
    assert_int_equal(cfg.n_kv_heads, 3);
    assert_int_equal(cfg.n_vocab, 49152);
    assert_int_equal(cfg.context_len, 8192);
    assert_true(cfg.norm_eps == 1e-5f && cfg.rope_base == 100000.0f);
    assert_true(cfg.tied_embeddings && !cfg.qkv_bias);
    assert_int_equal(cfg.rope, ROPE_NORMAL);
    write_text(p, "{\"model_type\":\"qwen2\",\"hidden_size\":896,\"intermediate_size\":4864,"
                  "\"num_hidden_layers\":24,\"num_attention_heads\":14,\"num_key_value_heads\":2,"
                  "\"vocab_size\":151936,\"rope_theta\":1000000.0,\"rms_norm_eps\":1e-06}");
    assert_int_equal(hf_config_load(dir, &cfg, err, sizeof err), 0);
    assert_int_equal(cfg.rope, ROPE_NEOX);
    assert_true(cfg.qkv_bias && !cfg.tied_embeddings);
    assert_int_equal(cfg.head_dim, 64);
    write_text(p, "{\"model_type\":\"llama\",\"hidden_size\":576}");
    assert_int_equal(hf_config_load(dir, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing required key \"intermediate_size\""));
    write_text(p, "{\"model_type\":\"gpt2\"}");
    assert_int_equal(hf_config_load(dir, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "model_type \"gpt2\" is not supported"));
    write_text(p, "{\"model_type\":\"llama\",\"hidden_size\":-5}");
    assert_int_equal(hf_config_load(dir, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"hidden_size\" must be a positive integer"));
    write_text(p, "{\"model_type\": 5}");
    assert_int_equal(hf_config_load(dir, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "\"model_type\" must be a string (\"llama\", \"mistral\", "
                                "\"qwen2\"), not a number"));
    /* jansson's errors without a place (a missing file) name no line -1 */
    assert_int_equal(unlink(p), 0);
    assert_int_equal(hf_config_load(dir, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "config.json: cannot open: No such file or directory"));
    assert_null(strstr(err, ":-1"));
    write_text(p, "{\"model_type\": \"llama\",\n  \"hidden_size\": 5,,\n}");
    assert_int_equal(hf_config_load(dir, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "config.json:2:20: "));
}

/* ------------------------------------------------------------ names and permutation */

static void test_names(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"model.embed_tokens.weight", "token_embd.weight"},
        {"model.norm.weight", "output_norm.weight"},
        {"lm_head.weight", "output.weight"},
        {"model.layers.0.input_layernorm.weight", "blk.0.attn_norm.weight"},
        {"model.layers.7.self_attn.q_proj.weight", "blk.7.attn_q.weight"},
        {"model.layers.7.self_attn.q_proj.bias", "blk.7.attn_q.bias"},
        {"model.layers.12.self_attn.k_proj.weight", "blk.12.attn_k.weight"},
        {"model.layers.12.self_attn.k_proj.bias", "blk.12.attn_k.bias"},
        {"model.layers.3.self_attn.v_proj.weight", "blk.3.attn_v.weight"},
        {"model.layers.3.self_attn.v_proj.bias", "blk.3.attn_v.bias"},
        {"model.layers.31.self_attn.o_proj.weight", "blk.31.attn_output.weight"},
        {"model.layers.31.post_attention_layernorm.weight", "blk.31.ffn_norm.weight"},
        {"model.layers.100.mlp.gate_proj.weight", "blk.100.ffn_gate.weight"},
        {"model.layers.1.mlp.up_proj.weight", "blk.1.ffn_up.weight"},
        {"model.layers.1.mlp.down_proj.weight", "blk.1.ffn_down.weight"},
    };
    char out[128];
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        assert_true(hf_name_to_gguf(pairs[i][0], out, sizeof out));
        assert_string_equal(out, pairs[i][1]);
        assert_true(hf_name_from_gguf(pairs[i][1], out, sizeof out));
        assert_string_equal(out, pairs[i][0]);
    }
    assert_false(hf_name_to_gguf("model.layers.3.self_attn.rotary_emb.inv_freq", out, sizeof out));
    assert_false(hf_name_to_gguf("model.layers.x.mlp.up_proj.weight", out, sizeof out));
    assert_false(hf_name_to_gguf("model.layers.01.mlp.up_proj.weight", out, sizeof out));
    assert_false(hf_name_to_gguf("model.layers.1.mlp.up_proj.weightx", out, sizeof out));
    assert_false(hf_name_from_gguf("blk.-1.ffn_up.weight", out, sizeof out));
    assert_false(hf_name_from_gguf("rope_freqs.weight", out, sizeof out));
    assert_false(hf_name_to_gguf("model.layers.1.mlp.up_proj.weight", out, 10));
}

static void test_permutation(void **state)
{
    (void)state;
    /* 2 heads of head_dim 4, one float per row holding its HF row index. */
    float hf[8], gg[8], back[8];
    for (int i = 0; i < 8; i++)
        hf[i] = (float)i;
    assert_int_equal(hf_permute_qk_rows(hf, gg, 2, 4, sizeof(float), true), 0);
    const float want[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    assert_memory_equal(gg, want, sizeof want);
    assert_int_equal(hf_permute_qk_rows(gg, back, 2, 4, sizeof(float), false), 0);
    assert_memory_equal(back, hf, sizeof hf);
    assert_int_equal(hf_permute_qk_rows(hf, gg, 2, 3, sizeof(float), true), -1);

    /* Larger: 3 heads x 8 rows x 5 columns, against the formula element by element. */
    enum { H = 3, HD = 8, C = 5 };
    float a[H * HD * C], b[H * HD * C], c[H * HD * C];
    for (int i = 0; i < H * HD * C; i++)
        a[i] = (float)(i * 7 % 101);
    assert_int_equal(hf_permute_qk_rows(a, b, H, HD, C * sizeof(float), true), 0);
    for (int h = 0; h < H; h++)
        for (int p = 0; p < HD / 2; p++)
            for (int j = 0; j < 2; j++)
                for (int col = 0; col < C; col++)
                    assert_true(b[(h * HD + 2 * p + j) * C + col] ==
                                a[(h * HD + j * HD / 2 + p) * C + col]);
    assert_int_equal(hf_permute_qk_rows(b, c, H, HD, C * sizeof(float), false), 0);
    assert_memory_equal(c, a, sizeof a);

    model_config cfg = {.n_heads = 32, .n_kv_heads = 8, .rope = ROPE_NORMAL};
    assert_int_equal(hf_qk_permute_heads(&cfg, "blk.0.attn_q.weight"), 32);
    assert_int_equal(hf_qk_permute_heads(&cfg, "blk.9.attn_k.weight"), 8);
    assert_int_equal(hf_qk_permute_heads(&cfg, "blk.9.attn_k.bias"), 8);
    assert_int_equal(hf_qk_permute_heads(&cfg, "blk.9.attn_v.weight"), 0);
    assert_int_equal(hf_qk_permute_heads(&cfg, "token_embd.weight"), 0);
    cfg.rope = ROPE_NEOX;
    assert_int_equal(hf_qk_permute_heads(&cfg, "blk.0.attn_q.weight"), 0);
}

/* q/k come back permuted for llama, untouched for qwen2; others untouched. */
static void test_read_tensor_f32(void **state)
{
    (void)state;
    char dir[300], p[400], err[512];
    snprintf(dir, sizeof dir, "%s/hfread", testdir());
    assert_int_equal(mkdir(dir, 0700), 0);
    float q[8 * 2], v[4 * 2], out[16];
    for (int i = 0; i < 16; i++)
        q[i] = (float)(i / 2);              /* row r holds r in both columns */
    for (int i = 0; i < 8; i++)
        v[i] = (float)i;
    const int64_t sq[2] = {8, 2}, sv[2] = {4, 2};
    st_writer *w = st_writer_new();
    st_writer_add(w, "model.layers.0.self_attn.q_proj.weight", ST_F32, 2, sq, q, ST_F32);
    st_writer_add(w, "model.layers.0.self_attn.k_proj.weight", ST_BF16, 2, sv, v, ST_F32);
    st_writer_add(w, "model.layers.0.self_attn.v_proj.weight", ST_F32, 2, sv, v, ST_F32);
    snprintf(p, sizeof p, "%s/model.safetensors", dir);
    assert_int_equal(st_writer_write(w, p, err, sizeof err), 0);
    st_writer_free(w);
    st_model *m = st_model_open(dir, err, sizeof err);
    assert_non_null(m);
    model_config cfg = {.n_heads = 2, .n_kv_heads = 1, .head_dim = 4, .rope = ROPE_NORMAL};
    assert_int_equal(hf_read_tensor_f32(m, &cfg, "blk.0.attn_q.weight", out, err, sizeof err), 0);
    const float want[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    for (int r = 0; r < 8; r++)
        assert_true(out[2 * r] == want[r] && out[2 * r + 1] == want[r]);
    assert_int_equal(hf_read_tensor_f32(m, &cfg, "blk.0.attn_k.weight", out, err, sizeof err), 0);
    const float want_k[8] = {0, 1, 4, 5, 2, 3, 6, 7};   /* rows 0,2,1,3 of 2 columns */
    assert_memory_equal(out, want_k, sizeof want_k);
    assert_int_equal(hf_read_tensor_f32(m, &cfg, "blk.0.attn_v.weight", out, err, sizeof err), 0);
    assert_memory_equal(out, v, sizeof v);
    cfg.rope = ROPE_NEOX;
    assert_int_equal(hf_read_tensor_f32(m, &cfg, "blk.0.attn_q.weight", out, err, sizeof err), 0);
    assert_memory_equal(out, q, sizeof q);
    assert_int_equal(hf_read_tensor_f32(m, &cfg, "blk.0.ffn_up.weight", out, err, sizeof err), -1);
    assert_non_null(strstr(err, "blk.0.ffn_up.weight: no such tensor"));
    cfg.rope = ROPE_NORMAL;
    cfg.head_dim = 3;
    assert_int_equal(hf_read_tensor_f32(m, &cfg, "blk.0.attn_q.weight", out, err, sizeof err), -1);
    st_model_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_good_edge_headers),
        cmocka_unit_test(test_sharded_dir),
        cmocka_unit_test(test_hf_config),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_permutation),
        cmocka_unit_test(test_read_tensor_f32),
    };
    return cmocka_run_group_tests_name("safetensors", tests, testdir_setup, testdir_teardown);
}
