/* config_diag.c - collecting and printing config problems. */
#include "config.h"

#include "config_diag.h"

#include <stdbool.h>
#include <stdarg.h>
#include <string.h>

void config_diags_init(config_diags *d)
{
    memset(d, 0, sizeof *d);
}

void config_diags_add(config_diags *d, config_severity sev, const char *where, int line, int col,
                      const char *fmt, ...)
{
    if (sev == CONFIG_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (d->n == CONFIG_MAX_DIAGS) {
        d->dropped++;
        return;
    }
    config_diag *g = &d->items[d->n++];
    snprintf(g->where, sizeof g->where, "%s", where);
    g->line = line;
    g->col = col;
    g->sev = sev;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->msg, sizeof g->msg, fmt, ap);
    va_end(ap);
}

/* Entries with a line first, by line then column; the rest by col. */
static bool before(const config_diag *a, const config_diag *b)
{
    if ((a->line > 0) != (b->line > 0))
        return a->line > 0;
    if (a->line != b->line)
        return a->line < b->line;
    return a->col < b->col;
}

void config_diags_sort(config_diags *d)
{
    for (size_t i = 1; i < d->n; i++) {
        config_diag g = d->items[i];
        size_t j = i;
        for (; j > 0 && before(&g, &d->items[j - 1]); j--)
            d->items[j] = d->items[j - 1];
        d->items[j] = g;
    }
}

void config_diag_format(const config_diag *g, char *buf, size_t len)
{
    const char *sev = g->sev == CONFIG_ERROR ? "error" : "warning";
    if (g->line > 0)
        snprintf(buf, len, "%s:%d:%d: %s: %s", g->where, g->line, g->col, sev, g->msg);
    else
        snprintf(buf, len, "%s: %s: %s", g->where, sev, g->msg);
}

void config_diags_print(const config_diags *d, FILE *fp)
{
    char line[1024];
    for (size_t i = 0; i < d->n; i++) {
        config_diag_format(&d->items[i], line, sizeof line);
        fprintf(fp, "%s\n", line);
    }
    if (d->dropped)
        fprintf(fp, "(%zu more not shown)\n", d->dropped);
}
