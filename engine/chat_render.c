/* chat_render.c - writing a conversation in a chat template's format.
 *
 * Each template is a small function that emits pieces of text marked as
 * assistant output or not, plus an "end of reply" mark; a sink turns the
 * pieces into one string or into tokens with a trainable flag each. The
 * formats follow llama.cpp's llm_chat_apply_template exactly; alpaca is the
 * Stanford Alpaca prompt. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "chat_template.h"
#include "grow.h"

typedef struct sink sink;
struct sink {
    int (*put)(sink *k, const char *s, size_t n, bool train);
    int (*end_reply)(sink *k);
};

static int put(sink *k, const char *s, bool train)
{
    return k->put(k, s, strlen(s), train);
}

/* content without leading and trailing whitespace (llama.cpp's trim) */
static int put_trimmed(sink *k, const char *s, bool train)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return k->put(k, s, n, train);
}

static const char *role_name(chat_role r)
{
    return r == CHAT_SYSTEM ? "system" : r == CHAT_USER ? "user" : "assistant";
}

/* ------------------------------------------------ header/content/close kinds */

typedef struct {
    const char *open, *after_role, *close, *after_close, *gen;
    bool trim;
} turn_format;

static const turn_format chatml = {"<|im_start|>", "\n", "<|im_end|>", "\n",
                                   "<|im_start|>assistant\n", false};
static const turn_format phi3 = {"<|", "|>\n", "<|end|>", "\n", "<|assistant|>\n", false};
static const turn_format zephyr = {"<|", "|>\n", "<|endoftext|>", "\n", "<|assistant|>\n",
                                   false};
static const turn_format phi4 = {"<|im_start|>", "<|im_sep|>", "<|im_end|>", "",
                                 "<|im_start|>assistant<|im_sep|>", false};
static const turn_format llama3 = {"<|start_header_id|>", "<|end_header_id|>\n\n", "<|eot_id|>",
                                   "", "<|start_header_id|>assistant<|end_header_id|>\n\n", true};

static int render_turns(const turn_format *f, sink *k, const chat_msg *m, size_t n, bool add_ass)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool a = m[i].role == CHAT_ASSISTANT;
        rc = put(k, f->open, false) || put(k, role_name(m[i].role), false) ||
             put(k, f->after_role, false) ||
             (f->trim ? put_trimmed(k, m[i].content, a) : put(k, m[i].content, a)) ||
             put(k, f->close, a) || (a && k->end_reply(k)) || put(k, f->after_close, false);
    }
    return rc || (add_ass && put(k, f->gen, false)) ? -1 : 0;
}

/* gemma: "model" for the assistant; the system text opens the next user turn */
static int render_gemma(sink *k, const chat_msg *m, size_t n, bool add_ass)
{
    const char *sys = NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool a = m[i].role == CHAT_ASSISTANT;
        if (m[i].role == CHAT_SYSTEM) {
            sys = m[i].content;
            continue;
        }
        rc = put(k, "<start_of_turn>", false) || put(k, a ? "model" : "user", false) ||
             put(k, "\n", false);
        if (rc == 0 && sys && !a) {
            rc = put_trimmed(k, sys, false) || put(k, "\n\n", false);
            sys = NULL;
        }
        rc = rc || put_trimmed(k, m[i].content, a) || put(k, "<end_of_turn>", a) ||
             (a && k->end_reply(k)) || put(k, "\n", false);
    }
    return rc || (add_ass && put(k, "<start_of_turn>model\n", false)) ? -1 : 0;
}

/* llama2 and variants; there is no generation prompt */
static int render_llama2(chat_tmpl t, sink *k, const chat_msg *m, size_t n)
{
    bool sys_ok = t != CHAT_TMPL_LLAMA2, strip = t == CHAT_TMPL_LLAMA2_SYS_STRIP;
    const char *reopen = t == CHAT_TMPL_LLAMA2_SYS_BOS ? "<s>[INST] " : "[INST] ";
    bool inside = true;
    int rc = put(k, "[INST] ", false);
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool a = m[i].role == CHAT_ASSISTANT;
        if (!inside) {
            inside = true;
            rc = put(k, reopen, false);
        }
        if (m[i].role == CHAT_SYSTEM && sys_ok)
            rc = rc || put(k, "<<SYS>>\n", false);
        rc = rc || (strip ? put_trimmed(k, m[i].content, a) : put(k, m[i].content, a));
        if (m[i].role == CHAT_SYSTEM)
            rc = rc || put(k, sys_ok ? "\n<</SYS>>\n\n" : "\n", false);
        else if (m[i].role == CHAT_USER)
            rc = rc || put(k, " [/INST]", false);
        else {
            rc = rc || put(k, "</s>", true) || k->end_reply(k);
            inside = false;
        }
    }
    return rc ? -1 : 0;
}

