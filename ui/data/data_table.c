/* data_table.c - the Data pane's record table: row number, format, short
 * previews of the main fields (prompt side and reply side), characters,
 * tokens (~ marks a byte estimate), language and flags, one row per view position,
 * with search matches highlighted in the previews. */
#include "data_pane_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crt.h"
#include "data_text.h"
#include "text_clean.h"
#include "text.h"
#include "theme.h"

enum { COL_ROW = 8, COL_FMT = 9, COL_CHARS = 8, COL_TOKENS = 9, COL_LANG = 6, COL_FLAGS = 8 };
/* Bytes of a field cleaned for a one-line preview: more than a row shows. */
#define PREVIEW_BYTES 600

static const char *short_format(ds_format f)
{
    switch (f) {
    case DS_FMT_ALPACA: return "alpaca";
    case DS_FMT_SHAREGPT: return "sharegpt";
    case DS_FMT_MESSAGES: return "messages";
    case DS_FMT_COMPLETION: return "complete";
    case DS_FMT_INPUT_OUTPUT: return "in/out";
    default: return "?";
    }
}

static ds_text first_turn(const ds_record *r, ds_role role)
{
    for (size_t t = 0; t < r->n_turns; t++)
        if (r->turns[t].role == role)
            return r->turns[t].text;
    return (ds_text){"", 0};
}

/* The two preview columns of a record and the field each one shows. */
static void previews(const ds_record *r, ds_text *a, data_field *fa, ds_text *b, data_field *fb)
{
    switch (r->format) {
    case DS_FMT_ALPACA:
    case DS_FMT_INPUT_OUTPUT:
        *a = r->format == DS_FMT_ALPACA ? r->instruction : r->input;
        *fa = r->format == DS_FMT_ALPACA ? DATA_FIELD_INSTRUCTION : DATA_FIELD_INPUT;
        *b = r->output;
        *fb = DATA_FIELD_OUTPUT;
        break;
    case DS_FMT_COMPLETION:
        *a = r->output;
        *fa = DATA_FIELD_OUTPUT;
        *b = (ds_text){"", 0};
        *fb = DATA_FIELD_COUNT;
        break;
    default:
        *a = first_turn(r, DS_ROLE_USER);
        *fa = DATA_FIELD_USER;
        *b = first_turn(r, DS_ROLE_ASSISTANT);
        *fb = DATA_FIELD_ASSISTANT;
    }
}

/* Display columns of S[0..n). */
static int width_of(const char *s, size_t n)
{
    char buf[PREVIEW_BYTES + 64];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return text_width(buf);
}

/* Draws one preview cell; with a query in scope, matches are highlighted and,
 * when the first one would not fit, the cell starts a little before it
 * (after an ellipsis). */
static void cell(pane_data *p, WINDOW *w, int y, int x, int width, const char *s, size_t len,
                 data_field field, attr_t attr)
{
    char *clean = text_clean(s ? s : "", s ? len : 0, true, PREVIEW_BYTES);
    if (!clean)
        return;
    const char *show = clean;
    data_span spans[16];
    size_t n = 0, cl = strlen(clean);
    if (p->have_query && field != DATA_FIELD_COUNT && data_query_scope(&p->query, field))
        n = data_query_spans(&p->query, p->md, clean, cl, spans, 16);
    if (n && width_of(clean, spans[0].end) > width - 1) {
        size_t back = spans[0].start > (size_t)width / 3 ? spans[0].start - (size_t)width / 3 : 0;
        while (back > 0 && (clean[back] & 0xC0) == 0x80)
            back--;
        show = clean + back;
        for (size_t k = 0; k < n; k++) {
            spans[k].start = spans[k].start > back ? spans[k].start - back : 0;
            spans[k].end = spans[k].end > back ? spans[k].end - back : 0;
        }
        x += text_put(w, y, x, 1, attr, crt_glyph(CRT_GLYPH_ELLIPSIS));
        width--;
    }
    data_text_put(w, y, x, width, show, strlen(show), attr, data_match_attr(), spans, n);
    free(clean);
}

/* One letter per flag: Empty, Dup, Near-dup, Long, Pii, Control or invalid
 * UTF-8, ! problem; X deleted, * edited, T tagged (from the edit session). */
static void flags_text(const pane_data *p, size_t record, uint8_t f, char out[12])
{
    static const struct { uint8_t bit; char c; } map[] = {
        {DS_ROW_EMPTY, 'E'}, {DS_ROW_DUP, 'D'}, {DS_ROW_NEAR_DUP, 'N'}, {DS_ROW_TOO_LONG, 'L'},
        {DS_ROW_PII, 'P'}, {DS_ROW_CONTROL | DS_ROW_INVALID_UTF8, 'C'}, {DS_ROW_PROBLEM, '!'},
    };
    size_t k = 0;
    if (p->edit && ds_edit_deleted(p->edit, record))
        out[k++] = 'X';
    if (p->edit && ds_edit_replaced(p->edit, record))
        out[k++] = '*';
    if (p->edit && ds_edit_tags(p->edit, record))
        out[k++] = 'T';
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (f & map[i].bit)
            out[k++] = map[i].c;
    out[k] = '\0';
}

static void number(WINDOW *w, int y, int x, int width, attr_t a, const char *prefix, size_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%s%zu", prefix, v);
    int bw = text_width(buf);
    text_put(w, y, x + width - 1 - bw, bw, a, buf);
}

