/* line_edit.c - the one-line editor (see line_edit.h). Characters are what
 * text.h measures (text_char_width), so the cursor, the layout and the
 * drawing agree in every locale; a combining mark travels with the
 * character before it. */
#include "line_edit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "text.h"
#include "utf8.h"

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESCAPE 27

/* ------------------------------------------------------------ history */

int line_edit_history_add(line_edit_history *h, const char *text)
{
    if (!text[0] || (h->n && !strcmp(h->items[h->n - 1], text)))
        return 0;
    char *copy = strdup(text);
    if (!copy)
        return -1;
    if (h->n == LINE_EDIT_HISTORY_MAX) {
        free(h->items[0]);
        memmove(h->items, h->items + 1, (h->n - 1) * sizeof *h->items);
        h->n--;
    }
    char **items = grow_array(h->items, &h->cap, h->n + 1, sizeof *items, 16);
    if (!items) {
        free(copy);
        return -1;
    }
    h->items = items;
    h->items[h->n++] = copy;
    return 0;
}

void line_edit_history_free(line_edit_history *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->items[i]);
    free(h->items);
    *h = (line_edit_history){0};
}

/* ------------------------------------------------------------ characters */

static bool is_mark(const char *s, size_t n)
{
    size_t len;
    return text_char_width(s, n, &len) == 0;
}

/* The byte after the character at POS and the combining marks after it. */
static size_t next_char(const line_edit *le, size_t pos)
{
    if (pos >= le->len)
        return le->len;
    size_t len;
    text_char_width(le->text + pos, le->len - pos, &len);
    pos += len;
    while (pos < le->len && is_mark(le->text + pos, le->len - pos)) {
        text_char_width(le->text + pos, le->len - pos, &len);
        pos += len;
    }
    return pos;
}

/* The start of the one code point (or undecodable byte) that ends at POS:
 * the longest sequence ending there that decodes whole. */
static size_t prev_point(const line_edit *le, size_t pos)
{
    for (size_t k = pos < 4 ? pos : 4; k > 1; k--) {
        size_t len;
        text_char_width(le->text + pos - k, k, &len);
        if (len == k)
            return pos - k;
    }
    return pos - 1;
}

/* The start of the character (with its marks) that ends at POS. */
static size_t prev_char(const line_edit *le, size_t pos)
{
    while (pos > 0) {
        pos = prev_point(le, pos);
        if (!is_mark(le->text + pos, le->len - pos))
            break;
    }
    return pos;
}

static int width_between(const line_edit *le, size_t from, size_t to)
{
    int cols = 0;
    while (from < to) {
        size_t len;
        cols += text_char_width(le->text + from, to - from, &len);
        from += len;
    }
    return cols;
}

/* Words for Alt/Ctrl-arrows: letters and digits, any non-ASCII byte
 * counting as a letter. For Ctrl-W: anything but a space. */
static bool word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static size_t word_left(const line_edit *le, size_t pos, bool (*in_word)(unsigned char))
{
    while (pos > 0 && !in_word((unsigned char)le->text[prev_char(le, pos)]))
        pos = prev_char(le, pos);
    while (pos > 0 && in_word((unsigned char)le->text[prev_char(le, pos)]))
        pos = prev_char(le, pos);
    return pos;
}

static size_t word_right(const line_edit *le, size_t pos)
{
    while (pos < le->len && !word_byte((unsigned char)le->text[pos]))
        pos = next_char(le, pos);
    while (pos < le->len && word_byte((unsigned char)le->text[pos]))
        pos = next_char(le, pos);
    return pos;
}

static bool not_space(unsigned char c)
{
    return c != ' ';
}

/* ------------------------------------------------------------ text */

static void clear_candidates(line_edit *le)
{
    for (size_t i = 0; i < le->n_cands; i++)
        free(le->cands[i]);
    le->n_cands = 0;
}

/* Replaces bytes [from, to) with S[0..n); false (nothing changed) when the
 * result would not fit. */
static bool splice(line_edit *le, size_t from, size_t to, const char *s, size_t n)
{
    if (le->len - (to - from) + n > LINE_EDIT_MAX)
        return false;
    memmove(le->text + from + n, le->text + to, le->len - to + 1);
    memcpy(le->text + from, s, n);
    le->len = le->len - (to - from) + n;
    le->cursor = from + n;
    if (le->scroll > from)
        le->scroll = from;      /* it may be inside what changed */
    return true;
}

static line_edit_result delete_span(line_edit *le, size_t from, size_t to)
{
    if (from == to)
        return LINE_EDIT_HANDLED;
    splice(le, from, to, "", 0);
    return LINE_EDIT_CHANGED;
}

