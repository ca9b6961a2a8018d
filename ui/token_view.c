/* token_view.c - trained tokens as display lines (see token_view.h). */
#include "token_view.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "text.h"
#include "text_clean.h"

/* One display line being filled token by token. */
typedef struct {
    token_view_fn fn;
    void *ctx;
    int width, cols;
    char text[2048];
    size_t len;
    token_view_run runs[512];
    size_t n_runs;
    size_t run_token;        /* token of the last run */
    int rc;
} builder;

static void flush(builder *b)
{
    b->text[b->len] = '\0';
    token_view_line l = {b->text, b->len, THEME_TEXT, false, b->runs, b->n_runs};
    if (b->rc == 0 && b->fn(b->ctx, &l) != 0)
        b->rc = -1;
    b->len = 0;
    b->n_runs = 0;
    b->cols = 0;
    b->run_token = SIZE_MAX;
}

static void append(builder *b, size_t token, const char *s, size_t n, int cols, theme_role role)
{
    if (b->cols + cols > b->width || b->len + n >= sizeof b->text ||
        b->n_runs == sizeof b->runs / sizeof b->runs[0])
        flush(b);
    if (b->run_token != token || b->n_runs == 0) {
        b->runs[b->n_runs++] = (token_view_run){(uint32_t)b->len, (uint32_t)b->len,
                                                (uint8_t)role, token % 2 == 1};
        b->run_token = token;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->cols += cols;
    b->runs[b->n_runs - 1].end = (uint32_t)b->len;
}

/* Lays out one token's text; a newline in it shows as a glyph and breaks the line. */
static void put_token(builder *b, size_t token, const char *clean, theme_role role)
{
    for (size_t i = 0; clean[i];) {
        if (clean[i] == '\n') {
            const char *g = crt_glyph(CRT_GLYPH_NEWLINE);
            append(b, token, g, strlen(g), text_width(g), role);
            flush(b);
            i++;
            continue;
        }
        size_t n;
        int c = text_char_width(clean + i, strnlen(clean + i, MB_LEN_MAX), &n);
        append(b, token, clean + i, n, c, role);
        i += n;
    }
}

static void cut_marker(builder *b, int64_t seq_len, size_t dropped)
{
    char text[160];
    int n = snprintf(text, sizeof text, "%s sequence_len %lld: the trainer drops the %zu tokens "
                     "below", crt_glyph(CRT_GLYPH_CUT), (long long)seq_len, dropped);
    token_view_line l = {text, (size_t)n, THEME_ERROR, true, NULL, 0};
    if (b->rc == 0 && b->fn(b->ctx, &l) != 0)
        b->rc = -1;
}

int token_view_lines(const pipe_doc *pd, const tok_vocab *v, int64_t seq_len, int width,
                     token_view_fn fn, void *ctx)
{
    builder *b = malloc(sizeof *b);
    if (!b)
        return -1;
    *b = (builder){.fn = fn, .ctx = ctx, .width = width > 0 ? width : 1,
                   .run_token = SIZE_MAX};
    for (size_t i = 0; i < pd->n && b->rc == 0; i++) {
        if (seq_len > 0 && i == (size_t)seq_len) {
            if (b->len)
                flush(b);
            cut_marker(b, seq_len, pd->n - i);
        }
        char piece[256];
        long n = tok_piece(v, pd->tokens[i], true, 0, piece, sizeof piece);
        char *clean = text_clean(piece, n < 0 ? 0 : (size_t)n, false, 0);
        if (!clean) {
            b->rc = -1;
            break;
        }
        bool trained = pd->labels[i] != PIPE_IGNORE && !(seq_len > 0 && i >= (size_t)seq_len);
        put_token(b, i, clean[0] ? clean : crt_glyph(CRT_GLYPH_DOT),
                  trained ? TOKEN_VIEW_TRAINED : TOKEN_VIEW_MASKED);
        free(clean);
    }
    if (b->len)
        flush(b);
    int rc = b->rc;
    free(b);
    return rc;
}

int token_view_legend(const pipe_doc *pd, int64_t seq_len, token_view_fn fn, void *ctx)
{
    size_t n = seq_len > 0 && pd->n > (size_t)seq_len ? (size_t)seq_len : pd->n, trained = 0;
    for (size_t i = 0; i < n; i++)
        trained += pd->labels[i] != PIPE_IGNORE;
    char text[128];
    int k = snprintf(text, sizeof text, "trained %zu", trained);
    int m = snprintf(text + k, sizeof text - (size_t)k, "   masked %zu", n - trained);
    int c = n < pd->n ? snprintf(text + k + m, sizeof text - (size_t)(k + m),
                                 "   dropped %zu (past sequence_len)", pd->n - n) : 0;
    token_view_run runs[2] = {{0, (uint32_t)k, TOKEN_VIEW_TRAINED, false},
                              {(uint32_t)k, (uint32_t)(k + m + c), TOKEN_VIEW_MASKED, false}};
    token_view_line l = {text, (size_t)(k + m + c), THEME_TEXT, false, runs, 2};
    return fn(ctx, &l);
}

int token_view_draw(WINDOW *w, int y, int x, int width, const token_view_line *line)
{
    attr_t base = theme_attr(line->role) | (line->bold ? A_BOLD : 0);
    if (!line->n_runs)
        return text_put(w, y, x, width, base, line->text);
    int used = 0;
    for (size_t k = 0; k < line->n_runs && used < width; k++) {
        const token_view_run *r = &line->runs[k];
        char part[2048];
        size_t n = r->end - r->start < sizeof part ? r->end - r->start : sizeof part - 1;
        memcpy(part, line->text + r->start, n);
        part[n] = '\0';
        attr_t a = theme_attr((theme_role)r->role) | (r->underline ? A_UNDERLINE : 0);
        used += text_put(w, y, x + used, width - used, a, part);
    }
    return used;
}
