/* config_diff.c - line diff of two texts (config_diff.h): common head and
 * tail lines are matched first, then the lines between by a longest common
 * subsequence table, then the changes are cut into hunks with context. */
#include "config.h"

#include "config_diff.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

/* Past this many table cells the middle is shown as replaced whole. */
#define MAX_CELLS (4u << 20)

typedef struct {
    const char *p;
    size_t len;     /* with its line break, so "a\n" and "a" (at the end) differ */
} line_ref;

typedef struct {
    line_ref *v;
    size_t n;
} lines;

typedef enum { OP_SAME, OP_DEL, OP_ADD } op_kind;

typedef struct {
    op_kind kind;
    size_t a, b;    /* 0-based line in the old and the new text */
} op;

typedef struct {
    op *v;
    size_t n, cap;
    int failed;
} ops;

static int split(const char *t, size_t len, lines *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += t[i] == '\n';
    out->v = malloc((n + 2) * sizeof *out->v);
    out->n = 0;
    if (!out->v)
        return -1;
    size_t s = 0;
    for (size_t i = 0; i < len; i++)
        if (t[i] == '\n') {
            out->v[out->n++] = (line_ref){t + s, i + 1 - s};
            s = i + 1;
        }
    if (s < len)
        out->v[out->n++] = (line_ref){t + s, len - s};
    return 0;
}

static bool same(const line_ref *x, const line_ref *y)
{
    return x->len == y->len && !memcmp(x->p, y->p, x->len);
}

static void push(ops *o, op_kind k, size_t a, size_t b)
{
    op *v = o->failed ? NULL : grow_array(o->v, &o->cap, o->n + 1, sizeof *v, 64);
    if (!v) {
        o->failed = 1;
        return;
    }
    o->v = v;
    o->v[o->n++] = (op){k, a, b};
}

/* The middle A[a0..a1) against B[b0..b1) by an LCS table (suffix lengths). */
static void middle(const lines *A, size_t a0, size_t a1, const lines *B, size_t b0, size_t b1,
                   ops *o)
{
    size_t n = a1 - a0, m = b1 - b0;
    uint32_t *t = n && m && n <= MAX_CELLS / m ? calloc((n + 1) * (m + 1), sizeof *t) : NULL;
    if (!t) {
        for (size_t i = a0; i < a1; i++)
            push(o, OP_DEL, i, b0);
        for (size_t j = b0; j < b1; j++)
            push(o, OP_ADD, a1, j);
        return;
    }
#define T(i, j) t[(i) * (m + 1) + (j)]
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            T(i, j) = same(&A->v[a0 + i], &B->v[b0 + j]) ? T(i + 1, j + 1) + 1
                      : T(i + 1, j) >= T(i, j + 1)       ? T(i + 1, j)
                                                         : T(i, j + 1);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && same(&A->v[a0 + i], &B->v[b0 + j])) {
            push(o, OP_SAME, a0 + i++, b0 + j++);
        } else if (j == m || (i < n && T(i + 1, j) >= T(i, j + 1))) {
            push(o, OP_DEL, a0 + i++, b0 + j);
        } else {
            push(o, OP_ADD, a0 + i, b0 + j++);
        }
    }
#undef T
    free(t);
}

static int add_line(config_diff *d, size_t *cap, config_diff_kind k, int ol, int nl,
                    const char *p, size_t len)
{
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    config_diff_line *v = grow_array(d->lines, cap, d->n + 1, sizeof *v, 32);
    if (!v)
        return -1;
    d->lines = v;
    char *text = strndup(p, len);
    if (!text)
        return -1;
    d->lines[d->n++] = (config_diff_line){k, ol, nl, text};
    return 0;
}