/* The longest prefix of S that fits in LINE_EDIT_MAX bytes, cut at a character. */
static void set_text(line_edit *le, const char *s)
{
    size_t n = strlen(s);
    le->len = 0;
    while (le->len < n) {
        size_t len;
        text_char_width(s + le->len, n - le->len, &len);
        if (le->len + len > LINE_EDIT_MAX)
            break;
        le->len += len;
    }
    memcpy(le->text, s, le->len);
    le->text[le->len] = '\0';
    le->cursor = le->len;
    le->scroll = 0;
}

void line_edit_open(line_edit *le, const char *initial, line_edit_history *history)
{
    clear_candidates(le);
    set_text(le, initial ? initial : "");
    le->n_pending = le->want = 0;
    le->history = history;
    le->hist_pos = history ? history->n : 0;
    le->complete = NULL;
    le->complete_ctx = NULL;
}

const char *line_edit_text(const line_edit *le)
{
    return le->text;
}

size_t line_edit_cursor(const line_edit *le)
{
    return le->cursor;
}

/* ------------------------------------------------------------ input */

/* A byte of typed text: ASCII goes in at once, a UTF-8 sequence once it is
 * whole and valid; stray or invalid bytes are dropped. */
static line_edit_result type_byte(line_edit *le, unsigned char c)
{
    if (c < 0x80)
        return splice(le, le->cursor, le->cursor, (const char *)&c, 1) ? LINE_EDIT_CHANGED
                                                                         : LINE_EDIT_HANDLED;
    if (c >= 0xC0) {
        le->want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        le->n_pending = 0;
    } else if (le->n_pending == 0) {
        return LINE_EDIT_HANDLED;
    }
    le->pending[le->n_pending++] = c;
    if (le->n_pending < le->want)
        return LINE_EDIT_HANDLED;
    size_t n = le->n_pending;
    uint32_t cp;
    le->n_pending = 0;
    if (utf8_next(le->pending, n, &cp) != n ||
        !splice(le, le->cursor, le->cursor, (const char *)le->pending, n))
        return LINE_EDIT_HANDLED;
    return LINE_EDIT_CHANGED;
}

/* Up (DIR -1) and Down (+1) through the history; the line being edited is
 * kept as the draft below the newest entry. */
static line_edit_result browse(line_edit *le, int dir)
{
    line_edit_history *h = le->history;
    if (!h || (dir < 0 ? le->hist_pos == 0 : le->hist_pos >= h->n))
        return LINE_EDIT_HANDLED;
    if (le->hist_pos == h->n)
        memcpy(le->draft, le->text, le->len + 1);
    le->hist_pos = dir < 0 ? le->hist_pos - 1 : le->hist_pos + 1;
    set_text(le, le->hist_pos == h->n ? le->draft : h->items[le->hist_pos]);
    return LINE_EDIT_CHANGED;
}

static line_edit_result submit(line_edit *le)
{
    if (le->history) {
        line_edit_history_add(le->history, le->text);   /* not kept when out of memory */
        le->hist_pos = le->history->n;
    }
    return LINE_EDIT_SUBMIT;
}

static size_t common_prefix(char *const *s, size_t n)
{
    size_t k = strlen(s[0]);
    for (size_t i = 1; i < n; i++) {
        size_t j = 0;
        while (j < k && s[i][j] == s[0][j])
            j++;
        k = j;
    }
    while (k > 0 && ((unsigned char)s[0][k] & 0xC0) == 0x80)
        k--;                    /* never half a character */
    return k;
}

static line_edit_result complete(line_edit *le)
{
    clear_candidates(le);
    long start = le->complete(le->complete_ctx, le, le->text, le->cursor);
    if (start < 0 || (size_t)start > le->cursor || le->n_cands == 0)
        return LINE_EDIT_HANDLED;
    size_t n = le->n_cands == 1 ? strlen(le->cands[0]) : common_prefix(le->cands, le->n_cands);
    size_t from = (size_t)start;
    if (n == le->cursor - from && !memcmp(le->text + from, le->cands[0], n))
        return LINE_EDIT_HANDLED;
    if (!splice(le, from, le->cursor, le->cands[0], n))
        return LINE_EDIT_HANDLED;
    if (le->n_cands == 1)
        clear_candidates(le);
    return LINE_EDIT_CHANGED;
}

/* The code curses gives the key terminfo calls NAME, or 0 (no terminal, or
 * the terminal has no such key). */
static int terminfo_key(const char *name)
{
    const char *seq = tigetstr(name);
    if (!seq || seq == (const char *)-1)
        return 0;
    int code = key_defined(seq);
    return code > 0 ? code : 0;
}

/* Ctrl- and Alt-arrows have no fixed curses code: terminfo names them. */
static bool named_key(int key, const char *ctrl, const char *alt)
{
    int c = terminfo_key(ctrl), a = terminfo_key(alt);
    return (c && key == c) || (a && key == a);
}

static line_edit_result move_to(line_edit *le, size_t pos)
{
    le->cursor = pos;
    return LINE_EDIT_HANDLED;
}