/* mistral v1 / v3 / v3-tekken; no generation prompt */
static int render_mistral(chat_tmpl t, sink *k, const chat_msg *m, size_t n)
{
    const char *ls = t == CHAT_TMPL_MISTRAL_V1 ? " " : "";
    const char *ts = t == CHAT_TMPL_MISTRAL_V3_TEKKEN ? "" : " ";
    bool inside = false;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!inside) {
            rc = put(k, ls, false) || put(k, "[INST]", false) || put(k, ts, false);
            inside = true;
        }
        if (m[i].role == CHAT_SYSTEM) {
            rc = rc || put(k, m[i].content, false) || put(k, "\n\n", false);
        } else if (m[i].role == CHAT_USER) {
            rc = rc || put(k, m[i].content, false) || put(k, ls, false) || put(k, "[/INST]", false);
        } else {
            rc = rc || put(k, ts, true) ||
                 (t == CHAT_TMPL_MISTRAL_V3 ? put_trimmed(k, m[i].content, true)
                                            : put(k, m[i].content, true)) ||
                 put(k, "</s>", true) || k->end_reply(k);
            inside = false;
        }
    }
    return rc ? -1 : 0;
}

static int render_mistral_v7(sink *k, const chat_msg *m, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (m[i].role == CHAT_SYSTEM)
            rc = put(k, "[SYSTEM_PROMPT] ", false) || put(k, m[i].content, false) ||
                 put(k, "[/SYSTEM_PROMPT]", false);
        else if (m[i].role == CHAT_USER)
            rc = put(k, "[INST] ", false) || put(k, m[i].content, false) ||
                 put(k, "[/INST]", false);
        else
            rc = put(k, " ", true) || put(k, m[i].content, true) || put(k, "</s>", true) ||
                 k->end_reply(k);
    }
    return rc ? -1 : 0;
}

#define ALPACA_PREAMBLE                                                                 \
    "Below is an instruction that describes a task. Write a response that appropriately " \
    "completes the request."

/* alpaca: the system text (or the standard preamble), then instruction and
 * response sections; a reply ends with EOS */
static int render_alpaca(sink *k, const chat_msg *m, size_t n, bool add_ass)
{
    bool has_sys = n && m[0].role == CHAT_SYSTEM;
    int rc = put(k, has_sys ? m[0].content : ALPACA_PREAMBLE, false) || put(k, "\n\n", false);
    for (size_t i = has_sys; i < n && rc == 0; i++) {
        if (m[i].role == CHAT_ASSISTANT)
            rc = put(k, "### Response:\n", false) || put(k, m[i].content, true) ||
                 k->end_reply(k) || (i + 1 < n && put(k, "\n\n", false));
        else
            rc = put(k, "### Instruction:\n", false) || put(k, m[i].content, false) ||
                 put(k, "\n\n", false);
    }
    return rc || (add_ass && put(k, "### Response:\n", false)) ? -1 : 0;
}

static int render(chat_tmpl t, sink *k, const chat_msg *m, size_t n, bool add_ass)
{
    switch (t) {
    case CHAT_TMPL_CHATML: return render_turns(&chatml, k, m, n, add_ass);
    case CHAT_TMPL_PHI3: return render_turns(&phi3, k, m, n, add_ass);
    case CHAT_TMPL_PHI4: return render_turns(&phi4, k, m, n, add_ass);
    case CHAT_TMPL_ZEPHYR: return render_turns(&zephyr, k, m, n, add_ass);
    case CHAT_TMPL_LLAMA3: return render_turns(&llama3, k, m, n, add_ass);
    case CHAT_TMPL_GEMMA: return render_gemma(k, m, n, add_ass);
    case CHAT_TMPL_LLAMA2:
    case CHAT_TMPL_LLAMA2_SYS:
    case CHAT_TMPL_LLAMA2_SYS_BOS:
    case CHAT_TMPL_LLAMA2_SYS_STRIP: return render_llama2(t, k, m, n);
    case CHAT_TMPL_MISTRAL_V1:
    case CHAT_TMPL_MISTRAL_V3:
    case CHAT_TMPL_MISTRAL_V3_TEKKEN: return render_mistral(t, k, m, n);
    case CHAT_TMPL_MISTRAL_V7: return render_mistral_v7(k, m, n);
    case CHAT_TMPL_ALPACA: return render_alpaca(k, m, n, add_ass);
    default: return -1;
    }
}

