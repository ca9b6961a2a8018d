/* ds_features.c - per-record features (ds_features.h): one UTF-8 pass per
 * text for characters, control bytes, invalid sequences and scripts, the PII
 * scanner, and the tokenizer or the byte estimate. */
#include "config.h"

#include "ds_features.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe_render.h"
#include "utf8.h"

static bool blank(const ds_text *t)
{
    size_t k = 0;
    while (k < t->len && t->text[k] && strchr(" \t\r\n", t->text[k]))
        k++;
    return k == t->len;
}

bool ds_record_is_empty(const ds_record *rec)
{
    if (rec->format == DS_FMT_ALPACA)
        return blank(&rec->instruction) || blank(&rec->output);
    for (size_t i = 0; i < rec->n_turns; i++)
        if (blank(&rec->turns[i].text))
            return true;
    return rec->n_turns == 0;
}

struct ds_feat_ctx {
    tok_session *tok;
    tok_ids ids;
    chat_tmpl tmpl;        /* UNKNOWN: the total is the field sum */
    chat_tokens rendered;  /* scratch for the trained length */
};

static const char *const field_names[DS_FIELD_COUNT] = {"instruction", "input", "output",
                                                        "system"};

const char *ds_field_name(ds_field f)
{
    return f < DS_FIELD_COUNT ? field_names[f] : "?";
}

int ds_field_parse(const char *name, size_t len, ds_field *out)
{
    static const struct { const char *name; ds_field f; } alias[] = {
        {"instruction", DS_FIELD_INSTRUCTION}, {"user", DS_FIELD_INSTRUCTION},
        {"human", DS_FIELD_INSTRUCTION},       {"prompt", DS_FIELD_INSTRUCTION},
        {"input", DS_FIELD_INPUT},             {"output", DS_FIELD_OUTPUT},
        {"assistant", DS_FIELD_OUTPUT},        {"gpt", DS_FIELD_OUTPUT},
        {"response", DS_FIELD_OUTPUT},         {"system", DS_FIELD_SYSTEM}};
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (strlen(alias[i].name) == len && !memcmp(alias[i].name, name, len)) {
            *out = alias[i].f;
            return 0;
        }
    return -1;
}

static bool is_conversation(const ds_record *rec)
{
    return rec->format == DS_FMT_SHAREGPT || rec->format == DS_FMT_MESSAGES ||
           rec->format == DS_FMT_PREFERENCE;
}

size_t ds_record_piece_count(const ds_record *rec)
{
    switch (rec->format) {
    case DS_FMT_ALPACA: return 3;
    case DS_FMT_INPUT_OUTPUT: return 2;
    case DS_FMT_COMPLETION: return 1;
    default: return is_conversation(rec) ? rec->n_turns : 0;
    }
}

ds_field ds_record_piece(const ds_record *rec, size_t i, ds_text *text)
{
    if (is_conversation(rec)) {
        static const ds_field by_role[3] = {DS_FIELD_SYSTEM, DS_FIELD_INSTRUCTION,
                                            DS_FIELD_OUTPUT};
        *text = rec->turns[i].text;
        return by_role[rec->turns[i].role];
    }
    ds_field f = rec->format == DS_FMT_ALPACA ? (ds_field)i
               : rec->format == DS_FMT_INPUT_OUTPUT ? (i ? DS_FIELD_OUTPUT : DS_FIELD_INPUT)
               : DS_FIELD_OUTPUT;
    *text = f == DS_FIELD_INSTRUCTION ? rec->instruction
          : f == DS_FIELD_INPUT ? rec->input : rec->output;
    return f;
}

ds_feat_ctx *ds_feat_ctx_new(const tok_vocab *v, char *err, size_t errlen)
{
    ds_feat_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (v && !(c->tok = tok_session_new(v, err, errlen))) {
        free(c);
        return NULL;
    }
    return c;
}

void ds_feat_ctx_free(ds_feat_ctx *c)
{
    if (!c)
        return;
    tok_session_free(c->tok);
    tok_ids_free(&c->ids);
    chat_tokens_free(&c->rendered);
    free(c);
}

void ds_feat_ctx_set_template(ds_feat_ctx *c, chat_tmpl t)
{
    c->tmpl = chat_tmpl_known(t) ? t : CHAT_TMPL_UNKNOWN;
}

bool ds_feat_ctx_templated(const ds_feat_ctx *c)
{
    return c->tok && c->tmpl != CHAT_TMPL_UNKNOWN;
}

typedef struct {
    uint32_t chars, control, invalid, ascii, non_ascii;
    bool blank;
} text_scan;

