/* tok_pretok.c - byte-level BPE pre-tokenizers: the regex lists llama.cpp
 * selects by tokenizer.ggml.pre, compiled with PCRE2 (UTF + UCP), and the
 * splitting rule they share: each regex cuts every current piece into its
 * matches and the gaps between them, and the next regex cuts those again. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok_impl.h"

#define GPT2_RE "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"
#define LLAMA3_HEAD "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"
#define LLAMA3_TAIL "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define LLAMA3_RE LLAMA3_HEAD "\\p{N}{1,3}" LLAMA3_TAIL
#define QWEN2_RE LLAMA3_HEAD "\\p{N}" LLAMA3_TAIL
#define CJK_RE "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"
#define PORO_RE " ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+"

/* deepseek-llm's letter class: the cased-letter ranges of its tokenizer.json,
 * written as escapes so no editor can normalise the compatibility letters. */
#define DEEPSEEK_LETTERS \
    "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}" \
    "\\x{1C4}-\\x{293}\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}" \
    "\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}" \
    "\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}" \
    "\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}" \
    "\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}" \
    "\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}" \
    "\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}" \
    "\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}" \
    "\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}" \
    "\\x{2124}\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}" \
    "\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}" \
    "\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}" \
    "\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}" \
    "\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}" \
    "\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}" \
    "\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}\\x{1E900}-\\x{1E943}]+"

typedef struct {
    const char *names;   /* space-separated tokenizer.ggml.pre values */
    const char *re[TOK_PRE_MAX];
} pre_def;

