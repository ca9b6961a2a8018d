/* chat_log.c - the Chat pane's entries (chat_log.h). */
#include "config.h"

#include "chat_log.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "text_clean.h"

/* Appends RAW[0..len) to B, made drawable. */
static int put_clean(bytebuf *b, const char *raw, size_t len)
{
    char *clean = text_clean(raw, len, false, 0);
    bool ok = clean && bytebuf_put(b, clean, strlen(clean));
    free(clean);
    return ok ? 0 : -1;
}

chat_log_entry *chat_log_add(chat_log *l, chat_log_kind kind, const char *text, size_t len)
{
    chat_log_entry **items = grow_array(l->items, &l->cap, l->n + 1, sizeof *items, 16);
    chat_log_entry *e = items ? calloc(1, sizeof *e) : NULL;
    if (items)
        l->items = items;
    if (!e)
        return NULL;
    e->kind = kind;
    if ((text && put_clean(&e->text, text, len)) || !bytebuf_put(&e->text, "", 0)) {
        bytebuf_free(&e->text);
        free(e);
        return NULL;
    }
    l->items[l->n++] = e;
    return e;
}

chat_log_entry *chat_log_last_reply(const chat_log *l)
{
    for (size_t i = l->n; i > 0; i--)
        if (l->items[i - 1]->kind == CHAT_LOG_REPLY)
            return l->items[i - 1];
    return NULL;
}

int chat_log_put(chat_log_entry *e, int col, const char *text, size_t len)
{
    return put_clean(&e->col[col].text, text, len);
}

static int add_mark(chat_log_col *c, size_t *cap, size_t start, size_t end)
{
    data_span *m = grow_array(c->marks, cap, c->n_marks + 1, sizeof *m, 16);
    if (!m)
        return -1;
    c->marks = m;
    m[c->n_marks++] = (data_span){start, end};
    return 0;
}

int chat_log_mark(chat_log_entry *e, int col, const char *raw, const chat_diff_word *words,
                  size_t n)
{
    chat_log_col *c = &e->col[col];
    bytebuf text = {0};
    size_t at = 0, cap = 0;
    int rc = bytebuf_put(&text, "", 0) ? 0 : -1;
    c->n_marks = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const chat_diff_word *w = &words[i];
        size_t start;
        rc = put_clean(&text, raw + at, w->start - at);
        start = text.len;
        rc = rc ? rc : put_clean(&text, raw + w->start, w->len);
        if (!rc && w->changed)
            rc = add_mark(c, &cap, start, text.len);
        at = w->start + w->len;
    }
    if (!rc)
        rc = put_clean(&text, raw + at, strlen(raw + at));
    if (rc) {
        bytebuf_free(&text);
        c->n_marks = 0;
        return -1;
    }
    bytebuf_free(&c->text);
    c->text = text;
    return 0;
}

void chat_log_free(chat_log *l)
{
    for (size_t i = 0; i < l->n; i++) {
        chat_log_entry *e = l->items[i];
        bytebuf_free(&e->text);
        for (int c = 0; c < 2; c++) {
            bytebuf_free(&e->col[c].text);
            free(e->col[c].marks);
        }
        free(e);
    }
    free(l->items);
    *l = (chat_log){0};
}