static void draw_row(pane_data *p, WINDOW *w, int y, size_t pos, int prev_w)
{
    const pane *b = &p->super;
    size_t record = data_view_row(&p->view, pos);
    bool sel = pos == p->cursor;
    attr_t a = theme_attr(sel ? THEME_SELECTION : THEME_TEXT);
    if (sel)
        text_blank(w, y, b->x, b->w, a);
    ds_record rec;
    data_metrics m;
    int rc = data_pane_record(p, record, &m, &rec);
    int x = b->x;
    number(w, y, x, COL_ROW, a, "", record + 1);
    x += COL_ROW;
    if (rc == DATASET_OK) {
        text_put(w, y, x, COL_FMT - 1, sel ? a : theme_attr(THEME_DIM), short_format(rec.format));
        ds_text ta, tb;
        data_field fa, fb;
        previews(&rec, &ta, &fa, &tb, &fb);
        cell(p, w, y, x + COL_FMT, prev_w - 1, ta.text, ta.len, fa, a);
        cell(p, w, y, x + COL_FMT + prev_w, prev_w - 1, tb.text, tb.len, fb, a);
    } else {
        size_t len;
        const char *raw = data_pane_text(p, record, &len);
        attr_t bad = sel ? a : theme_attr(rc == DATASET_PENDING ? THEME_DIM : THEME_ERROR);
        text_put(w, y, x, COL_FMT - 1, bad, rc == DATASET_PENDING ? "..." : "bad");
        cell(p, w, y, x + COL_FMT, 2 * prev_w - 1, raw, len, DATA_FIELD_COUNT, bad);
    }
    ds_record_clear(&rec);
    x += COL_FMT + 2 * prev_w;
    if (rc == DATASET_OK) {
        number(w, y, x, COL_CHARS, a, "", m.chars);
        number(w, y, x + COL_CHARS, COL_TOKENS, a, data_source_vocab(p->src) ? "" : "~", m.tokens);
        text_put(w, y, x + COL_CHARS + COL_TOKENS + 1, COL_LANG - 1,
                 sel ? a : theme_attr(THEME_DIM), ds_lang_name((ds_lang)m.lang));
    }
    x += COL_CHARS + COL_TOKENS + COL_LANG;
    char f[12];
    flags_text(p, record, m.flags, f);
    text_put(w, y, x + 1, COL_FLAGS - 1, sel ? a : theme_attr(THEME_ERROR), f);
}

static const char *sort_mark(const pane_data *p, data_sort col)
{
    if (p->sort != col)
        return "";
    return p->sort_desc ? "v" : "^";
}

static void draw_header(pane_data *p, WINDOW *w, int y, int prev_w)
{
    const pane *b = &p->super;
    attr_t a = theme_attr(THEME_ACCENT) | A_BOLD;
    int x = b->x;
    char buf[32];
    snprintf(buf, sizeof buf, "%s#", sort_mark(p, DATA_SORT_FILE));
    text_put(w, y, x + COL_ROW - 1 - text_width(buf), COL_ROW, a, buf);
    x += COL_ROW;
    text_put(w, y, x, COL_FMT, a, "format");
    text_put(w, y, x + COL_FMT, prev_w, a, "prompt");
    text_put(w, y, x + COL_FMT + prev_w, prev_w, a, "reply");
    x += COL_FMT + 2 * prev_w;
    snprintf(buf, sizeof buf, "%schars", sort_mark(p, DATA_SORT_CHARS));
    text_put(w, y, x + COL_CHARS - 1 - text_width(buf), COL_CHARS, a, buf);
    x += COL_CHARS;
    snprintf(buf, sizeof buf, "%stokens", sort_mark(p, DATA_SORT_TOKENS));
    text_put(w, y, x + COL_TOKENS - 1 - text_width(buf), COL_TOKENS, a, buf);
    x += COL_TOKENS;
    text_put(w, y, x + 1, COL_LANG, a, "lang");
    x += COL_LANG;
    text_put(w, y, x + 1, COL_FLAGS, a, "flags");
}

/* Keeps the cursor inside the view and on screen, and the screen full: after
 * the view shrinks (a filter) its rows are not left above the top. */
static void clamp(pane_data *p, int rows)
{
    size_t n = data_view_len(&p->view);
    if (n == 0) {
        p->cursor = p->top = 0;
        return;
    }
    if (p->cursor >= n)
        p->cursor = n - 1;
    if (p->cursor < p->top)
        p->top = p->cursor;
    if (rows > 0 && p->cursor >= p->top + (size_t)rows)
        p->top = p->cursor - (size_t)rows + 1;
    if (rows > 0 && p->top + (size_t)rows > n)
        p->top = n > (size_t)rows ? n - (size_t)rows : 0;
}

void data_table_draw(pane_data *p, WINDOW *w, int y, int h)
{
    int fixed = COL_ROW + COL_FMT + COL_CHARS + COL_TOKENS + COL_LANG + COL_FLAGS;
    int prev_w = (p->super.w - fixed) / 2;
    if (prev_w < 4 || h < 2)
        return;
    draw_header(p, w, y, prev_w);
    int rows = h - 1;
    clamp(p, rows);
    size_t n = data_view_len(&p->view);
    if (n == 0) {
        text_put(w, y + 1, p->super.x + 1, p->super.w - 2, theme_attr(THEME_DIM),
                 p->filter_on ? "no record matches the filter (F clears it)" : "no records yet");
        return;
    }
    for (int r = 0; r < rows && p->top + (size_t)r < n; r++)
        draw_row(p, w, y + 1 + r, p->top + (size_t)r, prev_w);
}