const char *chat_tmpl_end_of_turn(chat_tmpl t)
{
    switch (t) {
    case CHAT_TMPL_CHATML: return chatml.close;
    case CHAT_TMPL_PHI3: return phi3.close;
    case CHAT_TMPL_PHI4: return phi4.close;
    case CHAT_TMPL_ZEPHYR: return zephyr.close;
    case CHAT_TMPL_LLAMA3: return llama3.close;
    case CHAT_TMPL_GEMMA: return "<end_of_turn>";
    case CHAT_TMPL_LLAMA2:
    case CHAT_TMPL_LLAMA2_SYS:
    case CHAT_TMPL_LLAMA2_SYS_BOS:
    case CHAT_TMPL_LLAMA2_SYS_STRIP:
    case CHAT_TMPL_MISTRAL_V1:
    case CHAT_TMPL_MISTRAL_V3:
    case CHAT_TMPL_MISTRAL_V3_TEKKEN:
    case CHAT_TMPL_MISTRAL_V7: return "</s>";
    default: return NULL;
    }
}

/* ------------------------------------------------------------- text sink */

typedef struct {
    sink base;
    bytebuf text;
} text_sink;

static int text_put(sink *k, const char *s, size_t n, bool train)
{
    (void)train;
    return bytebuf_put(&((text_sink *)k)->text, s, n) ? 0 : -1;
}

static int no_mark(sink *k)
{
    (void)k;
    return 0;
}

char *chat_render_text(chat_tmpl t, const chat_msg *msgs, size_t n, bool add_ass,
                       size_t *len, char *err, size_t errlen)
{
    text_sink k = {{text_put, no_mark}, {0}};
    if (!chat_tmpl_known(t)) {
        snprintf(err, errlen, "no chat template to render with");
        return NULL;
    }
    if (text_put(&k.base, "", 0, false) != 0 || render(t, &k.base, msgs, n, add_ass) != 0) {
        bytebuf_free(&k.text);
        snprintf(err, errlen, "out of memory rendering a conversation");
        return NULL;
    }
    if (len)
        *len = k.text.len;
    return k.text.p;
}

/* ------------------------------------------------------------ token sink */

typedef struct {
    sink base;
    tok_session *s;
    chat_tokens *out;
    text_sink run;      /* text waiting to be encoded */
    bool run_train;
    char *err;
    size_t errlen;
} token_sink;

static int mark(chat_tokens *c, size_t from, bool train)
{
    uint8_t *m = grow_array(c->trainable, &c->trainable_cap, c->ids.n + 1, 1, 256);
    if (!m)
        return -1;
    c->trainable = m;
    memset(c->trainable + from, train, c->ids.n - from);
    return 0;
}

static int flush(token_sink *t)
{
    if (!t->run.text.len)
        return 0;
    size_t from = t->out->ids.n;
    if (tok_encode_continue(t->s, t->run.text.p, t->run.text.len, true, &t->out->ids, t->err,
                            t->errlen) != 0)
        return -1;
    t->run.text.len = 0;
    return mark(t->out, from, t->run_train);
}

static int token_put(sink *k, const char *s, size_t n, bool train)
{
    token_sink *t = (token_sink *)k;
    if (!n)
        return 0;
    if (t->run.text.len && train != t->run_train && flush(t) != 0)
        return -1;
    t->run_train = train;
    return text_put(&t->run.base, s, n, train);
}

/* EOS after a reply, unless its closing marker already ends generation. */
static int token_end_reply(sink *k)
{
    token_sink *t = (token_sink *)k;
    if (flush(t) != 0)
        return -1;
    const tok_vocab *v = tok_session_vocab(t->s);
    tok_ids *ids = &t->out->ids;
    if (tok_eos(v) == TOK_NONE || (ids->n && tok_is_eog(v, ids->ids[ids->n - 1])))
        return 0;
    if (tok_ids_push(ids, tok_eos(v)) != 0)
        return -1;
    return mark(t->out, ids->n - 1, true);
}

int chat_render_tokens(chat_tmpl tmpl, tok_session *s, const chat_msg *msgs, size_t n,
                       bool add_ass, chat_tokens *out, char *err, size_t errlen)
{
    token_sink t = {{token_put, token_end_reply}, s, out, {{text_put, no_mark}, {0}},
                    false, err, errlen};
    const tok_vocab *v = tok_session_vocab(s);
    int rc = -1;
    err[0] = '\0';
    if (!chat_tmpl_known(tmpl)) {
        snprintf(err, errlen, "no chat template to render with");
        return -1;
    }
    if (tok_add_bos(v) && tok_bos(v) != TOK_NONE &&
        (tok_ids_push(&out->ids, tok_bos(v)) != 0 || mark(out, out->ids.n - 1, false) != 0))
        goto done;
    if (render(tmpl, &t.base, msgs, n, add_ass) == 0 && flush(&t) == 0)
        rc = 0;
done:
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "out of memory rendering a conversation");
    bytebuf_free(&t.run.text);
    return rc;
}

void chat_tokens_free(chat_tokens *c)
{
    tok_ids_free(&c->ids);
    free(c->trainable);
    memset(c, 0, sizeof *c);
}
