/* tok_hf.c - a tok_vocab from Hugging Face tokenizer.json (+ the optional
 * tokenizer_config.json beside it), parsed with jansson.
 *
 * Only model.type "BPE" is supported. A ByteLevel pre-tokenizer or decoder
 * makes it byte-level BPE, with the Split regexes of the pre-tokenizer used
 * as they are (PCRE2 runs them unchanged) or GPT-2's when there are none.
 * Otherwise it is SentencePiece-style BPE: merges become scores (a token
 * made by merge rank r scores -r, so earlier merges win), added special
 * tokens become control tokens and <0xXX> tokens byte tokens. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_read.h"
#include "tok_impl.h"

#define NO_MERGE_SCORE (-1e9f)
#define MAX_VOCAB (1 << 22)   /* far above any real vocabulary; bounds memory */

typedef struct {
    tok_spec sp;
    char **tokens;
    float *scores;
    int32_t *types;
    char **merges;
    size_t n_merge_strs;
    const char *regexes[TOK_PRE_MAX + 1];
    size_t n_regexes;
} hf_build;

static void build_free(hf_build *b)
{
    for (size_t i = 0; b->tokens && i < b->sp.n_tokens; i++)
        free(b->tokens[i]);
    for (size_t i = 0; b->merges && i < b->n_merge_strs; i++)
        free(b->merges[i]);
    free(b->tokens);
    free(b->scores);
    free(b->types);
    free(b->merges);
}

static bool is_type(json_t *o, const char *type)
{
    json_t *t = json_object_get(o, "type");
    return json_is_string(t) && !strcmp(json_string_value(t), type);
}

/* True when o or anything nested in it is an object of the given type. */
static bool contains_type(json_t *o, const char *type)
{
    if (json_is_object(o)) {
        if (is_type(o, type))
            return true;
        const char *k;
        json_t *val;
        json_object_foreach(o, k, val)
            if (contains_type(val, type))
                return true;
    } else if (json_is_array(o)) {
        size_t i;
        json_t *val;
        json_array_foreach(o, i, val)
            if (contains_type(val, type))
                return true;
    }
    return false;
}

/* Collects the Split regexes of the pre-tokenizer, in order. */
static int collect_splits(json_t *o, hf_build *b, char *err, size_t errlen)
{
    if (json_is_array(o)) {
        size_t i;
        json_t *val;
        json_array_foreach(o, i, val)
            if (collect_splits(val, b, err, errlen) != 0)
                return -1;
        return 0;
    }
    if (!json_is_object(o))
        return 0;
    if (!is_type(o, "Split"))
        return collect_splits(json_object_get(o, "pretokenizers"), b, err, errlen);
    const char *re = json_string_value(json_object_get(json_object_get(o, "pattern"), "Regex"));
    const char *beh = json_string_value(json_object_get(o, "behavior"));
    if (!re || (beh && strcmp(beh, "Isolated")) || json_is_true(json_object_get(o, "invert"))) {
        snprintf(err, errlen, "pre_tokenizer: only Split with a Regex pattern, Isolated, is supported");
        return -1;
    }
    if (b->n_regexes == TOK_PRE_MAX) {
        snprintf(err, errlen, "pre_tokenizer: more than %d Split regexes", TOK_PRE_MAX);
        return -1;
    }
    b->regexes[b->n_regexes++] = re;
    return 0;
}

static int set_token(hf_build *b, json_int_t id, const char *text, int32_t type, char *err,
                     size_t errlen)
{
    if (id < 0 || (size_t)id >= b->sp.n_tokens) {
        snprintf(err, errlen, "token '%.40s' has a bad id %lld", text, (long long)id);
        return -1;
    }
    char *copy = strdup(text);
    if (!copy)
        return -1;
    free(b->tokens[id]);
    b->tokens[id] = copy;
    b->types[id] = type;
    return 0;
}

static json_int_t max_id(json_t *vocab, json_t *added)
{
    json_int_t m = -1;
    const char *k;
    json_t *val;
    size_t i;
    json_object_foreach(vocab, k, val)
        if (json_is_integer(val) && json_integer_value(val) > m)
            m = json_integer_value(val);
    json_array_foreach(added, i, val) {
        json_t *id = json_object_get(val, "id");
        if (json_is_integer(id) && json_integer_value(id) > m)
            m = json_integer_value(id);
    }
    return m;
}

