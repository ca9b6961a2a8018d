/* chat_conv.c - a conversation and its rendering within a context window
 * (chat_conv.h). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_conv.h"
#include "grow.h"

void chat_conv_free(chat_conv *c)
{
    chat_conv_clear(c);
    free(c->turns);
    free(c->system);
    *c = (chat_conv){0};
}

int chat_conv_set_system(chat_conv *c, const char *text)
{
    char *copy = NULL;
    if (text && text[0] && !(copy = strdup(text)))
        return -1;
    free(c->system);
    c->system = copy;
    return 0;
}

int chat_conv_push(chat_conv *c, chat_role role, const char *text, size_t len)
{
    chat_msg *t = grow_array(c->turns, &c->cap, c->n + 1, sizeof *t, 8);
    char *copy = malloc(len + 1);
    if (t)
        c->turns = t;
    if (!t || !copy) {
        free(copy);
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    c->turns[c->n++] = (chat_msg){role, copy};
    return 0;
}

void chat_conv_pop(chat_conv *c)
{
    if (c->n)
        free((char *)c->turns[--c->n].content);
}

int chat_conv_replace_last(chat_conv *c, const char *text)
{
    char *copy = c->n ? strdup(text) : NULL;
    if (!copy)
        return -1;
    free((char *)c->turns[c->n - 1].content);
    c->turns[c->n - 1].content = copy;
    return 0;
}

void chat_conv_clear(chat_conv *c)
{
    while (c->n)
        chat_conv_pop(c);
}

int chat_conv_copy(chat_conv *dst, const chat_conv *src)
{
    chat_conv_clear(dst);
    if (chat_conv_set_system(dst, src->system))
        return -1;
    for (size_t i = 0; i < src->n; i++)
        if (chat_conv_push(dst, src->turns[i].role, src->turns[i].content,
                           strlen(src->turns[i].content))) {
            chat_conv_clear(dst);
            return -1;
        }
    return 0;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

bool chat_conv_same(const chat_conv *a, const chat_conv *b)
{
    if (a->n != b->n || !same_text(a->system, b->system))
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->turns[i].role != b->turns[i].role ||
            strcmp(a->turns[i].content, b->turns[i].content))
            return false;
    return true;
}

chat_msg *chat_conv_msgs(const chat_conv *c, size_t n_turns, size_t *n)
{
    if (n_turns > c->n)
        n_turns = c->n;
    size_t k = 0;
    chat_msg *m = malloc((n_turns + 1) * sizeof *m);
    if (!m)
        return NULL;
    if (c->system)
        m[k++] = (chat_msg){CHAT_SYSTEM, c->system};
    for (size_t i = 0; i < n_turns; i++)
        m[k++] = c->turns[i];
    *n = k;
    return m;
}

/* Turns in the oldest exchange: up to the next user turn; 0 when the
 * conversation holds one exchange only. */
static size_t oldest_exchange(const chat_conv *c)
{
    for (size_t i = 1; i < c->n; i++)
        if (c->turns[i].role == CHAT_USER)
            return i;
    return 0;
}

static void drop_front(chat_conv *c, size_t k)
{
    for (size_t i = 0; i < k; i++)
        free((char *)c->turns[i].content);
    memmove(c->turns, c->turns + k, (c->n - k) * sizeof *c->turns);
    c->n -= k;
}

static int render(const chat_conv *c, chat_tmpl t, tok_session *tok, tok_ids *out, char *err,
                  size_t errlen)
{
    size_t n;
    chat_msg *m = chat_conv_msgs(c, c->n, &n);
    chat_tokens ct = {0};
    int rc = m ? chat_render_tokens(t, tok, m, n, true, &ct, err, errlen) : -1;
    if (!m)
        snprintf(err, errlen, "out of memory");
    free(m);
    if (!rc) {
        tok_ids_free(out);
        *out = ct.ids;
        ct.ids = (tok_ids){0};
    }
    chat_tokens_free(&ct);
    return rc;
}

int chat_conv_render(chat_conv *c, chat_tmpl t, tok_session *tok, int n_ctx, int reserve,
                     tok_ids *out, size_t *dropped, char *err, size_t errlen)
{
    size_t gone = 0;
    int rc;
    while (!(rc = render(c, t, tok, out, err, errlen)) &&
           out->n + (size_t)(reserve > 0 ? reserve : 0) > (size_t)n_ctx) {
        size_t k = oldest_exchange(c);
        if (!k)
            break;
        drop_front(c, k);
        gone += k;
    }
    if (dropped)
        *dropped = gone;
    if (!rc && out->n >= (size_t)n_ctx) {
        snprintf(err, errlen, "the prompt takes %zu tokens and the context holds %d: shorten "
                 "it or the system prompt", out->n, n_ctx);
        rc = -1;
    }
    return rc;
}