/* One hunk: ops [s, e). */
static int hunk(config_diff *d, size_t *cap, const ops *o, size_t s, size_t e, const lines *A,
                const lines *B)
{
    size_t oc = 0, nc = 0;
    for (size_t i = s; i < e; i++) {
        oc += o->v[i].kind != OP_ADD;
        nc += o->v[i].kind != OP_DEL;
    }
    char head[96];
    size_t os = o->v[s].a + (oc ? 1 : 0), ns = o->v[s].b + (nc ? 1 : 0);
    snprintf(head, sizeof head, "@@ -%zu,%zu +%zu,%zu @@", os, oc, ns, nc);
    if (add_line(d, cap, CONFIG_DIFF_HUNK, 0, 0, head, strlen(head)) < 0)
        return -1;
    for (size_t i = s; i < e; i++) {
        const op *p = &o->v[i];
        int rc = p->kind == OP_SAME
                     ? add_line(d, cap, CONFIG_DIFF_CONTEXT, (int)p->a + 1, (int)p->b + 1,
                                A->v[p->a].p, A->v[p->a].len)
                 : p->kind == OP_DEL
                     ? add_line(d, cap, CONFIG_DIFF_REMOVED, (int)p->a + 1, 0, A->v[p->a].p,
                                A->v[p->a].len)
                     : add_line(d, cap, CONFIG_DIFF_ADDED, 0, (int)p->b + 1, B->v[p->b].p,
                                B->v[p->b].len);
        if (rc < 0)
            return -1;
        d->removed += p->kind == OP_DEL;
        d->added += p->kind == OP_ADD;
    }
    return 0;
}

/* Cuts the script into hunks: changes closer than 2 * CONTEXT share one. */
static int hunks(config_diff *d, const ops *o, int context, const lines *A, const lines *B)
{
    size_t cap = 0, ctx = context > 0 ? (size_t)context : 0, i = 0;
    while (i < o->n) {
        while (i < o->n && o->v[i].kind == OP_SAME)
            i++;
        if (i == o->n)
            break;
        size_t s = i > ctx ? i - ctx : 0, e = i;
        for (;;) {
            while (e < o->n && o->v[e].kind != OP_SAME)
                e++;
            size_t run = e;
            while (run < o->n && o->v[run].kind == OP_SAME)
                run++;
            if (run == o->n || run - e > 2 * ctx) {
                e = e + ctx < o->n ? e + ctx : o->n;
                break;
            }
            e = run;
        }
        if (hunk(d, &cap, o, s, e, A, B) < 0)
            return -1;
        i = e;
    }
    return 0;
}

int config_diff_texts(const char *old, size_t old_len, const char *new_text, size_t new_len,
                      int context, config_diff *out)
{
    *out = (config_diff){0};
    lines A = {0}, B = {0};
    ops o = {0};
    int rc = -1;
    if (split(old, old_len, &A) < 0 || split(new_text, new_len, &B) < 0)
        goto done;
    size_t head = 0, tail = 0;
    while (head < A.n && head < B.n && same(&A.v[head], &B.v[head]))
        head++;
    while (tail < A.n - head && tail < B.n - head &&
           same(&A.v[A.n - 1 - tail], &B.v[B.n - 1 - tail]))
        tail++;
    for (size_t i = 0; i < head; i++)
        push(&o, OP_SAME, i, i);
    middle(&A, head, A.n - tail, &B, head, B.n - tail, &o);
    for (size_t i = tail; i > 0; i--)
        push(&o, OP_SAME, A.n - i, B.n - i);
    if (!o.failed && hunks(out, &o, context, &A, &B) == 0)
        rc = 0;
done:
    if (rc < 0)
        config_diff_free(out);
    free(A.v);
    free(B.v);
    free(o.v);
    return rc;
}

void config_diff_free(config_diff *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->lines[i].text);
    free(d->lines);
    *d = (config_diff){0};
}

int config_diff_print(const config_diff *d, const char *old_name, const char *new_name, FILE *fp)
{
    if (d->n)
        fprintf(fp, "--- %s\n+++ %s\n", old_name, new_name);
    static const char prefix[] = {[CONFIG_DIFF_HUNK] = 0, [CONFIG_DIFF_CONTEXT] = ' ',
                                  [CONFIG_DIFF_REMOVED] = '-', [CONFIG_DIFF_ADDED] = '+'};
    for (size_t i = 0; i < d->n; i++) {
        const config_diff_line *l = &d->lines[i];
        if (l->kind == CONFIG_DIFF_HUNK)
            fprintf(fp, "%s\n", l->text);
        else
            fprintf(fp, "%c%s\n", prefix[l->kind], l->text);
    }
    return ferror(fp) ? -1 : 0;
}