static bool is_byte_token(const char *t)
{
    return strlen(t) == 6 && !strncmp(t, "<0x", 3) && t[5] == '>';
}

static int read_vocab(json_t *model, json_t *added, hf_build *b, char *err, size_t errlen)
{
    json_t *vocab = json_object_get(model, "vocab");
    if (!json_is_object(vocab)) {
        snprintf(err, errlen, "model.vocab: expected an object of token -> id");
        return -1;
    }
    json_int_t m = max_id(vocab, added);
    if (m < 0 || m >= MAX_VOCAB) {
        snprintf(err, errlen, "model.vocab: token ids must lie in 0..%d", MAX_VOCAB - 1);
        return -1;
    }
    b->sp.n_tokens = (size_t)m + 1;
    b->tokens = calloc(b->sp.n_tokens, sizeof *b->tokens);
    b->types = calloc(b->sp.n_tokens, sizeof *b->types);
    b->scores = calloc(b->sp.n_tokens, sizeof *b->scores);
    if (!b->tokens || !b->types || !b->scores)
        return -1;
    const char *k;
    json_t *val;
    size_t i;
    json_object_foreach(vocab, k, val) {
        int32_t type = b->sp.model == TOK_SPM && is_byte_token(k) ? TOK_T_BYTE : TOK_T_NORMAL;
        if (!json_is_integer(val) || set_token(b, json_integer_value(val), k, type, err, errlen))
            return -1;
    }
    json_array_foreach(added, i, val) {
        const char *text = json_string_value(json_object_get(val, "content"));
        json_t *id = json_object_get(val, "id");
        int32_t type = json_is_true(json_object_get(val, "special")) ? TOK_T_CONTROL
                                                                      : TOK_T_USER_DEFINED;
        if (!text || !json_is_integer(id)) {
            snprintf(err, errlen, "added_tokens[%zu]: needs id and content", i);
            return -1;
        }
        if (set_token(b, json_integer_value(id), text, type, err, errlen) != 0)
            return -1;
    }
    for (size_t t = 0; t < b->sp.n_tokens; t++) {
        char pad[32];
        snprintf(pad, sizeof pad, "[PAD%zu]", t);
        if (!b->tokens[t] && set_token(b, (json_int_t)t, pad, TOK_T_UNUSED, err, errlen) != 0)
            return -1;
        b->scores[t] = NO_MERGE_SCORE;
    }
    return 0;
}

/* One merge as "left right", from "left right" or ["left", "right"]. */
static char *merge_text(json_t *m)
{
    if (json_is_string(m))
        return strdup(json_string_value(m));
    const char *l = json_string_value(json_array_get(m, 0));
    const char *r = json_string_value(json_array_get(m, 1));
    if (!l || !r || json_array_size(m) != 2)
        return NULL;
    char *s = malloc(strlen(l) + strlen(r) + 2);
    if (s)
        sprintf(s, "%s %s", l, r);
    return s;
}

/* SPM scores: the token a merge of rank r makes scores -r (first merge wins). */
static int merge_scores(hf_build *b)
{
    tok_map ids;
    tok_map_init(&ids);
    int rc = 0;
    for (size_t t = 0; t < b->sp.n_tokens && rc == 0; t++)
        rc = tok_map_put(&ids, b->tokens[t], strlen(b->tokens[t]), (int32_t)t, 1);
    for (size_t r = 0; r < b->n_merge_strs && rc == 0; r++) {
        const char *m = b->merges[r];
        const char *sp = m[0] ? strchr(m + 1, ' ') : NULL;
        if (!sp)
            continue;
        size_t ll = (size_t)(sp - m), lr = strlen(sp + 1);
        char *joined = malloc(ll + lr + 1);
        if (!joined) {
            rc = -1;
            break;
        }
        memcpy(joined, m, ll);
        memcpy(joined + ll, sp + 1, lr + 1);
        int32_t id = tok_map_get(&ids, joined, ll + lr);
        if (id >= 0 && b->scores[id] < -(float)r)
            b->scores[id] = -(float)r;
        free(joined);
    }
    tok_map_free(&ids);
    return rc;
}