static const pre_def pre_defs[] = {
    {"default",
     {"[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_RE, "\\p{N}+", "[0-9][0-9][0-9]"}},
    {"llama3 llama-v3 llama-bpe falcon3 dbrx smaug-bpe chatglm-bpe", {LLAMA3_RE}},
    {"qwen2 deepseek-r1-qwen megrez stablelm2", {QWEN2_RE}},
    {"gpt-2 phi-2 mpt olmo jais roberta-bpe gigachat jina-es jina-de jina-v1-en jina-v2-es "
     "jina-v2-de jina-v2-code",
     {GPT2_RE}},
    {"deepseek-llm",
     {"[\\r\\n]", DEEPSEEK_LETTERS,
      "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
      "\\s+$", CJK_RE, "\\p{N}+"}},
    {"deepseek-coder", {"[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", CJK_RE, "\\p{N}"}},
    {"deepseek-v3",
     {"\\p{N}{1,3}", "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+",
      "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?"
      "[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}},
    {"falcon", {"[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2_RE, "[0-9][0-9][0-9]"}},
    {"starcoder refact command-r smollm codeshell exaone minerva-7b", {"\\p{N}", GPT2_RE}},
    {"poro-chat bloom gpt3-finnish", {PORO_RE}},
    {"viking", {PORO_RE, "\\p{N}"}},
    {"tekken",
     {"[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|"
      "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|"
      "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}},
    {"chameleon",
     {"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", "\\p{N}",
      "[\\p{P}!-/:-@\\[-`{-~]", GPT2_RE}},
};

int tok_name_in_list(const char *names, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = names; *p;) {
        size_t w = strcspn(p, " ");
        if (w == n && !strncmp(p, name, n))
            return 1;
        p += w;
        p += *p == ' ';
    }
    return 0;
}

static const pre_def *find_pre(const char *name)
{
    if (!name || !*name)
        name = "default";
    for (size_t i = 0; i < sizeof pre_defs / sizeof pre_defs[0]; i++)
        if (tok_name_in_list(pre_defs[i].names, name))
            return &pre_defs[i];
    return NULL;
}

static pcre2_code *compile_one(const char *pattern, char *err, size_t errlen)
{
    int code;
    PCRE2_SIZE at;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &code, &at, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        snprintf(err, errlen, "pre-tokenizer regex, offset %zu: %s", (size_t)at, (char *)msg);
        return NULL;
    }
    /* JIT is an optimisation only: without it PCRE2 interprets. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

int tok_pretok_compile(tok_pretok *p, const char *name, const char *const *custom, char *err,
                       size_t errlen)
{
    memset(p, 0, sizeof *p);
    const char *const *list = custom;
    if (!custom) {
        const pre_def *d = find_pre(name);
        if (!d) {
            snprintf(err, errlen, "unknown pre-tokenizer type '%s'", name);
            return -1;
        }
        list = d->re;
    }
    for (int i = 0; i < TOK_PRE_MAX && list[i]; i++) {
        p->re[i] = compile_one(list[i], err, errlen);
        if (!p->re[i]) {
            tok_pretok_free(p);
            return -1;
        }
        p->n = i + 1;
    }
    return 0;
}

void tok_pretok_free(tok_pretok *p)
{
    for (int i = 0; i < p->n; i++)
        pcre2_code_free(p->re[i]);
    memset(p, 0, sizeof *p);
}

static int push_span(tok_span **a, size_t *cap, size_t *n, size_t start, size_t end)
{
    if (tok_reserve((void **)a, cap, *n + 1, sizeof **a) != 0)
        return -1;
    (*a)[(*n)++] = (tok_span){start, end};
    return 0;
}

/* Cuts text[sp] by re into gap and match pieces appended to out. */
static int split_span(tok_session *s, const pcre2_code *re, const char *text, tok_span sp,
                      size_t *nout, char *err, size_t errlen)
{
    PCRE2_SPTR subj = (PCRE2_SPTR)(text + sp.start);
    size_t len = sp.end - sp.start, pos = 0, last = 0;
    while (pos < len) {
        int rc = pcre2_match(re, subj, len, pos, PCRE2_NO_UTF_CHECK, s->md, NULL);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(rc, msg, sizeof msg);
            snprintf(err, errlen, "pre-tokenizer at byte %zu: %s", sp.start + pos, (char *)msg);
            return -1;
        }
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
        if (ov[1] == ov[0]) {   /* an empty match cuts nothing */
            if (ov[0] >= len)
                break;
            pos = ov[0] + tok_utf8_len(subj[ov[0]]);
            continue;
        }
        if (ov[0] > last && push_span(&s->spans2, &s->spans2_cap, nout, sp.start + last,
                                      sp.start + ov[0]) != 0)
            goto oom;
        if (push_span(&s->spans2, &s->spans2_cap, nout, sp.start + ov[0], sp.start + ov[1]) != 0)
            goto oom;
        last = pos = ov[1];
    }
    if (last < len && push_span(&s->spans2, &s->spans2_cap, nout, sp.start + last, sp.end) != 0)
        goto oom;
    return 0;
oom:
    snprintf(err, errlen, "pre-tokenizer: out of memory");
    return -1;
}

static long split_with(tok_session *s, const tok_pretok *p, const char *text, size_t len,
                       char *err, size_t errlen)
{
    size_t n = 0;
    if (len && push_span(&s->spans, &s->spans_cap, &n, 0, len) != 0) {
        snprintf(err, errlen, "pre-tokenizer: out of memory");
        return -1;
    }
    for (int r = 0; r < p->n && n; r++) {
        size_t nout = 0;
        for (size_t i = 0; i < n; i++)
            if (split_span(s, p->re[r], text, s->spans[i], &nout, err, errlen) != 0)
                return -1;
        tok_span *t = s->spans;
        size_t tc = s->spans_cap;
        s->spans = s->spans2;
        s->spans_cap = s->spans2_cap;
        s->spans2 = t;
        s->spans2_cap = tc;
        n = nout;
    }
    return (long)n;
}

long tok_pretok_split(tok_session *s, const char *text, size_t len, char *err, size_t errlen)
{
    return split_with(s, &s->v->pre, text, len, err, errlen);
}

/* Text on which the pre-tokenizers llama.cpp knows all split differently:
 * runs of blanks and newlines, digits of every run length, contractions in
 * both cases, punctuation runs, emoji with joiners, Khmer marks, CJK, Cyrillic,
 * cased and titlecase letters, superscripts, and chameleon's markers. */
static const char probe[] =
    "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n\r\n\r\n"
    "\xF0\x9F\x9A\x80 (normal) \xF0\x9F\x98\xB6\xE2\x80\x8D\xF0\x9F\x8C\xAB\xEF\xB8\x8F "
    "(joined) \xE2\x9C\x85 \xF0\x9F\xA6\x99\xF0\x9F\xA6\x99 3 33 333 3333 33333 333333 "
    "3333333 33333333 3.3 3..3 3...3 12\xC2\xBD x\xC2\xB2+y\xC2\xB3 "
    "\xE1\x9E\x80\xE1\x9E\xB6\xE1\x9E\x93\xE1\x9F\x8B\xE1\x9E\x8F\xE1\x9F\x82 "
    "\xE6\x88\x91\xE6\x83\xB3\xE5\x9C\xA8" "apple\xE5\xB7\xA5\xE4\xBD\x9C" "1314151\xE5\xA4\xA9"
    "\xEF\xBD\x9E \xE3\x81\x8B\xE3\x82\xAB\xEA\xB0\x80 ------======= "
    "\xD0\xBD\xD0\xB5\xD1\x89\xD0\xBE \xD0\x91\xD1\x8A\xD0\xBB\xD0\xB3\xD0\xB0\xD1\x80\xD1\x81"
    "\xD0\xBA\xD0\xB8 ```````\"\"\"\"......!!!!!!?????? $+<=>^~| "
    "I've been 'told he's there, 'RE you sure? 'M not, 'D you? We'Ve a'lot 'LL 'S "
    "ABCdef \xC3\x9Cn\xC3\xAF" "c\xC3\xB6" "d\xC3\xA9 \xC7\x85ungla \xE2\x84\x8C" "ello "
    "\xE2\x85\xAB <sentinel:12> IMGIMGABZ end";

/* The probe's spans under P, as a malloc'd copy (*n of them). */
static tok_span *probe_spans(tok_session *s, const tok_pretok *p, size_t *n, char *err,
                             size_t errlen)
{
    long k = split_with(s, p, probe, sizeof probe - 1, err, errlen);
    tok_span *copy = k >= 0 ? malloc(((size_t)k + 1) * sizeof *copy) : NULL;
    if (k >= 0 && !copy)
        snprintf(err, errlen, "pre-tokenizer: out of memory");
    if (copy) {
        memcpy(copy, s->spans, (size_t)k * sizeof *copy);
        *n = (size_t)k;
    }
    return copy;
}

/* The name in the space-separated NAMES whose llama.cpp defaults give
 * IGNORE_MERGES, copied to BUF; false when none does. */
static bool pick_name(const char *names, bool ignore_merges, char *buf, size_t buflen)
{
    for (const char *p = names; *p;) {
        size_t w = strcspn(p, " ");
        if (w < buflen) {
            memcpy(buf, p, w);
            buf[w] = '\0';
            tok_spec sp;
            tok_spec_defaults(&sp, TOK_BPE, buf);
            if (sp.ignore_merges == ignore_merges)
                return true;
        }
        p += w + (p[w] == ' ');
    }
    return false;
}

/* Compares the probe's spans under the known pre-tokenizer D with WANT. */
static int same_split(tok_session *s, const pre_def *d, const tok_span *want, size_t n_want,
                      char *err, size_t errlen)
{
    tok_pretok q;
    if (tok_pretok_compile(&q, NULL, d->re, err, errlen) != 0)
        return -1;
    size_t n = 0;
    tok_span *got = probe_spans(s, &q, &n, err, errlen);
    tok_pretok_free(&q);
    if (!got)
        return -1;
    int same = n == n_want && !memcmp(got, want, n * sizeof *got);
    free(got);
    return same;
}

int tok_pretok_identify(const tok_pretok *p, bool ignore_merges, char *name, size_t namelen,
                        char *err, size_t errlen)
{
    tok_session s;
    memset(&s, 0, sizeof s);
    s.md = pcre2_match_data_create(16, NULL);
    size_t n = 0;
    tok_span *want = s.md ? probe_spans(&s, p, &n, err, errlen) : NULL;
    int rc = want ? 0 : -1;
    if (!s.md)
        snprintf(err, errlen, "pre-tokenizer: out of memory");
    for (size_t i = 0; !rc && i < sizeof pre_defs / sizeof pre_defs[0]; i++) {
        rc = same_split(&s, &pre_defs[i], want, n, err, errlen);
        if (rc == 1 && !pick_name(pre_defs[i].names, ignore_merges, name, namelen))
            rc = 0;
    }
    free(want);
    free(s.spans);
    free(s.spans2);
    pcre2_match_data_free(s.md);
    return rc;
}
