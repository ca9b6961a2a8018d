/* fuzz_tokenize.c - libFuzzer target for encoding and decoding.
 *
 * The first input byte picks a vocab built in-process (SentencePiece style,
 * or byte-level BPE under one of the named pre-tokenizers) and the flags;
 * the rest is the text. Both vocabs hold every byte, so decoding must give
 * the text back whenever it is valid UTF-8, no special token can be parsed
 * and, for SPM, it holds no literal "▁" (which decodes as a space): a
 * mismatch aborts. Invalid UTF-8 is exempt because SPM, like llama.cpp,
 * cuts characters by their lead byte alone.
 *
 * SPM text is also encoded with a twin vocab holding one extra token that
 * contains every ASCII byte and a "▁" after another character. It can never
 * be formed (no shorter token leads to it), so the ids must be identical,
 * but it disables every shortcut that merges the text piece by piece. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tok.h"

static const char *const pres[] = {"default", "llama3", "qwen2", "gpt-2", "deepseek-llm",
                                   "deepseek-coder", "deepseek-v3", "falcon", "starcoder",
                                   "tekken", "chameleon", "bloom", "viking", "refact"};
#define N_PRES (sizeof pres / sizeof pres[0])

static tok_vocab *spm, *spm_whole;
static tok_vocab *bpe[N_PRES];

static void die(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_tokenize: %s: %s\n", what, err);
    abort();
}

static tok_vocab *build_spm(bool blocker)
{
    static const char *const words[] = {"\xE2\x96\x81", "\xE2\x96\x81t", "he", "\xE2\x96\x81the",
                                        "\xE2\x96\x81" "a", "in", "er", "an", "\xE2\x96\x81\xE2\x96\x81"};
    enum { N_WORDS = sizeof words / sizeof words[0], N = 3 + 256 + N_WORDS + 1 };
    static char bytes[256][8], all_ascii[132];
    for (int c = 1; c < 128; c++)
        all_ascii[c - 1] = (char)c;
    memcpy(all_ascii + 127, "\xE2\x96\x81", 4);
    const char *tokens[N] = {"<unk>", "<s>", "</s>"};
    int32_t types[N] = {TOK_T_UNKNOWN, TOK_T_CONTROL, TOK_T_CONTROL};
    float scores[N] = {0};
    for (int b = 0; b < 256; b++) {
        snprintf(bytes[b], sizeof bytes[b], "<0x%02X>", b);
        tokens[3 + b] = bytes[b];
        types[3 + b] = TOK_T_BYTE;
    }
    for (int i = 0; i < N_WORDS; i++) {
        tokens[259 + i] = words[i];
        types[259 + i] = TOK_T_NORMAL;
        scores[259 + i] = -(float)(i % 4);
    }
    tokens[N - 1] = all_ascii;
    types[N - 1] = TOK_T_NORMAL;
    tok_spec sp;
    tok_spec_defaults(&sp, TOK_SPM, NULL);
    sp.n_tokens = blocker ? N : N - 1;
    sp.tokens = tokens;
    sp.types = types;
    sp.scores = scores;
    char err[256];
    tok_vocab *v = tok_vocab_new(&sp, err, sizeof err);
    if (!v)
        die("spm vocab", err);
    return v;
}

static tok_vocab *build_bpe(const char *pre)
{
    static const char *const words[] = {"th", "the", "\xC4\xA0t", "\xC4\xA0the", "in", "er",
                                        "an", "\xC4\xA0" "a"};
    static const char *const merges[] = {"t h", "th e", "\xC4\xA0 t", "\xC4\xA0t he", "i n",
                                         "e r", "a n", "\xC4\xA0 a"};
    enum { N_WORDS = sizeof words / sizeof words[0], N = 256 + N_WORDS + 1 };
    static char chars[256][4];
    const char *tokens[N];
    int32_t types[N];
    unsigned next = 0x100;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        unsigned cp = printable ? (unsigned)b : next++;
        if (cp < 0x80) {
            chars[b][0] = (char)cp;
        } else {
            chars[b][0] = (char)(0xC0 | cp >> 6);
            chars[b][1] = (char)(0x80 | (cp & 0x3F));
        }
        tokens[b] = chars[b];
        types[b] = TOK_T_NORMAL;
    }
    for (int i = 0; i < N_WORDS; i++) {
        tokens[256 + i] = words[i];
        types[256 + i] = TOK_T_NORMAL;
    }
    tokens[N - 1] = "<|endoftext|>";
    types[N - 1] = TOK_T_CONTROL;
    tok_spec sp;
    tok_spec_defaults(&sp, TOK_BPE, pre);
    sp.n_tokens = N;
    sp.tokens = tokens;
    sp.types = types;
    sp.n_merges = N_WORDS;
    sp.merges = merges;
    char err[256];
    tok_vocab *v = tok_vocab_new(&sp, err, sizeof err);
    if (!v)
        die(pre, err);
    return v;
}

static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i], len = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3
                                          : c >= 0xF0 && c < 0xF5 ? 4 : 0;
        if (!len || len > n - i)
            return 0;
        unsigned cp = len == 1 ? c : c & (0x7F >> len);
        for (unsigned k = 1; k < len; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (u[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += len;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!spm) {
        spm = build_spm(false);
        spm_whole = build_spm(true);
        for (size_t i = 0; i < N_PRES; i++)
            bpe[i] = build_bpe(pres[i]);
    }
    if (!size)
        return 0;
    unsigned sel = data[0];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    bool add_special = sel & 1, parse_special = sel & 2;
    unsigned which = (sel >> 2) % (N_PRES + 1);
    const tok_vocab *v = which == N_PRES ? spm : bpe[which];
    char err[256];
    tok_session *s = tok_session_new(v, err, sizeof err);
    if (!s)
        die("session", err);
    tok_ids ids = {0};
    if (tok_encode(s, text, len, add_special, parse_special, &ids, err, sizeof err) != 0)
        die("encode", err);
    if (v == spm) {
        tok_session *w = tok_session_new(spm_whole, err, sizeof err);
        tok_ids whole = {0};
        if (!w || tok_encode(w, text, len, add_special, parse_special, &whole, err, sizeof err))
            die("encode (whole)", err);
        if (whole.n != ids.n || (ids.n && memcmp(whole.ids, ids.ids, ids.n * sizeof *ids.ids)))
            die("pieces", "merging piece by piece changed the ids");
        tok_ids_free(&whole);
        tok_session_free(w);
    }
    /* Decoding keeps SPM's first space when it drops a BOS (llama.cpp's rule),
     * so the BOS is skipped here instead. */
    const int32_t *d = ids.ids;
    size_t dn = ids.n, dlen;
    if (add_special && dn && tok_add_bos(v) && d[0] == tok_bos(v)) {
        d++;
        dn--;
    }
    char *dec = tok_decode(v, d, dn, false, parse_special, &dlen, err, sizeof err);
    if (!dec)
        die("decode", err);
    bool exact = !parse_special && valid_utf8(text, len) &&
                 (v != spm || !memmem(text, len, "\xE2\x96\x81", 3));
    if (exact && (dlen != len || memcmp(dec, text, len) != 0))
        die("round trip", "decode(encode(text)) != text");
    free(dec);
    tok_ids_free(&ids);
    tok_session_free(s);
    return 0;
}