static int read_merges(json_t *model, hf_build *b, char *err, size_t errlen)
{
    json_t *merges = json_object_get(model, "merges");
    if (!merges)
        return 0;
    if (!json_is_array(merges)) {
        snprintf(err, errlen, "model.merges: expected an array");
        return -1;
    }
    size_t n = json_array_size(merges);
    b->merges = calloc(n ? n : 1, sizeof *b->merges);
    if (!b->merges)
        return -1;
    for (size_t i = 0; i < n; i++) {
        b->merges[i] = merge_text(json_array_get(merges, i));
        if (!b->merges[i]) {
            snprintf(err, errlen, "model.merges[%zu]: expected \"left right\" or [left, right]", i);
            return -1;
        }
        b->n_merge_strs = i + 1;
    }
    return 0;
}

/* A special token named in tokenizer_config.json: "text" or {"content": "text"}. */
static int32_t config_token(json_t *config, const char *key, const tok_vocab *v)
{
    json_t *t = json_object_get(config, key);
    if (json_is_object(t))
        t = json_object_get(t, "content");
    const char *s = json_string_value(t);
    return s ? tok_lookup(v, s, strlen(s)) : TOK_NONE;
}

static void apply_config(json_t *config, tok_vocab *v)
{
    int32_t id;
    if ((id = config_token(config, "bos_token", v)) != TOK_NONE)
        v->bos = id;
    if ((id = config_token(config, "eos_token", v)) != TOK_NONE)
        v->eos = id;
    if ((id = config_token(config, "unk_token", v)) != TOK_NONE)
        v->unk = id;
    if ((id = config_token(config, "pad_token", v)) != TOK_NONE)
        v->pad = id;
    json_t *b = json_object_get(config, "add_bos_token");
    if (json_is_boolean(b))
        v->add_bos = json_is_true(b);
    b = json_object_get(config, "add_eos_token");
    if (json_is_boolean(b))
        v->add_eos = json_is_true(b);
}

/* A post-processor template that starts with a special token adds it as BOS. */
static void apply_post_processor(json_t *root, tok_vocab *v)
{
    json_t *pp = json_object_get(root, "post_processor");
    json_t *procs = json_object_get(pp, "processors");
    for (size_t i = 0; !is_type(pp, "TemplateProcessing") && i < json_array_size(procs); i++)
        if (is_type(json_array_get(procs, i), "TemplateProcessing"))
            pp = json_array_get(procs, i);
    json_t *first = json_array_get(json_object_get(pp, "single"), 0);
    const char *s = json_string_value(json_object_get(json_object_get(first, "SpecialToken"), "id"));
    int32_t id = s ? tok_lookup(v, s, strlen(s)) : TOK_NONE;
    if (id != TOK_NONE) {
        v->bos = id;
        v->add_bos = true;
    }
}

static char *config_chat_template(json_t *config)
{
    json_t *t = json_object_get(config, "chat_template");
    if (json_is_array(t)) {
        size_t i;
        json_t *e;
        json_array_foreach(t, i, e) {
            const char *name = json_string_value(json_object_get(e, "name"));
            if (name && !strcmp(name, "default"))
                t = json_object_get(e, "template");
        }
    }
    return json_is_string(t) ? strdup(json_string_value(t)) : NULL;
}

static bool spm_prefix(json_t *root)
{
    json_t *norm = json_object_get(root, "normalizer");
    json_t *pre = json_object_get(root, "pre_tokenizer");
    if (contains_type(norm, "Prepend"))
        return true;
    if (!is_type(pre, "Metaspace"))
        return false;
    const char *scheme = json_string_value(json_object_get(pre, "prepend_scheme"));
    return scheme ? strcmp(scheme, "never") != 0
                  : json_is_true(json_object_get(pre, "add_prefix_space"));
}