static void scan_text(const char *text, size_t len, text_scan *t, ds_script_counts *sc)
{
    const unsigned char *s = (const unsigned char *)text;
    memset(t, 0, sizeof *t);
    t->blank = true;
    uint32_t ascii_letters = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] >= 0x20 && s[i] < 0x7F) {   /* printable ASCII: the common case */
            t->chars++;
            t->ascii++;
            t->blank = t->blank && s[i] == ' ';
            ascii_letters += ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z');
            i++;
            continue;
        }
        uint32_t cp = 0;
        size_t k = utf8_next(s + i, len - i, &cp);
        t->chars++;
        if (k == 0) {
            t->invalid++;
            t->non_ascii++;
            t->blank = false;
            i++;
            continue;
        }
        i += k;
        if (cp < 0x80)
            t->ascii++;
        else
            t->non_ascii++;
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp < 0xA0))
            t->control++;
        if (cp != ' ' && cp != '\t' && cp != '\n' && cp != '\r' && cp != '\v' && cp != '\f')
            t->blank = false;
        ds_lang_add(sc, cp);
    }
    sc->letters[DS_SCRIPT_ASCII_LATIN] += ascii_letters;
}

uint32_t ds_tokens_estimate(const char *text, size_t len)
{
    text_scan t;
    ds_script_counts sc = {{0}};
    scan_text(text, len, &t, &sc);
    return (t.ascii + 3) / 4 + t.non_ascii;
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

static int count_tokens(ds_feat_ctx *c, const ds_text *x, const text_scan *t, uint32_t *n,
                        char *err, size_t errlen)
{
    if (!c->tok) {
        *n = (t->ascii + 3) / 4 + t->non_ascii;
        return 0;
    }
    c->ids.n = 0;
    if (tok_encode(c->tok, x->text, x->len, false, false, &c->ids, err, errlen) != 0)
        return -1;
    *n = c->ids.n > UINT32_MAX ? UINT32_MAX : (uint32_t)c->ids.n;
    return 0;
}

static void count_pii(const ds_text *x, ds_features *out)
{
    ds_pii_span spans[32];
    size_t n = ds_pii_scan(x->text, x->len, spans, 32);
    out->pii_total = sat_add(out->pii_total, (uint32_t)(n > UINT32_MAX ? UINT32_MAX : n));
    for (size_t k = 0; k < n && k < 32; k++)
        if (out->pii[spans[k].kind] < UINT16_MAX)
            out->pii[spans[k].kind]++;
}

/* The total as the trainer sees it: the record rendered through the chat
 * template with BOS/EOS (pipe_render_length), the one path the trainer and
 * the preview take. Encoding the texts a second time costs the scan and the
 * word-cache lookups, not the merges. */
static int trained_length(ds_feat_ctx *c, const ds_record *rec, ds_features *out, char *err,
                          size_t errlen)
{
    size_t n;
    if (pipe_render_length(rec, c->tmpl, c->tok, &c->rendered, &n, err, errlen) != 0)
        return -1;
    out->tokens_total = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    out->tokens_templated = true;
    return 0;
}

int ds_features_compute(ds_feat_ctx *c, const ds_record *rec, ds_features *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->tokens_exact = c->tok != NULL;
    ds_script_counts sc;
    memset(&sc, 0, sizeof sc);
    out->turns = rec->n_turns > UINT16_MAX ? UINT16_MAX : (uint16_t)rec->n_turns;
    for (size_t i = 0; i < rec->n_turns; i++)
        if (out->roles[rec->turns[i].role] < UINT16_MAX)
            out->roles[rec->turns[i].role]++;
    size_t n = ds_record_piece_count(rec);
    for (size_t i = 0; i < n; i++) {
        ds_text x;
        ds_field f = ds_record_piece(rec, i, &x);
        text_scan t;
        uint32_t tokens;
        scan_text(x.text, x.len, &t, &sc);
        if (count_tokens(c, &x, &t, &tokens, err, errlen) != 0)
            return -1;
        out->present |= (uint8_t)(1u << f);
        if (t.blank)
            out->empty |= (uint8_t)(1u << f);
        out->chars[f] = sat_add(out->chars[f], t.chars);
        out->tokens[f] = sat_add(out->tokens[f], tokens);
        out->chars_total = sat_add(out->chars_total, t.chars);
        out->tokens_total = sat_add(out->tokens_total, tokens);
        out->control = sat_add(out->control, t.control);
        out->invalid_utf8 = sat_add(out->invalid_utf8, t.invalid);
        count_pii(&x, out);
    }
    out->lang = ds_lang_pick(&sc);
    out->empty_record = ds_record_is_empty(rec);
    return ds_feat_ctx_templated(c) ? trained_length(c, rec, out, err, errlen) : 0;
}