static line_edit_result edit_key(line_edit *le, int key)
{
    size_t c = le->cursor;
    switch (key) {
    case KEY_LEFT: case CTRL('B'): return move_to(le, prev_char(le, c));
    case KEY_RIGHT: case CTRL('F'): return move_to(le, next_char(le, c));
    case KEY_HOME: case CTRL('A'): return move_to(le, 0);
    case KEY_END: case CTRL('E'): return move_to(le, le->len);
    case KEY_BACKSPACE: case 127: case CTRL('H'): return delete_span(le, prev_char(le, c), c);
    case KEY_DC: return delete_span(le, c, next_char(le, c));
    case CTRL('W'): return delete_span(le, word_left(le, c, not_space), c);
    case CTRL('U'): return delete_span(le, 0, c);
    case CTRL('K'): return delete_span(le, c, le->len);
    case KEY_UP: case CTRL('P'): return browse(le, -1);
    case KEY_DOWN: case CTRL('N'): return browse(le, +1);
    case '\n': case '\r': case KEY_ENTER: return submit(le);
    case KEY_ESCAPE: return LINE_EDIT_CANCEL;
    case '\t': return le->complete ? complete(le) : LINE_EDIT_IGNORED;
    default: break;
    }
    if (key >= 32 && key < 256)
        return type_byte(le, (unsigned char)key);
    if (named_key(key, "kLFT5", "kLFT3"))
        return move_to(le, word_left(le, c, word_byte));
    if (named_key(key, "kRIT5", "kRIT3"))
        return move_to(le, word_right(le, c));
    return LINE_EDIT_IGNORED;
}

line_edit_result line_edit_key(line_edit *le, int key)
{
    if (key != '\t')
        clear_candidates(le);       /* listed until the next key */
    if (key < 0x80 || key > 0xFF)
        le->n_pending = 0;          /* a character cut short by another key */
    return edit_key(le, key);
}

/* ------------------------------------------------------------ completion */

void line_edit_set_completion(line_edit *le, line_edit_complete_fn fn, void *ctx)
{
    le->complete = fn;
    le->complete_ctx = ctx;
}

int line_edit_offer(line_edit *le, const char *candidate)
{
    char *copy = strdup(candidate);
    char **c = copy ? grow_array(le->cands, &le->cap_cands, le->n_cands + 1, sizeof *c, 8)
                    : NULL;
    if (!c) {
        free(copy);
        return -1;
    }
    le->cands = c;
    le->cands[le->n_cands++] = copy;
    return 0;
}

const char *const *line_edit_candidates(const line_edit *le, size_t *n)
{
    *n = le->n_cands;
    return (const char *const *)le->cands;
}

/* ------------------------------------------------------------ layout, drawing */

line_edit_view line_edit_layout(line_edit *le, int width)
{
    if (width < 1)
        width = 1;
    /* the cursor needs a cell: what is before it gets at most WIDTH - 1 columns */
    int before = width_between(le, 0, le->cursor);
    if (before < width)
        le->scroll = 0;
    else if (le->scroll > le->cursor)
        le->scroll = le->cursor;
    else
        before = width_between(le, le->scroll, le->cursor);
    if (le->scroll == le->cursor)
        before = 0;
    while (before >= width) {
        size_t next = next_char(le, le->scroll);
        before -= width_between(le, le->scroll, next);
        le->scroll = next;
    }
    line_edit_view v = {le->scroll, le->scroll, before};
    int cols = 0;
    while (v.end < le->len) {
        size_t len;
        int cw = text_char_width(le->text + v.end, le->len - v.end, &len);
        if (cols + cw > width)
            break;
        cols += cw;
        v.end += len;
    }
    return v;
}

int line_edit_draw(line_edit *le, WINDOW *w, int y, int x, int width, attr_t attr,
                   attr_t cursor_attr)
{
    if (width < 1)
        return x;
    line_edit_view v = line_edit_layout(le, width);
    char shown[LINE_EDIT_MAX + 1];
    text_blank(w, y, x, width, attr);
    memcpy(shown, le->text + v.start, v.end - v.start);
    shown[v.end - v.start] = '\0';
    text_put(w, y, x, width, attr, shown);
    /* the cursor's cell: the character under it, or a blank after the end */
    size_t under = le->cursor < v.end ? next_char(le, le->cursor) - le->cursor : 0;
    size_t n = under ? under : 1;
    memcpy(shown, under ? le->text + le->cursor : " ", n);
    shown[n] = '\0';
    text_put(w, y, x + v.cursor_col, width - v.cursor_col, cursor_attr, shown);
    return x + v.cursor_col;
}

void line_edit_free(line_edit *le)
{
    clear_candidates(le);
    free(le->cands);
    le->cands = NULL;
    le->cap_cands = 0;
}