static int fill_build(json_t *root, hf_build *b, char *err, size_t errlen)
{
    json_t *model = json_object_get(root, "model");
    if (!is_type(model, "BPE")) {
        snprintf(err, errlen, "model.type: only BPE tokenizers are supported");
        return -1;
    }
    json_t *pre = json_object_get(root, "pre_tokenizer");
    bool bytelevel = contains_type(pre, "ByteLevel") ||
                     contains_type(json_object_get(root, "decoder"), "ByteLevel");
    tok_spec_defaults(&b->sp, bytelevel ? TOK_BPE : TOK_SPM, bytelevel ? "gpt-2" : NULL);
    if (bytelevel) {
        b->sp.bos = b->sp.eos = TOK_NONE;
        if (collect_splits(pre, b, err, errlen) != 0)
            return -1;
        if (b->n_regexes)
            b->sp.pre_regexes = b->regexes;
        b->sp.ignore_merges = json_is_true(json_object_get(model, "ignore_merges"));
    } else {
        b->sp.add_space_prefix = spm_prefix(root);
    }
    if (read_vocab(model, json_object_get(root, "added_tokens"), b, err, errlen) != 0 ||
        read_merges(model, b, err, errlen) != 0 || (!bytelevel && merge_scores(b) != 0))
        return -1;
    b->sp.tokens = (const char *const *)b->tokens;
    b->sp.scores = b->scores;
    b->sp.types = b->types;
    if (bytelevel) {
        b->sp.merges = (const char *const *)b->merges;
        b->sp.n_merges = b->n_merge_strs;
    }
    return 0;
}

tok_vocab *tok_vocab_from_hf_json(const char *json, size_t len, const char *config,
                                  size_t config_len, char **chat_template, char *err,
                                  size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, 0, &je), *cfg = NULL;
    if (!root) {
        snprintf(err, errlen, "tokenizer.json:%d:%d: %s", je.line, je.column, je.text);
        return NULL;
    }
    if (config && !(cfg = json_loadb(config, config_len, 0, &je))) {
        snprintf(err, errlen, "tokenizer_config.json:%d:%d: %s", je.line, je.column, je.text);
        json_decref(root);
        return NULL;
    }
    hf_build b = {0};
    tok_vocab *v = NULL;
    err[0] = '\0';
    if (fill_build(root, &b, err, errlen) == 0)
        v = tok_vocab_new(&b.sp, err, errlen);
    else if (!err[0])
        snprintf(err, errlen, "out of memory reading tokenizer.json");
    if (v) {
        apply_post_processor(root, v);
        apply_config(cfg, v);
        if (chat_template)
            *chat_template = config_chat_template(cfg);
    }
    build_free(&b);
    json_decref(root);
    json_decref(cfg);
    return v;
}

tok_vocab *tok_vocab_load_hf(const char *path, char **chat_template, char *err, size_t errlen)
{
    struct stat st;
    char json_path[4096], cfg_path[4096];
    size_t plen = strlen(path);
    bool dir = (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) ||
               plen < 5 || strcmp(path + plen - 5, ".json") != 0;
    snprintf(json_path, sizeof json_path, dir ? "%s/tokenizer.json" : "%s", path);
    const char *slash = strrchr(json_path, '/');
    int dirlen = slash ? (int)(slash - json_path) : 1;
    snprintf(cfg_path, sizeof cfg_path, "%.*s/tokenizer_config.json", dirlen,
             slash ? json_path : ".");
    size_t len = 0, clen = 0;
    char *json = file_read_path(json_path, &len, err, errlen);
    if (!json)
        return NULL;
    char *cfg = file_read_path(cfg_path, &clen, NULL, 0);
    char msg[512];
    tok_vocab *v = tok_vocab_from_hf_json(json, len, cfg, clen, chat_template, msg, sizeof msg);
    if (!v)
        snprintf(err, errlen, "%s: %s", json_path, msg);
    free(json);
    free(cfg);
    return v;
}

tok_vocab *tok_vocab_load(const char *path, char **chat_template, char *err, size_t errlen)
{
    struct stat st;
    size_t n = strlen(path);
    bool hf = (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) ||
              (n >= 5 && !strcmp(path + n - 5, ".json"));
    return hf ? tok_vocab_load_hf(path, chat_template, err, errlen)
              : tok_vocab_load_gguf(path, chat_template, err, errlen);
}
